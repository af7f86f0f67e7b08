"""Small uploads built to exhaust a server that reads them naively (issue 14, finding 5).

Generated on the fly by the tests and by bench/upload_bombs.py, never stored. Each .xlsx is
written as raw XML with zipfile: openpyxl would not write a lying <dimension>, and writing
two million rows through openpyxl would itself take minutes.
"""

import io
import zipfile
from itertools import chain

COLUMNS = ["事業コード", "事業名", "事業概要", "基本施策", "所管課"]
REQUIRED = ["事業名"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_START = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def content_types(shared_strings):
    overrides = [
        ("/xl/workbook.xml", f"{OFFICE}.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", f"{OFFICE}.worksheet+xml"),
    ]
    if shared_strings:
        overrides.append(("/xl/sharedStrings.xml", f"{OFFICE}.sharedStrings+xml"))
    return (
        f'{XML_START}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    ).encode()


ROOT_RELS = (
    f'{XML_START}<Relationships xmlns="{RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{DOCUMENT}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
).encode()
WORKBOOK = (
    f'{XML_START}<workbook xmlns="{MAIN}" xmlns:r="{DOCUMENT}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()
WORKBOOK_RELS = (
    f'{XML_START}<Relationships xmlns="{RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
).encode()
SHEET_START = f'{XML_START}<worksheet xmlns="{MAIN}">'.encode()


def text_cell(reference, text):
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def row_xml(number, texts, **attributes):
    extra = "".join(f' {name}="{value}"' for name, value in attributes.items())
    cells = b"".join(
        text_cell(f"{chr(ord('A') + index)}{number}", text) for index, text in enumerate(texts)
    )
    return f'<row r="{number}"{extra}>'.encode() + cells + b"</row>"


def _write(archive, name, parts):
    with archive.open(name, "w", force_zip64=True) as member:
        for part in parts:
            member.write(part)


def xlsx(sheet_parts, *, dimension=None, before_data=(), shared_strings=None, styles=None):
    """An .xlsx whose only sheet holds `sheet_parts` (bytes, streamed) inside <sheetData>.

    `before_data`, `shared_strings` (the <si> elements) and `styles` are streamed too.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types(shared_strings is not None))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if shared_strings is not None:
            start = f'{XML_START}<sst xmlns="{MAIN}">'.encode()
            _write(archive, "xl/sharedStrings.xml", chain([start], shared_strings, [b"</sst>"]))
        if styles is not None:
            start = f'{XML_START}<styleSheet xmlns="{MAIN}">'.encode()
            _write(archive, "xl/styles.xml", chain([start], styles, [b"</styleSheet>"]))
        dimension = [f'<dimension ref="{dimension}"/>'.encode()] if dimension else []
        _write(
            archive,
            "xl/worksheets/sheet1.xml",
            chain(
                [SHEET_START, *dimension],
                before_data,
                [b"<sheetData>"],
                sheet_parts,
                [b"</sheetData></worksheet>"],
            ),
        )
    return buffer.getvalue()


def header_and_rows(count=2):
    yield row_xml(1, COLUMNS)
    for number in range(2, count + 2):
        yield row_xml(number, [f"P-{number}", f"事業{number}", "概要", "1-1", "課"])


def declared_dimension_bomb():
    """Three rows and a note in Excel's last row, under a <dimension> that claims every cell
    Excel has (A1:XFD1048576): openpyxl's read-only sheet pads each of the million rows to
    16,384 columns."""
    return xlsx([*header_and_rows(3), row_xml(1_048_576, ["以上"])], dimension="A1:XFD1048576")


def stale_dimension():
    """Five data rows under a <dimension> that still says A1:E2 (one data row)."""
    return xlsx(header_and_rows(5), dimension="A1:E2")


def two_million_rows():
    """A header and two million one-cell rows without row numbers: about 300 KB zipped."""

    def parts():
        yield row_xml(1, ["事業名"])
        chunk = b"<row><c><v>1</v></c></row>" * 10_000
        for _ in range(200):
            yield chunk

    return xlsx(parts())


def far_column_cells(rows=50_000):
    """Every row has its one value in the last column Excel has (XFD)."""

    def parts():
        yield row_xml(1, ["事業名"])
        for number in range(2, rows + 2):
            yield f'<row r="{number}"><c r="XFD{number}"><v>1</v></c></row>'.encode()

    return xlsx(parts())


def endless_empty_cells(cells=20_000_000):
    """One row of twenty million empty cells without coordinates (80 MB of XML)."""

    def parts():
        yield row_xml(1, ["事業名"])
        yield b'<row r="2">'
        chunk = b"<c/>" * 100_000
        for _ in range(cells // 100_000):
            yield chunk
        yield b"</row>"

    return xlsx(parts())


def zip_bomb(megabytes=1024):
    """A sheet of `megabytes` of blank space after its header: about a thousandth of that zipped."""

    def parts():
        yield row_xml(1, COLUMNS)
        chunk = b" " * (1024 * 1024)
        for _ in range(megabytes):
            yield chunk

    return xlsx(parts())


def many_shared_strings(count=4_000_000):
    """Four million shared strings (90 MB of XML) for a sheet of two rows."""
    chunk = b"<si><t>shared</t></si>" * 100_000
    return xlsx(header_and_rows(1), shared_strings=(chunk for _ in range(count // 100_000)))


def styles_flood(elements=20_000_000):
    """A styles part of twenty million empty elements, which openpyxl would parse whole."""
    chunk = b"<x/>" * 100_000
    return xlsx(header_and_rows(1), styles=(chunk for _ in range(elements // 100_000)))


def elements_before_data(elements=13_000_000):
    """Thirteen million empty elements before <sheetData> (78 MB), all in one parent."""
    chunk = b"<col/>" * 100_000
    parts = [b"<cols>", *(chunk for _ in range(elements // 100_000)), b"</cols>"]
    return xlsx(header_and_rows(1), before_data=parts)


def million_column_csv(columns=1_000_000):
    """A header row of a million distinct titles: about 8 MB."""
    titles = ["事業名", *(f"c{index}" for index in range(columns))]
    return (",".join(titles) + "\r\nx\r\n").encode()


def endless_record_csv(lines=3_000):
    """One CSV record of three million cells over 3,000 lines: each line ends inside a quoted
    cell that the next line closes (about 9 MB)."""
    line = '",' + "ab," * 1_000 + '"\n'
    return ("事業名\r\n" + '"' + line * lines + '"\r\n').encode()


def project_list(rows=50_000):
    """Not a bomb: the largest project list the portal takes, as Excel saves it (shared
    strings, every row's code, name and summary different), to compare with the bombs."""
    summary = "地域の特徴をいかし、区民が主体となって企画・運営する事業を支援します。"
    strings = [*COLUMNS, "1-1、2-3", "市民協働企画課"]

    def row(number):
        first = len(strings)
        strings.extend([f"P-{number:05}", f"区づくり推進事業{number}", f"{summary}({number})"])
        cells = [first, first + 1, first + 2, 5, 6]
        return (
            f'<row r="{number}">'
            + "".join(
                f'<c r="{chr(ord("A") + index)}{number}" t="s"><v>{value}</v></c>'
                for index, value in enumerate(cells)
            )
            + "</row>"
        ).encode()

    header = (
        '<row r="1">'
        + "".join(f'<c r="{chr(ord("A") + i)}1" t="s"><v>{i}</v></c>' for i in range(5))
        + "</row>"
    ).encode()
    sheet = [header, *(row(number) for number in range(2, rows + 2))]
    shared = [f"<si><t>{text}</t></si>".encode() for text in strings]
    return xlsx(sheet, shared_strings=shared)


BOMBS = {
    "project-list-50000.xlsx": project_list,
    "declared-dimension.xlsx": declared_dimension_bomb,
    "stale-dimension.xlsx": stale_dimension,
    "two-million-rows.xlsx": two_million_rows,
    "far-column.xlsx": far_column_cells,
    "endless-empty-cells.xlsx": endless_empty_cells,
    "zip-bomb.xlsx": zip_bomb,
    "many-shared-strings.xlsx": many_shared_strings,
    "styles-flood.xlsx": styles_flood,
    "elements-before-data.xlsx": elements_before_data,
    "million-columns.csv": million_column_csv,
    "endless-record.csv": endless_record_csv,
}
