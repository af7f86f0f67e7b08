"""Journey 3: a committee member reads the dashboards and downloads the report and open data."""

import csv
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

# Each journey on a desktop and on a phone: assert_accessible also checks that the page does not
# scroll sideways and that chart labels are readable.
on_both_screens = pytest.mark.parametrize("viewport", ["1280", "390"], indirect=True)

INDICATOR = "SNSのフォロワー数"


@on_both_screens
def test_committee_member_switches_years_reads_an_indicator_and_downloads_the_reports(
    page, seed_results, personas, tmp_path
):
    log_in(page, personas["committee"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("年度の進捗状況")
    assert_accessible(page, "進捗状況(全体)")

    page.get_by_role("navigation", name="年度の切り替え").get_by_role(
        "link", name="2024年度"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2024年度の進捗状況")
    expect(page.get_by_role("link", name="2024年度", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    screenshot(page, "3-committee-overview-2024")
    assert_accessible(page, "進捗状況(2024年度)")

    page.get_by_role("link", name=INDICATOR).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(INDICATOR)
    chart = page.get_by_role("img", name=f"{INDICATOR}の推移")
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name=f"{INDICATOR}の年度ごとの値")
    expect(table.get_by_role("row").filter(has_text="2024")).to_contain_text("1,620")
    expect(table.get_by_role("row").filter(has_text="2021")).to_contain_text("1,000")
    screenshot(page, "3-committee-indicator")
    assert_accessible(page, "成果指標の詳細")

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2024年度の進捗状況")
    with page.expect_download() as download:
        page.get_by_role("link", name="報告書(Excel .xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    cells = {
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    }
    assert INDICATOR in cells
    assert any("2024" in cell for cell in cells)

    with page.expect_download() as download:
        page.get_by_role("link", name="オープンデータ(CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    sns = {row["年度"]: row["実績値"] for row in rows if row["指標名"] == INDICATOR}
    assert sns == {"2021": "1000", "2022": "1200", "2023": "1450", "2024": "1620"}
