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

from indicators.achievement import Aggregation, format_number

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


def _nice_step(span):
    raw = span / TICKS
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("0.1")
    while magnitude > raw:
        magnitude /= 10
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def progress_chart(*, indicator, first_year, last_year, values, yearly_targets=None):
    """The chart of an indicator, from `values` ({fiscal year: Decimal or None}) up to a year.

    The expected pace runs from the baseline (zero for a cumulative indicator) to the target,
    through the yearly targets (年度目標, {fiscal year: Decimal}) where the indicator has them."""
    cumulative = indicator.aggregation == Aggregation.CUMULATIVE
    places = indicator.decimal_places
    start_year = indicator.baseline_year
    years = list(range(start_year, last_year + 1))

    plotted = {}
    running = Decimal(0)
    for year in range(first_year, last_year + 1):
        value = values.get(year)
        if value is None:
            continue
        running += value
        plotted[year] = running if cumulative else value

    start_value = Decimal(0) if cumulative else indicator.baseline_value
    target_value = indicator.target_value
    milestones = {
        year: value
        for year, value in sorted((yearly_targets or {}).items())
        if first_year <= year < indicator.target_year
    }
    everything = [start_value, target_value, *plotted.values(), *milestones.values()]
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

    segments, current = [], []
    for year in range(first_year, last_year + 1):
        if year in plotted:
            current.append(point(year, plotted[year]))
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)

    baseline = None if cumulative else point(start_year, start_value)
    if baseline and segments and segments[0][0].year == first_year:
        segments[0] = [baseline, *segments[0]]
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
            point(start_year, start_value),
            *(point(year, value) for year, value in milestones.items()),
            point(indicator.target_year, target_value),
        ),
        y_ticks=y_ticks,
        x_ticks=[(x_of(year), year) for year in years],
        plot=(plot_left, plot_top, plot_right, plot_bottom),
        series_label="累計" if cumulative else "実績",
    )


# The report's summary chart: a stacked bar of grade counts per policy.
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
