"""The progress chart's geometry and the expected-value line."""

from decimal import Decimal

import pytest

from indicators.achievement import expected_value
from plans.reports.charts import progress_chart
from tests.factories import IndicatorFactory

D = Decimal


@pytest.mark.parametrize(
    ("aggregation", "baseline", "target", "year", "expected"),
    [
        ("level", D("45.3"), D("50.8"), 2021, D("45.3") + D("5.5") / 5),
        ("level", D("45.3"), D("50.8"), 2025, D("50.8")),
        ("level", D("100"), D("0"), 2023, D("40")),  # a decrease target
        ("average", D("74"), D("80"), 2022, D("76.4")),
        ("cumulative", D("778"), D("4000"), 2022, D("1600")),  # from zero, not the baseline
        ("level", D("45.3"), D("50.8"), 2019, D("45.3")),  # before the plan: the baseline
    ],
)
def test_expected_value(aggregation, baseline, target, year, expected):
    assert (
        expected_value(
            aggregation=aggregation,
            baseline=baseline,
            target=target,
            first_year=2021,
            last_year=2025,
            fiscal_year=year,
        )
        == expected
    )


def chart(indicator, values):
    return progress_chart(indicator=indicator, first_year=2021, last_year=2025, values=values)


@pytest.mark.django_db
def test_missing_and_not_measured_years_are_gaps_not_zeros():
    indicator = IndicatorFactory.build(baseline_value=D("45.3"), target_value=D("50.8"))
    drawn = chart(indicator, {2021: D("46"), 2022: None, 2023: D("47"), 2024: D("48")})
    assert [[p.year for p in segment] for segment in drawn.segments] == [
        [2020, 2021],  # the line starts at the baseline
        [2023, 2024],
    ]
    assert [p.year for p in drawn.points] == [2021, 2023, 2024]
    lowest_tick = min(drawn.y_ticks)[1]
    assert Decimal(lowest_tick) > 0  # the axis is not stretched down to zero
    assert drawn.pace[0].year == 2020 and drawn.pace[1].year == 2025
    assert drawn.target.label == "50.8%"


@pytest.mark.django_db
def test_cumulative_chart_plots_the_running_total_from_zero():
    indicator = IndicatorFactory.build(
        aggregation="cumulative",
        baseline_value=D("778"),
        target_value=D("4000"),
        unit="人",
        decimal_places=0,
    )
    drawn = chart(indicator, {2021: D("820"), 2022: D("790")})
    assert drawn.baseline is None
    assert [p.label for p in drawn.points] == ["820人", "1,610人"]
    assert drawn.pace[0].label == "0人"
    top, bottom = drawn.plot[1], drawn.plot[3]
    assert all(top <= p.y <= bottom for p in drawn.points)
    assert drawn.series_label == "累計"


@pytest.mark.django_db
def test_no_values_draws_only_baseline_target_and_pace():
    indicator = IndicatorFactory.build(baseline_value=D("50"), target_value=D("50"))
    drawn = chart(indicator, {})
    assert drawn.segments == [] and drawn.points == []
    assert drawn.baseline is not None
    assert len(drawn.y_ticks) >= 2  # a flat target still gets an axis
