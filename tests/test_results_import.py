"""Importing a year's results: they arrive as submitted, never approved; a locked year refuses."""

import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, PlanYear
from plans.progress.results_import import RESULT_KINDS, results_import
from plans.progress.workflow import WorkflowError
from plans.spreadsheets import read_table
from projects.models import Project, ProjectProgress

pytestmark = pytest.mark.django_db


def table(kind, *rows):
    spec = RESULT_KINDS[kind]
    lines = [",".join(spec.columns), *(",".join(f'"{cell}"' for cell in row) for row in rows)]
    data = "\r\n".join(lines).encode("cp932")
    return read_table(data, "results.csv", columns=spec.columns, required=spec.required)


def run(plan, user, kind, *rows, dry_run=False, year=2025):
    return results_import(
        plan=plan, fiscal_year=year, kind=kind, table=table(kind, *rows), user=user, dry_run=dry_run
    )


def test_indicator_values_arrive_as_submitted_with_history(okayama_plan, personas):
    report = run(
        okayama_plan,
        personas["admin"],
        "indicators",
        ("地域活動への市民の参加割合", "４８．５％", "", "地域行事が再開した"),
        ("若者(20歳代)の地域活動への参加割合", "", "はい", "隔年調査のため"),
        ("ESD・市民協働推進センターの相談者数", "1,020人", "", ""),
    )
    assert report.written
    assert [row.action for row in report.rows] == ["新規", "新規", "新規"]
    result = IndicatorResult.objects.get(indicator__name="地域活動への市民の参加割合")
    assert (result.value, result.status, result.entered_by) == (
        Decimal("48.5"), EntryStatus.SUBMITTED, personas["admin"],
    )  # fmt: skip
    assert result.history.get().history_user == personas["admin"]
    assert IndicatorResult.objects.get(indicator__name__startswith="若者").not_measured


def test_the_same_file_twice_changes_nothing(okayama_plan, personas):
    row = ("地域活動への市民の参加割合", "48.5", "", "")
    run(okayama_plan, personas["admin"], "indicators", row)
    report = run(okayama_plan, personas["admin"], "indicators", row)
    assert [r.action for r in report.rows] == ["変更なし"]
    assert IndicatorResult.objects.get().version == 1


def test_bad_rows_are_explained_and_nothing_is_written(okayama_plan, personas):
    report = run(
        okayama_plan,
        personas["admin"],
        "indicators",
        ("地域活動への市民の参加割合", "48.5", "", ""),
        ("存在しない指標", "1", "", ""),
        ("若者(20歳代)の地域活動への参加割合", "約20", "", ""),
        ("SNSのフォロワー数", "", "", "値は後日"),
        ("地域活動への市民の参加割合", "49", "", ""),
        ("市民協働推進事業の目標達成率", "150%", "", "全事業が目標を超えた"),
        ("ESD・市民協働推進センターの相談者数", "123456789012345678901", "", ""),
    )
    assert not report.written
    errors = {row.number: " ".join(row.messages) for row in report.errors}
    assert "成果指標「存在しない指標」はこの計画にありません" in errors[3]
    assert "数値として読み取れません" in errors[4]
    assert "実績値を入力するか「今年度は測定なし」を選んで" in errors[5]
    assert "2行目にもあります" in errors[6]
    assert 7 not in errors  # 150% is allowed (with an analysis): this rate has no upper bound
    assert "18 桁以内" in errors[8]
    assert not IndicatorResult.objects.exists()


def test_a_locked_year_refuses_the_file(okayama_plan, personas):
    PlanYear.objects.create(plan=okayama_plan, fiscal_year=2025, is_locked=True)
    with pytest.raises(WorkflowError, match="確定"):
        run(okayama_plan, personas["admin"], "indicators", ("SNSのフォロワー数", "1600", "", ""))
    assert not IndicatorResult.objects.exists()


def test_approved_values_are_not_overwritten(okayama_plan, personas):
    indicator = Indicator.objects.get(name="SNSのフォロワー数")
    IndicatorResult.objects.create(
        indicator=indicator, fiscal_year=2025, value=1500, status=EntryStatus.APPROVED
    )
    report = run(
        okayama_plan, personas["admin"], "indicators", ("SNSのフォロワー数", "1600", "", "")
    )
    assert "承認済みのため変更できません" in report.errors[0].messages[0]
    assert IndicatorResult.objects.get().value == 1500


def test_only_the_plan_office_imports(okayama_plan, personas):
    with pytest.raises(PermissionDenied):
        run(okayama_plan, personas["staff_a"], "indicators", ("SNSのフォロワー数", "1", "", ""))


def test_project_progress(okayama_plan, personas):
    report = run(
        okayama_plan,
        personas["admin"],
        "projects",
        (
            "",
            "区づくり推進事業",
            "補助事業を5件実施",
            "B",
            "担い手不足",
            "継続",
            "1,200",
            "１，１５０",
        ),
        ("", "フォーラムの開催", "", "E", "", "やめる", "abc", ""),
    )
    assert not report.written
    messages = " ".join(report.errors[0].messages)
    assert "自己評価「E」" in messages and "今後の方向性「やめる」" in messages
    assert "予算額" in messages
    report = run(
        okayama_plan,
        personas["admin"],
        "projects",
        (
            "",
            "区づくり推進事業",
            "補助事業を5件実施",
            "B 順調",
            "担い手不足",
            "継続",
            "1,200",
            "１，１５０",
        ),
    )
    assert report.written
    progress = ProjectProgress.objects.get(project=Project.objects.get(name="区づくり推進事業"))
    amounts = (progress.budget_amount, progress.settlement_amount)
    assert (progress.grade, progress.outlook, amounts) == ("B", "continue", (1200, 1150))
    assert progress.status == EntryStatus.SUBMITTED


def test_review_page_import_preview_then_confirm(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    url = reverse("plans:results_import", args=[okayama_plan.code, 2025])
    rows = '指標名,実績値,測定なし,要因分析\r\nSNSのフォロワー数,"1,650人",,フォロワーが増えた\r\n'
    file = SimpleUploadedFile("results.csv", rows.encode("cp932"))
    response = client.post(url, {"kind": "indicators", "file": file, "encoding": ""})
    html = response.content.decode()
    assert "確認(まだ取り込んでいません)" in html and "新規 1件" in html
    assert not IndicatorResult.objects.exists()
    response = client.post(
        url,
        {
            "confirm": "1",
            "token": response.context["token"],
            "kind": "indicators",
            "filename": "results.csv",
            "encoding": "",
        },
    )
    assert response.status_code == 302
    result = IndicatorResult.objects.get()
    assert (result.value, result.status) == (1650, EntryStatus.SUBMITTED)


def test_review_page_import_is_refused_to_staff(client, okayama_plan, personas):
    client.force_login(personas["staff_a"])
    url = reverse("plans:results_import", args=[okayama_plan.code, 2025])
    assert client.get(url).status_code == 403


def test_review_page_import_errors_can_be_downloaded(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    url = reverse("plans:results_import", args=[okayama_plan.code, 2025])
    rows = "指標名,実績値,測定なし,要因分析\r\nSNSのフォロワー数,約1600,,\r\n"
    file = SimpleUploadedFile("results.csv", rows.encode("utf-8"))
    response = client.post(url, {"kind": "indicators", "file": file, "encoding": ""})
    html = response.content.decode()
    assert "エラーが1行あります" in html and "この内容で取り込む" not in html
    link = re.search(r'href="([^"]*errors\.csv[^"]*)"', html)[1].replace("&amp;", "&")
    download = client.get(link)
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "行,名称,エラーの内容"
    assert lines[1].startswith("2,SNSのフォロワー数,") and "数値として読み取れません" in lines[1]


def test_an_ambiguous_indicator_name_is_refused_not_guessed(okayama_plan, personas):
    other_policy = okayama_plan.policies.get(number=2)
    Indicator.objects.create(
        policy=other_policy, position=9, name="SNSのフォロワー数", unit="人",
        baseline_value=1, baseline_year=2020, target_value=2, target_year=2025,
    )  # fmt: skip
    report = run(
        okayama_plan, personas["admin"], "indicators", ("SNSのフォロワー数", "1600", "", "")
    )
    assert "同じ名前で複数あるため" in report.errors[0].messages[0]
    assert not IndicatorResult.objects.exists()


# What the entry page refuses to submit, a spreadsheet must not submit either (issue 13).
REFUSED_SUBMISSIONS = {
    "not measured without a reason": (
        ("若者(20歳代)の地域活動への参加割合", "", "はい", ""),
        "測定しなかった理由",
    ),
    "implausible value without an analysis": (
        ("SNSのフォロワー数", "16200", "", ""),  # 1,620 in 2024: a digit too many
        "要因分析に理由",
    ),
}


def csv_upload(kind, *rows):
    spec = RESULT_KINDS[kind]
    lines = [",".join(spec.columns), *(",".join(f'"{cell}"' for cell in row) for row in rows)]
    return "\r\n".join(lines).encode("cp932")


@pytest.mark.parametrize("case", REFUSED_SUBMISSIONS)
def test_the_review_page_import_refuses_what_the_entry_page_refuses(
    client, seed_results, personas, case
):
    row, message = REFUSED_SUBMISSIONS[case]
    client.force_login(personas["admin"])
    url = reverse("plans:results_import", args=[seed_results.code, 2025])
    file = SimpleUploadedFile("results.csv", csv_upload("indicators", row))
    preview = client.post(url, {"kind": "indicators", "file": file, "encoding": ""})
    html = preview.content.decode()
    assert "エラーが1行あります" in html and message in html
    assert "この内容で取り込む" not in html
    # A confirmation posted anyway (an old tab, a crafted request) is refused the same way.
    confirm = client.post(
        url,
        {"confirm": "1", "token": preview.context["token"], "kind": "indicators",
         "filename": "results.csv", "encoding": ""},
    )  # fmt: skip
    assert message in confirm.content.decode()
    assert "何も取り込んでいません" in confirm.content.decode()
    assert not IndicatorResult.objects.filter(fiscal_year=2025).exists()


@pytest.mark.parametrize("case", REFUSED_SUBMISSIONS)
def test_the_import_command_refuses_what_the_entry_page_refuses(
    seed_results, personas, case, tmp_path
):
    row, message = REFUSED_SUBMISSIONS[case]
    path = tmp_path / "results.csv"
    path.write_bytes(csv_upload("indicators", row))
    out = io.StringIO()
    with pytest.raises(CommandError, match="何も取り込んでいません"):
        call_command(
            "import_results", str(path), plan=seed_results.code, year=2025, kind="indicators",
            user=personas["admin"].username, stdout=out,
        )  # fmt: skip
    assert "2行目" in out.getvalue() and message in out.getvalue()
    assert not IndicatorResult.objects.filter(fiscal_year=2025).exists()


def test_only_the_confirmed_import_locks_the_year_and_its_entries(okayama_plan, personas):
    # PlanYear and the entries are read with select_for_update when writing, so that a lock or
    # an approval at the same moment waits (PostgreSQL; SQLite lets one writer in at a time).
    row = ("SNSのフォロワー数", "1600", "", "順調")
    lockable = connection.features.has_select_for_update
    for dry_run, locked in (
        (True, set()),
        (False, {"plans_planyear", "indicators_indicatorresult"}),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert not run(
                okayama_plan, personas["admin"], "indicators", row, dry_run=dry_run
            ).errors
        tables = {
            re.search(r'FROM "(\w+)"', query["sql"])[1]
            for query in queries
            if "FOR UPDATE" in query["sql"]
        }
        assert tables == (locked if lockable else set())
