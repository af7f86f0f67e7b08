"""An indicator's progress chart as plain geometry, drawn as SVG by a template.

Drawn on the server (no JavaScript, no outside host, printable) and by hand rather than with a
charting library: the chart is a handful of lines and points, and plain SVG attributes keep it
within a Content-Security-Policy that forbids inline styles and scripts, which library output
(pygal, matplotlib) does not. Years without a value are gaps in the line, never zeros.

What is plotted depends on the aggregation: level and average indicators show each year's
value from the baseline towards the target; cumulative ones show the running total against a
pace line from zero to the target.
"""

from dataclasses import dataclass
from decimal import Decimal

from indicators.achievement import Aggregation, Grade, format_number

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 24, 48
TICKS = 5


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the value as shown, for the point's tooltip text
    year: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    segments: list  # lists of Points joined by a line; a gap separates segments
    points: list  # every actual Point
    baseline: Point | None
    target: Point
    pace: tuple  # two Points: the straight line expected from start to target
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, year)
    plot: tuple  # left, top, right, bottom
    series_label: str
    earlier: tuple = ()  # EarlierPlan: the predecessors' part of a continued indicator's series


@dataclass(frozen=True)
class PlanSpan:
    """An earlier plan's part of a continued indicator's series (plans/reports/series.py)."""

    indicator: object  # that plan's indicator: its baseline, target and unit
    first_year: int
    last_year: int
    values: dict  # {fiscal year: Decimal or None}, its approved values
    label: str  # the plan as named in the chart ("2021年度〜2025年度")


@dataclass(frozen=True)
class EarlierPlan:
    """How an earlier plan is drawn: its actuals, its target and the boundary after it."""

    segments: list
    points: list
    baseline: Point | None
    target: Point
    boundary_x: float  # a vertical line between its last year and the next plan's first
    label: str


def _nice_step(span):
    raw = span / TICKS
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("0.1")
    while magnitude > raw:
        magnitude /= 10
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def _plotted(values, first_year, last_year, cumulative):
    """{year: the value drawn}: each year's value, or the running total from `first_year`."""
    plotted = {}
    running = Decimal(0)
    for year in range(first_year, last_year + 1):
        value = values.get(year)
        if value is None:
            continue
        running += value
        plotted[year] = running if cumulative else value
    return plotted


def progress_chart(*, indicator, first_year, last_year, values, earlier=(), yearly_targets=None):
    """The chart of an indicator, from `values` ({fiscal year: Decimal or None}) up to a year.

    The expected pace runs from the baseline (zero for a cumulative indicator) to the target,
    through the yearly targets (年度目標, {fiscal year: Decimal}) where the indicator has them.

    `earlier` (PlanSpan, oldest first) are the plans a continued indicator came from: their
    actuals and targets are drawn before this plan's, with a line at each plan's boundary, so
    the series runs across the plans on one axis."""
    cumulative = indicator.aggregation == Aggregation.CUMULATIVE
    places = indicator.decimal_places
    start_year = min([indicator.baseline_year, *(span.indicator.baseline_year for span in earlier)])
    years = list(range(start_year, last_year + 1))

    plotted = _plotted(values, first_year, last_year, cumulative)
    earlier_plotted = [
        _plotted(span.values, span.first_year, span.last_year, cumulative) for span in earlier
    ]

    start_value = Decimal(0) if cumulative else indicator.baseline_value
    target_value = indicator.target_value
    milestones = {
        year: value
        for year, value in sorted((yearly_targets or {}).items())
        if first_year <= year < indicator.target_year
    }
    everything = [start_value, target_value, *plotted.values(), *milestones.values()]
    for span, drawn in zip(earlier, earlier_plotted, strict=True):
        everything += [span.indicator.target_value, *drawn.values()]
        if not cumulative:
            everything.append(span.indicator.baseline_value)
    low, high = min(everything), max(everything)
    if low == high:
        low, high = low - 1, high + 1
    step = _nice_step(high - low)
    low = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    high = (high / step).to_integral_value(rounding="ROUND_CEILING") * step

    plot_left, plot_top = LEFT, TOP
    plot_right, plot_bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def x_of(year):
        share = (year - start_year) / max(len(years) - 1, 1)
        return round(plot_left + share * (plot_right - plot_left), 1)

    def y_of(value):
        share = float((value - low) / (high - low))
        return round(plot_bottom - share * (plot_bottom - plot_top), 1)

    def point(year, value):
        return Point(x_of(year), y_of(value), format_number(value, places) + indicator.unit, year)

    def line(plotted, first_year, last_year, baseline):
        """The segments joining the plotted years, broken where a year has no value, the first
        one from the baseline when the plan's first year has a value."""
        segments, current = [], []
        for year in range(first_year, last_year + 1):
            if year in plotted:
                current.append(point(year, plotted[year]))
            elif current:
                segments.append(current)
                current = []
        if current:
            segments.append(current)
        if baseline and segments and segments[0][0].year == first_year:
            segments[0] = [baseline, *segments[0]]
        return segments

    baseline = None if cumulative else point(indicator.baseline_year, start_value)
    segments = line(plotted, first_year, last_year, baseline)
    earlier_plans = []
    for span, drawn in zip(earlier, earlier_plotted, strict=True):
        span_baseline = (
            None
            if cumulative
            else point(span.indicator.baseline_year, span.indicator.baseline_value)
        )
        span_segments = line(drawn, span.first_year, span.last_year, span_baseline)
        earlier_plans.append(
            EarlierPlan(
                segments=span_segments,
                points=[p for segment in span_segments for p in segment if p is not span_baseline],
                baseline=span_baseline,
                target=point(span.indicator.target_year, span.indicator.target_value),
                boundary_x=round((x_of(span.last_year) + x_of(span.last_year + 1)) / 2, 1),
                label=span.label,
            )
        )
    y_ticks = []
    tick = low
    while tick <= high:
        y_ticks.append((y_of(tick), format_number(tick, places)))
        tick += step
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        segments=segments,
        points=[point for segment in segments for point in segment if point is not baseline],
        baseline=baseline,
        target=point(indicator.target_year, target_value),
        pace=(
            point(indicator.baseline_year, start_value),
            *(point(year, value) for year, value in milestones.items()),
            point(indicator.target_year, target_value),
        ),
        y_ticks=y_ticks,
        x_ticks=[(x_of(year), year) for year in years],
        plot=(plot_left, plot_top, plot_right, plot_bottom),
        series_label="累計" if cumulative else "実績",
        earlier=tuple(earlier_plans),
    )


# The report's summary chart: a stacked bar of grade counts per policy, in Bootstrap's colours as
# the badges have them; the letter is always written.
GRADE_FILLS = {Grade.A: "#198754", Grade.B: "#0b5ed7", Grade.C: "#ffc107", Grade.D: "#dc3545",
               Grade.NONE: "#e9ecef"}  # fmt: skip
GRADE_INKS = {Grade.A: "#fff", Grade.B: "#fff", Grade.C: "#000", Grade.D: "#fff",
              Grade.NONE: "#000"}  # fmt: skip
BAR_WIDTH, BAR_HEIGHT, BAR_GAP, BAR_LABEL = 640, 22, 10, 96


@dataclass(frozen=True)
class BarSegment:
    x: float
    width: float
    grade: object  # indicators.achievement.Grade
    count: int


@dataclass(frozen=True)
class GradeBar:
    label: str
    y: float
    segments: list  # BarSegment, A to 評価不能, only the grades with a count


@dataclass(frozen=True)
class GradeBars:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list  # GradeBar


def grade_bars(rows):
    """Bars of `rows` ((label, {Grade: count}), ...), each count as a share of the largest
    total, so that the policies' bars compare by length."""
    largest = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    span = BAR_WIDTH - BAR_LABEL - 8
    bars = []
    for index, (label, counts) in enumerate(rows):
        x = float(BAR_LABEL)
        segments = []
        for grade, count in counts.items():
            if count:
                width = round(span * count / largest, 1)
                segments.append(BarSegment(round(x, 1), width, grade, count))
                x += width
        bars.append(GradeBar(label, index * (BAR_HEIGHT + BAR_GAP), segments))
    return GradeBars(
        width=BAR_WIDTH,
        height=max(len(rows) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, 1),
        label_width=BAR_LABEL,
        bar_height=BAR_HEIGHT,
        bars=bars,
    )
