"""The accessibility check itself: it must fail on a page that breaks the rules."""

import pytest

from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.browser

BAD_PAGE = """<!DOCTYPE html><html lang="ja"><head><title>悪い例</title></head><body>
<main><h1>悪い例</h1><h4>見出しが飛んでいる</h4>
<p style="color:#bbb;background:#fff">薄すぎる文字</p>
<form><input type="text" name="value"><button type="submit"></button></form>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""


def test_the_check_names_each_broken_rule(page):
    page.set_content(BAD_PAGE)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "悪い例", keep=False)
    report = str(failure.value)
    for rule in ("color-contrast", "label", "button-name", "image-alt", "heading-order"):
        assert rule in report


def test_the_check_requires_japanese_as_the_page_language(page):
    page.set_content(BAD_PAGE.replace('lang="ja"', 'lang="en"'))
    with pytest.raises(AssertionError, match="ja"):
        assert_accessible(page, "英語の例", keep=False)
