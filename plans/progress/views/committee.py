"""The committee's pages: the year's opinions and 意見書, a member's opinion, the chair's
compilation. Who may do what is decided here and again in plans/progress/opinions.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from indicators.models import Indicator
from plans.access import is_chair, is_committee_member, is_plan_admin, require_committee_member
from plans.fiscal_years import format_fiscal_year
from plans.models import BasicPolicy, CommitteeOpinion, Measure
from plans.progress.history import history_rows
from plans.progress.opinions import (
    LetterItem,
    committee_closed_reason,
    letter_get,
    letter_save,
    opinion_save,
)
from plans.progress.views.common import posted_version
from plans.progress.workflow import WorkflowError, plan_year_get
from plans.reports.opinions import committee_view
from plans.views.common import get_plan_for_year, redirect_to_default_year

PLAN_AS_A_WHOLE = "plan"


@login_required
def committee_default(request):
    return redirect_to_default_year("plans:committee")


def _context(request, plan, year):
    letter = letter_get(plan, year)
    plan_year = plan_year_get(plan, year)
    return {
        "plan": plan,
        "year": year,
        "letter": letter,
        "plan_year": plan_year,
        "closed_reason": committee_closed_reason(plan_year, letter),
        "is_member": is_committee_member(request.user),
        "is_chair": is_chair(request.user),
        "is_admin": is_plan_admin(request.user),
    }


@login_required
def committee_year(request, code, year):
    """The year's opinions as this reader may see them, and the published 意見書 with the
    city's responses."""
    plan = get_plan_for_year(code, year)
    context = _context(request, plan, year)
    view = committee_view(request.user, plan, year)
    rest = [row for row in view.rows if not row.in_letter]  # a member's own and shared ones
    return render(
        request,
        "committee/year.html",
        context
        | {
            "view": view,
            "letter_rows": [row for row in view.rows if row.in_letter],
            "mine": [row for row in rest if row.opinion.author_id == request.user.pk],
            "others": [row for row in rest if row.opinion.author_id != request.user.pk],
        },
    )


def subject_choices(plan):
    """The subjects an opinion may be about, as (value, label): the plan, then each policy with
    its measures and indicators. Three queries."""
    choices = [(PLAN_AS_A_WHOLE, "計画全体")]
    measures, indicators = {}, {}
    for measure in Measure.objects.filter(policy__plan=plan).order_by("number"):
        measures.setdefault(measure.policy_id, []).append(measure)
    for indicator in Indicator.objects.filter(policy__plan=plan).order_by("position"):
        indicators.setdefault(indicator.policy_id, []).append(indicator)
    for policy in BasicPolicy.objects.filter(plan=plan).order_by("number"):
        group = [(f"policy-{policy.pk}", f"{policy}(基本方針全体)")]
        group += [(f"measure-{m.pk}", f"基本施策{m}") for m in measures.get(policy.pk, [])]
        group += [
            (f"indicator-{i.pk}", f"成果指標 {i.name}") for i in indicators.get(policy.pk, [])
        ]
        choices.append((f"基本方針{policy.number}", group))
    return choices


SUBJECT_MODELS = {"policy": BasicPolicy, "measure": Measure, "indicator": Indicator}


def subject_value(opinion):
    subject = opinion.subject if opinion else None
    return f"{subject._meta.model_name}-{subject.pk}" if subject else PLAN_AS_A_WHOLE


def subject_of(plan, value):
    """The policy, measure or indicator a chosen value names (None: the plan as a whole)."""
    if value == PLAN_AS_A_WHOLE:
        return None
    name, _, pk = value.partition("-")
    model = SUBJECT_MODELS[name]
    lookup = "plan" if model is BasicPolicy else "policy__plan"
    return model.objects.get(pk=int(pk), **{lookup: plan})


class OpinionForm(forms.Form):
    subject = forms.ChoiceField(label="意見の対象")
    body = forms.CharField(
        label="意見",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="下書きは自分だけが見られます。「委員会で共有する」と、ほかの委員も読めます。",
        error_messages={"required": "意見を入力してください。"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subject_choices(plan)


def _own_opinion(request, plan, year, pk):
    """The opinion, if this member may read it: their own, or another member's shared one."""
    require_committee_member(request.user)
    opinion = get_object_or_404(CommitteeOpinion.objects.for_year(plan, year), pk=pk)
    if opinion.author_id != request.user.pk and opinion.status != CommitteeOpinion.Status.SHARED:
        raise PermissionDenied("ほかの委員の下書きは見られません。共有されてから読めます。")
    return opinion


@login_required
def opinion_page(request, code, year, pk=None):
    """A member writes an opinion (new, or their own), saves it as a draft or shares it; another
    member's shared opinion is shown read-only."""
    plan = get_plan_for_year(code, year)
    require_committee_member(request.user)
    opinion = _own_opinion(request, plan, year, pk) if pk else None
    context = _context(request, plan, year)
    own = opinion is None or opinion.author_id == request.user.pk
    if request.method == "POST":
        if not own:
            raise PermissionDenied("ほかの委員の意見は変更できません。")
        form = OpinionForm(request.POST, plan=plan)
        if form.is_valid():
            action = request.POST.get("action", "save")
            try:
                opinion = opinion_save(
                    plan=plan,
                    fiscal_year=year,
                    user=request.user,
                    opinion=opinion,
                    subject=subject_of(plan, form.cleaned_data["subject"]),
                    body=form.cleaned_data["body"],
                    version=form.cleaned_data["version"],
                    share=action == "share",
                )
            except WorkflowError as error:
                form.add_error(None, str(error))
            else:
                done = "を委員会で共有しました" if action == "share" else "の下書きを保存しました"
                messages.success(request, f"{format_fiscal_year(year)}の意見{done}。")
                return redirect("plans:opinion", code=code, year=year, pk=opinion.pk)
    else:
        form = OpinionForm(
            plan=plan,
            initial={
                "subject": subject_value(opinion),
                "body": opinion.body if opinion else "",
                "version": opinion.version if opinion else 0,
            },
        )
    return render(
        request,
        "committee/opinion.html",
        context
        | {
            "opinion": opinion,
            "form": form,
            "own": own,
            # The author's own history: a shared opinion's drafts stay the author's.
            "history": history_rows(opinion) if opinion and own else [],
        },
    )


@login_required
def letter_page(request, code, year):
    """The chair compiles the 意見書: each shared opinion's place, wording and merge, and the
    preface; saves, or publishes."""
    plan = get_plan_for_year(code, year)
    context = _context(request, plan, year)
    if not context["is_chair"]:
        raise PermissionDenied("意見書の取りまとめと公表は委員長だけが行えます。")
    opinions = list(
        CommitteeOpinion.objects.for_year(plan, year).filter(status=CommitteeOpinion.Status.SHARED)
    )
    errors = []
    typed = {}
    if request.method == "POST":
        items = []
        for opinion in opinions:
            position = request.POST.get(f"position-{opinion.pk}", "").strip()
            text = request.POST.get(f"text-{opinion.pk}", "")
            merged = request.POST.get(f"merge-{opinion.pk}", "")
            typed[opinion.pk] = {"position": position, "text": text, "merge": merged}
            number = _position(position)
            if number is False:
                errors.append(f"「{opinion.body[:20]}」の順番は1以上の数字で入力してください。")
            items.append(
                LetterItem(
                    opinion.pk,
                    number or None,
                    text,
                    int(merged) if merged.isdigit() else None,
                )
            )
        preface = request.POST.get("preface", "")
        if not errors:
            publish = request.POST.get("action") == "publish"
            try:
                letter_save(
                    plan=plan,
                    fiscal_year=year,
                    user=request.user,
                    preface=preface,
                    items=items,
                    version=posted_version(request),
                    publish=publish,
                )
            except WorkflowError as error:
                errors.append(str(error))
            else:
                messages.success(
                    request,
                    f"{format_fiscal_year(year)}の意見書を"
                    + ("公表しました。" if publish else "保存しました。"),
                )
                if publish:
                    return redirect("plans:committee", code=code, year=year)
                return redirect("plans:opinion_letter", code=code, year=year)
        context["letter"].preface = preface
    rows = [
        (
            opinion,
            typed.get(
                opinion.pk,
                {
                    "position": opinion.letter_position or "",
                    "text": opinion.letter_wording,
                    "merge": opinion.merged_into_id or "",
                },
            ),
        )
        for opinion in opinions
    ]
    letter = context["letter"]
    return render(
        request,
        "committee/letter.html",
        context
        | {
            "rows": rows,
            "errors": errors,
            "history": history_rows(letter) if letter.pk else [],
        },
    )


def _position(text):
    """The typed place in the 意見書: a number from 1, None when left empty, False when wrong."""
    if not text:
        return None
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return int(text) if text.isdigit() and 0 < int(text) < 1000 else False
