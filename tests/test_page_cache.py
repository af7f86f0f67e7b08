"""The committee pages, the reports and the open data are built once per published version of
a plan (plans/publication.py) and kept in the cache: every write path that changes what they
show publishes a new version, so the next view shows the change at once; no viewer ever gets
another's header; the open data answers a client's conditional request with 304."""

import copy
import json
import re
from contextlib import contextmanager
from decimal import Decimal
from html import unescape
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Indicator
from plans.backup import plan_backup, plan_restore
from plans.models import Department, EntryStatus, Measure, Plan
from plans.plan_file import plan_load
from plans.progress.kinds import INDICATORS
from plans.progress.workflow import (
    Submission,
    entries_submit,
    entry_approve,
    entry_return,
    plan_year_lock,
    plan_year_reopen,
)
from plans.publication import plan_published_version
from plans.reports.pages import pages_viewed
from plans.reports.parts import DIGESTED, OTHER_FIELDS, _field_names, policy_parts
from projects.imports import projects_import, read_project_list
from projects.models import Project
from tests.factories import (
    IndicatorResultFactory,
    MeasureProjectFactory,
    ProjectProgressFactory,
)

YEAR = 2024
PARTICIPATION = "地域活動への市民の参加割合"


@pytest.fixture
def admin_client(personas):
    client = Client()
    client.force_login(personas["admin"])
    return client


@pytest.fixture
def committee(personas):
    client = Client()
    client.force_login(personas["committee"])
    return client


def text(response):
    assert response.status_code == 200
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def xlsx_text(response):
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    return " ".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def everything_shown(client, plan):
    """What the overview, the print report, the .xlsx report and the open data show."""
    year = [plan.code, YEAR]
    return {
        "overview": text(client.get(reverse("plans:overview", args=year))),
        "report": text(client.get(reverse("plans:report", args=year))),
        "xlsx": xlsx_text(client.get(reverse("plans:report_xlsx", args=year))),
        "csv": Client().get(reverse("plans:open_csv", args=[plan.code])).content.decode("utf-8"),
        "json": json.dumps(
            Client().get(reverse("plans:open_json", args=[plan.code])).json(), ensure_ascii=False
        ),
    }


def assert_everywhere(client, plan, shown, *, absent=False):
    for page, content in everything_shown(client, plan).items():
        assert (shown not in content) if absent else (shown in content), (page, shown)


def submitted(okayama_plan, personas, value):
    return IndicatorResultFactory(
        indicator=Indicator.objects.get(policy__plan=okayama_plan, name=PARTICIPATION),
        fiscal_year=YEAR,
        value=Decimal(value),
        status=EntryStatus.SUBMITTED,
        entered_by=personas["staff_a"],
    )


# --- every write path shows at once ----------------------------------------------------------


def test_an_approval_shows_at_once_everywhere(admin_client, okayama_plan, personas):
    entry = submitted(okayama_plan, personas, "61.7")
    assert_everywhere(admin_client, okayama_plan, "61.7", absent=True)  # now cached

    entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    assert_everywhere(admin_client, okayama_plan, "61.7")


def test_returning_an_approved_value_takes_it_off_at_once(admin_client, okayama_plan, personas):
    entry = submitted(okayama_plan, personas, "61.7")
    entry = entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    assert_everywhere(admin_client, okayama_plan, "61.7")

    entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="桁違い")

    assert_everywhere(admin_client, okayama_plan, "61.7", absent=True)


def test_a_submission_publishes_nothing(okayama_plan, personas):
    # The results import submits; only an approval reaches the committee pages.
    before = plan_published_version(okayama_plan)
    indicator = Indicator.objects.get(policy__plan=okayama_plan, name=PARTICIPATION)
    indicator.department = personas["department_a"]
    indicator.save()
    entries_submit(
        kind=INDICATORS, plan=okayama_plan, fiscal_year=YEAR, user=personas["staff_a"],
        submissions=[Submission(indicator, {"value": Decimal("61.7")})], dry_run=False,
        action="results.import",
    )  # fmt: skip
    assert plan_published_version(okayama_plan) == before


@pytest.mark.parametrize("write", ["lock", "reopen"])
def test_locking_and_reopening_a_year_publish_a_new_version(okayama_plan, personas, write):
    plan_year_lock(plan=okayama_plan, fiscal_year=YEAR, user=personas["admin"])
    before = plan_published_version(okayama_plan)
    if write == "lock":
        plan_year_reopen(plan=okayama_plan, fiscal_year=YEAR, user=personas["admin"])
        plan_year_lock(plan=okayama_plan, fiscal_year=YEAR, user=personas["admin"])
    else:
        plan_year_reopen(plan=okayama_plan, fiscal_year=YEAR, user=personas["admin"])
    after = plan_published_version(okayama_plan)
    assert after.version > before.version and after.key != before.key


def test_the_project_list_import_shows_at_once(admin_client, okayama_plan):
    assert_everywhere(admin_client, okayama_plan, "新しい協働事業", absent=True)
    table = read_project_list(
        '"事業コード","事業名","事業概要","基本施策","所管課"\r\n"P-100","新しい協働事業","","1-1",""'
        .encode(),
        "projects.csv",
    )  # fmt: skip

    assert projects_import(plan=okayama_plan, table=table, dry_run=False).written

    shown = everything_shown(admin_client, okayama_plan)
    # The open data lists indicators only; every report lists the projects.
    for page in ["overview", "report", "xlsx"]:
        assert "新しい協働事業" in shown[page], page


def test_loading_the_plan_file_again_shows_at_once(admin_client, seed_results, okayama_plan_data):
    okayama_plan = seed_results  # with approved values, so that the open data lists indicators
    assert_everywhere(admin_client, okayama_plan, "4200", absent=True)
    corrected = copy.deepcopy(okayama_plan_data)
    corrected["policies"][1]["indicators"][1]["target"] = "4200"

    plan_load(data=corrected, update=True)

    shown = everything_shown(admin_client, okayama_plan)
    for page in ["csv", "json"]:
        assert "4200" in shown[page], page
    for page in ["overview", "report"]:
        assert "4,200" in shown[page], page


def test_a_restored_plan_shows_what_its_backup_holds(admin_client, okayama_plan, personas):
    document = json.loads(json.dumps(plan_backup(plan=okayama_plan), default=str))
    entry = submitted(okayama_plan, personas, "61.7")
    entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    assert_everywhere(admin_client, okayama_plan, "61.7")
    Plan.objects.filter(pk=okayama_plan.pk).delete()

    restored = plan_restore(document=document).plan

    assert_everywhere(admin_client, restored, "61.7", absent=True)


def test_the_demo_data_shows_at_once(admin_client, okayama_plan, settings):
    for page in ["overview", "report"]:
        assert "デモ用データ" not in everything_shown(admin_client, okayama_plan)[page]
    settings.DEBUG = True  # the command refuses to run on a production server
    call_command("create_demo_accounts", stdout=StringIO())
    settings.DEBUG = False
    shown = everything_shown(admin_client, okayama_plan)
    assert "デモ用データ" in shown["overview"] and "デモ用データ" in shown["report"]


def admin_form_data(client, url):
    """What the admin's change form would send back unchanged: its fields and inlines."""
    context = client.get(url).context
    data, forms = {}, [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management[name].html_name: management[name].value() for name in management.fields}
        forms += formset.initial_forms
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else value
    return data


def edited_in_admin(client, obj, field, value):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    data = admin_form_data(client, url) | {field: value}
    # Followed to the list, which shows (and so uses up) the message naming the new value.
    response = client.post(url, data, follow=True)
    assert response.redirect_chain, response.content.decode()[:3000]


STRUCTURE_EDITS = {
    "計画": (lambda plan: plan, "title", ["report", "xlsx"]),
    "基本方針": (lambda plan: plan.policies.get(number=1), "title", ["overview", "report", "xlsx"]),
    "基本施策": (
        lambda plan: Measure.objects.get(policy__plan=plan, policy__number=1, number=1),
        "title",
        ["overview", "report", "xlsx"],
    ),
    "成果指標": (
        lambda plan: Indicator.objects.get(policy__plan=plan, name=PARTICIPATION),
        "name",
        ["overview", "report", "xlsx", "csv", "json"],
    ),
    "事業": (
        lambda plan: Project.objects.filter(plan=plan).order_by("pk").first(),
        "name",
        ["overview", "report", "xlsx"],
    ),
}


@pytest.mark.parametrize("model", STRUCTURE_EDITS)
def test_an_admin_edit_of_the_plan_shows_at_once(admin_client, seed_results, model):
    okayama_plan = seed_results  # with approved values, so that the open data lists indicators
    find, field, pages = STRUCTURE_EDITS[model]
    everything_shown(admin_client, okayama_plan)  # cached

    edited_in_admin(admin_client, find(okayama_plan), field, "管理画面で直した名前")

    shown = everything_shown(admin_client, okayama_plan)
    for page in pages:
        assert "管理画面で直した名前" in shown[page], page


def test_renaming_a_department_in_the_admin_shows_at_once(admin_client, okayama_plan, personas):
    project = Project.objects.filter(plan=okayama_plan).order_by("pk").first()
    project.department = personas["department_a"]
    project.save()
    department = Department.objects.get(pk=personas["department_a"].pk)
    everything_shown(admin_client, okayama_plan)

    edited_in_admin(admin_client, department, "name", "協働推進課(新)")

    shown = everything_shown(admin_client, okayama_plan)
    assert "協働推進課(新)" in shown["overview"] and "協働推進課(新)" in shown["report"]


def test_deleting_a_project_in_the_admin_shows_at_once(admin_client, okayama_plan):
    measure = Measure.objects.get(policy__plan=okayama_plan, policy__number=1, number=1)
    project = MeasureProjectFactory(
        measure=measure, project__plan=okayama_plan, project__name="取りやめる事業"
    ).project
    assert project.name in everything_shown(admin_client, okayama_plan)["overview"]
    url = reverse("admin:projects_project_delete", args=[project.pk])

    assert admin_client.post(url, {"post": "yes"}, follow=True).redirect_chain

    assert project.name not in everything_shown(admin_client, okayama_plan)["overview"]


# --- a change of one policy rebuilds that policy's part only ---------------------------------
#
# The overview, the print report and the .xlsx keep a part per policy, stamped with its policy's
# published version. To see which parts were built anew, an indicator of each policy is renamed
# behind the services' back (as a shell would, without a bump): a part built anew shows the new
# name, a part kept from before still shows the old one.

PAGES_BY_POLICY = ["overview", "report", "xlsx"]


def renamed_behind_the_services(plan, number):
    """Rename an indicator of policy `number` without publishing anything; its new name."""
    indicator = Indicator.objects.filter(policy__plan=plan, policy__number=number).first()
    name = f"こっそり直した指標名{number}"
    Indicator.objects.filter(pk=indicator.pk).update(name=name)
    return name


def shown_by_policy(client, plan):
    return {page: content for page, content in everything_shown(client, plan).items()
            if page in PAGES_BY_POLICY}  # fmt: skip


def test_an_approval_in_policy_2_rebuilds_policy_2_only(admin_client, seed_results, personas):
    plan = seed_results
    participation = Indicator.objects.get(policy__plan=plan, name=PARTICIPATION)
    other = Indicator.objects.filter(policy__plan=plan, policy__number=2).first()
    other.results.filter(fiscal_year=YEAR).delete()  # to be entered and approved below
    before = shown_by_policy(admin_client, plan)  # every part kept
    renamed_1 = renamed_behind_the_services(plan, participation.policy.number)
    renamed_2 = renamed_behind_the_services(plan, other.policy.number)
    entry = IndicatorResultFactory(
        indicator=other, fiscal_year=YEAR, value=Decimal("987654"),
        status=EntryStatus.SUBMITTED, entered_by=personas["staff_a"],
    )  # fmt: skip

    entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    after = shown_by_policy(admin_client, plan)
    for page in PAGES_BY_POLICY:
        assert "987654" not in before[page] and (
            "987,654" in after[page] or "987654" in after[page]
        )
        assert renamed_2 in after[page], page  # policy 2's part built anew
        assert renamed_1 not in after[page], page  # policy 1's part kept
    # The plan's summary is added up anew from the parts: one more indicator evaluated.
    assert before["overview"] != after["overview"]


def test_a_project_under_two_policies_rebuilds_both(admin_client, okayama_plan, personas):
    plan = okayama_plan
    project = MeasureProjectFactory(
        measure=Measure.objects.get(policy__plan=plan, policy__number=1, number=1),
        project__plan=plan, project__name="二つの方針の事業",
    ).project  # fmt: skip
    MeasureProjectFactory(
        measure=Measure.objects.get(policy__plan=plan, policy__number=3, number=1), project=project
    )
    shown_by_policy(admin_client, plan)
    renamed = {number: renamed_behind_the_services(plan, number) for number in (1, 2, 3)}
    entry = ProjectProgressFactory(
        project=project, fiscal_year=YEAR, grade="C", outlook="expand",
        activities="二つの方針で数える", status=EntryStatus.SUBMITTED,
        entered_by=personas["staff_a"],
    )  # fmt: skip

    entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    after = shown_by_policy(admin_client, plan)
    for page in PAGES_BY_POLICY:
        assert renamed[1] in after[page] and renamed[3] in after[page], page
        assert renamed[2] not in after[page], page
    assert after["report"].count("二つの方針で数える") == 2
    # Counted once in the plan's summary however many policies list it.
    summary = after["overview"][after["overview"].index("計画全体") :]
    summary = summary[: summary.index("基本方針1")]
    assert "C やや遅れ 1件" in summary


def test_a_plan_wide_change_rebuilds_every_policy(admin_client, seed_results):
    plan = seed_results
    shown_by_policy(admin_client, plan)
    renamed = [renamed_behind_the_services(plan, number) for number in (1, 2, 3)]

    edited_in_admin(admin_client, plan, "grade_b_ratio", "0.95")

    after = shown_by_policy(admin_client, plan)
    for page in PAGES_BY_POLICY:
        assert all(name in after[page] for name in renamed), page


@pytest.mark.parametrize("write", ["lock", "reopen"])
def test_a_lock_evaluates_no_policy_again(admin_client, seed_results, personas, write):
    """What a year's lock shows (the report's date of issue, the public 意見書) is around the
    policies' parts: the pages are assembled again from the parts kept, nothing is evaluated."""
    plan = seed_results
    if write == "reopen":
        plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["admin"])
    before = shown_by_policy(admin_client, plan)
    version = plan_published_version(plan)

    if write == "lock":
        plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["admin"])
    else:
        plan_year_reopen(plan=plan, fiscal_year=YEAR, user=personas["admin"])

    assert plan_published_version(plan).key != version.key
    for name in PAGE_NAMES:
        url = reverse(f"plans:{name}", args=[plan.code, YEAR])
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        assert not [q for q in queries if "indicators_indicatorresult" in q["sql"]], name
    assert shown_by_policy(admin_client, plan) == before


def test_a_plan_wide_change_builds_only_the_parts_whose_data_changed(
    admin_client, seed_results, okayama_plan_data
):
    """Every policy's version moves, but a part is built anew only when what it is built from
    changed (its digest): the plan file loaded again unchanged changes nothing shown, a
    measure's new title one policy."""
    plan = seed_results
    built = []

    def build(policy):
        built.append(policy.policy.number)
        return f"{policy.policy.number}: " + "、".join(m.measure.title for m in policy.measures)

    first = policy_parts(plan, YEAR, "test-page", build)
    assert built == [1, 2, 3]
    built.clear()

    plan_load(data=okayama_plan_data, update=True)  # the same file again
    reloaded = policy_parts(plan, YEAR, "test-page", build)
    assert built == []
    assert [part.content for part in reloaded] == [part.content for part in first]
    assert all(old.key != new.key for old, new in zip(first, reloaded, strict=True))

    measure = Measure.objects.get(policy__plan=plan, policy__number=2, number=1)
    edited_in_admin(admin_client, measure, "title", "新しい施策名")
    edited = policy_parts(plan, YEAR, "test-page", build)
    assert built == [2]
    assert "新しい施策名" in edited[1].content


def test_rebuilding_one_policy_or_all_reads_the_same_number_of_times(
    admin_client, committee, seed_results, personas
):
    plan = seed_results
    urls = [reverse(f"plans:{name}", args=[plan.code, YEAR]) for name in PAGE_NAMES]
    for url in urls:
        committee.get(url)
    other = Indicator.objects.filter(policy__plan=plan, policy__number=2).first()
    entry = other.results.get(fiscal_year=YEAR)
    entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="桁違い")
    one_policy = [query_count(committee, url) for url in urls]
    edited_in_admin(admin_client, plan, "grade_b_ratio", "0.95")  # every policy's grades
    every_policy = [query_count(committee, url) for url in urls]
    assert one_policy == every_policy
    # A lock changes nothing shown: every part and the .xlsx assembled from them are kept.
    plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["admin"])
    locked = [query_count(committee, url) for url in urls]
    assert all(after <= before for after, before in zip(locked, one_policy, strict=True))


PAGE_NAMES = ["overview", "report", "report_xlsx"]


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- a change of several policies builds the pages read before the writer's request ends ----


def result_reads(client, url):
    """The queries of one view that read indicator results: none when it came from the cache."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query for query in queries if "indicators_indicatorresult" in query["sql"]]


ALL_PAGES = {
    "overview": lambda plan: reverse("plans:overview", args=[plan.code, YEAR]),
    "report": lambda plan: reverse("plans:report", args=[plan.code, YEAR]),
    "xlsx": lambda plan: reverse("plans:report_xlsx", args=[plan.code, YEAR]),
    "csv": lambda plan: reverse("plans:open_csv", args=[plan.code]),
    "json": lambda plan: reverse("plans:open_json", args=[plan.code]),
}


def test_a_plan_wide_change_builds_the_pages_read_before_the_writer_returns(
    admin_client, committee, seed_results, django_capture_on_commit_callbacks
):
    plan = seed_results
    everything_shown(committee, plan)  # read, so remembered

    with django_capture_on_commit_callbacks(execute=True):
        edited_in_admin(admin_client, plan, "grade_b_ratio", "0.95")
        edited_in_admin(
            admin_client,
            Indicator.objects.get(policy__plan=plan, name=PARTICIPATION),
            "name",
            "管理画面で直した名前",
        )

    for page, url in ALL_PAGES.items():
        assert not result_reads(committee, url(plan)), page  # built already
    shown = everything_shown(committee, plan)
    for page in ALL_PAGES:
        assert "管理画面で直した名前" in shown[page], page


def test_a_bulk_approval_across_policies_builds_the_pages_read(
    admin_client, committee, seed_results, personas, django_capture_on_commit_callbacks
):
    plan = seed_results
    entries = []
    for number in (1, 2):
        indicator = Indicator.objects.filter(policy__plan=plan, policy__number=number).first()
        indicator.results.filter(fiscal_year=YEAR).delete()
        entries.append(IndicatorResultFactory(
            indicator=indicator, fiscal_year=YEAR, value=Decimal(f"{number}23456"),
            status=EntryStatus.SUBMITTED, entered_by=personas["staff_a"],
        ))  # fmt: skip
    committee.get(ALL_PAGES["overview"](plan))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for entry in entries:  # one transaction, as the review queue's bulk approval
            entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    assert not result_reads(committee, ALL_PAGES["overview"](plan))
    assert "123,456" in text(committee.get(ALL_PAGES["overview"](plan)))


def approved_result(plan, *, policy_number):
    """The year's approved result of the first indicator of a policy (seed_results)."""
    indicator = Indicator.objects.filter(policy__plan=plan, policy__number=policy_number).first()
    return indicator.results.get(fiscal_year=YEAR)


def test_a_return_builds_the_pages_read_after_the_office_has_its_answer(
    admin_client, committee, seed_results, personas, django_capture_on_commit_callbacks
):
    """A change of one policy: the office's return (the entry page's form) is answered first,
    then the worker builds the pages read; their next reader evaluates nothing."""
    plan = seed_results
    everything_shown(committee, plan)  # read, so remembered
    entry = approved_result(plan, policy_number=2)
    url = reverse("plans:entry_return", args=[plan.code, YEAR, "indicators", entry.indicator_id])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"version": entry.version, "reason": "桁を確認"})

    assert response.status_code == 302
    for page, page_url in ALL_PAGES.items():
        if page in ("csv", "json"):
            continue  # the open data is the plan's last year's
        assert not result_reads(committee, page_url(plan)), page


built_plans = []


@contextmanager
def a_request():
    """What the worker signals around a request, as the test client does: without closing the
    database connection, which holds the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    request_started.send(sender=None)
    try:
        yield
    finally:
        request_finished.send(sender=None)
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def recording_hook(plan_pk):
    built_plans.append(plan_pk)


def recording(settings):
    """The pages' builders replaced by one that notes the plan it was called for."""
    settings.PUBLISHED_CHANGE_HOOKS = ["tests.test_page_cache.recording_hook"]
    built_plans.clear()


def test_a_change_of_one_policy_is_built_once_the_response_has_gone(
    seed_results, personas, settings, django_capture_on_commit_callbacks
):
    plan = seed_results
    recording(settings)
    entry = approved_result(plan, policy_number=2)
    with a_request():
        with django_capture_on_commit_callbacks(execute=True):
            entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="桁")
        assert built_plans == []  # the view is still answering
    assert built_plans == [plan.pk]


def test_outside_a_request_a_change_of_one_policy_is_built_at_once(
    seed_results, personas, settings, django_capture_on_commit_callbacks
):
    """A command or a script has no response to send first."""
    plan = seed_results
    recording(settings)
    entry = approved_result(plan, policy_number=3)
    with django_capture_on_commit_callbacks(execute=True):
        entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="桁")
    assert built_plans == [plan.pk]


def test_a_failing_build_after_the_response_is_logged_and_loses_nothing(
    seed_results, personas, settings, caplog, django_capture_on_commit_callbacks
):
    plan = seed_results
    settings.PUBLISHED_CHANGE_HOOKS = ["tests.test_page_cache.broken_hook"]
    entry = approved_result(plan, policy_number=2)
    with a_request(), django_capture_on_commit_callbacks(execute=True):
        entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="桁")
    assert "壊れた事前作成" in caplog.text
    assert entry.__class__.objects.get(pk=entry.pk).status == EntryStatus.RETURNED


def test_a_lock_is_left_to_the_next_reader(
    committee, seed_results, personas, django_capture_on_commit_callbacks
):
    """A lock bumps no policy: its next reader assembles the pages from the parts kept,
    evaluating nothing."""
    plan = seed_results
    url = ALL_PAGES["overview"](plan)
    committee.get(url)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["admin"])

    assert any(getattr(callback, "plan_pk", None) == plan.pk for callback in callbacks)
    with CaptureQueriesContext(connection) as queries:
        assert committee.get(url).status_code == 200
    assert not any("indicators_indicatorresult" in query["sql"] for query in queries)


def test_the_pages_read_are_remembered_latest_first(committee, okayama_plan):
    for year in range(2021, YEAR + 1):
        for name in ("overview", "report"):
            committee.get(reverse(f"plans:{name}", args=[okayama_plan.code, year]))
    committee.get(reverse("plans:overview", args=[okayama_plan.code, 2022]))  # from the cache

    assert pages_viewed(okayama_plan) == [
        ("report", 2024), ("overview", 2024), ("report", 2023), ("overview", 2023),
        ("report", 2022), ("overview", 2022),
    ]  # fmt: skip


def broken_hook(plan_pk):
    raise RuntimeError("壊れた事前作成")


def test_a_failing_build_after_the_change_loses_nothing(
    admin_client, committee, seed_results, settings, caplog, django_capture_on_commit_callbacks
):
    plan = seed_results
    settings.PUBLISHED_CHANGE_HOOKS = ["tests.test_page_cache.broken_hook"]

    with django_capture_on_commit_callbacks(execute=True):
        edited_in_admin(admin_client, plan, "title", "直した計画名")

    assert Plan.objects.get(pk=plan.pk).title == "直した計画名"
    assert "壊れた事前作成" in caplog.text
    assert "直した計画名" in text(committee.get(ALL_PAGES["report"](plan)))  # built by its reader


# --- one viewer's page never reaches another -------------------------------------------------


@pytest.mark.parametrize("name", ["plans:overview", "plans:report"])
def test_each_role_sees_its_own_header_on_the_cached_page(
    admin_client, committee, okayama_plan, django_assert_max_num_queries, name
):
    url = reverse(name, args=[okayama_plan.code, YEAR])
    admin_page = text(admin_client.get(url))
    with django_assert_max_num_queries(12):  # the tables come from the cache
        committee_page = text(committee.get(url))

    assert "alice さん" in admin_page and "管理画面" in admin_page
    assert "dave さん" in committee_page
    assert "alice" not in committee_page and "管理画面" not in committee_page
    assert "確認・承認" in admin_page and "確認・承認" not in committee_page

    # The committee's opinions, after the tables, are each reader's own (test_opinions.py).
    def tables(page):
        return page[page.index("計画全体") : page.rindex("委員会の意見と市の対応")]

    assert tables(admin_page) == tables(committee_page)


def test_a_repeat_view_of_the_overview_runs_fewer_queries(
    committee, okayama_plan, django_assert_max_num_queries
):
    url = reverse("plans:overview", args=[okayama_plan.code, YEAR])
    with CaptureQueriesContext(connection) as first:
        committee.get(url)
    with django_assert_max_num_queries(len(first) - 10):
        committee.get(url)


# --- conditional requests for the open data --------------------------------------------------


@pytest.mark.parametrize("name", ["plans:open_csv", "plans:open_json"])
def test_open_data_answers_a_conditional_request_with_304(okayama_plan, personas, name):
    url = reverse(name, args=[okayama_plan.code])
    visitor = Client()
    first = visitor.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]

    assert visitor.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    since = visitor.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304 and since["ETag"] == first["ETag"]

    entry = submitted(okayama_plan, personas, "61.7")
    entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    again = visitor.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert "61.7" in again.content.decode("utf-8") and "61.7" not in first.content.decode("utf-8")


def test_the_digest_reads_every_field_of_the_evaluations_it_names():
    """`parts.DIGESTED` names fields that exist; any other field goes into the digest as it is."""
    for cls, known in DIGESTED.items():
        assert known <= set(_field_names(cls)), cls
        assert set(OTHER_FIELDS[cls]) == set(_field_names(cls)) - known


def test_a_revision_added_in_the_admin_shows_in_the_print_report_at_once(
    admin_client, okayama_plan
):
    """The year's revisions, the print report's last table, are kept per published version."""
    url = reverse("plans:report", args=[okayama_plan.code, YEAR])
    assert "から適用される計画の見直しはありません" in text(admin_client.get(url))
    indicator = Indicator.objects.get(policy__plan=okayama_plan, name=PARTICIPATION)
    response = admin_client.post(
        reverse("admin:indicators_indicatorrevision_add"),
        {
            "indicator": indicator.pk,
            "kind": "ended",
            "from_year": YEAR,
            "reason": "調査を取りやめたため",
            "decided_by": "岡山市協働推進委員会",
            "decided_on": "2024-02-15",
        },
        follow=True,
    )
    assert response.redirect_chain, response.content.decode()[:3000]
    shown = text(admin_client.get(url))
    assert "調査を取りやめたため" in shown and "から適用される計画の見直しはありません" not in shown
