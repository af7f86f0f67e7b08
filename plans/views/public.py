from django.shortcuts import get_object_or_404, render

from plans.fiscal_years import default_entry_year
from plans.models import Plan

# The plan's text (policies, measures, projects, indicators with baseline and target) is a
# published document, so these pages need no login. Yearly results are not shown here.


def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "plans/plan_list.html", {"plans": plans})


def plan_detail(request, code):
    plan = get_object_or_404(Plan.objects.with_structure(), code=code)
    return render(
        request,
        "plans/plan_detail.html",
        {"plan": plan, "report_year": default_entry_year(plan)},
    )
