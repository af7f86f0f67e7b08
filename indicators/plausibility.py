"""Does a typed value look like a typo? Such a value is saved, but the form warns and a
submission needs an analysis text saying why.

- jump: the value moves from the previous year's by more than JUMP_RATIO of the larger of that
  value and the baseline-to-target span. Normal moves pass (47.1% -> 48.0%, 1,200 -> 1,620
  followers), a slip of one digit does not (47.1% -> 4.8%, 1,200 -> 12,000). The span keeps
  indicators with small values (2 -> 5 of a target of 10) from warning on ordinary moves; for a
  cumulative indicator, whose target is a total, the baseline year's value stands in for it.
- beyond_target: a level or average value more than BEYOND_RATIO times the baseline-to-target
  distance past the baseline; for a cumulative indicator, one year's value above the whole
  period's target.
"""

from dataclasses import dataclass
from decimal import Decimal

JUMP_RATIO = Decimal("0.5")
BEYOND_RATIO = Decimal("2")


@dataclass(frozen=True)
class PlausibilityWarning:
    code: str
    message: str


def _show(value, unit, places):
    rounded = value.quantize(Decimal(1).scaleb(-places))
    return f"{rounded:,.{places}f}{unit}"


def plausibility_warnings(
    *, value, previous, previous_year, baseline, target, aggregation, unit="", places=1
):
    """The warnings for `value`, an empty list when it looks ordinary."""
    if value is None:
        return []
    warnings = []
    span = abs(target - baseline)
    # A cumulative target is a total over the years; a year's scale is the baseline year's value.
    scale = abs(baseline) if aggregation == "cumulative" else span
    if previous is not None and abs(value - previous) > JUMP_RATIO * max(abs(previous), scale):
        year = f"前年度({previous_year}年度)" if previous_year else "前回"
        warnings.append(
            PlausibilityWarning(
                "jump",
                f"{year}の {_show(previous, unit, places)} から {_show(value, unit, places)} へ"
                "大きく変わっています。入力に誤りがないか確認し、要因分析に理由を書いてください。",
            )
        )
    if aggregation == "cumulative":
        beyond = value > target
    else:
        beyond = span > 0 and (value - baseline) / (target - baseline) > BEYOND_RATIO
    if beyond:
        warnings.append(
            PlausibilityWarning(
                "beyond_target",
                f"目標値({_show(target, unit, places)})を大きく超えています。"
                "入力に誤りがないか確認し、要因分析に理由を書いてください。",
            )
        )
    return warnings
