"""The year's report as an editable Word document (.docx), for offices that finish their
publication in Word: the print report's content in its order, with real headings (Heading 1 a
policy or the summary, Heading 2 its parts) so that Word's table of contents (a TOC field,
updated when the file is opened) and navigation pane work, tables, and the charts as images.

The document is a sequence of sections (`SECTIONS`), each a function that writes its part of the
document from a `WordReport`; a policy is a sequence of its own (`POLICY_SECTIONS`). A new part of
the report (the committee's opinions, say) is one more function in one of them.
"""

import io
import itertools
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.shape import CT_Inline
from docx.shared import Cm, Mm, Pt

from indicators.achievement import Grade, format_percent
from plans.dates import format_date
from plans.fiscal_years import format_fiscal_year
from plans.models import ReportKind
from plans.reports.chart_images import grade_bars_png, progress_chart_png
from plans.reports.charts import grade_bars
from plans.reports.exports import report_years
from plans.reports.jinja import amount, indicator_chart
from plans.reports.opinions import letter_shows_demo
from plans.templatetags.plan_tags import indicator_value, yearly

# Raised when the document's content changes, so that files kept by older code are not served.
WORD_FORMAT = 2

FONT = "Yu Gothic"  # Latin letters and figures
EAST_ASIAN_FONT = "游ゴシック"  # Word falls back to a Japanese font where the reader lacks it
TABLE_FONT_SIZE = Pt(8)
COVER_FONT_SIZE = Pt(10)
TEXT_WIDTH = 17.4  # cm: A4's 21 cm less the margins
CHART_WIDTH = Cm(5.2)  # three to a row, as on the print page, inside the cells' margins
SUMMARY_CHART_WIDTH = Cm(16)


@dataclass(frozen=True)
class WordReport:
    """What the document shows: the plan's evaluation for the year (approved values only)."""

    plan: object  # plans.models.Plan
    fiscal_year: int
    issued_on: str  # the date of issue, the published version's (as on the print page)
    evaluation: object  # reports.evaluation.PlanEvaluation
    revisions: tuple = ()  # the revisions taking effect in the year (reports.evaluation)
    opinion_letter: object = None  # the year's published 意見書 (plans.models.OpinionLetter)
    letter_rows: tuple = ()  # its items with their approved responses (reports.opinions)

    @property
    def kind(self):
        return self.plan.report_kind(self.fiscal_year)

    @property
    def years(self):
        """The years of the indicators' table: the plan's first year to this one."""
        return report_years(self.plan, self.fiscal_year)

    @property
    def demo(self):
        return any(policy.shows_demo for policy in self.evaluation.policies) or (
            letter_shows_demo(self.opinion_letter, self.letter_rows)
        )


def report_docx(report):
    """The report as .docx bytes."""
    document = Document()
    _set_up(document, report)
    for section in SECTIONS:
        section(document, report)
    _fill_contents(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# Characters XML 1.0 cannot hold (a vertical tab or another control character pasted from
# somewhere into an entry): python-docx refuses them, so they are left out of the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value):
    """`value` as text a Word document can hold: line ends as "\n", no control characters."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text)


# The document's set-up: A4 portrait, Japanese fonts, the running head and page numbers.


def _east_asian_font(style, name):
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _set_up(document, report):
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin = section.right_margin = Mm(18)
    section.different_first_page_header_footer = True  # the cover has neither
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
        style = document.styles[name]
        style.font.name = FONT
        _east_asian_font(style, EAST_ASIAN_FONT)
    document.styles["Normal"].font.size = Pt(10)
    core = document.core_properties
    core.title = xml_text(report.plan.report_title(report.fiscal_year))
    core.subject = report.kind.label
    core.author = core.last_modified_by = xml_text(report.plan.municipality)
    _update_fields_on_open(document.settings.element)
    header = section.header.paragraphs[0]
    header.text = xml_text(report.plan.report_title(report.fiscal_year))
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE", "1")
    footer.add_run(" / ")
    _field(footer, "NUMPAGES", "1")


# The elements that follow w:updateFields in w:settings (ECMA-376 CT_Settings is a sequence:
# Word refuses a file whose settings are out of order).
_AFTER_UPDATE_FIELDS = {
    qn(f"w:{name}")
    for name in [
        "hdrShapeDefaults",
        "footnotePr",
        "endnotePr",
        "compat",
        "docVars",
        "rsids",
        "attachedSchema",
        "themeFontLang",
        "clrSchemeMapping",
        "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures",
        "forceUpgrade",
        "captions",
        "readModeInkLockDown",
        "smartTagType",
        "schemaLibrary",
        "shapeDefaults",
        "doNotEmbedSmartTags",
        "decimalSymbol",
        "listSeparator",
    ]
} | {qn("m:mathPr")}


def _update_fields_on_open(settings):
    """Have Word update the fields (the table of contents, the page count) when it opens the
    file: w:updateFields, in its place in the settings."""
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    following = next((child for child in settings if child.tag in _AFTER_UPDATE_FIELDS), None)
    if following is None:
        settings.append(update)
    else:
        following.addprevious(update)


def _field_char(paragraph, kind):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(element)


def _field_start(paragraph, instruction):
    """The start of a field (PAGE, NUMPAGES, TOC ...) that Word computes: what follows until
    `_field_char(..., "end")` is its result as shown until Word updates it."""
    _field_char(paragraph, "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    _field_char(paragraph, "separate")


def _field(paragraph, instruction, placeholder):
    """A field within a paragraph, showing `placeholder` until Word computes it."""
    _field_start(paragraph, instruction)
    paragraph.add_run(placeholder)
    _field_char(paragraph, "end")


# Tables: a grid, a header row repeated on every page, rows never split across pages.


def _row_property(row, name):
    element = OxmlElement(name)
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _widths(first, count, *, last=None):
    """Column widths (cm) over the text width: the first `first`, the last `last` if given, the
    others sharing the rest."""
    rest = TEXT_WIDTH - first - (last or 0)
    middle = count - 1 - (last is not None)
    return [first, *[rest / middle] * middle, *([last] if last is not None else [])]


def _table(document, headers, rows, *, numeric=(), widths=None):
    """A table of `headers` and `rows` (texts); the columns in `numeric` aligned right, each
    column `widths` wide (cm) where given.

    The header row is written through python-docx; the rows, as many as a large plan's
    thousands of projects, as WordprocessingML text parsed once (`_rows_xml`): python-docx
    builds a cell in some forty element operations, a few milliseconds a row."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row_property(table.rows[0], "w:tblHeader")
    for column, (cell, text) in enumerate(zip(table.rows[0].cells, headers, strict=True)):
        _cell_text(cell, text, bold=True, right=column in numeric)
    if widths:
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)  # the grid, which LibreOffice reads
            column.cells[0].width = Cm(width)  # the cells, which Word reads
    twips = [Cm(width).twips for width in widths] if widths else None
    if rows:
        table._tbl.extend(list(parse_xml(_rows_xml(rows, numeric, twips))))
    return table


def _rows_xml(rows, numeric, twips):
    """`rows` as <w:tr> elements in a <w:tbl>: each line of a cell's text a paragraph in the
    tables' size, the `numeric` columns aligned right, each cell `twips` wide if given; a row
    never split across pages."""
    size = f'<w:rPr><w:sz w:val="{int(TABLE_FONT_SIZE.pt * 2)}"/></w:rPr>'
    xml = [f"<w:tbl {nsdecls('w')}>"]
    for values in rows:
        xml.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        for column, text in enumerate(values):
            width = f'<w:tcPr><w:tcW w:w="{twips[column]}" w:type="dxa"/></w:tcPr>' if twips else ""
            alignment = '<w:pPr><w:jc w:val="right"/></w:pPr>' if column in numeric else ""
            xml.append(f"<w:tc>{width}")
            for line in xml_text(text).split("\n"):
                xml.append(
                    f'<w:p>{alignment}<w:r>{size}<w:t xml:space="preserve">{escape(line)}</w:t>'
                    "</w:r></w:p>"
                )
            xml.append("</w:tc>")
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    return "".join(xml)


def _cell_text(cell, text, *, bold=False, right=False, size=TABLE_FONT_SIZE):
    """The cell's text, a paragraph a line, in `size` on each run (the paragraphs' style, Normal,
    would win over a table style's size)."""
    paragraph = cell.paragraphs[0]
    for number, line in enumerate(xml_text(text).split("\n")):
        if number:
            paragraph = cell.add_paragraph()
        run = paragraph.add_run(line)
        run.font.size = size
        if bold:
            run.bold = True
        if right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _grade(grade, note="", *, regressed=False):
    """「C やや遅れ・後退」 and, on a line of its own, the year its value is of."""
    text = f"{grade.symbol} {grade.label}" + ("・後退" if regressed else "")
    return f"{text}\n({note})" if note else text


def _achievement_grade(achievement):
    return _grade(achievement.grade, achievement.basis_note, regressed=achievement.regressed)


def _paragraph(container, text="", style_id=None):
    """A paragraph of `text` in the style `style_id` (Caption, Heading1 ...), set by its id:
    python-docx finds a style by its name by reading every style, each time."""
    paragraph = container.add_paragraph(text)
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _heading(document, text, level):
    return _paragraph(document, text, f"Heading{level}")


def _picture(paragraph, png, width):
    """The image at the end of `paragraph`, `width` wide. As python-docx's `add_picture`, but
    numbering the drawings itself: python-docx finds the next number by reading every id in
    the document, for each picture."""
    part = paragraph.part
    if "_report_drawing_ids" not in part.__dict__:
        part._report_drawing_ids = itertools.count(part.next_id)
    ids = part._report_drawing_ids
    relationship, image = part.get_or_add_image(io.BytesIO(png))
    cx, cy = image.scaled_dimensions(width, None)
    inline = CT_Inline.new_pic_inline(next(ids), relationship, image.filename, cx, cy)
    paragraph.add_run()._r.add_drawing(inline)


# The sections, in the print report's order.


def cover(document, report):
    """The plan, the year, the kind of report, the date of issue and the bodies it goes to."""
    plan, year = report.plan, report.fiscal_year
    kind = document.add_paragraph(report.kind.label)
    kind.runs[0].font.size = Pt(16)
    kind.runs[0].bold = True
    _paragraph(
        document, xml_text(f"{plan.title}\n{format_fiscal_year(year)} 進捗状況報告書"), "Title"
    )
    facts = [
        ("自治体", plan.municipality),
        (
            "計画期間",
            f"{plan.period_label}(基準年度 {format_fiscal_year(plan.baseline_fiscal_year)})",
        ),
        ("報告の種類", plan.report_kind_description(year)),
        ("発行日", f"{report.issued_on}(この日までに承認された値による)"),
        ("報告先", "、".join(plan.reporting_body_list) or "−"),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in facts:
        cells = table.add_row().cells
        _cell_text(cells[0], label, bold=True, size=COVER_FONT_SIZE)
        _cell_text(cells[1], value, size=COVER_FONT_SIZE)
    _paragraph(
        document,
        "承認済の値のみを集計しています。進捗率は基準値から目標値までの進み具合"
        "(累計の指標は累計÷目標)、達成率は実績÷目標です。",
    )
    if report.demo:
        warning = "デモ用データ: 動作確認用の架空の値が含まれています。"
        document.add_paragraph().add_run(warning).bold = True
    document.add_page_break()


TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'


def contents(document, report):
    """The table of contents: a TOC field of the headings (Heading 1 and 2), which Word updates
    with page numbers when it opens the file; until then it lists the headings
    (`_fill_contents`, once the document is written)."""
    title = document.add_paragraph("目次")
    title.runs[0].bold = True
    title.runs[0].font.size = Pt(14)
    _field_start(document.add_paragraph(), TOC_INSTRUCTION)
    _field_char(document.add_paragraph(), "end")
    _paragraph(
        document,
        "ページ番号はWordで開いたときに入ります(目次の上で右クリック →「フィールドの更新」)。",
        "Caption",
    )
    document.add_page_break()


def _fill_contents(document):
    """The headings as the TOC field's result, between its start and its end."""
    start = next(
        paragraph
        for paragraph in document.paragraphs
        if any("TOC" in (text.text or "") for text in paragraph._p.iter(qn("w:instrText")))
    )
    last = start
    for paragraph in document.paragraphs:
        style = paragraph._p.style  # the id: python-docx's style by name reads every style
        if style not in ("Heading1", "Heading2"):
            continue
        entry = document.add_paragraph(paragraph.text)
        if style == "Heading2":
            entry.paragraph_format.left_indent = Cm(1)
        last._p.addnext(entry._p)  # moved from the end of the document into the field
        last = entry


def summary(document, report):
    """The plan's totals, the grade counts per policy and their chart."""
    evaluation = report.evaluation
    _heading(document, "計画全体の概要", 1)
    totals = evaluation.rollup
    text = f"成果指標 {totals.total}指標・平均進捗率 "
    if totals.mean_progress is None:
        text += "評価不能"
    else:
        text += f"{format_percent(totals.mean_progress)}(評価できた{totals.evaluated}指標の平均)"
    if totals.regressed:
        text += f"・基準値より後退 {totals.regressed}指標"
    document.add_paragraph(text)
    _paragraph(document, "基本方針ごとの評価の件数(成果指標と事業の自己評価)", "Caption")
    headers = ["基本方針", "区分", *[f"{grade.symbol} {grade.label}" for grade in Grade], "計"]
    rows = []
    for policy in evaluation.policies:
        name = f"基本方針{policy.policy.number} {policy.policy.title}"
        rows.append(_count_row(name, "成果指標", policy.rollup.counts))
        rows.append(_count_row(name, "事業", policy.project_grades))
    rows.append(_count_row("計画全体", "成果指標", totals.counts))
    rows.append(_count_row("計画全体", "事業", evaluation.project_grades))
    _table(document, headers, rows, numeric=range(2, len(headers)), widths=[7.4, 1.6, *[1.4] * 6])
    bars = grade_bars(
        [(str(policy.policy.number), policy.rollup.counts) for policy in evaluation.policies]
    )
    labels = [str(policy.policy.number) for policy in evaluation.policies]
    _picture(document.add_paragraph(), grade_bars_png(bars, labels), SUMMARY_CHART_WIDTH)
    _paragraph(
        document,
        "図 基本方針ごとの成果指標の評価の件数(左の数字は基本方針の番号。"
        "A 達成・B 順調・C やや遅れ・D 遅れ・- 評価不能。値は上の表と同じ)",
        "Caption",
    )


def _count_row(name, label, counts):
    return [name, label, *[str(counts[grade]) for grade in Grade], str(sum(counts.values()))]


def policies(document, report):
    """Each policy from a new page, its parts in `POLICY_SECTIONS`' order."""
    for policy in report.evaluation.policies:
        for section in POLICY_SECTIONS:
            section(document, report, policy)


def policy_heading(document, report, policy):
    heading = _heading(document, xml_text(policy.policy), 1)
    heading.paragraph_format.page_break_before = True
    counts = "・".join(
        f"{grade.symbol} {grade.label} {count}" for grade, count in policy.rollup.counts.items()
    )
    document.add_paragraph(f"成果指標: {counts}")


def policy_indicators(document, report, policy):
    """The indicators' table: baseline, each year's approved value, target, progress, grade."""
    _heading(document, "成果指標", 2)
    years = report.years
    headers = [
        "指標名",
        "基準値",
        *[format_fiscal_year(year) for year in years],
        "目標値",
        "進捗率",
        "達成率",
        "評価",
    ]
    rows = []
    for item in policy.indicators:
        indicator, achievement = item.indicator, item.achievement
        rows.append(
            [
                _indicator_name(indicator),
                indicator_value(indicator, indicator.baseline_value),
                *yearly(item, years),
                indicator_value(indicator, indicator.target_value),
                format_percent(achievement.progress),
                format_percent(achievement.ratio),
                _achievement_grade(achievement),
            ]
        )
    if not rows:
        document.add_paragraph("成果指標はありません。")
        return
    widths = _widths(3.4, len(headers), last=2.0)
    _table(document, headers, rows, numeric=range(1, len(headers) - 1), widths=widths)


def _indicator_name(indicator):
    if indicator.aggregation == "level":
        return indicator.name
    return f"{indicator.name}({indicator.get_aggregation_display()})"


def policy_charts(document, report, policy):
    """Each indicator's chart as an image, three to a row, with its name under it."""
    if not policy.indicators:
        return
    per_row = 3
    table = document.add_table(rows=0, cols=per_row)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for start in range(0, len(policy.indicators), per_row):
        row = table.add_row()
        _row_property(row, "w:cantSplit")
        for cell, item in zip(row.cells, policy.indicators[start : start + per_row], strict=False):
            chart = indicator_chart(item, report.plan)
            _picture(cell.paragraphs[0], progress_chart_png(chart), CHART_WIDTH)
            caption = _paragraph(cell, xml_text(item.indicator.name), "Caption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(
        document,
        "グラフ: ● 実績・累計(承認済) □ 基準値 ◆ 目標値 - - - 期待される進捗"
        "(基準値から目標値への直線)。値のない年度は線を途切れさせています。",
        "Caption",
    )


def policy_analyses(document, report, policy):
    """The year's analyses (要因分析) of the indicators that have one."""
    for item in policy.indicators:
        result = item.results[-1] if item.results else None
        if result and result.fiscal_year == report.fiscal_year and result.analysis:
            paragraph = document.add_paragraph()
            paragraph.add_run(xml_text(f"{item.indicator.name}(要因分析): ")).bold = True
            paragraph.add_run(xml_text(result.analysis))


def policy_period(document, report, policy):
    """The final summary's (総括) whole period: each indicator's baseline, every plan year's
    approved value, the final value, the target, achieved or not, and the grade."""
    if report.kind is not ReportKind.FINAL:
        return
    _heading(document, "計画期間の推移(総括)", 2)
    plan_years = report.plan.fiscal_years
    headers = [
        "指標名",
        "基準値",
        *[format_fiscal_year(year) for year in plan_years],
        "最終値",
        "目標値",
        "達成状況",
        "評価",
    ]
    rows = [
        [
            _indicator_name(item.indicator),
            indicator_value(item.indicator, item.indicator.baseline_value),
            *yearly(item, plan_years),
            indicator_value(item.indicator, item.achievement.current_value),
            indicator_value(item.indicator, item.indicator.target_value),
            item.achievement.achieved_label,
            _achievement_grade(item.achievement),
        ]
        for item in policy.indicators
    ]
    if not rows:
        document.add_paragraph("成果指標はありません。")
        return
    widths = _widths(3.4, len(headers), last=2.0)
    _table(document, headers, rows, numeric=range(1, len(headers) - 2), widths=widths)


PROJECT_HEADERS = [
    "事業名",
    "所管課",
    "実施内容・実績",
    "評価",
    "課題",
    "今後の方向性",
    "予算額・決算額(千円)",
]
PROJECT_WIDTHS = [3.0, 2.0, 3.8, 2.0, 2.6, 1.6, 2.4]


def policy_measures(document, report, policy):
    """Each measure: its approved assessment and direction, and its projects' table."""
    for measure_evaluation in policy.measures:
        measure, assessment = measure_evaluation.measure, measure_evaluation.assessment
        _heading(document, xml_text(f"基本施策{measure.code} {measure.title}"), 2)
        for label, text in (
            ("施策の評価", assessment.assessment if assessment else ""),
            ("今後の取組方針", assessment.direction if assessment else ""),
        ):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            fallback = "承認済の評価はありません。" if label == "施策の評価" else "−"
            paragraph.add_run(xml_text(text or fallback))
        rows = []
        for item in measure_evaluation.projects:
            progress = item.progress
            rows.append(
                [
                    item.project.name,
                    item.project.department or "−",
                    (progress.activities if progress else "") or "−",
                    _grade(item.grade, item.basis_note),
                    (progress.issues if progress else "") or "−",
                    item.outlook or "−",
                    f"{amount(progress.budget_amount if progress else None)} / "
                    f"{amount(progress.settlement_amount if progress else None)}",
                ]
            )
        if rows:
            _table(document, PROJECT_HEADERS, rows, numeric=(6,), widths=PROJECT_WIDTHS)
        else:
            document.add_paragraph("事業はありません。")


def plan_revisions(document, report):
    """計画の見直し: the revisions taking effect in the year, as the print report lists them
    after the policies (from a new page when there are any)."""
    year = format_fiscal_year(report.fiscal_year)
    heading = _heading(document, "計画の見直し", 1)
    if not report.revisions:
        document.add_paragraph(f"{year}から適用される計画の見直しはありません。")
        return
    heading.paragraph_format.page_break_before = True
    document.add_paragraph(
        f"{year}から適用される見直しです。見直し前の値は計画策定時のまま残し、各年度の評価には"
        "その年度に適用されている基準値・目標値を使っています。この年度に休止・廃止・終了した"
        "成果指標と事業は、この年度の表に載せていません。"
    )
    rows = [
        [
            f"{revision.item_kind}\n{revision.policy}",
            xml_text(revision.item),
            xml_text(f"{revision.kind}: {revision.changes}" if revision.changes else revision.kind),
            xml_text(revision.reason),
            xml_text(f"{revision.decided_by}\n{format_date(revision.decided_on)}"),
        ]
        for revision in report.revisions
    ]
    _table(
        document,
        ["区分", "項目", "見直し", "理由", "決定"],
        rows,
        widths=[2.4, 4.4, 4.0, 3.8, 2.8],
    )


def committee_opinions(document, report):
    """The committee's opinions and the city's responses: the published 意見書's items in the
    chair's order and wording, each with its approved response, as the print report ends."""
    _heading(document, "委員会の意見と市の対応", 1).paragraph_format.page_break_before = True
    letter = report.opinion_letter
    year = format_fiscal_year(report.fiscal_year)
    if letter is None:
        document.add_paragraph(f"{year}の意見書はまだ公表されていません。")
        return
    body = (report.plan.reporting_body_list or ["協働推進委員会"])[0]
    published = format_date(letter.published_at)
    document.add_paragraph(
        xml_text(f"{body}の{year}の意見書(公表 {published})と、それぞれの意見への市の対応です。")
    )
    if letter.is_demo:
        warning = "デモ用データ: この意見書と市の対応は動作確認用に作られた架空のものです。"
        document.add_paragraph().add_run(warning).bold = True
    if letter.preface:
        document.add_paragraph(xml_text(letter.preface))
    rows = [
        [
            str(row.opinion.letter_position),
            xml_text(row.opinion.subject_label) + ("(デモ用データ)" if row.shows_demo else ""),
            xml_text(row.wording),
            xml_text(row.response.response) if row.response else "対応を検討中です。",
        ]
        for row in report.letter_rows
    ]
    _table(
        document,
        ["番号", "対象", "委員会の意見", "市の対応・対応方針"],
        rows,
        numeric=(0,),
        widths=[1.2, 3.2, 6.5, 6.5],
    )


SECTIONS = (cover, contents, summary, policies, plan_revisions, committee_opinions)
POLICY_SECTIONS = (
    policy_heading,
    policy_indicators,
    policy_charts,
    policy_analyses,
    policy_period,
    policy_measures,
)
