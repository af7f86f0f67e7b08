"""Department staff enter each fiscal year's values: their work list and the entry pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from plans.access import (
    can_enter,
    department_ids,
    is_plan_admin,
    require_entry_role,
    user_departments,
)
from plans.fiscal_years import format_fiscal_year
from plans.models import EntryStatus, Plan
from plans.progress.entries import deadline_message, status_counts, year_items
from plans.progress.history import (
    HISTORY_ON_ENTRY_PAGE,
    HISTORY_PAGE_SIZE,
    history_records,
    rows_of,
)
from plans.progress.kinds import INDICATORS, KINDS
from plans.progress.views.common import posted_version
from plans.progress.workflow import (
    ConcurrentEditError,
    WorkflowError,
    entry_closed_reason,
    entry_save,
    entry_withdraw,
    plan_year_get,
    self_approval_refusal,
    withdraw_refusal,
)
from plans.reports.evaluation import indicator_achievement
from plans.views.common import get_plan_for_year, redirect_to_default_year


def _user_departments(user):
    """None for the plan office (everything), else the ids of the user's departments."""
    return None if is_plan_admin(user) else department_ids(user)


@login_required
def start(request):
    """Where a person lands after logging in, by role."""
    if is_plan_admin(request.user):
        return redirect("plans:review_default")
    if department_ids(request.user):
        return redirect("plans:my_work")
    return redirect("plans:dashboard")


@login_required
def my_work_default(request):
    require_entry_role(request.user)
    return redirect_to_default_year("plans:my_work_year")


@login_required
def my_work(request, code, year):
    require_entry_role(request.user)
    plan = get_plan_for_year(code, year)
    items = year_items(plan, year, departments=_user_departments(request.user), details=False)
    plan_year = plan_year_get(plan, year)
    departments = user_departments(request.user)
    return render(
        request,
        "progress/my_work.html",
        {
            "plan": plan,
            "year": year,
            "plans": Plan.objects.all(),
            "plan_year": plan_year,
            "closed_reason": entry_closed_reason(plan_year, request.user),
            "deadline_message": deadline_message(plan_year),
            "items": items,
            "to_do": [item for item in items if item.to_do],
            "counts": status_counts(items),
            "departments": departments,
            # One department is named above the list; the plan office sees every department.
            "show_department": is_plan_admin(request.user) or len(departments) > 1,
        },
    )


def _get_item(request, code, year, kind_slug, pk):
    """The plan, the kind and the target, if this user may enter it; refused for anyone else's.

    The plan and its items are public, so another department's item is refused (403) with who
    enters it, rather than hidden behind a 404: a colleague's link then explains itself.
    """
    require_entry_role(request.user)
    plan = get_plan_for_year(code, year)
    kind = KINDS[kind_slug]
    target = kind.target_for_year(plan, year, pk)
    if target is None:
        raise Http404("この項目はこの年度の入力の対象ではありません。")
    kind.plan_known(target, plan)
    if not can_enter(request.user, target):
        department = target.department or "協働推進課"
        raise PermissionDenied(
            f"「{target}」は{department}が入力する項目です。"
            "担当が違う場合は協働推進課にご連絡ください。"
        )
    return plan, kind, target


@login_required
def entry_page(request, code, year, kind, pk):
    plan, kind, target = _get_item(request, code, year, kind, pk)
    form_class = kind.form_class()
    action = request.POST.get("action", "save")
    conflict = None
    if request.method == "POST":
        form = form_class(request.POST, target=target)
        if form.is_valid() and action in ("save", "submit"):
            try:
                entry_save(
                    kind=kind,
                    target=target,
                    fiscal_year=year,
                    user=request.user,
                    values=form.entry_values(),
                    version=form.cleaned_data["version"],
                    submit=action == "submit",
                )
            except ConcurrentEditError as error:
                conflict = error.current
                form.add_error(None, str(error))
                # The form keeps what this person typed; saving again now replaces the other
                # change knowingly, after it has been shown.
                form.data = form.data.copy()
                form.data["version"] = conflict.version if conflict else 0
            except WorkflowError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                done = "を提出しました" if action == "submit" else "の下書きを保存しました"
                messages.success(request, f"「{target}」の{format_fiscal_year(year)}分{done}。")
                return redirect(request.path)
    # The year's entry and the earlier years' in one read (after a refused save: as stored now).
    entries = list(kind.entry_model.objects.for_targets([target]).up_to(year))
    entry = next((stored for stored in entries if stored.fiscal_year == year), None)
    earlier = [stored for stored in entries if stored.fiscal_year < year]
    if request.method != "POST":
        form = form_class(initial=form_class.initial_for(entry), target=target)

    plan_year = plan_year_get(plan, year)
    context = {
        "plan": plan,
        "year": year,
        "kind": kind,
        "target": target,
        "entry": entry,
        "form": form,
        "conflict": conflict,
        "plan_year": plan_year,
        "closed_reason": entry_closed_reason(plan_year, request.user, entry),
        "can_withdraw": withdraw_refusal(plan_year, request.user, entry) is None,
        "self_approval_refused": self_approval_refusal(request.user, entry, plan),
        "deadline_message": deadline_message(plan_year),
        "is_admin": is_plan_admin(request.user),
        **_latest_history(entry),
        "review_url": reverse("plans:review", args=[plan.code, year]),
    }
    if context["is_admin"] and entry is not None and entry.status == EntryStatus.SUBMITTED:
        context["next_url"] = _next_submitted_url(plan, year, kind, target)
    if kind is INDICATORS:
        context |= _indicator_context(plan, year, target, entry, earlier, form)
    else:
        context["earlier_entries"] = earlier
    return render(request, kind.template_name, context)


def _latest_history(entry):
    """The latest changes for the entry page; the item's history page has them all."""
    if entry is None:
        return {"history": [], "history_more": False}
    records = list(history_records(entry)[: HISTORY_ON_ENTRY_PAGE + 1])
    return {
        "history": rows_of(type(entry), records, HISTORY_ON_ENTRY_PAGE),
        "history_more": len(records) > HISTORY_ON_ENTRY_PAGE,
        "history_shown": HISTORY_ON_ENTRY_PAGE,
    }


@login_required
def entry_history(request, code, year, kind, pk):
    """Every change of an item's entry for the year, newest first, a page at a time: who may
    open the entry page may read its whole history."""
    plan, kind, target = _get_item(request, code, year, kind, pk)
    entry = kind.entry_model.objects.of(target, year)
    if entry is None:
        raise Http404("この項目のこの年度の入力はまだありません。")
    page = Paginator(history_records(entry), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    start = page.start_index() - 1 if page.paginator.count else 0
    # One record past the page: what its last change is measured against.
    records = list(history_records(entry)[start : start + HISTORY_PAGE_SIZE + 1])
    return render(
        request,
        "progress/entry_history.html",
        {
            "plan": plan,
            "year": year,
            "kind": kind,
            "target": target,
            "entry": entry,
            "page": page,
            "history": rows_of(type(entry), records, HISTORY_PAGE_SIZE),
        },
    )


def _next_submitted_url(plan, year, kind, target):
    """The entry page of the submitted item after this one (in plan order, wrapping round), or
    the review page when this is the only one: where the office goes once it has decided."""
    submitted = [item for item in year_items(plan, year) if item.status == EntryStatus.SUBMITTED]
    keys = [(item.kind.slug, item.target.pk) for item in submitted]
    here = keys.index((kind.slug, target.pk)) if (kind.slug, target.pk) in keys else -1
    others = keys[here + 1 :] + keys[: max(here, 0)]
    if not others:
        return reverse("plans:review", args=[plan.code, year])
    slug, pk = others[0]
    return reverse("plans:entry", args=[plan.code, year, slug, pk])


def _indicator_context(plan, year, indicator, entry, earlier, form):
    """Earlier years, and the progress and grade that the typed (or saved) value gives."""
    current = entry
    typed = form.is_bound and form.is_valid()
    if typed:
        current = indicator.results.model(
            indicator=indicator,
            fiscal_year=year,
            value=form.cleaned_data["value"],
            not_measured=form.cleaned_data["not_measured"],
        )
    counted = earlier + ([current] if current else [])
    achievement = indicator_achievement(indicator, plan, year, counted)
    value = current.value if current else None
    return {
        "earlier_results": earlier,
        "achievement": achievement,
        "preview_from_typed": typed,
        "terms": indicator.terms(year),  # the baseline and target in force (見直し)
        "warnings": (
            INDICATORS.warnings(indicator, year, value, earlier) if value is not None else []
        ),
    }


@login_required
@require_POST
def withdraw(request, code, year, kind, pk):
    plan, kind, target = _get_item(request, code, year, kind, pk)
    entry = kind.entry_model.objects.of(target, year)
    if entry is None:
        raise Http404("この入力は見つかりません。")
    try:
        entry_withdraw(kind=kind, entry=entry, user=request.user, version=posted_version(request))
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "提出を取り下げました。修正してからもう一度提出してください。")
    return redirect(reverse("plans:entry", args=[plan.code, year, kind.slug, target.pk]))
