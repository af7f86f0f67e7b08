"""Journey 2: the plan office returns and approves submissions, locks the year, imports projects."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, PlanYear
from projects.models import Project, ProjectProgress
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import log_in, screenshot
from tests.factories import IndicatorResultFactory, ProjectProgressFactory

pytestmark = pytest.mark.browser

# Each journey on a desktop and on a phone: assert_accessible also checks that the page does not
# scroll sideways and that chart labels are readable.
on_both_screens = pytest.mark.parametrize("viewport", ["1280", "390"], indirect=True)

TO_RETURN = "地域活動への市民の参加割合"
TO_APPROVE = "若者(20歳代)の地域活動への参加割合"
LEFT_OPEN = "市民協働推進事業の目標達成率"


@pytest.fixture
def submissions(journey_plan, personas):
    indicators = {i.name: i for i in Indicator.objects.filter(policy__plan=journey_plan)}
    for name, value in ((TO_RETURN, "47.9"), (TO_APPROVE, "19.9")):
        IndicatorResultFactory(
            indicator=indicators[name],
            fiscal_year=2025,
            value=Decimal(value),
            analysis="前年度並み。",
            status=EntryStatus.SUBMITTED,
            entered_by=personas["staff_a"],
        )
    return indicators


@on_both_screens
def test_admin_returns_one_approves_another_and_locks_the_year(
    page, browser_context, submissions, personas
):
    log_in(page, personas["admin"])
    # The office lands on the review, and decides each submission there.
    expect(page.get_by_role("heading", level=1)).to_have_text("2025年度の確認・承認")
    assert_accessible(page, "確認・承認")
    review_url = page.url.split("#")[0]

    to_return = page.get_by_role("article", name=TO_RETURN)
    expect(to_return).to_contain_text("47.9%")
    expect(to_return).to_contain_text("前年度並み。")
    to_return.get_by_label("差し戻す理由").fill(
        "基準値と調査方法が違うので、注記を書いてください。"
    )
    to_return.get_by_role("button", name="差し戻す").click()
    expect(page.locator(".messages")).to_contain_text("差し戻しました")
    # The page moved on to the next submission.
    assert page.url.endswith(f"#review-indicators-{submissions[TO_APPROVE].pk}")

    page.get_by_role("button", name="確認事項のない1件をまとめて承認する").click()
    expect(page.locator(".messages")).to_contain_text("1件を承認しました")
    expect(page.get_by_role("heading", name="「提出済」の項目")).to_contain_text("0件")
    assert_accessible(page, "確認・承認(まとめて承認の後)")

    # A form opened before the year is locked, in a second tab.
    stale = browser_context.new_page()
    plan = submissions[LEFT_OPEN].policy.plan
    stale.goto(
        reverse("plans:entry", args=[plan.code, 2025, "indicators", submissions[LEFT_OPEN].pk])
    )
    expect(stale.get_by_role("heading", level=1)).to_contain_text(LEFT_OPEN)

    page.goto(review_url)
    page.get_by_role("button", name="2025年度を確定する").click()
    expect(page.locator(".messages")).to_contain_text("確定")
    expect(page.get_by_role("button", name="確定を解除して再開する")).to_be_visible()
    screenshot(page, "2-admin-year-locked")
    assert_accessible(page, "確認・承認(確定後)")

    stale.get_by_label("実績値").fill("90")
    stale.get_by_role("button", name="下書き保存").click()
    expect(stale.locator("form .alert-danger")).to_contain_text(
        "2025年度は確定(ロック)されているため変更できません。"
    )
    expect(stale.get_by_label("実績値")).to_be_disabled()
    assert_accessible(stale, "入力(確定した年度)")

    results = {
        r.indicator.name: r
        for r in IndicatorResult.objects.filter(fiscal_year=2025).select_related("indicator")
    }
    assert results[TO_RETURN].status == EntryStatus.RETURNED
    assert results[TO_RETURN].return_reason.startswith("基準値と調査方法が違う")
    assert results[TO_APPROVE].status == EntryStatus.APPROVED
    assert results[TO_APPROVE].approved_by == personas["admin"]
    assert LEFT_OPEN not in results
    assert PlanYear.objects.get(plan=submissions[TO_RETURN].policy.plan, fiscal_year=2025).is_locked


def project_list(path, *rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["事業コード", "事業名", "事業概要", "基本施策", "所管課"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@on_both_screens
def test_admin_imports_a_project_list_reads_the_error_fixes_the_file_and_sees_the_projects(
    page, journey_plan, personas, tmp_path
):
    good = (
        "P-201",
        "地域の見守り協働事業",
        "町内会とNPOが見守りを行います。",
        "1-1",
        "市民協働企画課",
    )
    bad = ("P-202", "学生ボランティア応援事業", "大学と連携します。", "9-9", "市民協働企画課")
    log_in(page, personas["admin"])
    page.get_by_role("link", name="管理画面").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert_accessible(page, "管理画面トップ")
    page.get_by_role("link", name="事業", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/admin/projects/project/$"))
    assert_accessible(page, "管理画面・事業一覧")
    if page.viewport_size["width"] == 1280:
        # The names have room, and the 計画 column is in view, not under the filter panel.
        name = page.locator("#result_list th.column-name").bounding_box()
        plan = page.locator("#result_list th.column-plan").bounding_box()
        filters = page.locator("#changelist-filter").bounding_box()
        assert name["width"] >= 160, name  # it was about 70 px
        assert plan["x"] + plan["width"] <= filters["x"], (plan, filters)
    page.get_by_role("link", name="事業一覧の取込(.xlsx / .csv)").click()
    expect(page.get_by_label("ファイル")).to_be_visible()
    assert_accessible(page, "管理画面・事業一覧の取込")

    page.get_by_label("ファイル").set_input_files(
        project_list(tmp_path / "事業一覧.xlsx", good, bad)
    )
    page.get_by_role("button", name="確認する").click()
    expect(page.locator(".errornote")).to_contain_text("エラーが1行あります")
    error_row = page.get_by_role("row").filter(has_text="学生ボランティア応援事業")
    expect(error_row).to_contain_text("基本施策「9-9」はこの計画にありません")
    screenshot(page, "2-admin-import-error")
    assert_accessible(page, "管理画面・事業一覧の取込(エラー)")
    assert not Project.objects.filter(code__in=["P-201", "P-202"]).exists()

    fixed = (*bad[:3], "2-1", bad[4])
    page.get_by_label("ファイル").set_input_files(project_list(tmp_path / "修正.xlsx", good, fixed))
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", name="確認(まだ取り込んでいません)")).to_be_visible()
    assert_accessible(page, "管理画面・事業一覧の取込(確認)")
    page.get_by_role("button", name="この内容で取り込む").click()

    expect(page.locator(".messagelist")).to_contain_text("取り込みました")
    expect(page.get_by_role("link", name="地域の見守り協働事業")).to_be_visible()
    expect(page.get_by_role("link", name="学生ボランティア応援事業")).to_be_visible()
    screenshot(page, "2-admin-imported")
    project = Project.objects.get(plan=journey_plan, code="P-202")
    assert [m.code for m in project.measures.all()] == ["2-1"]


def test_the_results_import_and_a_project_form_are_accessible(page, journey_plan, personas):
    log_in(page, personas["admin"])
    page.goto(reverse("plans:review", args=[journey_plan.code, 2025]))
    page.get_by_role("link", name="所管課から届いたファイルを取り込む").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2025年度の実績の取込")
    assert_accessible(page, "実績の取込")

    project = Project.objects.filter(plan=journey_plan).first()
    page.goto(reverse("admin:projects_project_change", args=[project.pk]))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "管理画面・事業の変更")

    page.goto(reverse("admin:plans_plan_change", args=[journey_plan.pk]))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "管理画面・計画の変更")


def test_the_office_hands_out_a_departments_file_and_imports_it_back(
    page, journey_plan, personas, tmp_path
):
    """Issue 15: the review page offers each department its own fill-in file; what the
    department types into it comes back through the import page as submissions."""
    log_in(page, personas["admin"])
    page.goto(reverse("plans:review", args=[journey_plan.code, 2025]))
    page.get_by_role("heading", name="ファイルでの受け渡し").scroll_into_view_if_needed()
    screenshot(page, "2-admin-fill-in-files")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="市民協働企画課の成果指標の実績(.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename == "市民協働企画課_2025年度_成果指標の実績.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    # The department types into the white cells and saves (openpyxl keeps the protection).
    workbook = load_workbook(path)
    sheet = workbook.active
    header = {cell.value: cell.column for cell in sheet[3]}
    for row in sheet.iter_rows(min_row=4):
        if row[header["指標名"] - 1].value == TO_APPROVE:
            row[header["実績値"] - 1].value = 19.9
            row[header["要因分析"] - 1].value = "前年度並み。"
    workbook.save(path)

    page.get_by_role("link", name="所管課から届いたファイルを取り込む").click()
    page.get_by_label("取り込むもの").select_option(label="成果指標の実績")
    page.get_by_label("どの所管課のファイルか").select_option(label="市民協働企画課")
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", name="確認(まだ取り込んでいません)")).to_be_visible()
    expect(page.get_by_text("新規 1件")).to_be_visible()
    assert_accessible(page, "実績の取込(記入用ファイルの確認)")
    screenshot(page, "2-admin-fill-in-preview")
    page.get_by_role("button", name="この内容で取り込む").click()
    expect(page.locator(".messages")).to_contain_text("取り込みました")
    result = IndicatorResult.objects.get(indicator__name=TO_APPROVE, fiscal_year=2025)
    assert (result.value, result.status) == (Decimal("19.9"), EntryStatus.SUBMITTED)


def test_the_office_reviews_ten_submissions_in_three_page_loads(page, journey_plan, personas):
    """Ten submissions, two of them flagged: one bulk approval for the eight plain ones, then
    each flagged one approved where it stands. (On the old review page: 30 clicks and 30 page
    loads, open the item, approve, back to the list, ten times.)"""
    indicators = list(Indicator.objects.filter(policy__plan=journey_plan).order_by("pk"))
    projects = list(Project.objects.filter(plan=journey_plan).order_by("pk")[:3])
    for indicator in indicators:
        IndicatorResultFactory(
            indicator=indicator, fiscal_year=2024, value=indicator.baseline_value,
            status=EntryStatus.APPROVED,
        )  # fmt: skip
        IndicatorResultFactory(
            indicator=indicator,
            fiscal_year=2025,
            value=indicator.baseline_value * (3 if indicator in indicators[:2] else 1),
            analysis="前年度並み。",
            status=EntryStatus.SUBMITTED,
            entered_by=personas["staff_a"],
        )
    for project in projects:
        ProjectProgressFactory(
            project=project, fiscal_year=2025, grade="B", outlook="continue",
            status=EntryStatus.SUBMITTED, entered_by=personas["staff_a"],
        )  # fmt: skip
    assert len(indicators) + len(projects) == 10

    log_in(page, personas["admin"])
    expect(page.get_by_role("heading", level=1)).to_have_text("2025年度の確認・承認")
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    clicks = 0

    page.get_by_role("button", name="確認事項のない8件をまとめて承認する").click()
    clicks += 1
    expect(page.locator(".messages")).to_contain_text("8件を承認しました")
    for indicator in indicators[:2]:
        case = page.get_by_role("article", name=indicator.name)
        expect(case).to_contain_text("確認事項")
        case.get_by_role("button", name="承認する").click()
        clicks += 1
        expect(page.locator(".messages")).to_contain_text("承認しました")

    expect(page.get_by_role("heading", name="「提出済」の項目")).to_contain_text("0件")
    assert (clicks, len(loads)) == (3, 3)
    approved = IndicatorResult.objects.filter(fiscal_year=2025, status=EntryStatus.APPROVED)
    assert approved.count() == len(indicators)
    assert ProjectProgress.objects.filter(status=EntryStatus.APPROVED).count() == 3
