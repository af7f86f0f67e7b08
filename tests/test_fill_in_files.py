"""The fill-in files the plan office hands each department (issue 15), and what comes back.

The files are filled in here the way a person does it in Excel: openpyxl opens the downloaded
file, types into the white cells (numbers as numbers, a choice from the drop-down), and saves
it; sheet protection and the drop-downs stay as they were.
"""

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from plans.progress.kinds import INDICATORS
from plans.progress.workflow import Submission, entries_submit
from projects.models import Project, ProjectProgress
from tests.factories import DepartmentFactory, IndicatorResultFactory
from tests.test_downloads import disposition
from tests.test_query_counts import client_for, query_count

pytestmark = pytest.mark.django_db

YEAR = 2025
KEYS = {"indicators": "指標名", "projects": "事業名"}


@pytest.fixture
def plan(seed_results, personas):
    """The plan with policies 1 and 3 in department A's hands, policy 2 in B's, and one
    project nobody is assigned to."""
    for policy in seed_results.policies.all():
        department = personas["department_b" if policy.number == 2 else "department_a"]
        Indicator.objects.filter(policy=policy).update(department=department)
        Project.objects.filter(measure_links__measure__policy=policy).update(department=department)
    Project.objects.filter(plan=seed_results, name="リーフレット等の作成").update(department=None)
    return seed_results


@pytest.fixture
def office(personas):
    return client_for(personas["admin"])


def download(client, plan, kind, department, year=YEAR):
    key = department.pk if department else "none"
    response = client.get(reverse("plans:fill_in_file", args=[plan.code, year, kind, key]))
    assert response.status_code == 200, response.content[:300]
    return response


def header_of(sheet):
    return {cell.value: cell.column for cell in sheet[3] if cell.value}


def table_of(content):
    """The sheet's rows below its header, as {column title: cell}."""
    sheet = load_workbook(io.BytesIO(content)).active
    header = header_of(sheet)
    return [
        {title: row[column - 1] for title, column in header.items()}
        for row in sheet.iter_rows(min_row=4)
    ]


def filled(content, kind, values):
    """`content` with `values` ({item name: {column: value}}) typed into its white cells."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header = header_of(sheet)
    typed = set()
    for row in sheet.iter_rows(min_row=4):
        name = row[header[KEYS[kind]] - 1].value
        for column, value in values.get(name, {}).items():
            cell = row[header[column] - 1]
            assert cell.protection.locked is False, (name, column)  # Excel would refuse
            cell.value = value
            typed.add(name)
    assert typed == set(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def preview(client, plan, kind, data, *, department=None, year=YEAR):
    url = reverse("plans:results_import", args=[plan.code, year])
    form = {"kind": kind, "file": SimpleUploadedFile("記入済み.xlsx", data), "encoding": ""}
    if department is not None:
        form["department"] = department.pk
    return client.post(url, form)


def confirm(client, plan, shown, year=YEAR):
    url = reverse("plans:results_import", args=[plan.code, year])
    return client.post(url, {"confirm": "1", **dict(shown.context["hidden"])})


def validation_of(sheet, cell):
    """The data validation of `cell` (there is exactly one)."""
    [validation] = [
        validation
        for validation in sheet.data_validations.dataValidation
        if cell.coordinate in validation.sqref
    ]
    return validation


def names_in(content, kind):
    return [row[KEYS[kind]].value for row in table_of(content)]


# --- What the review page offers -----------------------------------------------------------


def test_the_review_page_offers_each_departments_files_and_all_of_them(office, plan, personas):
    html = office.get(reverse("plans:review", args=[plan.code, YEAR])).content.decode()
    a, b = personas["department_a"], personas["department_b"]
    for department, kind in [(a, "indicators"), (a, "projects"), (b, "indicators")]:
        url = reverse("plans:fill_in_file", args=[plan.code, YEAR, kind, department.pk])
        assert f'href="{url}"' in html
    # Items nobody is assigned to get a file too, for the plan office itself.
    none = reverse("plans:fill_in_file", args=[plan.code, YEAR, "projects", "none"])
    assert f'href="{none}"' in html
    assert "所管課未設定" in html
    assert f'href="{reverse("plans:fill_in_all", args=[plan.code, YEAR])}"' in html
    assert "results_export" not in html and "/export/" not in html


def test_a_department_file_holds_only_its_indicators_in_a_japanese_sheet(office, plan, personas):
    a = personas["department_a"]
    IndicatorResultFactory(
        indicator=Indicator.objects.get(name="SNSのフォロワー数"), fiscal_year=YEAR,
        value=Decimal("1650"), analysis="順調に増えた", status=EntryStatus.SUBMITTED,
    )  # fmt: skip
    response = download(office, plan, "indicators", a)
    assert disposition(response)[1] == "市民協働企画課_2025年度_成果指標の実績.xlsx"
    ours = set(Indicator.objects.filter(department=a).values_list("name", flat=True))
    assert set(names_in(response.content, "indicators")) == ours
    assert "市民協働推進事業の目標達成率" not in ours  # department B's

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "成果指標の実績"
    assert sheet["A1"].value.startswith("市民協働企画課 2025年度 成果指標の実績 記入用ファイル")
    assert "白いセルに記入してください" in sheet["A2"].value
    assert list(header_of(sheet)) == [
        "年度", "所管課", "指標名", "単位", "基準値", "目標値",
        "2021年度実績", "2022年度実績", "2023年度実績", "2024年度実績",
        "実績値", "測定なし", "速報値", "速報値の時点", "要因分析", "版",
    ]  # fmt: skip
    assert sheet.freeze_panes == "D4"
    assert sheet.protection.sheet
    assert sheet.column_dimensions["C"].width == 40
    assert sheet.column_dimensions["O"].width == 50

    rows = {row["指標名"].value: row for row in table_of(response.content)}
    sns = rows["SNSのフォロワー数"]
    assert (sns["年度"].value, sns["所管課"].value) == (2025, "市民協働企画課")
    assert sns["年度"].number_format == '0"年度"'
    # Numbers are numbers, shown with the unit; earlier years are the approved values.
    for column, value in [("基準値", 880), ("2024年度実績", 1620), ("実績値", 1650)]:
        assert (sns[column].value, sns[column].data_type) == (value, "n"), column
        assert sns[column].number_format == '#,##0"人"', column
    stored = IndicatorResult.objects.get(indicator__name="SNSのフォロワー数", fiscal_year=YEAR)
    assert (sns["要因分析"].value, sns["版"].value) == ("順調に増えた", stored.version)
    share = rows["地域活動への市民の参加割合"]
    assert share["2023年度実績"].value == "測定なし"
    assert share["2024年度実績"].number_format == '#,##0.0"%"'
    # Fixed cells are grey and locked; only what the department enters is open.
    for column in ("年度", "所管課", "指標名", "単位", "基準値", "目標値", "2024年度実績", "版"):
        assert sns[column].protection.locked, column
        assert sns[column].fill.fgColor.rgb == "00E7E6E6", column
    for column in ("実績値", "測定なし", "速報値", "速報値の時点", "要因分析"):
        assert not sns[column].protection.locked, column
        assert sns[column].fill.fill_type is None, column
    # 測定なし is a drop-down; a value is a number within the indicator's own range.
    assert validation_of(sheet, sns["測定なし"]).formula1 == '"はい"'
    assert validation_of(sheet, sns["実績値"]).type == "decimal"
    share_range = validation_of(sheet, share["実績値"])
    assert (share_range.type, share_range.formula1, share_range.formula2) == ("decimal", "0", "100")
    assert "実績値は0〜100の数値で入力してください" in share_range.error


def test_earlier_years_show_approved_values_only(office, plan, personas):
    indicator = Indicator.objects.get(name="SNSのフォロワー数")
    IndicatorResult.objects.filter(indicator=indicator, fiscal_year=2024).update(
        status=EntryStatus.SUBMITTED
    )
    rows = {
        row["指標名"].value: row
        for row in table_of(download(office, plan, "indicators", personas["department_a"]).content)
    }
    assert rows["SNSのフォロワー数"]["2024年度実績"].value is None
    assert rows["SNSのフォロワー数"]["2023年度実績"].value == 1450


def test_the_project_file_offers_the_models_choices_as_drop_downs(office, plan, personas):
    project = Project.objects.get(plan=plan, name="区づくり推進事業")
    ProjectProgress.objects.create(
        project=project, fiscal_year=2024, grade="B", outlook="continue",
        status=EntryStatus.APPROVED,
    )  # fmt: skip
    ProjectProgress.objects.create(
        project=project, fiscal_year=YEAR, activities="=補助事業を5件", grade="A",
        outlook="expand", budget_amount=1200, status=EntryStatus.DRAFT,
    )  # fmt: skip
    content = download(office, plan, "projects", personas["department_a"]).content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "事業の進捗"
    assert list(header_of(sheet))[:4] == ["年度", "所管課", "事業コード", "事業名"]
    assert sheet.freeze_panes == "E4"
    rows = {row["事業名"].value: row for row in table_of(content)}
    assert "市民協働推進事業" not in rows and "リーフレット等の作成" not in rows
    row = rows["区づくり推進事業"]
    assert row["2024年度自己評価"].value == "B 順調"
    assert (row["自己評価"].value, row["今後の方向性"].value) == ("A 達成", "拡充")
    assert row["実施内容・実績"].value == "=補助事業を5件"
    assert row["実施内容・実績"].data_type == "s"  # text stays text, never a formula
    assert (row["予算額"].value, row["予算額"].number_format) == (1200, '#,##0"千円"')
    assert validation_of(sheet, row["決算額"]).formula1 == "0"  # no negative amount
    lists = {
        str(validation.sqref).split(":")[0].rstrip("0123456789"): validation.formula1
        for validation in sheet.data_validations.dataValidation
        if validation.type == "list"
    }
    letters = {title: get_column_letter(column) for title, column in header_of(sheet).items()}
    assert lists == {
        letters["自己評価"]: '"A 達成,B 順調,C やや遅れ,D 遅れ"',
        letters["今後の方向性"]: '"拡充,継続,改善,縮小,統合,休止,廃止,終了"',
    }


def test_the_zip_holds_each_departments_files(office, plan):
    response = office.get(reverse("plans:fill_in_all", args=[plan.code, YEAR]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(
        [
            "市民協働企画課_2025年度_成果指標の実績.xlsx",
            "市民協働企画課_2025年度_事業の進捗.xlsx",
            "地域づくり支援課_2025年度_成果指標の実績.xlsx",
            "地域づくり支援課_2025年度_事業の進捗.xlsx",
            "所管課未設定_2025年度_事業の進捗.xlsx",
        ]
    )
    only = archive.read("所管課未設定_2025年度_事業の進捗.xlsx")
    assert names_in(only, "projects") == ["リーフレット等の作成"]
    b = archive.read("地域づくり支援課_2025年度_成果指標の実績.xlsx")
    assert set(names_in(b, "indicators")) == set(
        Indicator.objects.filter(policy__number=2, policy__plan=plan).values_list("name", flat=True)
    )


def test_a_department_name_that_windows_refuses_is_tidied_in_file_names(office, plan):
    odd = DepartmentFactory(name="総務/企画:課")
    Project.objects.filter(plan=plan, name="リーフレット等の作成").update(department=odd)
    response = download(office, plan, "projects", odd)
    assert "%E7%B7%8F%E5%8B%99_%E4%BC%81%E7%94%BB_" in response["Content-Disposition"]


def test_only_the_plan_office_downloads_fill_in_files(plan, personas):
    a = personas["department_a"]
    urls = [
        reverse("plans:fill_in_file", args=[plan.code, YEAR, "indicators", a.pk]),
        reverse("plans:fill_in_all", args=[plan.code, YEAR]),
    ]
    for who in ("staff_a", "committee"):
        client = client_for(personas[who])
        for url in urls:
            # Even the department's own file: the plan office hands the files out.
            assert client.get(url).status_code == 403, (who, url)
    for url in urls:
        assert Client().get(url)["Location"].startswith("/accounts/login/")


def test_a_file_of_a_department_without_items_is_not_found(office, plan):
    empty = DepartmentFactory(name="選挙管理委員会事務局")
    url = reverse("plans:fill_in_file", args=[plan.code, YEAR, "indicators", empty.pk])
    response = office.get(url)
    assert response.status_code == 404
    bad = reverse("plans:fill_in_file", args=[plan.code, YEAR, "indicators", "abc"])
    assert office.get(bad).status_code == 404


# --- What comes back -----------------------------------------------------------------------


def test_a_file_filled_in_as_a_person_would_imports_as_submitted(office, plan, personas):
    a = personas["department_a"]
    content = download(office, plan, "indicators", a).content
    data = filled(
        content,
        "indicators",
        {
            "SNSのフォロワー数": {"実績値": 1650, "要因分析": "動画の投稿を増やした"},
            "地域活動への市民の参加割合": {"実績値": 48.5, "要因分析": "地域行事が再開した"},
            "若者(20歳代)の地域活動への参加割合": {
                "測定なし": "はい",
                "要因分析": "隔年調査のため",
            },
        },
    )
    # What Excel keeps when a person types: protection and the drop-downs are still there.
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.protection.sheet
    [sns] = [row for row in table_of(data) if row["指標名"].value == "SNSのフォロワー数"]
    assert validation_of(sheet, sns["測定なし"]).type == "list"
    assert validation_of(sheet, sns["実績値"]).type == "decimal"

    shown = preview(office, plan, "indicators", data, department=a)
    html = shown.content.decode()
    assert "確認(まだ取り込んでいません)" in html and "新規 3件" in html, html[-3000:]
    assert "知らない列" not in html  # the file's own grey columns are not "unknown"
    assert not IndicatorResult.objects.filter(fiscal_year=YEAR).exists()
    assert confirm(office, plan, shown).status_code == 302
    results = {
        result.indicator.name: result
        for result in IndicatorResult.objects.filter(fiscal_year=YEAR).select_related("indicator")
    }
    assert set(results) == {
        "SNSのフォロワー数", "地域活動への市民の参加割合", "若者(20歳代)の地域活動への参加割合",
    }  # fmt: skip
    assert {result.status for result in results.values()} == {EntryStatus.SUBMITTED}
    sns = results["SNSのフォロワー数"]
    assert (sns.value, sns.analysis) == (Decimal("1650"), "動画の投稿を増やした")
    assert results["地域活動への市民の参加割合"].value == Decimal("48.5")
    assert results["若者(20歳代)の地域活動への参加割合"].not_measured


def test_a_filled_project_file_imports_through_the_command(office, plan, personas, tmp_path):
    a = personas["department_a"]
    content = download(office, plan, "projects", a).content
    data = filled(
        content,
        "projects",
        {
            "区づくり推進事業": {
                "実施内容・実績": "補助事業を5件実施",
                "自己評価": "B 順調",
                "課題": "担い手不足",
                "今後の方向性": "継続",
                "予算額": 1200,
                "決算額": 1150,
            }
        },
    )
    path = tmp_path / "区づくり.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    call_command(
        "import_results", str(path), plan=plan.code, year=YEAR, kind="projects",
        user=personas["admin"].username, department=a.name, stdout=out,
    )  # fmt: skip
    assert "新規 1件" in out.getvalue()
    progress = ProjectProgress.objects.get(project__name="区づくり推進事業", fiscal_year=YEAR)
    assert (progress.grade, progress.outlook, progress.status) == (
        "B", "continue", EntryStatus.SUBMITTED,
    )  # fmt: skip
    assert (progress.budget_amount, progress.settlement_amount) == (1200, 1150)


def test_a_file_sent_back_untouched_imports_nothing_and_refuses_nothing(office, plan, personas):
    content = download(office, plan, "projects", personas["department_b"]).content
    html = preview(office, plan, "projects", content).content.decode()
    assert not re.search(r"エラーが\d+行あります", html)
    assert "新規 0件" in html and "変更 0件" in html and "この内容で取り込む" in html


def test_a_file_of_another_year_is_refused_by_name(office, plan, personas, tmp_path):
    a = personas["department_a"]
    content = download(office, plan, "indicators", a, year=2024).content
    data = filled(content, "indicators", {"SNSのフォロワー数": {"実績値": 1700}})
    html = preview(office, plan, "indicators", data).content.decode()
    assert "このファイルは市民協働企画課の2024年度分です" in html
    assert "この内容で取り込む" not in html
    path = tmp_path / "2024.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="このファイルは市民協働企画課の2024年度分です"):
        call_command(
            "import_results", str(path), plan=plan.code, year=YEAR, kind="indicators",
            user=personas["admin"].username, stdout=io.StringIO(),
        )  # fmt: skip
    assert not IndicatorResult.objects.filter(fiscal_year=YEAR).exists()


def test_a_year_as_excel_writes_it_into_a_csv_names_the_file_too(office, plan, personas):
    """Saved as CSV, Excel writes what the cells show: 「令和6年度」, 「1,700人」."""
    text = (
        "市民協働企画課 令和6年度 成果指標の実績 記入用ファイル,,,\r\n"
        "白いセルに記入してください。,,,\r\n"
        "年度,所管課,指標名,実績値,測定なし,要因分析,版\r\n"
        '令和6年度,市民協働企画課,SNSのフォロワー数,"1,700人",,順調,0\r\n'
    )
    file = SimpleUploadedFile("記入済み.csv", text.encode("cp932"))
    url = reverse("plans:results_import", args=[plan.code, YEAR])
    html = office.post(url, {"kind": "indicators", "file": file}).content.decode()
    assert "このファイルは市民協働企画課の2024年度分です" in html
    text = text.replace("令和6年度,", "令和7年度,")
    file = SimpleUploadedFile("記入済み.csv", text.encode("cp932"))
    html = office.post(url, {"kind": "indicators", "file": file}).content.decode()
    assert "新規 1件" in html, html[-2000:]


def test_a_file_of_another_department_is_refused_by_name(office, plan, personas, tmp_path):
    a, b = personas["department_a"], personas["department_b"]
    content = download(office, plan, "indicators", a).content
    data = filled(content, "indicators", {"SNSのフォロワー数": {"実績値": 1700}})
    html = preview(office, plan, "indicators", data, department=b).content.decode()
    assert "このファイルは市民協働企画課の2025年度分です" in html
    assert "地域づくり支援課のファイルではありません" in html
    path = tmp_path / "a.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="このファイルは市民協働企画課の2025年度分です"):
        call_command(
            "import_results", str(path), plan=plan.code, year=YEAR, kind="indicators",
            user=personas["admin"].username, department=b.name, stdout=io.StringIO(),
        )  # fmt: skip
    assert not IndicatorResult.objects.filter(fiscal_year=YEAR).exists()


def test_rows_of_another_departments_items_are_refused_and_nothing_is_written(
    office, plan, personas
):
    a, b = personas["department_a"], personas["department_b"]
    content = download(office, plan, "indicators", a).content
    data = filled(
        content,
        "indicators",
        {
            "SNSのフォロワー数": {"実績値": 1700, "要因分析": "順調"},
            "地域活動への市民の参加割合": {"実績値": 48.5, "要因分析": "再開"},
        },
    )
    # After the file went out, the plan office gave one indicator to department B.
    Indicator.objects.filter(name="SNSのフォロワー数").update(department=b)
    shown = preview(office, plan, "indicators", data)
    html = shown.content.decode()
    assert "エラーが1行あります" in html
    assert "この成果指標の所管課は地域づくり支援課です(ファイルでは市民協働企画課)" in html
    # A file made by hand, without the 所管課 column, imported as department A's.
    text = "指標名,実績値,要因分析\r\n市民協働推進事業の目標達成率,90,順調\r\n"
    file = SimpleUploadedFile("手作り.csv", text.encode("cp932"))
    url = reverse("plans:results_import", args=[plan.code, YEAR])
    html = office.post(
        url, {"kind": "indicators", "file": file, "department": a.pk}
    ).content.decode()
    assert "この成果指標は地域づくり支援課の担当で、市民協働企画課のものではありません" in html
    # An item whose department was taken away since names that, too.
    Indicator.objects.filter(name="地域活動への市民の参加割合").update(department=None)
    html = preview(office, plan, "indicators", data).content.decode()
    assert "この成果指標には今は所管課が設定されていません(ファイルでは市民協働企画課)" in html
    assert "エラーが2行あります" in html
    assert not IndicatorResult.objects.filter(fiscal_year=YEAR).exists()


def test_a_row_saved_since_the_file_was_made_is_refused_and_nothing_is_written(
    office, plan, personas
):
    a = personas["department_a"]
    content = download(office, plan, "indicators", a).content
    data = filled(
        content,
        "indicators",
        {
            "SNSのフォロワー数": {"実績値": 1700, "要因分析": "順調"},
            "地域活動への市民の参加割合": {"実績値": 48.5, "要因分析": "再開"},
        },
    )
    # Meanwhile the department's staff member entered the value on the entry page.
    sns = Indicator.objects.get(name="SNSのフォロワー数")
    entries_submit(
        kind=INDICATORS, plan=plan, fiscal_year=YEAR, user=personas["staff_a"],
        submissions=[Submission(target=sns, values={"value": Decimal("1690"),
                                                     "analysis": "画面から"}, version=0)],
        dry_run=False, action="entry.submit", rows=1,
    )  # fmt: skip
    shown = preview(office, plan, "indicators", data)
    html = shown.content.decode()
    assert "このファイルを書き出した後に" in html and "エラーが1行あります" in html
    stored = IndicatorResult.objects.filter(fiscal_year=YEAR)
    assert [(result.indicator_id, result.value) for result in stored] == [(sns.pk, 1690)]


def test_every_row_message_names_the_sheet_and_row_at_every_door(office, plan, personas, tmp_path):
    """The fill-in file's header is on row 3 of sheet 成果指標の実績: the page, the command and the
    errors CSV send the department to that sheet and row, not to a bare 「5行目」."""
    a = personas["department_a"]
    content = download(office, plan, "indicators", a).content
    row = 3 + names_in(content, "indicators").index("SNSのフォロワー数") + 1
    place = f"シート「成果指標の実績」の{row}行目"
    data = filled(content, "indicators", {"SNSのフォロワー数": {"実績値": 16200}})
    shown = preview(office, plan, "indicators", data)
    html = shown.content.decode()
    assert "シート「成果指標の実績」の3行目を見出しとして読みました" in html
    errors = office.get(shown.context["errors_url"]).content.decode("utf-8-sig").splitlines()
    assert errors[0] == "シート,行,名称,エラーの内容"
    assert errors[1].startswith(f"成果指標の実績,{row},SNSのフォロワー数,")
    path = tmp_path / "記入済み.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError, match="何も取り込んでいません"):
        call_command(
            "import_results", str(path), plan=plan.code, year=YEAR, kind="indicators",
            user=personas["admin"].username, department=a.name, stdout=out,
        )  # fmt: skip
    assert f"{place}「SNSのフォロワー数」" in out.getvalue()


def test_the_entry_rules_hold_for_every_row_of_a_fill_in_file(office, plan, personas):
    a = personas["department_a"]
    approved = Indicator.objects.get(name="地域活動への市民の参加割合")
    IndicatorResultFactory(
        indicator=approved, fiscal_year=YEAR, value=Decimal("48"), status=EntryStatus.APPROVED
    )
    content = download(office, plan, "indicators", a).content
    data = filled(
        content,
        "indicators",
        {
            "若者(20歳代)の地域活動への参加割合": {"測定なし": "はい"},  # no reason
            "SNSのフォロワー数": {"実績値": 16200},  # a digit too many, no analysis
            "地域活動への市民の参加割合": {"実績値": 49, "要因分析": "上書き"},  # approved
            "市民協働に関する市ホームページの閲覧数": {"実績値": 131000, "要因分析": "順調"},
        },
    )
    shown = preview(office, plan, "indicators", data)
    html = shown.content.decode()
    assert "エラーが3行あります" in html
    for message in ("測定しなかった理由", "要因分析に理由", "承認済みのため変更できません"):
        assert message in html, message
    confirmed = confirm(office, plan, shown) if "token" in shown.context else None
    assert confirmed is None or "何も取り込んでいません" in confirmed.content.decode()
    assert list(IndicatorResult.objects.filter(fiscal_year=YEAR)) == [
        IndicatorResult.objects.get(indicator=approved, fiscal_year=YEAR)
    ]


def test_a_file_of_the_other_kind_is_refused_saying_which_it_is(office, plan, personas, tmp_path):
    content = download(office, plan, "projects", personas["department_a"]).content
    html = preview(office, plan, "indicators", content).content.decode()
    assert "このファイルは事業の進捗のファイルです" in html
    assert "取り込むものを「事業の進捗」にしてください" in html
    path = tmp_path / "projects.xlsx"
    path.write_bytes(download(office, plan, "indicators", personas["department_a"]).content)
    with pytest.raises(CommandError, match="このファイルは成果指標の実績のファイルです"):
        call_command(
            "import_results", str(path), plan=plan.code, year=YEAR, kind="projects",
            user=personas["admin"].username, stdout=io.StringIO(),
        )  # fmt: skip
    # A file that is neither is refused for the columns it lacks, as before.
    text = "名称,値\r\n何か,1\r\n"
    file = SimpleUploadedFile("other.csv", text.encode("utf-8"))
    url = reverse("plans:results_import", args=[plan.code, YEAR])
    html = office.post(url, {"kind": "indicators", "file": file}).content.decode()
    assert "「指標名」「実績値」を含む見出しの行を探しました" in html
    assert "のファイルです" not in html


# --- The import page -----------------------------------------------------------------------


def test_the_import_page_points_to_fill_in_files_that_are_there(office, plan, personas):
    """Issue 18: the page pointed to 「下の『記入用ファイル』」, which was not below it."""
    html = office.get(reverse("plans:results_import", args=[plan.code, YEAR])).content.decode()
    assert "下の「記入用ファイル」" not in html
    assert "上の「記入用ファイル」" in html
    file_link = reverse(
        "plans:fill_in_file", args=[plan.code, YEAR, "indicators", personas["department_a"].pk]
    )
    assert html.index(f'href="{file_link}"') < html.index('type="file"')
    assert "どの所管課のファイルか" in html


def test_fill_in_downloads_read_the_same_with_more_departments(plan, personas):
    office = client_for(personas["admin"])
    a = personas["department_a"]
    urls = [
        reverse("plans:review", args=[plan.code, YEAR]),
        reverse("plans:results_import", args=[plan.code, YEAR]),
        reverse("plans:fill_in_file", args=[plan.code, YEAR, "indicators", a.pk]),
        reverse("plans:fill_in_all", args=[plan.code, YEAR]),
    ]
    before = [query_count(office, url) for url in urls]
    for number, project in enumerate(Project.objects.filter(plan=plan)[:6]):
        project.department = DepartmentFactory(name=f"追加の課{number}")
        project.save()
    for indicator in Indicator.objects.filter(department=a)[:1]:
        IndicatorResultFactory(indicator=indicator, fiscal_year=YEAR, status=EntryStatus.DRAFT)
    assert [query_count(office, url) for url in urls] == before


def test_an_interim_value_goes_out_and_comes_back_with_its_date(office, plan, personas):
    """The 速報値 and its 時点, typed in Excel as a date, arrive as a submitted 速報値; an
    earlier year's approved 速報値 says so in the file."""
    a = personas["department_a"]
    sns = Indicator.objects.get(name="SNSのフォロワー数")
    IndicatorResult.objects.filter(indicator=sns, fiscal_year=2024).update(
        is_interim=True, as_of=date(2024, 12, 31)
    )
    content = download(office, plan, "indicators", a).content
    [row] = [row for row in table_of(content) if row["指標名"].value == "SNSのフォロワー数"]
    assert row["2024年度実績"].value == "1,620人(速報値(2024年12月末時点))"
    sheet = load_workbook(io.BytesIO(content)).active
    assert validation_of(sheet, row["速報値"]).formula1 == '"はい"'
    data = filled(
        content,
        "indicators",
        {
            "SNSのフォロワー数": {
                "実績値": 1650,
                "速報値": "はい",
                "速報値の時点": datetime(2025, 12, 31),
                "要因分析": "12月末までの数",
            },
            "地域活動への市民の参加割合": {"実績値": 48.5, "速報値": "はい", "要因分析": "途中"},
        },
    )
    shown = preview(office, plan, "indicators", data, department=a)
    assert "速報値の行は「速報値の時点」(いつまでの値か" in shown.content.decode()
    data = filled(
        content,
        "indicators",
        {
            "SNSのフォロワー数": {
                "実績値": 1650,
                "速報値": "はい",
                "速報値の時点": datetime(2025, 12, 31),
                "要因分析": "12月末までの数",
            },
        },
    )
    shown = preview(office, plan, "indicators", data, department=a)
    assert confirm(office, plan, shown).status_code == 302
    result = IndicatorResult.objects.get(indicator=sns, fiscal_year=YEAR)
    assert (result.value, result.is_interim, result.as_of, result.status) == (
        Decimal("1650"), True, date(2025, 12, 31), EntryStatus.SUBMITTED,
    )  # fmt: skip
    # The next file carries it back as entered: 速報値 はい and its date.
    [row] = [
        row
        for row in table_of(download(office, plan, "indicators", a).content)
        if row["指標名"].value == "SNSのフォロワー数"
    ]
    assert (row["速報値"].value, row["速報値の時点"].value) == ("はい", "2025-12-31")
