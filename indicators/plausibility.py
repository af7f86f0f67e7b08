"""Does a typed value look like a typo? Such a value is still saved, but the form warns and a
submission needs an analysis text saying why.

jump — the value moves from the previous one by more than JUMP_RATIO of the indicator's scale:
    |value - previous| > JUMP_RATIO * max(|previous|, S)
where S is |target - baseline| for a level or average indicator and |baseline| for a cumulative
one (its target is a total over the plan years; the baseline is one year's value). A slip of one
digit changes a value by 90% (÷10) or 900% (×10), well past 50%; ordinary years do not:
47.1% -> 48.0% (limit 23.55), 1,200 -> 1,620 followers (limit 600), 820 -> 790 consultations
(limit 410), 120,000 -> 160,000 page views (limit 60,000). S keeps small values from warning
on ordinary moves: 2 -> 5 toward a target of 10 passes (limit 4). With a decrease target,
100 -> 0 on a waiting list, 80 -> 60 passes but 80 -> 8 warns (limit 50): a dropped digit there
looks like great progress, the typo that most needs catching. When every scale is zero (0 last
year, a target to stay at 0) any change warns: nothing says what is ordinary.
Without a previous value there is no jump.

beyond_target — a level or average value whose progress (value - baseline) / (target - baseline)
exceeds BEYOND_RATIO, twice the planned change (none when target == baseline); a cumulative
indicator's single year above the target for the whole plan period.

Moving away from the target (regression) is reported elsewhere, not here.
"""

from dataclasses import dataclass
from decimal import Decimal

from indicators.achievement import format_number

JUMP_RATIO = Decimal("0.5")
BEYOND_RATIO = Decimal("2")
AGGREGATIONS = ("level", "cumulative", "average")
_CHECK = "入力に誤りがないか確認し、要因分析に理由を書いてください。"


@dataclass(frozen=True)
class PlausibilityWarning:
    """Why a value looks implausible: code "jump" or "beyond_target", and a Japanese message."""

    code: str
    message: str


def _show(value: Decimal, unit: str, places: int) -> str:
    return format_number(value, places) + unit


def plausibility_warnings(
    *,
    value: Decimal | None,
    previous: Decimal | None,
    previous_year: int | None,
    baseline: Decimal,
    target: Decimal,
    aggregation: str,
    unit: str = "",
    places: int = 1,
) -> list[PlausibilityWarning]:
    """The warnings for `value` of an indicator, an empty list when it looks ordinary.

    `previous` is the latest earlier year's value (`previous_year`), None when there is none.
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, not {aggregation!r}")
    if value is None:
        return []
    warnings = []
    cumulative = aggregation == "cumulative"
    scale = abs(baseline) if cumulative else abs(target - baseline)
    if previous is not None and abs(value - previous) > JUMP_RATIO * max(abs(previous), scale):
        since = f"{previous_year}年度" if previous_year is not None else "前回"
        moved = f"{since}の {_show(previous, unit, places)} から {_show(value, unit, places)} へ"
        warnings.append(PlausibilityWarning("jump", f"{moved}大きく変わっています。{_CHECK}"))
    target_shown = _show(target, unit, places)
    if cumulative:
        if value > target:
            beyond = f"1年度分の値が、計画期間の累計の目標値({target_shown})を超えています。"
            warnings.append(PlausibilityWarning("beyond_target", beyond + _CHECK))
    elif target != baseline and (value - baseline) / (target - baseline) > BEYOND_RATIO:
        beyond = f"目標値({target_shown})を大きく超えています。"
        warnings.append(PlausibilityWarning("beyond_target", beyond + _CHECK))
    return warnings
