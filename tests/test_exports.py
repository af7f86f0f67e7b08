"""The annual report .xlsx and the open data, read back as a person's software would."""

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from plans.reports.evaluation import plan_evaluation
from plans.reports.exports import report_workbook
from plans.reports.open_data import open_data_csv, open_data_json
from plans.spreadsheet_cells import LINE_POINTS
from projects.models import Project, ProjectProgress
from tests.conftest import SEED_VALUES
from tests.factories import ProjectProgressFactory

pytestmark = pytest.mark.django_db
YEAR = 2024


@pytest.fixture
def evaluation(seed_results):
    IndicatorResult.objects.create(
        indicator=Indicator.objects.get(name="SNSのフォロワー数"),
        fiscal_year=2025,
        value=Decimal("1700"),
        status=EntryStatus.APPROVED,
    )
    IndicatorResult.objects.filter(
        indicator__name="地域活動への市民の参加割合", fiscal_year=YEAR
    ).update(analysis="地域行事が再開したため")
    IndicatorResult.objects.filter(
        indicator__name="企業・NPO法人等が参加した安全・安心ネットワーク数", fiscal_year=YEAR
    ).update(status=EntryStatus.SUBMITTED)
    ProjectProgressFactory(
        project=Project.objects.get(name="市民協働推進事業"),
        fiscal_year=YEAR,
        activities="補助事業を5件採択した",
        grade="B",
        issues="応募が少ない",
        outlook="expand",
        budget_amount=1200,
        settlement_amount=1150,
        status=EntryStatus.APPROVED,
    )
    return plan_evaluation(seed_results, YEAR)


def workbook(evaluation):
    return load_workbook(io.BytesIO(report_workbook(evaluation)))


def rows_by_name(sheet, column):
    return {row[column].value: row for row in sheet.iter_rows(min_row=4) if row[column].value}


def test_indicator_sheet(evaluation):
    sheet = workbook(evaluation)["成果指標"]
    headers = [cell.value for cell in sheet[3]]
    assert headers == [
        "基本方針", "指標名", "単位", "集計方法", "基準値", "基準年度",
        "2021年度", "2022年度", "2023年度", "2024年度",
        "目標値", "目標年度", "進捗率", "達成率", "評価", "評価の根拠年度", "後退", "速報値",
        "要因分析",
    ]  # fmt: skip
    rows = rows_by_name(sheet, 1)
    assert len(rows) == 7
    participation = [cell.value for cell in rows["地域活動への市民の参加割合"]]
    assert participation[:10] == [
        "1 協働の主体となる新たな担い手を育てるとともに、その活動を支援します",
        "地域活動への市民の参加割合", "%", "単年度値", 45.3, "2020年度", 46, 47.1, "測定なし", 48,
    ]  # fmt: skip
    assert participation[10:12] == [50.8, "2025年度"]
    assert round(participation[12], 6) == round(float(Decimal("2.7") / Decimal("5.5")), 6)
    assert participation[14:] == ["C やや遅れ", "2024年度", None, None, "地域行事が再開したため"]
    assert rows["地域活動への市民の参加割合"][4].number_format == "#,##0.0"
    assert rows["地域活動への市民の参加割合"][12].number_format == "0%"
    page_views = [cell.value for cell in rows["市民協働に関する市ホームページの閲覧数"]]
    assert page_views[6:10] == [120000, 125000, None, 130000]  # 2023 missing: empty, not 0
    youth = [cell.value for cell in rows["若者(20歳代)の地域活動への参加割合"]]
    assert (youth[14], youth[16]) == ("D 遅れ", "後退")
    # The submitted (not approved) 2024 value does not count.
    network = [cell.value for cell in rows["企業・NPO法人等が参加した安全・安心ネットワーク数"]]
    assert network[9] is None
    # How each indicator is counted: the cumulative and the averaged ones say so.
    assert rows["ESD・市民協働推進センターの相談者数"][3].value == "累計"
    # FY2025 is after the evaluated year.
    assert "2025年度" not in headers


def test_indicator_sheet_is_ready_to_print(evaluation):
    sheet = workbook(evaluation)["成果指標"]
    assert sheet.freeze_panes == "C4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.print_area == "'成果指標'!$A$3:$S$10"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width
    assert "岡山市協働推進計画 2024年度" in sheet["A1"].value


def test_project_sheet(evaluation):
    sheet = workbook(evaluation)["事業"]
    assert [cell.value for cell in sheet[3]] == [
        "基本施策", "事業名", "所管課", "実施内容・実績", "評価", "評価の根拠年度", "課題",
        "今後の方向性", "予算額(千円)", "決算額(千円)",
    ]  # fmt: skip
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert len(rows) == 30  # every row of every measure's table, as the plan lists them
    shared = [row for row in rows if row[1] == "市民協働推進事業"]
    assert [row[0] for row in shared] == [
        "2-1 協働するための環境の提供",
        "2-3 市役所の協働化の推進",
    ]
    assert shared[0][3:] == [
        "補助事業を5件採択した", "B 順調", "2024年度", "応募が少ない", "拡充", 1200, 1150,
    ]  # fmt: skip
    assert sheet.cell(row=4, column=9).number_format == "#,##0"
    assert sheet.freeze_panes == "C4"


def test_open_data_csv_reads_back_in_excel_encoding(evaluation, seed_results):
    data = open_data_csv(plan_evaluation(seed_results, seed_results.last_fiscal_year))
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    approved = IndicatorResult.objects.filter(status=EntryStatus.APPROVED).count()
    assert len(rows) == approved == sum(len(v) for v in SEED_VALUES.values()) - 1 + 1
    first = rows[0]
    assert list(first) == [
        "計画コード", "計画名", "基本方針番号", "指標名", "単位", "集計方法", "目標の方向",
        "基準値", "基準年度", "目標値", "目標年度", "年度", "実績値", "測定なし", "速報値",
        "速報値の時点", "年度目標", "デモ用データ", "評価対象年度", "評価", "評価の根拠年度",
    ]  # fmt: skip
    assert (first["指標名"], first["年度"], first["実績値"], first["基準値"]) == (
        "地域活動への市民の参加割合", "2021", "46", "45.3",
    )  # fmt: skip
    assert first["目標の方向"] == "増加が望ましい"
    not_measured = [row for row in rows if row["測定なし"] == "はい"]
    assert len(not_measured) == 1 and not_measured[0]["実績値"] == ""
    assert any(row["実績値"] == "1700" and row["年度"] == "2025" for row in rows)


def test_open_data_json(evaluation):
    data = json.loads(open_data_json(evaluation))
    assert data["plan"]["code"] == "okayama-kyodo-2021"
    consultations = next(
        i for i in data["indicators"] if i["name"] == "ESD・市民協働推進センターの相談者数"
    )
    assert consultations["baseline"] == "778" and consultations["target"] == "4000"
    assert consultations["aggregation"] == "cumulative"
    assert [(r["fiscal_year"], r["value"]) for r in consultations["results"]] == [
        (2021, "820"), (2022, "790"), (2023, "900"), (2024, "760"),
    ]  # fmt: skip


def test_building_the_files_runs_no_query(evaluation, django_assert_num_queries):
    with django_assert_num_queries(0):
        report_workbook(evaluation)
        open_data_csv(evaluation)
        open_data_json(evaluation)


def test_a_title_with_ampersand_g_keeps_its_page_header(evaluation):
    """XlsxWriter takes "&G" in a page header for a picture; a title's "&" before a G is text."""
    evaluation.plan.title = "R&G協働推進計画"
    sheet = workbook(evaluation)["事業"]
    assert sheet.oddHeader.center.text == "R&&G協働推進計画 2024年度"
    assert sheet["A1"].value == "R&G協働推進計画 2024年度 進捗状況報告書(年次報告)"


def test_every_table_cell_has_its_border_and_wraps_long_text(evaluation):
    sheet = workbook(evaluation)["事業"]
    for row in sheet.iter_rows(min_row=3, max_col=9):
        for cell in row:
            assert cell.border.left.style == "thin", cell.coordinate
    header, first = sheet["A3"], sheet["D4"]
    assert header.font.bold and header.fill.fgColor.rgb.endswith("DDE5F0")
    assert first.alignment.wrap_text and first.alignment.vertical == "top"
    assert sheet.page_setup.paperSize == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_rows_are_as_high_as_their_wrapped_text(evaluation, seed_results):
    """実施内容・実績 is 50 characters wide: 60 kanji (120 columns) wrap to 3 lines, and a
    line break starts another; a row of short text keeps the default height."""
    record = ProjectProgress.objects.get(project__name="市民協働推進事業", fiscal_year=YEAR)
    record.activities = "講座" * 30 + "\n2行目"
    record.save()
    sheet = workbook(plan_evaluation(seed_results, YEAR))["事業"]
    heights = {
        row[1].value: sheet.row_dimensions[row[1].row].height for row in sheet.iter_rows(min_row=4)
    }
    assert heights["市民協働推進事業"] == 4 * LINE_POINTS
    assert None in heights.values()  # rows whose text fits keep the default height
