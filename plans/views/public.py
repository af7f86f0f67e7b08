from django.db.models import F
from django.shortcuts import get_object_or_404, render

from plans.fiscal_years import default_entry_year
from plans.models import OpinionLetter, Plan

# The plan's text (policies, measures, projects, indicators with baseline and target) is a
# published document, so these pages need no login. Yearly results are not shown here.


def plan_list(request):
    """Every plan, the current ones (being drafted, in progress, in their final evaluation)
    before the past ones (終了), newest first in each."""
    plans = list(Plan.objects.all())
    current = [plan for plan in plans if plan.status != Plan.Status.CLOSED]
    past = [plan for plan in plans if plan.status == Plan.Status.CLOSED]
    groups = [("現在の計画", current), ("過去の計画", past)]
    return render(request, "plans/plan_list.html", {"plans": plans, "plan_groups": groups})


def plan_detail(request, code):
    plans = (
        Plan.objects.with_structure()
        .select_related("predecessor")
        .prefetch_related(
            "policies__indicators__revisions",
            "policies__measures__project_links__project__revisions",
        )
    )  # 計画の見直し, shown beside what they revise
    plan = get_object_or_404(plans, code=code)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "report_year": default_entry_year(plan),
            "successors": list(plan.successors.all()),
            "opinion_years": public_opinion_years(plan),
        },
    )


def public_opinion_years(plan):
    """The years whose 意見書 and responses the public may read: published by the chair, and
    the year's report published by the plan office (the year locked, 確定)."""
    return list(
        OpinionLetter.objects.filter(
            plan=plan,
            status=OpinionLetter.Status.PUBLISHED,
            plan__plan_years__fiscal_year=F("fiscal_year"),
            plan__plan_years__is_locked=True,
        )
        .order_by("fiscal_year")
        .values_list("fiscal_year", flat=True)
    )
