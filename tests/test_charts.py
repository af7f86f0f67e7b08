"""The progress chart's geometry and the expected-value line."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.achievement import expected_value
from indicators.models import Indicator
from plans.reports.charts import SMALL, chart_svg, progress_chart
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


def polylines(html):
    return re.findall(r'<polyline points="([^"]*)"', html)


@pytest.mark.django_db
def test_the_svg_draws_the_geometry_and_escapes_every_text():
    indicator = IndicatorFactory.build(
        name="<b>&", unit='"人', baseline_value=D("45.3"), target_value=D("50.8")
    )
    drawn = chart(indicator, {2021: D("46"), 2022: None, 2023: D("47")})
    svg = chart_svg(
        drawn, title=f"{indicator.name}の推移", title_id="t", description="<x>", description_id="d"
    )
    assert '<title id="t">&lt;b&gt;&amp;の推移</title>' in svg
    assert '<desc id="d">&lt;x&gt;</desc>' in svg and 'aria-labelledby="t d"' in svg
    assert "<b>" not in svg and '"人' not in svg
    assert len(polylines(svg)) == 2  # the gap of 2022
    assert svg.count("<circle") == len(drawn.points) == 2
    assert "<title>2021年度 46.0&quot;人</title>" in svg  # the page's tooltips
    assert svg.count('font-size="12"') == 1 and "(年度)" in svg


@pytest.mark.django_db
def test_the_small_chart_is_the_same_drawing_without_tooltips():
    indicator = IndicatorFactory.build(baseline_value=D("45.3"), target_value=D("50.8"))
    drawn = chart(indicator, {2021: D("46"), 2023: D("47")})
    page = chart_svg(drawn, title="x", title_id="t")
    small = chart_svg(drawn, title="x", title_id="t", style=SMALL)
    assert polylines(small) == polylines(page)
    assert 'font-size="24"' in small and "<title>2021年度" not in small and "(年度)" not in small


def test_the_indicator_page_and_the_report_draw_the_same_chart(client, personas, seed_results):
    committee = client
    committee.force_login(personas["committee"])
    indicator = Indicator.objects.get(name="地域活動への市民の参加割合")
    args = [seed_results.code, 2024]
    page = committee.get(reverse("plans:indicator", args=[*args, indicator.pk])).content.decode()
    report = committee.get(reverse("plans:report", args=args)).content.decode()
    start = report.index(f'id="report-chart-{indicator.pk}"')
    drawn = polylines(report[start : report.index("</svg>", start)])
    assert drawn and drawn == polylines(page)
