from django.shortcuts import get_object_or_404, render

from plans.fiscal_years import default_entry_year
from plans.models import Plan

# The plan's text (policies, measures, projects, indicators with baseline and target) is a
# published document, so these pages need no login. Yearly results are not shown here.


def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "plans/plan_list.html", {"plans": plans})


def plan_detail(request, code):
    plans = Plan.objects.with_structure().prefetch_related(
        "policies__indicators__revisions", "policies__measures__project_links__project__revisions"
    )  # 計画の見直し, shown beside what they revise
    plan = get_object_or_404(plans, code=code)
    return render(
        request,
        "plans/plan_detail.html",
        {"plan": plan, "report_year": default_entry_year(plan)},
    )
