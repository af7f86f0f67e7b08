"""An indicator's progress chart as plain geometry, and that geometry drawn as SVG markup.

Drawn on the server (no JavaScript, no outside host, printable) and by hand rather than with a
charting library: the chart is a handful of lines and points, and plain SVG attributes keep it
within a Content-Security-Policy that forbids inline styles and scripts, which library output
(pygal, matplotlib) does not. Years without a value are gaps in the line, never zeros.

What is plotted depends on the aggregation: level and average indicators show each year's
value from the baseline towards the target; cumulative ones show the running total against a
pace line from zero to the target.

`chart_svg` is the one drawing of a chart, used by the indicator page (a Django template) and
by the print report's small charts (Jinja2, kept in the policy's cached part): the markup is
written by Python rather than by a template loop, a report has hundreds of charts.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from indicators.achievement import Aggregation, Grade, format_number

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 24, 48
TICKS = 5


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    year: int
    value: Decimal
    places: int  # the indicator's decimal places
    unit: str

    @property
    def label(self):
        """The value as shown, for the point's tooltip text (written only where it is shown:
        the report's small charts have hundreds of points and no tooltips)."""
        return format_number(self.value, self.places) + self.unit


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
        return Point(x_of(year), y_of(value), year, value, places, indicator.unit)

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


@dataclass(frozen=True)
class ChartStyle:
    """How a chart is drawn where it is shown (the geometry is the same everywhere)."""

    font_size: int  # of the axes' labels, in the chart's 640-unit coordinates
    year_gap: int  # from the plot's bottom to the years' baseline
    year_caption: bool  # 「(年度)」 under the years
    tooltips: bool  # each point's year and value as its <title>


# The indicator page's chart, full width; the print report's, three to a row (larger labels
# so that they stay 10 px and more once scaled down), without tooltips nobody can hover on paper.
PAGE = ChartStyle(font_size=12, year_gap=20, year_caption=True, tooltips=True)
SMALL = ChartStyle(font_size=24, year_gap=28, year_caption=False, tooltips=False)

GRID, INK, ACTUAL, PACE, TARGET = "#d0d4d9", "#333", "#0b5ed7", "#6c757d", "#198754"


def _n(number):
    """A coordinate as short as it is exact: 272.0 -> 272, 222.4 -> 222.4."""
    return f"{number:g}"


def chart_svg(
    chart, *, title, title_id, description="", description_id="", style=PAGE, period_label=""
):
    """The SVG element of `chart` (a `Chart`), safe to include in a page: labelled by `title`
    (and `description`, for screen readers) under those element ids. Every text is escaped.
    A continued indicator's earlier plans (`chart.earlier`) are drawn first, in grey, with the
    plans' boundaries; `period_label` names this plan's period beside the last boundary."""
    left, _top, right, bottom = chart.plot
    labelled_by = f"{title_id} {description_id}" if description else title_id
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {chart.height}" '
        f'width="100%" role="img" aria-labelledby="{escape(labelled_by)}" class="chart-svg">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
    ]
    if description:
        parts.append(f'<desc id="{escape(description_id)}">{escape(description)}</desc>')
    grid = "".join(f"M{left} {_n(y)}H{right}" for y, _ in chart.y_ticks)
    parts.append(f'<path d="{grid}" stroke="{GRID}" stroke-width="1"/>')
    parts.append(f'<g font-size="{style.font_size}" fill="{INK}">')
    parts.append('<g text-anchor="end" dominant-baseline="middle">')
    parts.extend(
        # Numbers (format_number: digits, "," "." "−"), nothing to escape.
        f'<text x="{left - 8}" y="{_n(y)}">{label}</text>'
        for y, label in chart.y_ticks
    )
    parts.append('</g><g text-anchor="middle">')
    year_y = bottom + style.year_gap
    parts.extend(f'<text x="{_n(x)}" y="{year_y}">{year}</text>' for x, year in chart.x_ticks)
    parts.append("</g>")
    if style.year_caption:
        parts.append(f'<text x="{right}" y="{bottom + 40}" text-anchor="end">(年度)</text>')
    parts.append("</g>")
    if chart.earlier:
        parts.append(_earlier_svg(chart, style, period_label))
    # Through the yearly targets (年度目標) where the indicator has them.
    pace = " ".join(f"{_n(point.x)},{_n(point.y)}" for point in chart.pace)
    parts.append(
        f'<polyline class="chart-pace" points="{pace}" fill="none" stroke="{PACE}" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.extend(_polylines(chart.segments, ACTUAL, 3))

    def element(name, attributes, point, what=""):
        """An element, with its point's year and value as its tooltip where the style has them."""
        return _titled(style, name, attributes, f"{what}{point.year}年度 {point.label}")

    if chart.baseline:
        point = chart.baseline
        parts.append(
            element(
                "rect",
                f'x="{_n(point.x - 6)}" y="{_n(point.y - 6)}" width="12" height="12" fill="#fff" '
                f'stroke="{INK}" stroke-width="2"',
                point,
                "基準値 ",
            )
        )
    if chart.points:
        parts.append(f'<g fill="{ACTUAL}">')
        parts.extend(
            element(
                "circle",
                f'cx="{_n(point.x)}" cy="{_n(point.y)}" r="6"',
                point,
            )
            for point in chart.points
        )
        parts.append("</g>")
    target = chart.target
    parts.append(
        element(
            "path",
            f'd="M{_n(target.x)} {_n(target.y - 9)}l9 9l-9 9l-9-9z" fill="{TARGET}"',
            target,
            "目標値 ",
        )
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _titled(style, name, attributes, tooltip):
    """An SVG element with `tooltip` as its <title> where the style shows tooltips."""
    if style.tooltips:
        return f"<{name} {attributes}><title>{escape(tooltip)}</title></{name}>"
    return f"<{name} {attributes}/>"


def _polylines(segments, stroke, width):
    """A line through each segment's points."""
    return [
        '<polyline points="'
        + " ".join(f"{_n(point.x)},{_n(point.y)}" for point in segment)
        + f'" fill="none" stroke="{stroke}" stroke-width="{width}"/>'
        for segment in segments
    ]


def _earlier_svg(chart, style, period_label):
    """The plans a continued indicator came from (plans/reports/series.py): a grey line, a
    hollow target, a dotted line at each plan's boundary with the periods beside it."""
    top = chart.plot[1]
    bottom = chart.plot[3]
    parts = []
    for span in chart.earlier:
        x = _n(span.boundary_x)
        parts.append(
            f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{PACE}" '
            'stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<text x="{_n(span.boundary_x - 4)}" y="{top + 10}" text-anchor="end" '
            f'font-size="11" fill="{INK}">{escape(span.label)}</text>'
        )
        parts.extend(_polylines(span.segments, PACE, 2))
        if span.baseline:
            point = span.baseline
            parts.append(
                _titled(
                    style,
                    "rect",
                    f'x="{_n(point.x - 5)}" y="{_n(point.y - 5)}" width="10" height="10" '
                    f'fill="#fff" stroke="{PACE}" stroke-width="2"',
                    f"前の計画の基準値 {point.year}年度 {point.label}",
                )
            )
        parts.extend(
            _titled(
                style,
                "circle",
                f'cx="{_n(point.x)}" cy="{_n(point.y)}" r="5" fill="{PACE}"',
                f"{point.year}年度 {point.label}(前の計画)",
            )
            for point in span.points
        )
        target = span.target
        parts.append(
            _titled(
                style,
                "path",
                f'd="M{_n(target.x)} {_n(target.y - 8)}l8 8l-8 8l-8-8z" fill="#fff" '
                f'stroke="{TARGET}" stroke-width="2"',
                f"前の計画の目標値 {target.year}年度 {target.label}",
            )
        )
    if period_label:
        last = chart.earlier[-1]
        parts.append(
            f'<text x="{_n(last.boundary_x + 4)}" y="{top + 10}" text-anchor="start" '
            f'font-size="11" fill="{INK}">{escape(period_label)}</text>'
        )
    return "".join(parts)


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
