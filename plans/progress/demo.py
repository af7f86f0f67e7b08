"""Made-up accounts, departments and results for trying the portal locally. Never for production."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from indicators.models import Indicator, IndicatorResult
from plans.fiscal_years import default_entry_year
from plans.models import (
    CommitteeOpinion,
    Department,
    EntryStatus,
    Measure,
    MeasureAssessment,
    OpinionLetter,
    OpinionResponse,
    Plan,
)
from plans.progress.kinds import RESPONSES
from plans.progress.opinions import LetterItem, letter_save, opinion_save
from plans.progress.workflow import WorkflowError, entry_approve, entry_save
from plans.publication import plan_published_version_bump
from plans.roles import (
    ADMINISTRATORS,
    COMMITTEE_CHAIR,
    COMMITTEE_MEMBERS,
    DEPARTMENT_STAFF,
    role_groups_sync,
)
from projects.models import Project, ProjectProgress

DEMO_PASSWORD = "kyodo-demo-2025"
DEMO_DEPARTMENTS = ["市民協働企画課(デモ)", "地域づくり支援課(デモ)"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    last_name: str
    first_name: str
    role: str
    department: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("demo-admin", "協働", "花子(デモ)", ADMINISTRATORS),
    DemoAccount("demo-staff-a", "市民", "一郎(デモ)", DEPARTMENT_STAFF, DEMO_DEPARTMENTS[0]),
    DemoAccount("demo-staff-b", "地域", "二郎(デモ)", DEPARTMENT_STAFF, DEMO_DEPARTMENTS[1]),
    DemoAccount("demo-committee", "委員", "三子(デモ)", COMMITTEE_MEMBERS),
    # The committee's chair compiles the 意見書; a second administrator approves what the
    # first writes (four eyes), such as the city's responses to the committee's opinions.
    DemoAccount("demo-chair", "委員長", "四郎(デモ)", COMMITTEE_CHAIR),
    DemoAccount("demo-admin-b", "協働", "五月(デモ)", ADMINISTRATORS),
]


@transaction.atomic
def demo_accounts_create():
    """Create the demo departments and accounts, and hand the plans' unassigned items to them.

    Existing accounts are left as they are (their passwords included). Items are assigned by
    policy: odd-numbered policies to the first demo department, even ones to the second. Items
    that already have a department keep it.
    """
    groups = role_groups_sync()
    departments = [
        Department.objects.get_or_create(name=name, defaults={"is_demo": True})[0]
        for name in DEMO_DEPARTMENTS
    ]
    by_name = {department.name: department for department in departments}
    user_model = get_user_model()
    created = []
    for account in DEMO_ACCOUNTS:
        user, is_new = user_model.objects.get_or_create(
            username=account.username,
            defaults={
                "last_name": account.last_name,
                "first_name": account.first_name,
                # A reserved domain: reminder mails go to the console in development anyway.
                "email": f"{account.username}@example.jp",
                "is_staff": account.role == ADMINISTRATORS,
            },
        )
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(groups[account.role])
            if account.department:
                by_name[account.department].members.add(user)
            created.append(user)
    for plan in Plan.objects.all():
        for policy in plan.policies.all():
            department = departments[(policy.number + 1) % 2]
            Indicator.objects.filter(policy=policy, department__isnull=True).update(
                department=department
            )
            Project.objects.filter(
                plan=plan, measure_links__measure__policy=policy, department__isnull=True
            ).update(department=department)
    demo_results_create(approver=user_model.objects.get(username="demo-admin"))
    accounts = {
        account.username: user_model.objects.get(username=account.username)
        for account in DEMO_ACCOUNTS
    }
    for plan in Plan.objects.all():
        demo_committee_create(plan, accounts)
    return created


# How far along each demo indicator is by the end of the plan (1 = exactly on the target line),
# cycled over the plan's indicators so that the dashboard shows every grade.
DEMO_PACES = [Decimal(x) for x in ("1.15", "0.45", "0.9", "1.05", "-0.2", "0.75", "0.6")]
DEMO_GRADES = ["A", "B", "B", "C", "B", "D"]
DEMO_OUTLOOKS = ["continue", "expand", "improve", "continue", "reduce"]


def _demo_value(indicator, index, plan, year):
    pace = DEMO_PACES[index % len(DEMO_PACES)]
    elapsed = Decimal(year - plan.first_fiscal_year + 1) / len(plan.fiscal_years)
    if indicator.aggregation == Indicator.Aggregation.CUMULATIVE:
        # A yearly figure such that the running total keeps to `pace` of the target line.
        value = indicator.target_value / len(plan.fiscal_years) * pace
    else:
        span = indicator.target_value - indicator.baseline_value
        value = indicator.baseline_value + span * pace * elapsed
    return value.quantize(Decimal(1).scaleb(-indicator.decimal_places))


@transaction.atomic
def demo_results_create(*, approver):
    """Approved made-up results, project progress and measure assessments for the plan years
    before the one being entered, marked デモ.

    Years that already have an entry are left alone. The 2nd indicator skips one year as "not
    measured" (a survey that does not run every year), so that gaps can be seen.
    """
    for plan in Plan.objects.all():
        years = range(plan.first_fiscal_year, default_entry_year(plan))
        approved = {"status": EntryStatus.APPROVED, "approved_by": approver, "is_demo": True}
        indicators = Indicator.objects.filter(policy__plan=plan).order_by(
            "policy__number", "position"
        )
        for index, indicator in enumerate(indicators):
            for year in years:
                skip = index == 1 and year == plan.first_fiscal_year + 1
                IndicatorResult.objects.get_or_create(
                    indicator=indicator,
                    fiscal_year=year,
                    defaults={
                        "value": None if skip else _demo_value(indicator, index, plan, year),
                        "not_measured": skip,
                        "analysis": "(デモ)調査を隔年で実施するため測定なし。"
                        if skip
                        else f"(デモ){year}年度の取組の結果です。",
                        **approved,
                    },
                )
        for index, project in enumerate(Project.objects.filter(plan=plan).order_by("pk")):
            for year in years:
                budget = Decimal(800 + 150 * (index % 7))
                ProjectProgress.objects.get_or_create(
                    project=project,
                    fiscal_year=year,
                    defaults={
                        "activities": f"(デモ){year}年度は講座・説明会を{3 + index % 4}回開催し、"
                        f"延べ{40 + 7 * index}人が参加した。",
                        "grade": DEMO_GRADES[(index + year) % len(DEMO_GRADES)],
                        "issues": "(デモ)若い世代の参加が少ない。",
                        "outlook": DEMO_OUTLOOKS[index % len(DEMO_OUTLOOKS)],
                        "budget_amount": budget,
                        "settlement_amount": (budget * Decimal("0.94")).quantize(Decimal(1)),
                        **approved,
                    },
                )
        for measure in Measure.objects.filter(policy__plan=plan):
            for year in years:
                MeasureAssessment.objects.get_or_create(
                    measure=measure,
                    fiscal_year=year,
                    defaults={
                        "assessment": f"(デモ){year}年度は主な事業をおおむね計画どおり実施し、"
                        "成果指標も基準値から改善した。",
                        "direction": "(デモ)若い世代や企業の参加を広げる取組を強める。",
                        **approved,
                    },
                )
        plan_published_version_bump(plan=plan)


def demo_committee_create(plan, accounts):
    """The committee's half of the cycle for the year before the one being entered, made up
    and marked デモ: opinions shared by a member and the chair (on the plan, a policy, an
    indicator), the chair's published 意見書, and the city's responses written by the plan
    office and approved by a second administrator. Written through the services, so that
    history and the audit log are as for real ones.

    Left alone when the year has any opinion or 意見書 already, or is before the plan; a year
    that is locked or otherwise closed is skipped (returns False)."""
    year = default_entry_year(plan) - 1
    if year < plan.first_fiscal_year:
        return False
    if (
        CommitteeOpinion.objects.filter(plan=plan, fiscal_year=year).exists()
        or OpinionLetter.objects.filter(plan=plan, fiscal_year=year).exists()
    ):
        return False
    policy = plan.policies.order_by("number").first()
    indicator = (
        Indicator.objects.filter(policy__plan=plan).order_by("policy__number", "position").first()
    )
    if policy is None or indicator is None:
        return False
    subjects = [
        (accounts["demo-committee"], None, "(デモ)計画全体として、若い世代や企業の参加をどう広げる"
         "かを、次年度の重点として示してほしい。"),
        (accounts["demo-chair"], policy, "(デモ)この基本方針の事業は着実に進んでいるが、"
         "成果を市民に分かりやすく伝える工夫が必要である。"),
        (accounts["demo-committee"], indicator, "(デモ)この指標は目標に届いていない。"
         "原因の分析と、取組の見直しを求める。"),
    ]  # fmt: skip
    try:
        with transaction.atomic():
            opinions = [
                opinion_save(
                    plan=plan,
                    fiscal_year=year,
                    user=user,
                    opinion=None,
                    subject=subject,
                    body=body,
                    version=0,
                    share=True,
                )
                for user, subject, body in subjects
            ]
            letter = letter_save(
                plan=plan,
                fiscal_year=year,
                user=accounts["demo-chair"],
                preface="(デモ)協働推進委員会は、本年度の取組の報告を受けて次のとおり意見を述べます。",
                items=[
                    LetterItem(opinion.pk, position, "", None)
                    for position, opinion in enumerate(opinions, start=1)
                ],
                version=0,
                publish=True,
            )
            responses = []
            for number, opinion in enumerate(opinions, start=1):
                response = entry_save(
                    kind=RESPONSES,
                    target=opinion,
                    fiscal_year=year,
                    user=accounts["demo-admin"],
                    values={
                        "response": f"(デモ)意見{number}を受けて、関係課と対応を検討し、"
                        "次年度の事業で取り組みます。"
                    },
                    version=0,
                    submit=True,
                )
                responses.append(
                    entry_approve(
                        entry=response, user=accounts["demo-admin-b"], version=response.version
                    )
                )
    except WorkflowError:
        return False
    CommitteeOpinion.objects.filter(pk__in=[opinion.pk for opinion in opinions]).update(
        is_demo=True
    )
    OpinionLetter.objects.filter(pk=letter.pk).update(is_demo=True)
    OpinionResponse.objects.filter(pk__in=[response.pk for response in responses]).update(
        is_demo=True
    )
    # The flags change what the pages and files show.
    plan_published_version_bump(plan=plan)
    return True
