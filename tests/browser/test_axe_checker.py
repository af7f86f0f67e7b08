"""The accessibility check itself: it must fail on a page that breaks the rules."""

import json

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import REPORT_CSP

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


def test_the_csp_check_sees_an_inline_style_in_a_pages_markup(browser_context):
    """The `page` fixture counts violations that have a source file; markup has one."""
    tab = browser_context.new_page()
    tab.add_init_script(REPORT_CSP)
    with tab.expect_console_message(lambda m: m.text.startswith("CSP-BLOCKED ")) as message:
        tab.route(
            "**/csp-probe/",
            lambda route: route.fulfill(
                status=200,
                headers={"Content-Security-Policy": "style-src 'self'"},
                content_type="text/html; charset=utf-8",
                body='<!DOCTYPE html><html lang="ja"><p style="color: red">インライン</p></html>',
            ),
        )
        tab.goto("/csp-probe/")
    violation = json.loads(message.value.text.removeprefix("CSP-BLOCKED "))
    assert violation["directive"] == "style-src-attr"
    assert violation["source"].endswith("/csp-probe/")
