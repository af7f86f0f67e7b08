"""Each rule of a yearly entry, through every door that can change one (issue 13).

The rules: a 測定なし submission needs a reason; a value the plausibility check flags needs an
analysis; a locked year refuses; an approved value is protected; a change made from an older
version is refused. The doors: the workflow's services called directly (entry_save and the
batch entries_submit), the entry page, the results import page (the entry or year changed
before the upload, or between the preview and the confirmation), the import_results command,
and the admin, where entries and years are read-only. Whatever the door: refused, told in
Japanese, and nothing changed. A measure's assessment (the third kind, issue 16) goes through
the doors it has: the services, its entry page and the admin; the city's response to a
committee opinion (the fourth) through the services and its entry page.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from indicators.models import Indicator, IndicatorResult
from plans.models import CommitteeOpinion, Measure, MeasureAssessment, OpinionResponse, PlanYear
from plans.progress.kinds import INDICATORS, MEASURES, RESPONSES
from plans.progress.opinions import LetterItem, letter_save
from plans.progress.results_import import RESULT_KINDS
from plans.progress.workflow import (
    Submission,
    WorkflowError,
    entries_submit,
    entry_approve,
    entry_save,
    plan_year_lock,
)
from plans.roles import ADMINISTRATORS, COMMITTEE_CHAIR, COMMITTEE_MEMBERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
NAME = "SNSのフォロワー数"  # 1,620 in 2024 (seed_results); baseline 880, target 1,500


@dataclass
class World:
    """The plan with earlier years' results, the indicator under test and who acts on it."""

    plan: object
    indicator: Indicator
    admin: object  # the plan office: imports, approves, locks
    staff: object  # the department that enters the indicator
    files: Path
    arranged: tuple = ()

    def arrange(self, rule):
        """What happened before the attempt; then what must still be so after it."""
        if rule.arrange:
            rule.arrange(self)
        self.arranged = snapshot(self)

    def entry(self):
        return IndicatorResult.objects.filter(indicator=self.indicator, fiscal_year=YEAR).first()

    def current_version(self):
        entry = self.entry()
        return entry.version if entry else 0

    def version_seen(self, rule):
        """The version of the entry that the person's form (or file) was made from."""
        return self.current_version() if rule.made_from is None else rule.made_from


def snapshot(world):
    """Everything an attempt could change: the year's entries, their history, the year."""
    return (
        list(
            IndicatorResult.objects.filter(fiscal_year=YEAR)
            .order_by("pk")
            .values_list("indicator", "status", "value", "not_measured", "analysis", "version")
        ),
        IndicatorResult.history.filter(fiscal_year=YEAR).count(),
        list(PlanYear.objects.filter(plan=world.plan).values_list("fiscal_year", "is_locked")),
        PlanYear.history.count(),
    )


def save(world, value, submit=False):
    # The department enters; the plan office reviews (four eyes: it never approves its own).
    return entry_save(
        kind=INDICATORS,
        target=world.indicator,
        fiscal_year=YEAR,
        user=world.staff,
        values={"value": world.indicator.parse_value(value), "not_measured": False,
                "analysis": "順調に増えた"},
        version=world.current_version(),
        submit=submit,
    )  # fmt: skip


def lock_the_year(world):
    plan_year_lock(plan=world.plan, fiscal_year=YEAR, user=world.admin)


def approve_an_entry(world):
    entry = save(world, "1650", submit=True)
    entry_approve(entry=entry, user=world.admin, version=entry.version)


def save_a_draft(world):
    save(world, "1650")


@dataclass(frozen=True)
class Rule:
    value: str  # as typed on the page or in the file
    not_measured: bool
    analysis: str
    message: str  # what every door that judges says (the part they share)
    arrange: Callable | None = None  # what happened to the entry or the year first
    made_from: int | None = None  # the version the attempt was made from; None: the current one


PLAUSIBLE = {"value": "1700", "not_measured": False, "analysis": "投稿を増やした"}
RULES = {
    "not measured needs a reason": Rule("", True, "", "測定しなかった理由"),
    "implausible value needs an analysis": Rule("16200", False, "", "要因分析に理由"),
    "locked year is refused": Rule(
        **PLAUSIBLE, message="確定(ロック)されているため変更できません", arrange=lock_the_year
    ),
    "approved value is protected": Rule(
        **PLAUSIBLE, message="承認済みのため変更できません", arrange=approve_an_entry
    ),
    "stale version is refused": Rule(
        **PLAUSIBLE, message="この入力を保存", arrange=save_a_draft, made_from=0
    ),
}


def values(world, rule):
    return {
        "value": world.indicator.parse_value(rule.value),
        "not_measured": rule.not_measured,
        "analysis": rule.analysis,
    }


def visible_text(response):
    return " ".join(strip_tags(response.content.decode()).split())


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def results_file(rule):
    """A results file as a department sends it back; 版 only when the rule says what it was."""
    row = [NAME, rule.value, "はい" if rule.not_measured else "", rule.analysis,
           "" if rule.made_from is None else str(rule.made_from)]  # fmt: skip
    lines = [",".join(RESULT_KINDS["indicators"].columns), ",".join(f'"{c}"' for c in row)]
    return "\r\n".join(lines).encode("cp932")


# --- The doors: each makes the attempt (arranging the world first, or where it says) and
# returns what the person was told. --------------------------------------------------------


def through_entry_save(world, rule):
    world.arrange(rule)
    with pytest.raises(WorkflowError) as refused:
        entry_save(
            kind=INDICATORS, target=world.indicator, fiscal_year=YEAR, user=world.staff,
            values=values(world, rule), version=world.version_seen(rule), submit=True,
        )  # fmt: skip
    return str(refused.value)


def through_entries_submit(world, rule):
    world.arrange(rule)
    submission = Submission(world.indicator, values(world, rule), rule.made_from)
    try:
        [outcome] = entries_submit(
            kind=INDICATORS, plan=world.plan, fiscal_year=YEAR, user=world.admin,
            submissions=[submission], dry_run=False, action="results.import",
        )  # fmt: skip
    except WorkflowError as error:  # the year as a whole
        return str(error)
    return str(outcome.refusal)


def through_entry_page(world, rule):
    world.arrange(rule)
    url = reverse("plans:entry", args=[world.plan.code, YEAR, "indicators", world.indicator.pk])
    response = logged_in(world.staff).post(
        url,
        {
            "value": rule.value,
            "not_measured": "on" if rule.not_measured else "",
            "analysis": rule.analysis,
            "version": str(world.version_seen(rule)),
            "action": "submit",
        },
    )
    assert response.status_code == 200  # shown again with the reason, not saved and redirected
    return visible_text(response)


def _through_import_page(world, rule, *, changed_after_preview):
    if not changed_after_preview:
        world.arrange(rule)
    client = logged_in(world.admin)
    url = reverse("plans:results_import", args=[world.plan.code, YEAR])
    upload = SimpleUploadedFile("results.csv", results_file(rule))
    preview = client.post(url, {"kind": "indicators", "file": upload, "encoding": ""})
    if changed_after_preview:
        assert not preview.context["report"].errors
        world.arrange(rule)
    told = [] if changed_after_preview else [visible_text(preview)]
    token = preview.context.get("token")
    if token:  # a file refused as a whole (a locked year) has no confirmation to post
        # Posted even when the preview offers no button: an old tab, a crafted request.
        confirm = client.post(
            url,
            {"confirm": "1", "token": token, "kind": "indicators", "filename": "results.csv",
             "encoding": ""},
            follow=True,
        )  # fmt: skip
        assert rule.message in visible_text(confirm)
        told.append(visible_text(confirm))
    return " ".join(told)


def through_import_page(world, rule):
    return _through_import_page(world, rule, changed_after_preview=False)


def through_import_page_changed_after_preview(world, rule):
    return _through_import_page(world, rule, changed_after_preview=True)


def through_import_command(world, rule):
    world.arrange(rule)
    path = world.files / "results.csv"
    path.write_bytes(results_file(rule))
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_results", str(path), plan=world.plan.code, year=YEAR, kind="indicators",
            user=world.admin.username, stdout=out,
        )  # fmt: skip
    return f"{out.getvalue()} {refused.value}"


ADMIN_REFUSAL = "権限がありません"


def through_the_admin(world, rule):
    """Every admin page that could write the entry or the year: adding, changing, deleting,
    and reverting to an old version from its history."""
    world.arrange(rule)
    entry = world.entry()
    posts = [
        (
            reverse("admin:indicators_indicatorresult_add"),
            {"indicator": world.indicator.pk, "fiscal_year": YEAR, "value": rule.value,
             "not_measured": "on" if rule.not_measured else "", "analysis": rule.analysis,
             "status": "submitted"},
        ),
    ]  # fmt: skip
    if entry:
        posts += [
            (reverse("admin:indicators_indicatorresult_change", args=[entry.pk]), posts[0][1]),
            (reverse("admin:indicators_indicatorresult_delete", args=[entry.pk]), {"post": "yes"}),
        ] + [
            (
                reverse(
                    "admin:indicators_indicatorresult_simple_history",
                    args=[entry.pk, old.history_id],
                ),
                posts[0][1],
            )
            for old in entry.history.all()
        ]
    plan_year = PlanYear.objects.filter(plan=world.plan, fiscal_year=YEAR).first()
    if plan_year:
        unlocked = {"plan": world.plan.pk, "fiscal_year": YEAR, "is_locked": ""}
        posts += [
            (reverse("admin:plans_planyear_change", args=[plan_year.pk]), unlocked),
            (reverse("admin:plans_planyear_delete", args=[plan_year.pk]), {"post": "yes"}),
        ] + [
            (
                reverse("admin:plans_planyear_simple_history", args=[plan_year.pk, old.history_id]),
                unlocked,
            )
            for old in plan_year.history.all()
        ]
    client = logged_in(world.admin)
    told = []
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 403, url
        told.append(visible_text(response))
    assert all(ADMIN_REFUSAL in text for text in told)
    return " ".join(told)


DOORS = {
    "entry_save": through_entry_save,
    "entries_submit": through_entries_submit,
    "entry page": through_entry_page,
    "import page": through_import_page,
    "import page, changed after the preview": through_import_page_changed_after_preview,
    "import_results command": through_import_command,
    "admin": through_the_admin,
}
CASES = [
    (rule, door)
    for rule in RULES
    for door in DOORS
    # A value refused for itself has nothing that could change between preview and confirm.
    if RULES[rule].arrange or door != "import page, changed after the preview"
]


@pytest.fixture
def world(seed_results, personas, tmp_path):
    indicator = Indicator.objects.get(policy__plan=seed_results, name=NAME)
    indicator.department = personas["department_a"]
    indicator.save()
    return World(seed_results, indicator, personas["admin"], personas["staff_a"], tmp_path)


@pytest.mark.parametrize(("rule", "door"), CASES)
def test_every_door_keeps_the_rule(world, rule, door):
    rule = RULES[rule]

    told = DOORS[door](world, rule)

    assert (ADMIN_REFUSAL if door == "admin" else rule.message) in told
    assert snapshot(world) == world.arranged


def test_the_admin_still_shows_an_entrys_old_versions(world):
    approve_an_entry(world)
    entry = world.entry()
    old = entry.history.earliest()
    url = reverse(
        "admin:indicators_indicatorresult_simple_history", args=[entry.pk, old.history_id]
    )
    response = logged_in(world.admin).get(url)
    assert response.status_code == 200
    assert "1650" in response.content.decode() and 'name="_save"' not in response.content.decode()


# --- The third kind, a measure's assessment (施策の評価): the rules it shares with the others
# and its own (both texts to submit), through the doors it has. It has no fill-in file, so no
# import door: the service, the entry page and the admin. ----------------------------------


@dataclass(frozen=True)
class AssessmentRule:
    assessment: str
    direction: str
    message: str
    arrange: Callable | None = None
    made_from: int | None = None


WRITTEN = {"assessment": "講座の参加者が増えた。", "direction": "周知を強める。"}


def assessment_save(world, submit=False, **values):
    return entry_save(
        kind=MEASURES, target=world.measure, fiscal_year=YEAR, user=world.staff,
        values=WRITTEN | values, version=world.current_version(), submit=submit,
    )  # fmt: skip


def approve_an_assessment(world):
    entry = assessment_save(world, submit=True)
    entry_approve(entry=entry, user=world.admin, version=entry.version)


ASSESSMENT_RULES = {
    "both texts are needed to submit": AssessmentRule("評価だけ", "", "今後の取組方針を入力"),
    "locked year is refused": AssessmentRule(
        **WRITTEN, message="確定(ロック)されているため変更できません", arrange=lock_the_year
    ),
    "approved assessment is protected": AssessmentRule(
        **WRITTEN, message="承認済みのため変更できません", arrange=approve_an_assessment
    ),
    "stale version is refused": AssessmentRule(
        **WRITTEN,
        message="この入力を保存",
        arrange=lambda world: assessment_save(world),
        made_from=0,
    ),
}


@dataclass
class AssessmentWorld(World):
    measure: Measure = None

    def entry(self):
        return MeasureAssessment.objects.filter(measure=self.measure, fiscal_year=YEAR).first()


def assessment_snapshot(world):
    return (
        list(
            MeasureAssessment.objects.filter(fiscal_year=YEAR)
            .order_by("pk")
            .values_list("measure", "status", "assessment", "direction", "version")
        ),
        MeasureAssessment.history.filter(fiscal_year=YEAR).count(),
        list(PlanYear.objects.filter(plan=world.plan).values_list("fiscal_year", "is_locked")),
        PlanYear.history.count(),
    )


def assessment_through_entry_save(world, rule):
    with pytest.raises(WorkflowError) as refused:
        entry_save(
            kind=MEASURES, target=world.measure, fiscal_year=YEAR, user=world.staff,
            values={"assessment": rule.assessment, "direction": rule.direction},
            version=world.version_seen(rule), submit=True,
        )  # fmt: skip
    return str(refused.value)


def assessment_through_entry_page(world, rule):
    url = reverse("plans:entry", args=[world.plan.code, YEAR, "measures", world.measure.pk])
    response = logged_in(world.staff).post(
        url,
        {"assessment": rule.assessment, "direction": rule.direction,
         "version": str(world.version_seen(rule)), "action": "submit"},
    )  # fmt: skip
    assert response.status_code == 200
    return visible_text(response)


def assessment_through_the_admin(world, rule):
    entry = world.entry()
    data = {"measure": world.measure.pk, "fiscal_year": YEAR, "status": "submitted",
            "assessment": rule.assessment, "direction": rule.direction}  # fmt: skip
    posts = [(reverse("admin:plans_measureassessment_add"), data)]
    if entry:
        posts += [
            (reverse("admin:plans_measureassessment_change", args=[entry.pk]), data),
            (reverse("admin:plans_measureassessment_delete", args=[entry.pk]), {"post": "yes"}),
        ] + [
            (
                reverse(
                    "admin:plans_measureassessment_simple_history", args=[entry.pk, old.history_id]
                ),
                data,
            )
            for old in entry.history.all()
        ]
    client = logged_in(world.admin)
    told = []
    for url, posted in posts:
        response = client.post(url, posted)
        assert response.status_code == 403, url
        told.append(visible_text(response))
    assert all(ADMIN_REFUSAL in text for text in told)
    return " ".join(told)


ASSESSMENT_DOORS = {
    "entry_save": assessment_through_entry_save,
    "entry page": assessment_through_entry_page,
    "admin": assessment_through_the_admin,
}


@pytest.fixture
def assessment_world(world):
    measure = Measure.objects.get(policy__plan=world.plan, policy__number=1, number=1)
    measure.department = world.staff.departments.get()
    measure.save()
    return AssessmentWorld(
        world.plan, world.indicator, world.admin, world.staff, world.files, measure=measure
    )


@pytest.mark.parametrize("door", ASSESSMENT_DOORS)
@pytest.mark.parametrize("rule", ASSESSMENT_RULES)
def test_every_door_keeps_the_rule_for_an_assessment(assessment_world, rule, door):
    world, rule = assessment_world, ASSESSMENT_RULES[rule]
    if rule.arrange:
        rule.arrange(world)
    before = assessment_snapshot(world)

    told = ASSESSMENT_DOORS[door](world, rule)

    assert (ADMIN_REFUSAL if door == "admin" else rule.message) in told
    assert assessment_snapshot(world) == before


# --- the city's response to a committee opinion (the fourth kind) ------------------------------
# Its doors: the services and its entry page (no import, not in the admin). The plan office
# writes it; another administrator approves it.


@dataclass
class ResponseRule:
    response: str
    message: str
    arrange: Callable | None = None
    published: bool = True


def response_save(world, submit=False, response="講座を開く。"):
    current = OpinionResponse.objects.filter(opinion=world.opinion).first()
    return entry_save(
        kind=RESPONSES, target=world.opinion, fiscal_year=YEAR, user=world.admin,
        values={"response": response}, version=current.version if current else 0, submit=submit,
    )  # fmt: skip


def approve_a_response(world):
    entry = response_save(world, submit=True)
    entry_approve(entry=entry, user=world.second_admin, version=entry.version)


RESPONSE_RULES = {
    "no response before the 意見書 is published": ResponseRule(
        "講座を開く。", "意見書が公表されるまで", published=False
    ),
    "the response is needed to submit": ResponseRule(" ", "市の対応・対応方針を入力"),
    "locked year is refused": ResponseRule(
        "講座を開く。", "確定(ロック)されているため変更できません", arrange=lock_the_year
    ),
    "approved response is protected": ResponseRule(
        "講座を開く。", "承認済みのため変更できません", arrange=approve_a_response
    ),
}


@dataclass
class ResponseWorld(World):
    opinion: CommitteeOpinion = None
    second_admin: object = None


def response_snapshot(world):
    return (
        list(OpinionResponse.objects.order_by("pk").values_list("status", "response", "version")),
        OpinionResponse.history.count(),
        list(PlanYear.objects.filter(plan=world.plan).values_list("fiscal_year", "is_locked")),
    )


def response_through_entry_save(world, rule):
    with pytest.raises(WorkflowError) as refused:
        response_save(world, submit=True, response=rule.response)
    return str(refused.value)


def response_through_entry_page(world, rule):
    url = reverse("plans:entry", args=[world.plan.code, YEAR, "responses", world.opinion.pk])
    current = OpinionResponse.objects.filter(opinion=world.opinion).first()
    posted = {"response": rule.response, "version": str(current.version if current else 0),
              "action": "submit"}  # fmt: skip
    response = logged_in(world.admin).post(url, posted)
    if not rule.published:
        assert response.status_code == 404  # not an item until the 意見書 is published
        return rule.message
    assert response.status_code == 200
    return visible_text(response)


RESPONSE_DOORS = {
    "entry_save": response_through_entry_save,
    "entry page": response_through_entry_page,
}


@pytest.fixture
def response_world(world, roles):
    chair = UserFactory(username="frank")
    chair.groups.add(roles[COMMITTEE_MEMBERS], roles[COMMITTEE_CHAIR])
    second_admin = UserFactory(username="gina", is_staff=True)
    second_admin.groups.add(roles[ADMINISTRATORS])
    opinion = CommitteeOpinion.objects.create(
        plan=world.plan, fiscal_year=YEAR, author=chair, status="shared", body="意見"
    )
    return ResponseWorld(
        world.plan, world.indicator, world.admin, world.staff, world.files,
        opinion=opinion, second_admin=second_admin,
    )  # fmt: skip


@pytest.mark.parametrize("door", RESPONSE_DOORS)
@pytest.mark.parametrize("rule", RESPONSE_RULES)
def test_every_door_keeps_the_rule_for_a_response(response_world, rule, door):
    world, rule = response_world, RESPONSE_RULES[rule]
    chair = world.opinion.author
    letter_save(
        plan=world.plan, fiscal_year=YEAR, user=chair, preface="", version=0,
        items=[LetterItem(world.opinion.pk, 1, "", None)], publish=rule.published,
    )  # fmt: skip
    if rule.arrange:
        rule.arrange(world)
    before = response_snapshot(world)

    told = RESPONSE_DOORS[door](world, rule)

    assert rule.message in told
    assert response_snapshot(world) == before
