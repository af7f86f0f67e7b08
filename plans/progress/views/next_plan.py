"""The plan office starts the next plan from the current one (plans/progress/next_plan.py):
the admin's action on 計画 opens this page, which asks for the new plan's code, title and
period and, for each indicator, whether it continues, is new or is not carried over."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator, MinValueValidator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from indicators.models import Indicator
from plans.access import require_plan_admin
from plans.models import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, Plan, PlanStatus
from plans.progress.next_plan import Carry, NextPlanError, NextPlanRequest, next_plan_start


def _year_field(label, **kwargs):
    return forms.IntegerField(
        label=label,
        validators=[MinValueValidator(FISCAL_YEAR_MIN), MaxValueValidator(FISCAL_YEAR_MAX)],
        error_messages={"invalid": "年度は西暦の数字で入力してください(例: 2026)。"},
        **kwargs,
    )


class NextPlanForm(forms.Form):
    code = forms.SlugField(
        label="次の計画の計画コード",
        max_length=50,
        help_text="半角英数字とハイフン(例: okayama-kyodo-2026)",
        error_messages={"invalid": "計画コードは半角英数字とハイフンで入力してください。"},
    )
    title = forms.CharField(label="計画名", max_length=200)
    first_fiscal_year = _year_field("計画期間(初年度)")
    last_fiscal_year = _year_field("計画期間(最終年度)")
    baseline_fiscal_year = _year_field(
        "基準年度", required=False, help_text="空欄なら初年度の前年度です。"
    )
    status = forms.ChoiceField(label="状態", choices=PlanStatus.choices, initial=PlanStatus.DRAFT)

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"carry_{indicator.pk}"] = forms.ChoiceField(
                label=f"{indicator.policy.number}-{indicator.position} {indicator.name}",
                choices=Carry.CHOICES,
                initial=Carry.CONTINUE,
            )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_fiscal_year"), cleaned.get("last_fiscal_year")
        if first and last and last < first:
            self.add_error("last_fiscal_year", "最終年度は初年度以降にしてください。")
        baseline = cleaned.get("baseline_fiscal_year")
        if first and baseline and baseline >= first:
            self.add_error("baseline_fiscal_year", "基準年度は初年度より前にしてください。")
        return cleaned

    def plan_fields(self):
        return [self[name] for name in self.fields if not name.startswith("carry_")]

    def indicator_fields(self):
        return [self[f"carry_{indicator.pk}"] for indicator in self.indicators]

    def request(self):
        data = self.cleaned_data
        return NextPlanRequest(
            code=data["code"],
            title=data["title"],
            first_fiscal_year=data["first_fiscal_year"],
            last_fiscal_year=data["last_fiscal_year"],
            baseline_fiscal_year=data["baseline_fiscal_year"],
            status=data["status"],
            carry={indicator.pk: data[f"carry_{indicator.pk}"] for indicator in self.indicators},
        )


@login_required
def next_plan_page(request, code):
    require_plan_admin(request.user)
    source = get_object_or_404(Plan, code=code)
    indicators = list(
        Indicator.objects.filter(policy__plan=source)
        .select_related("policy")
        .order_by("policy__number", "position")
    )
    first = source.last_fiscal_year + 1
    initial = {
        "title": f"{source.title}(次期)",
        "first_fiscal_year": first,
        "last_fiscal_year": first + source.last_fiscal_year - source.first_fiscal_year,
    }
    form = NextPlanForm(request.POST or None, initial=initial, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = next_plan_start(source=source, request=form.request(), user=request.user)
        except NextPlanError as error:
            form.add_error(None, str(error))
        else:
            if outcome.created:
                messages.success(
                    request,
                    f"次の計画「{outcome.plan}」を作りました。内容を編集してください。",
                )
            else:
                messages.info(request, f"次の計画「{outcome.plan}」はすでにあります。")
            for note in outcome.notes:
                messages.warning(request, note)
            return redirect(reverse("admin:plans_plan_change", args=[outcome.plan.pk]))
    return render(request, "progress/next_plan.html", {"source": source, "form": form})
