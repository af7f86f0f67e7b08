"""Interim values (速報値, with the date they run to) and their confirmation (確定値) through the
same workflow: shown and graded but marked while approved, still shown while the 確定値 is
entered, replaced once the 確定値 is approved; every page says which it shows."""

import csv
import re
from datetime import date
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, PlanPublication
from plans.progress.kinds import INDICATORS
from plans.progress.results_import import read_results_table, results_import
from plans.progress.workflow import entry_approve, entry_return
from plans.roles import ADMINISTRATORS
from tests.factories import UserFactory
from tests.test_dashboard import page_text

pytestmark = pytest.mark.django_db
YEAR = 2025
NAME = "地域活動への市民の参加割合"
LABEL = "速報値(2025年12月末時点)"


@pytest.fixture
def indicator(okayama_plan, personas):
    indicator = Indicator.objects.get(policy__plan=okayama_plan, name=NAME)
    indicator.department = personas["department_a"]
    indicator.save()
    return indicator


@pytest.fixture
def second_admin(roles):
    user = UserFactory(username="erin", is_staff=True)
    user.groups.add(roles[ADMINISTRATORS])
    return user


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def entry_url(indicator):
    return reverse(
        "plans:entry", args=[indicator.policy.plan.code, YEAR, "indicators", indicator.pk]
    )


def post_entry(client, indicator, action="submit", version=0, **fields):
    data = {
        "value": "４７．２",
        "analysis": "12月末までの参加者数から算出した。",
        "version": str(version),
        "action": action,
    } | fields
    return client.post(entry_url(indicator), data)


def stored(indicator):
    return IndicatorResult.objects.get(indicator=indicator, fiscal_year=YEAR)


def version_of(plan):
    return PlanPublication.objects.filter(plan=plan).values_list("version", flat=True).first() or 0


def committee_sees(personas, indicator):
    client = client_of(personas["committee"])
    code = indicator.policy.plan.code
    return (
        page_text(
            client.get(reverse("plans:indicator", args=[code, YEAR, indicator.pk])).content.decode()
        ),
        page_text(client.get(reverse("plans:overview", args=[code, YEAR])).content.decode()),
        page_text(client.get(reverse("plans:report", args=[code, YEAR])).content.decode()),
    )


def test_an_interim_value_is_entered_with_its_date_and_shown_graded_but_marked(indicator, personas):
    staff = client_of(personas["staff_a"])
    response = post_entry(staff, indicator, is_interim="on", as_of="2025年12月31日")
    assert response.status_code == 302
    result = stored(indicator)
    assert (result.is_interim, result.as_of, result.value) == (
        True,
        date(2025, 12, 31),
        Decimal("47.2"),
    )
    assert result.status == EntryStatus.SUBMITTED
    # The plan office sees it as 速報値 on the review page and the entry page.
    office = client_of(personas["admin"])
    review = page_text(
        office.get(
            reverse("plans:review", args=[indicator.policy.plan.code, YEAR])
        ).content.decode()
    )
    assert f"47.2% {LABEL}" in review
    assert LABEL in page_text(office.get(entry_url(indicator)).content.decode())
    before = version_of(indicator.policy.plan)
    entry_approve(entry=result, user=personas["admin"], version=result.version)
    assert version_of(indicator.policy.plan) == before + 1
    indicator_page, overview, report = committee_sees(personas, indicator)
    for shown in (indicator_page, overview, report):
        assert f"47.2% {LABEL}" in shown
    # Graded on it like any approved value, and said to rest on it (not 評価不能).
    assert re.search(rf"2025年度の評価 [ABCD] \S+ \({re.escape(LABEL)}による\)", indicator_page)
    assert f"({LABEL}による)" in overview and f"({LABEL}による)" in report


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_interim": "on"}, "速報値の時点(いつまでの値か)を入力してください"),
        ({"as_of": "2025-12-31"}, "時点は速報値のときだけ入力します"),
        ({"is_interim": "on", "as_of": "12月末"}, "「12月末」は日付として読み取れません"),
        ({"is_interim": "on", "as_of": "2025-03-31"}, "2025年4月1日から2027年3月31日までの日付"),
        (
            {"is_interim": "on", "as_of": "2025-12-31", "value": "", "not_measured": "on"},
            "「今年度は測定なし」は速報値にできません",
        ),
    ],
)
def test_a_wrong_interim_is_refused_in_japanese_keeping_what_was_typed(
    indicator, personas, fields, message
):
    response = post_entry(client_of(personas["staff_a"]), indicator, **fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in page_text(html)
    assert "12月末までの参加者数から算出した。" in html  # the analysis typed is kept
    assert not IndicatorResult.objects.filter(indicator=indicator, fiscal_year=YEAR).exists()


def test_confirming_goes_through_the_workflow_and_the_interim_stays_shown_until_then(
    indicator, personas, second_admin
):
    plan = indicator.policy.plan
    staff = client_of(personas["staff_a"])
    post_entry(staff, indicator, is_interim="on", as_of="2025-12-31")
    result = stored(indicator)
    result = entry_approve(entry=result, user=personas["admin"], version=result.version)

    # The office sends it back for the 確定値: the 速報値 stays on the pages, marked.
    before = version_of(plan)
    result = entry_return(
        entry=result,
        user=personas["admin"],
        version=result.version,
        reason="確定値を入力してください",
    )
    assert version_of(plan) == before + 1
    assert (result.interim_shown_value, result.interim_shown_as_of) == (
        Decimal("47.2"),
        date(2025, 12, 31),
    )
    staff_page = page_text(staff.get(entry_url(indicator)).content.decode())
    assert "確定値を入力してください" in staff_page
    # The department types the 確定値 (no longer interim) and submits it.
    response = post_entry(
        staff, indicator, version=result.version, value="48.1", analysis="年度末の確定値。"
    )
    assert response.status_code == 302
    result = stored(indicator)
    assert (result.status, result.is_interim, result.as_of) == (EntryStatus.SUBMITTED, False, None)
    for shown in committee_sees(personas, indicator):
        assert f"47.2% {LABEL}" in shown  # still the approved 速報値
        assert "48.1%" not in shown  # the 確定値 is not approved yet
        assert "年度末の確定値。" not in shown
    review = page_text(
        client_of(second_admin)
        .get(reverse("plans:review", args=[plan.code, YEAR]))
        .content.decode()
    )
    assert "確定値(承認済の速報値 47.2%・2025年12月末時点を置き換えます)" in review

    # Four eyes as always: the office member who returned it approves (staff entered it).
    before = version_of(plan)
    result = entry_approve(entry=result, user=second_admin, version=result.version)
    assert version_of(plan) == before + 1
    assert (result.interim_shown_value, result.interim_shown_as_of) == (None, None)
    for shown in committee_sees(personas, indicator):
        assert "48.1%" in shown
        assert "速報値" not in shown.replace("速報値・確定値", "")
    # The history keeps the 速報値, its approval, the return and the 確定値.
    history = list(
        result.history.order_by("history_date").values_list("status", "value", "is_interim")
    )
    assert (EntryStatus.APPROVED, Decimal("47.2000"), True) in history
    assert history[-1] == (EntryStatus.APPROVED, Decimal("48.1000"), False)


def test_a_returned_final_value_leaves_the_pages_as_before(indicator, personas):
    staff = client_of(personas["staff_a"])
    post_entry(staff, indicator, value="48.1")
    result = stored(indicator)
    result = entry_approve(entry=result, user=personas["admin"], version=result.version)
    entry_return(entry=result, user=personas["admin"], version=result.version, reason="確認のため")
    indicator_page, _, _ = committee_sees(personas, indicator)
    assert "48.1%" not in indicator_page
    assert IndicatorResult.objects.filter(indicator=indicator).counted().count() == 0


def test_the_staff_preview_uses_what_is_stored(indicator, personas):
    """The queryset the committee pages read is the only one that swaps in the kept 速報値."""
    staff = client_of(personas["staff_a"])
    post_entry(staff, indicator, is_interim="on", as_of="2025-12-31")
    result = stored(indicator)
    result = entry_approve(entry=result, user=personas["admin"], version=result.version)
    entry_return(entry=result, user=personas["admin"], version=result.version, reason="確定値")
    IndicatorResult.objects.filter(pk=result.pk).update(value=Decimal("48.1"))
    (shown,) = IndicatorResult.objects.filter(pk=result.pk).counted_as_shown()
    assert (shown.value, shown.is_interim, shown.analysis) == (Decimal("47.2"), True, "")
    assert INDICATORS.entry_model.objects.get(pk=result.pk).value == Decimal("48.1")


@pytest.fixture
def approved_interim(indicator, personas):
    post_entry(client_of(personas["staff_a"]), indicator, is_interim="on", as_of="2025-12-31")
    result = stored(indicator)
    return entry_approve(entry=result, user=personas["admin"], version=result.version)


def test_the_xlsx_and_the_open_data_say_which_values_are_interim(approved_interim, personas):
    plan = approved_interim.indicator.policy.plan
    client = client_of(personas["committee"])
    response = client.get(reverse("plans:report_xlsx", args=[plan.code, YEAR]))
    sheet = load_workbook(BytesIO(response.content))["成果指標"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    headers = rows[0]
    row = next(row for row in rows if row[1] == NAME)
    assert row[headers.index("2025年度")] == 47.2
    assert row[headers.index("速報値")] == f"2025年度: {LABEL}"
    other = next(row for row in rows[1:] if row[1] != NAME)
    assert other[headers.index("速報値")] is None

    csv_rows = list(
        csv.DictReader(
            StringIO(
                Client()
                .get(reverse("plans:open_csv", args=[plan.code]))
                .content.decode("utf-8-sig")
            )
        )
    )
    interim = [row for row in csv_rows if row["指標名"] == NAME and row["年度"] == "2025"]
    assert [(row["実績値"], row["速報値"], row["速報値の時点"]) for row in interim] == [
        ("47.2", "はい", "2025-12-31")
    ]
    assert all(row["速報値"] == "" for row in csv_rows if row["年度"] != "2025")
    data = Client().get(reverse("plans:open_json", args=[plan.code])).json()
    (item,) = [item for item in data["indicators"] if item["name"] == NAME]
    (value,) = [value for value in item["results"] if value["fiscal_year"] == 2025]
    assert (value["value"], value["interim"], value["as_of"]) == ("47.2", True, "2025-12-31")


def import_csv(plan, user, text):
    data = text.replace("\n", "\r\n").encode("cp932")
    table = read_results_table(data, "results.csv", kind="indicators")
    return results_import(
        plan=plan, fiscal_year=YEAR, kind="indicators", table=table, user=user, dry_run=False
    )


def test_the_results_import_reads_interim_values_and_leaves_them_when_the_column_is_absent(
    indicator, personas
):
    plan = indicator.policy.plan
    refused = import_csv(
        plan, personas["admin"], f"指標名,実績値,速報値,速報値の時点\n{NAME},47.2,はい,\n"
    )
    assert not refused.written
    assert "速報値の行は「速報値の時点」" in " ".join(refused.errors[0].messages)
    report = import_csv(
        plan,
        personas["admin"],
        f"指標名,実績値,速報値,速報値の時点,要因分析\n{NAME},47.2,はい,2025/12/31,途中\n",
    )
    assert report.written
    result = stored(indicator)
    assert (result.is_interim, result.as_of) == (True, date(2025, 12, 31))
    # A file without the 速報値 columns changes neither.
    import_csv(plan, personas["admin"], f"指標名,実績値,要因分析\n{NAME},47.5,途中の値\n")
    result = stored(indicator)
    assert (result.value, result.is_interim, result.as_of) == (
        Decimal("47.5"),
        True,
        date(2025, 12, 31),
    )
    # An empty 速報値 cell in a file that has the column makes it a 確定値.
    import_csv(
        plan, personas["admin"], f"指標名,実績値,速報値,速報値の時点,要因分析\n{NAME},48.1,,,確定\n"
    )
    result = stored(indicator)
    assert (result.value, result.is_interim, result.as_of) == (Decimal("48.1"), False, None)
