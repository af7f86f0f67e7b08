"""A continued indicator's series across plans (2020 → 2025 → 2030).

When the next plan is started from the current one (plans/progress/next_plan.py), a continued
indicator is linked to its predecessor. Its page shows the predecessors' approved values,
baselines, targets and the plans' boundaries before its own plan's, in the chart and in the
table; its own plan's evaluation is not touched by them.
"""

from dataclasses import dataclass

from indicators.models import Indicator, IndicatorResult
from plans.reports.charts import PlanSpan
from plans.reports.evaluation import result_values


@dataclass(frozen=True)
class EarlierPart:
    """An earlier plan's part of the series: its indicator and its approved results."""

    plan: object
    indicator: Indicator
    results: list  # approved IndicatorResult of the plan's years, oldest first

    @property
    def span(self):
        return PlanSpan(
            indicator=self.indicator,
            first_year=self.plan.first_fiscal_year,
            last_year=self.plan.last_fiscal_year,
            values=result_values(self.results),
            label=self.plan.period_label,
        )


def predecessors(indicator):
    """The indicators this one continues, oldest first, each with its policy and plan."""
    chain = []
    seen = {indicator.pk}
    current = indicator
    while current.predecessor_id and current.predecessor_id not in seen:
        current = Indicator.objects.select_related("policy__plan").get(pk=current.predecessor_id)
        seen.add(current.pk)
        chain.append(current)
    return list(reversed(chain))


def earlier_parts(indicator):
    """The earlier plans' parts of the indicator's series, oldest first (empty for an
    indicator that continues none). Their approved results are read in one query."""
    chain = predecessors(indicator)
    if not chain:
        return []
    results = {item.pk: [] for item in chain}
    counted = IndicatorResult.objects.for_targets(chain).order_by("fiscal_year")
    for result in counted.counted_as_shown():
        plan = next(item.policy.plan for item in chain if item.pk == result.indicator_id)
        if result.fiscal_year in plan.fiscal_years:
            results[result.indicator_id].append(result)
    return [EarlierPart(item.policy.plan, item, results[item.pk]) for item in chain]


def successors(indicator):
    """The indicators of later plans that continue this one, with their plans."""
    return list(indicator.successors.select_related("policy__plan").order_by("pk"))
