"""What the entry, review and dashboard pages share: finding the plan and year in the URL."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from plans.fiscal_years import default_entry_year
from plans.models import Plan

ACTIVE_STATUSES = [Plan.Status.ACTIVE, Plan.Status.FINAL_EVALUATION]


def active_plans():
    """The plans being worked on: in progress or in their final evaluation, newest first."""
    plans = Plan.objects.filter(status__in=ACTIVE_STATUSES)
    return plans if plans.exists() else Plan.objects.all()


def get_plan_for_year(code, year):
    """The plan in the URL; 404 when it does not exist or the year is outside its period."""
    plan = get_object_or_404(Plan, code=code)
    if year not in plan.fiscal_years:
        raise Http404("この計画にその年度はありません。")
    return plan


def redirect_to_default_year(url_name, plan=None):
    """To `url_name` for the plan (or the newest active one) and the year being reported."""
    plan = plan or active_plans().first()
    if plan is None:
        return redirect("plans:plan_list")
    return redirect(url_name, code=plan.code, year=default_entry_year(plan))
