"""The plan office reviews the year: completeness, approval, return, deadline and lock."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from plans.access import require_plan_admin
from plans.fiscal_years import format_fiscal_year
from plans.models import Department
from plans.numbers import parse_date_input
from plans.progress.entries import (
    STATUS_LABELS,
    STATUS_ORDER,
    deadline_message,
    status_counts,
    year_items,
)
from plans.progress.fill_in import fill_in_offer
from plans.progress.history import history_rows
from plans.progress.kinds import KINDS
from plans.progress.review_queue import entries_approve_plain, parse_chosen, review_cases
from plans.progress.views.common import posted_version
from plans.progress.workflow import (
    WorkflowError,
    entry_approve,
    entry_return,
    plan_year_get,
    plan_year_lock,
    plan_year_reopen,
    plan_year_set_deadline,
)
from plans.views.common import get_plan_for_year, redirect_to_default_year

NO_DEPARTMENT = "none"


@login_required
def review_default(request):
    require_plan_admin(request.user)
    return redirect_to_default_year("plans:review")


@login_required
def review_year(request, code, year):
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    items = year_items(plan, year)
    departments = {department.pk: department for department in Department.objects.all()}
    by_department = {}
    for item in items:
        by_department.setdefault(item.target.department_id, []).append(item)
    completeness = sorted(
        (
            {
                "department": departments.get(department_id),
                "key": department_id or NO_DEPARTMENT,
                "counts": status_counts(department_items),
            }
            for department_id, department_items in by_department.items()
        ),
        # Departments by name; items nobody is assigned to come last.
        key=lambda row: (row["department"] is None, str(row["department"] or "")),
    )
    status = request.GET.get("status", "submitted")
    department = request.GET.get("department", "")
    shown = [
        item
        for item in items
        if (status == "all" or item.status == status)
        and (not department or str(item.target.department_id or NO_DEPARTMENT) == department)
    ]
    plan_year = plan_year_get(plan, year)
    cases = review_cases(plan, year, shown, request.user) if status == "submitted" else []
    return render(
        request,
        "progress/review.html",
        {
            "plan": plan,
            "year": year,
            "plan_year": plan_year,
            "deadline_message": deadline_message(plan_year),
            "completeness": completeness,
            "totals": status_counts(items),
            "statuses": [(key, STATUS_LABELS[key]) for key in STATUS_ORDER],
            "status": status,
            "department": department,
            "shown": shown,
            "cases": cases,
            "plain": [
                case for case in cases if not case.flagged and not case.self_approval_refused
            ],
            "queue": list(zip(cases, _next_anchors(cases), strict=True)),
            "year_history": history_rows(plan_year) if plan_year.pk else [],
            "fill_in_offer": fill_in_offer(plan),
        },
    )


def _next_anchors(cases):
    """For each case, the anchor of the case after it: where the page goes once it is decided
    (it leaves the list); after the last, the one before it."""
    anchors = [case.anchor for case in cases]
    following = []
    for index in range(len(anchors)):
        rest = anchors[index + 1 :] or anchors[:index][-1:]
        following.append(rest[0] if rest else "items-heading")
    return following


@login_required
@require_POST
def approve_plain(request, code, year):
    """Approve at once the submitted entries the office ticked that carry no flag."""
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    chosen = parse_chosen(request.POST.getlist("entry"))
    if not chosen:
        messages.error(request, "承認する項目を選んでください。")
        return redirect("plans:review", code=code, year=year)
    approved, refused = entries_approve_plain(
        plan=plan, fiscal_year=year, items=year_items(plan, year), user=request.user, chosen=chosen
    )
    if approved:
        messages.success(
            request, f"{format_fiscal_year(year)}分の{len(approved)}件を承認しました。"
        )
    for refusal in refused:
        messages.error(request, f"「{refusal.name}」は承認しませんでした: {refusal.reason}")
    return redirect("plans:review", code=code, year=year)


def _get_entry(request, code, year, kind_slug, pk):
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    kind = KINDS[kind_slug]
    target = get_object_or_404(kind.targets(plan, year), pk=pk)
    entry = kind.entry_model.objects.of(target, year)
    if entry is None:
        raise Http404("この年度の入力はまだありません。")
    return plan, kind, target, entry


def _back(request, default):
    """Back to the page the form was on: a path on this site, or else the entry page.

    Only a path is followed; anything else (another host, or a bare word, which redirect()
    would try as a view name) falls back to `default`.
    """
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


@login_required
@require_POST
def approve(request, code, year, kind, pk):
    _, kind, target, entry = _get_entry(request, code, year, kind, pk)
    try:
        entry_approve(entry=entry, user=request.user, version=posted_version(request))
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"「{target}」の{format_fiscal_year(year)}分を承認しました。")
    return _back(request, reverse("plans:entry", args=[code, year, kind.slug, pk]))


@login_required
@require_POST
def send_back(request, code, year, kind, pk):
    _, kind, target, entry = _get_entry(request, code, year, kind, pk)
    try:
        entry_return(
            entry=entry,
            user=request.user,
            version=posted_version(request),
            reason=request.POST.get("reason", ""),
        )
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"「{target}」の{format_fiscal_year(year)}分を差し戻しました。")
    return _back(request, reverse("plans:entry", args=[code, year, kind.slug, pk]))


def _year_action(request, code, year, action, done):
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    try:
        action(plan=plan, fiscal_year=year, user=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{format_fiscal_year(year)}を{done}。")
    return redirect("plans:review", code=code, year=year)


@login_required
@require_POST
def lock(request, code, year):
    return _year_action(request, code, year, plan_year_lock, "確定(ロック)しました")


@login_required
@require_POST
def reopen(request, code, year):
    return _year_action(request, code, year, plan_year_reopen, "再開しました")


@login_required
@require_POST
def deadline(request, code, year):
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    text = request.POST.get("entry_deadline", "")
    try:
        value = parse_date_input(text)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("plans:review", code=code, year=year)
    try:
        plan_year_set_deadline(plan=plan, fiscal_year=year, user=request.user, deadline=value)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "入力期限を設定しました。" if value else "入力期限を取り消しました。"
        )
    return redirect("plans:review", code=code, year=year)
