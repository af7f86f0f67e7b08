"""The print report as Chromium prints it: A4 portrait, no figure or grade broken across lines
(「118,84 / 8」, 「評価不 / 能」), and a PDF whose page count is printed for the README."""

import os
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from plans.models import BasicPolicy
from plans.progress.demo import demo_results_create
from tests.browser.helpers import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

YEAR = 2024
# A4's width less the report's 12 mm side margins (static/css/portal.css), in CSS pixels.
A4_PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)

# Every figure, grade and short term of the report: how many line boxes it takes, and whether it
# stays inside its table cell.
LINE_BOXES = """() => [...document.querySelectorAll(".report :is(.figure, .grade, .term)")]
  .map((element) => {
    const cell = element.closest("td, th");
    const box = element.getBoundingClientRect();
    const cellBox = cell ? cell.getBoundingClientRect() : box;
    return {
      text: element.textContent,
      lines: element.getClientRects().length,
      inside: box.left >= cellBox.left - 0.5 && box.right <= cellBox.right + 0.5,
    };
  })"""


@pytest.fixture
def demo_plan(seed_results, personas):
    """The Okayama plan with the seed values and the demo command's results, progress and
    assessments for the years before the one being entered."""
    demo_results_create(approver=personas["admin"])
    return seed_results


def test_no_figure_or_grade_is_broken_across_lines_at_a4_width(page, demo_plan, personas):
    log_in(page, personas["committee"])
    page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1100})
    page.emulate_media(media="print")
    page.goto(reverse("plans:report", args=[demo_plan.code, YEAR]))

    shown = page.evaluate(LINE_BOXES)
    assert len(shown) > 200  # the indicators' values, percentages, grades, amounts
    assert any(item["text"] == "− 評価不能" for item in shown)
    broken = [item["text"] for item in shown if item["lines"] != 1]
    assert not broken, f"行をまたいで折り返された数値・評価: {broken[:10]}"
    outside = [item["text"] for item in shown if not item["inside"]]
    assert not outside, f"表のセルからはみ出した数値: {outside[:10]}"
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= A4_PRINT_WIDTH, "A4の幅に収まらない"


def test_the_printed_report_has_a_cover_contents_summary_and_numbered_pages(
    page, demo_plan, personas
):
    log_in(page, personas["committee"])
    page.goto(reverse("plans:report", args=[demo_plan.code, YEAR]))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "print-report.pdf"
    pdf = page.pdf(path=path, prefer_css_page_size=True, print_background=True)

    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    policies = BasicPolicy.objects.filter(plan=demo_plan).count()
    print(f"\n印刷した報告書: {pages}ページ ({path})")
    # The cover and contents, the summary, then each policy from a new page.
    assert pages >= 2 + policies
    assert pages <= 4 * (2 + policies)  # no page left almost empty after each table row

    pdftotext = shutil.which("pdftotext")
    # poppler-utils reads the printed text back, page by page; CI installs it and requires it
    # (REQUIRE_BROWSER=1), so the page numbers and running head are checked there.
    if not pdftotext and os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail("REQUIRE_BROWSER=1 but pdftotext (poppler-utils) is missing")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        printed = text.split("\f")[:pages]
        assert "目次" in printed[0] and "報告先" in printed[0] and "発行日" in printed[0]
        assert "計画全体の概要" in printed[1]
        # The committee's opinions and the city's responses close the report, on a new page.
        assert "委員会の意見と市の対応" in printed[-1] and "基本方針" not in printed[-1]
        for number, content in enumerate(printed, start=1):
            footer = re.search(rf"(?<!\d){number}\s*/\s*{pages}\s*$", content)
            assert footer, f"{number}ページにページ番号がない"
            running_head = f"{demo_plan.title} 2024年度 進捗状況報告書(年次報告)"
            assert running_head in content.split("\n", 3)[0], f"{number}ページに柱がない"
            body = content.replace(running_head, "").replace(footer.group(0).strip(), "")
            assert body.split(), f"{number}ページが空白"
