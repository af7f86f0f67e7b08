"""The report's charts as PNG images, for the Word report (.docx): Word takes no SVG that
python-docx can insert, so the same geometry as the pages' SVG (`charts.progress_chart`,
`charts.grade_bars`) is drawn with Pillow.

Pillow rather than cairosvg (which needs the system's cairo library, not on every office
server) or matplotlib (a large dependency for a handful of lines). The labels drawn are numbers,
years and grade letters only, in Pillow's own font: a Japanese font is not on every server, so
the Japanese words of a chart (its title, the policies' names, the grades' names) are in the
caption and the table beside it, as text Word can search and a screen reader can read.
"""

import io
import math

from PIL import Image, ImageDraw, ImageFont

from indicators.achievement import Grade
from plans.reports.charts import GRADE_FILLS, GRADE_INKS

# Pixels per unit of the SVG geometry: a 640-pixel chart printed 5.2 cm wide is about 300 dpi.
SCALE = 1
BARS_SCALE = 2  # the summary's chart, printed 16 cm wide: about 200 dpi
INK, GRID, PACE, LINE, TARGET = "#333333", "#d0d4d9", "#6c757d", "#0b5ed7", "#198754"


def _font(size):
    return ImageFont.load_default(size=size * SCALE)


def _xy(point):
    return point.x * SCALE, point.y * SCALE


def _png(image):
    """The image with a palette of its few colours (and the text's grey edges): it encodes
    some fifty times faster than full colour and is a tenth of the size."""
    buffer = io.BytesIO()
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
    return buffer.getvalue()


def _dashed_line(draw, start, end, dash, gap, **options):
    (x1, y1), (x2, y2) = start, end
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    if not length:
        return
    step = 0.0
    while step < length:
        a, b = step / length, min(step + dash, length) / length
        draw.line(
            (x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b),
            **options,
        )
        step += dash + gap


def progress_chart_png(chart):
    """An indicator's chart (`charts.Chart`) as PNG: the grid and its labels, the expected pace
    dashed, the actuals (a gap where a year has no value), the baseline □ and the target ◆."""
    image = Image.new("RGB", (chart.width * SCALE, chart.height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    font = _font(24)
    left, _, right, bottom = (value * SCALE for value in chart.plot)
    for y, label in chart.y_ticks:
        draw.line((left, y * SCALE, right, y * SCALE), fill=GRID, width=SCALE)
        draw.text((left - 8 * SCALE, y * SCALE), label, fill=INK, font=font, anchor="rm")
    # Every year's label where they fit side by side, else every second or third one.
    spacing = (chart.x_ticks[1][0] - chart.x_ticks[0][0]) * SCALE if len(chart.x_ticks) > 1 else 1
    step = math.ceil((font.getlength("2000") + 8 * SCALE) / spacing)
    for x, year in chart.x_ticks[::step]:
        draw.text((x * SCALE, bottom + 28 * SCALE), str(year), fill=INK, font=font, anchor="ms")
    _dashed_line(
        draw,
        _xy(chart.pace[0]),
        _xy(chart.pace[1]),
        6 * SCALE,
        4 * SCALE,
        fill=PACE,
        width=2 * SCALE,
    )
    for segment in chart.segments:
        if len(segment) > 1:
            draw.line([_xy(point) for point in segment], fill=LINE, width=3 * SCALE, joint="curve")
    if chart.baseline:
        x, y = _xy(chart.baseline)
        draw.rectangle(
            (x - 6 * SCALE, y - 6 * SCALE, x + 6 * SCALE, y + 6 * SCALE),
            fill="white",
            outline=INK,
            width=2 * SCALE,
        )
    for point in chart.points:
        x, y = _xy(point)
        draw.ellipse((x - 6 * SCALE, y - 6 * SCALE, x + 6 * SCALE, y + 6 * SCALE), fill=LINE)
    x, y = _xy(chart.target)
    radius = 9 * SCALE
    draw.polygon([(x, y - radius), (x + radius, y), (x, y + radius), (x - radius, y)], fill=TARGET)
    return _png(image)


def _letter(grade):
    return "-" if grade is Grade.NONE else grade.value


def grade_bars_png(bars, labels):
    """The summary chart (`charts.GradeBars`) as PNG, each bar labelled with `labels` (one per
    bar, e.g. the policy's number) and each segment with its grade's letter and count; a legend
    of the letters below."""
    legend_height = 32
    image = Image.new(
        "RGB", (bars.width * BARS_SCALE, (bars.height + legend_height) * BARS_SCALE), "white"
    )
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13 * BARS_SCALE)
    for bar, label in zip(bars.bars, labels, strict=True):
        middle = (bar.y + bars.bar_height / 2) * BARS_SCALE
        draw.text((0, middle), label, fill=INK, font=font, anchor="lm")
        for segment in bar.segments:
            x, width = segment.x * BARS_SCALE, segment.width * BARS_SCALE
            draw.rectangle(
                (x, bar.y * BARS_SCALE, x + width, (bar.y + bars.bar_height) * BARS_SCALE),
                fill=GRADE_FILLS[segment.grade],
                outline="white",
                width=BARS_SCALE,
            )
            if segment.width >= 18:
                draw.text(
                    (x + width / 2, middle),
                    f"{_letter(segment.grade)} {segment.count}",
                    fill=GRADE_INKS[segment.grade],
                    font=font,
                    anchor="mm",
                )
    for index, (grade, fill) in enumerate(GRADE_FILLS.items()):
        x, y = (bars.label_width + index * 108) * BARS_SCALE, (bars.height + 8) * BARS_SCALE
        draw.rectangle(
            (x, y, x + 12 * BARS_SCALE, y + 12 * BARS_SCALE), fill=fill, outline=INK, width=1
        )
        draw.text(
            (x + 16 * BARS_SCALE, y + 6 * BARS_SCALE),
            _letter(grade),
            fill=INK,
            font=font,
            anchor="lm",
        )
    return _png(image)
