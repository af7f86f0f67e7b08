"""The report as an editable Word document (.docx): opened back with python-docx, it has the
print report's headings in the print report's order (Heading 1 and 2, with a table of contents
field), its tables with the same figures, the charts as PNG images, and a Japanese file name;
the same people may download it as the .xlsx, in a fixed number of queries."""

import io
import os
import re
import shutil
import subprocess
from html import unescape
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from indicators.achievement import Grade
from plans.dates import format_date
from plans.models import EntryStatus, Measure, MeasureAssessment
from plans.progress.workflow import entry_approve
from plans.publication import plan_published_version, plan_published_version_bump
from plans.reports.chart_images import BARS_SCALE, SCALE, TARGET, grade_bars_png, progress_chart_png
from plans.reports.charts import GRADE_FILLS, grade_bars, progress_chart
from plans.reports.word import POLICY_SECTIONS, SECTIONS
from tests.factories import (
    BasicPolicyFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    MeasureFactory,
    MeasureProjectFactory,
    PlanFactory,
    ProjectProgressFactory,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def client_for(user=None):
    client = Client()
    if user:
        client.force_login(user)
    return client


@pytest.fixture
def committee(personas):
    return client_for(personas["committee"])


def docx_response(client, plan, year):
    return client.get(reverse("plans:report_docx", args=[plan.code, year]))


def open_docx(client, plan, year):
    response = docx_response(client, plan, year)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    return Document(io.BytesIO(response.content))


def headings(document):
    return [
        (int(paragraph.style.name[-1]), paragraph.text)
        for paragraph in document.paragraphs
        if paragraph.style.name in ("Heading 1", "Heading 2")
    ]


def print_headings(client, plan, year):
    """The print report's h2 and h3 headings (the contents' own heading left out)."""
    html = client.get(reverse("plans:report", args=[plan.code, year])).content.decode()
    found = re.findall(r"<h([23])([^>]*)>(.*?)</h\1>", html, re.S)
    return [
        (int(level) - 1, unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))).strip())
        for level, attributes, text in found
        if "report-contents-heading" not in attributes
    ]


def cell_texts(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.mark.parametrize("year", [2024, 2025])
def test_the_headings_are_the_print_reports_in_its_order(committee, seed_results, year):
    document = open_docx(committee, seed_results, year)
    found = headings(document)
    assert found == print_headings(committee, seed_results, year)
    assert found[0] == (1, "計画全体の概要")
    policies = [text for level, text in found if level == 1][1:-2]
    assert policies == [str(policy) for policy in seed_results.policies.all()]
    assert found[-2:] == [(1, "計画の見直し"), (1, "委員会の意見と市の対応")]
    # Each policy from a new page.
    starts = [p for p in document.paragraphs if p.style.name == "Heading 1"][1:]
    starts = [p for p in starts if p.text != "計画の見直し"]  # none this year: no page of its own
    assert all(paragraph.paragraph_format.page_break_before for paragraph in starts)
    period = [text for _, text in found].count("計画期間の推移(総括)")
    assert period == (seed_results.policies.count() if year == 2025 else 0)


def test_a_table_of_contents_field_lists_the_headings(committee, seed_results):
    document = open_docx(committee, seed_results, 2024)
    body = document.element.body
    instructions = [text.text for text in body.iter(qn("w:instrText"))]
    assert any(re.fullmatch(r' TOC \\o "1-2" \\h \\z \\u ', text) for text in instructions)
    # Until Word updates it, the field shows the headings (between its start and its end).
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("目次")
    listed = paragraphs[start + 2 : start + 2 + len(headings(document))]
    assert listed == [text for _, text in headings(document)]
    update = document.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"
    # In its place in the settings (Word refuses settings out of order).
    tags = [child.tag for child in document.settings.element]
    assert tags.index(qn("w:updateFields")) < tags.index(qn("w:compat"))


def test_the_cover_names_the_plan_year_kind_date_and_bodies(committee, seed_results):
    plan = seed_results
    document = open_docx(committee, plan, 2023)
    assert document.paragraphs[0].text == "中間評価"
    title = document.paragraphs[1]
    assert title.style.name == "Title"
    assert title.text == f"{plan.title}\n2023年度 進捗状況報告書"
    facts = dict(cell_texts(document.tables[0]))
    assert facts["報告の種類"] == "中間評価(計画期間5年のうち3年目)"
    issued = format_date(plan_published_version(plan).changed_at)
    assert facts["発行日"].startswith(issued)
    assert facts["報告先"] == "岡山市協働推進委員会、協働推進本部会議"
    section = document.sections[0]
    assert section.header.paragraphs[0].text == f"{plan.title} 2023年度 進捗状況報告書(中間評価)"
    assert [section.page_width.mm, section.page_height.mm] == pytest.approx([210, 297], abs=0.1)
    footer = [text.text for text in section.footer._element.iter(qn("w:instrText"))]
    assert footer == [" PAGE ", " NUMPAGES "]


def test_the_tables_carry_the_figures_of_the_print_report(committee, seed_results):
    document = open_docx(committee, seed_results, 2024)
    indicator_tables = [t for t in document.tables if t.rows[0].cells[0].text == "指標名"]
    assert len(indicator_tables) == seed_results.policies.count()
    header, *rows = cell_texts(indicator_tables[0])
    assert header == [
        "指標名",
        "基準値",
        "2021年度",
        "2022年度",
        "2023年度",
        "2024年度",
        "目標値",
        "進捗率",
        "達成率",
        "評価",
    ]
    assert rows[0] == [
        "地域活動への市民の参加割合",
        "45.3%",
        "46.0%",
        "47.1%",
        "測定なし",
        "48.0%",
        "50.8%",
        "49%",
        "94%",
        "C やや遅れ",
    ]
    assert rows[1][0] == "若者(20歳代)の地域活動への参加割合"
    assert rows[1][-1] == "D 遅れ・後退"  # below its baseline, as the print report says
    # The header row repeats on every page; a row is never split across pages.
    first_row = indicator_tables[0].rows[0]._tr
    assert first_row.trPr.find(qn("w:tblHeader")) is not None
    assert indicator_tables[0].rows[1]._tr.trPr.find(qn("w:cantSplit")) is not None
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == "基本方針")
    assert cell_texts(summary)[0][2:] == [f"{g.symbol} {g.label}" for g in Grade] + ["計"]
    assert cell_texts(summary)[-2][:2] == ["計画全体", "成果指標"]
    assert cell_texts(summary)[-2][-1] == "7"


def test_the_charts_are_png_images_one_per_indicator_and_the_summarys(committee, seed_results):
    document = open_docx(committee, seed_results, 2024)
    indicators = sum(policy.indicators.count() for policy in seed_results.policies.all())
    assert len(document.inline_shapes) == indicators + 1
    images = [
        part for part in document.part.package.parts if part.partname.startswith("/word/media/")
    ]
    assert images and all(part.content_type == "image/png" for part in images)
    for part in images:
        assert Image.open(io.BytesIO(part.blob)).format == "PNG"
    # The indicators' charts sit in a table's cells, three to a row, each with its name.
    chart_cells = [
        cell
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        if cell._tc.findall(".//" + qn("w:drawing"))
    ]
    assert len(chart_cells) == indicators
    assert chart_cells[0].paragraphs[-1].text == "地域活動への市民の参加割合"


def hex_colour(rgb):
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


def test_the_chart_image_is_drawn_from_the_pages_geometry(seed_results):
    indicator = seed_results.policies.get(number=1).indicators.first()
    chart = progress_chart(
        indicator=indicator, first_year=2021, last_year=2025, values={2021: indicator.target_value}
    )
    image = Image.open(io.BytesIO(progress_chart_png(chart))).convert("RGB")
    assert image.size == (chart.width * SCALE, chart.height * SCALE)
    # The target's diamond is drawn where the SVG draws it, in its colour.
    target = image.getpixel((round(chart.target.x * SCALE), round(chart.target.y * SCALE)))
    assert hex_colour(target) == TARGET
    bars = grade_bars([("1", {Grade.A: 2, Grade.B: 0, Grade.C: 1, Grade.D: 0, Grade.NONE: 0})])
    bar_image = Image.open(io.BytesIO(grade_bars_png(bars, ["1"]))).convert("RGB")
    first = bars.bars[0].segments[0]
    middle_of_a = (round((first.x + 2) * BARS_SCALE), round((bars.bars[0].y + 2) * BARS_SCALE))
    assert hex_colour(bar_image.getpixel(middle_of_a)) == GRADE_FILLS[Grade.A]


def test_measures_carry_their_approved_assessment_and_projects(committee, seed_results):
    measure = Measure.objects.get(policy__plan=seed_results, policy__number=1, number=1)
    MeasureAssessment.objects.create(
        measure=measure,
        fiscal_year=2024,
        assessment="担い手の育成は順調です。",
        direction="若者向けの講座を増やします。",
        status=EntryStatus.APPROVED,
    )
    document = open_docx(committee, seed_results, 2024)
    paragraphs = [p.text for p in document.paragraphs]
    heading = f"基本施策{measure.code} {measure.title}"
    start = next(
        number
        for number, paragraph in enumerate(document.paragraphs)
        if paragraph.style.name == "Heading 2" and paragraph.text == heading
    )
    assert paragraphs[start + 1] == "施策の評価: 担い手の育成は順調です。"
    assert paragraphs[start + 2] == "今後の取組方針: 若者向けの講座を増やします。"
    project_tables = [t for t in document.tables if t.rows[0].cells[0].text == "事業名"]
    assert len(project_tables) == Measure.objects.filter(policy__plan=seed_results).count()
    first_project = measure.project_links.order_by("position").first().project
    assert cell_texts(project_tables[0])[1][0] == first_project.name
    assert cell_texts(project_tables[0])[1][3] == "− 評価不能"


def test_the_final_summary_has_the_whole_period_table(committee, seed_results):
    document = open_docx(committee, seed_results, 2025)
    assert document.paragraphs[0].text == "総括"
    period = [t for t in document.tables if "達成状況" in cell_texts(t)[0]]
    assert len(period) == seed_results.policies.count()
    header, first, *_ = cell_texts(period[0])
    assert header[-4:] == ["最終値", "目標値", "達成状況", "評価"]
    assert first == [
        "地域活動への市民の参加割合",
        "45.3%",
        "46.0%",
        "47.1%",
        "測定なし",
        "48.0%",
        "−",
        "48.0%",
        "50.8%",
        "未達成",
        "C やや遅れ\n(2024年度の値による)",
    ]


def test_the_file_has_a_japanese_name(committee, seed_results):
    response = docx_response(committee, seed_results, 2024)
    name = f"{seed_results.title}_2024年度_進捗状況報告書(年次報告).docx"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert response["Cache-Control"] == "private, no-store"


def test_the_same_people_may_download_it_as_the_xlsx(seed_results, personas):
    """Everyone logged in, whatever their role; a visitor is sent to the login page."""
    clients = {name: client_for(personas[name]) for name in ("admin", "staff_a", "committee")}
    clients["visitor"] = client_for()
    for name, client in clients.items():
        docx = docx_response(client, seed_results, 2024)
        xlsx = client.get(reverse("plans:report_xlsx", args=[seed_results.code, 2024]))
        assert docx.status_code == xlsx.status_code, name
        if name == "visitor":
            assert docx.status_code == 302 and "/accounts/login/" in docx["Location"]
        else:
            assert docx.status_code == 200


def test_it_is_offered_beside_the_print_report_and_the_xlsx(committee, seed_results):
    url = reverse("plans:report_docx", args=[seed_results.code, 2024])
    for page in ("plans:report", "plans:overview"):
        html = committee.get(reverse(page, args=[seed_results.code, 2024])).content.decode()
        assert f'href="{url}"' in html


def test_an_approval_shows_in_the_next_download(committee, seed_results, personas):
    policy = seed_results.policies.get(number=1)
    indicator = policy.indicators.get(name="地域活動への市民の参加割合")
    before = open_docx(committee, seed_results, 2025)
    assert "49.9%" not in [cell.text for t in before.tables for row in t.rows for cell in row.cells]
    result = IndicatorResultFactory(
        indicator=indicator,
        fiscal_year=2025,
        value="49.9",
        status=EntryStatus.SUBMITTED,
        entered_by=personas["staff_a"],
    )
    entry_approve(entry=result, user=personas["admin"], version=result.version)
    document = open_docx(committee, seed_results, 2025)
    period = next(t for t in document.tables if "達成状況" in cell_texts(t)[0])
    assert cell_texts(period)[1][6:8] == ["49.9%", "49.9%"]


def test_it_reads_the_database_a_fixed_number_of_times(personas):
    plan = PlanFactory(first_fiscal_year=2021, last_fiscal_year=2025, baseline_fiscal_year=2020)
    committee = client_for(personas["committee"])

    def add_policies(count):
        for number in range(plan.policies.count() + 1, plan.policies.count() + 1 + count):
            policy = BasicPolicyFactory(plan=plan, number=number)
            indicator = IndicatorFactory(policy=policy, position=1)
            IndicatorResultFactory(
                indicator=indicator, fiscal_year=2022, status=EntryStatus.APPROVED
            )
            measure = MeasureFactory(policy=policy, number=1)
            for _ in range(2):
                link = MeasureProjectFactory(measure=measure)
                ProjectProgressFactory(
                    project=link.project, fiscal_year=2022, grade="B", status=EntryStatus.APPROVED
                )

    def queries():
        cache.clear()  # built anew each time
        with CaptureQueriesContext(connection) as captured:
            assert docx_response(committee, plan, 2022).status_code == 200
        return len(captured)

    add_policies(1)
    queries()  # the plan's first view writes its published version
    one = queries()
    add_policies(4)
    assert queries() == one


def test_the_document_is_a_sequence_of_sections():
    """A new part of the report (the committee's opinions) is one more function in a list."""
    assert [section.__name__ for section in SECTIONS] == [
        "cover",
        "contents",
        "summary",
        "policies",
        "plan_revisions",
        "committee_opinions",
    ]
    assert POLICY_SECTIONS[0].__name__ == "policy_heading"


@pytest.mark.slow
def test_libreoffice_opens_the_document(committee, seed_results, tmp_path):
    """An office suite other than python-docx reads the file: LibreOffice's text of it has the
    headings in order."""
    soffice = shutil.which("soffice")
    if not soffice:
        # As the .xlsx's check: CI (.ci/run) installs LibreOffice and sets REQUIRE_LIBREOFFICE=1.
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("REQUIRE_LIBREOFFICE=1 but LibreOffice (soffice) is missing")
        pytest.skip("LibreOffice がないため飛ばします: apt-get install libreoffice-writer-nogui")
    path = tmp_path / "report.docx"
    path.write_bytes(docx_response(committee, seed_results, 2025).content)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = (tmp_path / "report.txt").read_text("utf-8-sig")
    policies = [str(policy) for policy in seed_results.policies.all()]
    body = text[text.rindex("計画全体の概要") :]  # after the contents, which list them too
    positions = [body.index(heading) for heading in policies]
    assert positions == sorted(positions)
    assert body.count("計画期間の推移(総括)") == len(policies)
    assert "地域活動への市民の参加割合" in body


def test_hostile_text_is_kept_as_text(committee, seed_results):
    """Markup stays text, line breaks stay breaks, and control characters XML cannot hold (a
    vertical tab pasted into an entry) are left out rather than breaking the file."""
    measure = Measure.objects.get(policy__plan=seed_results, policy__number=1, number=1)
    project = measure.project_links.order_by("position").first().project
    ProjectProgressFactory(
        project=project,
        fiscal_year=2024,
        activities="<b>太字</b> & 'quote'\r\n2行目\x0bと\x0cと\x1fと=SUM(A1)",
        grade="B",
        status=EntryStatus.APPROVED,
    )
    indicator = seed_results.policies.get(number=1).indicators.get(
        name="地域活動への市民の参加割合"
    )
    indicator.results.filter(fiscal_year=2024).update(analysis="分析\x0bです\r\n次の行")
    document = open_docx(committee, seed_results, 2024)
    table = next(t for t in document.tables if cell_texts(t)[0][0] == "事業名")
    assert cell_texts(table)[1][2] == "<b>太字</b> & 'quote'\n2行目ととと=SUM(A1)"
    assert cell_texts(table)[1][3] == "B 順調"
    analyses = [p.text for p in document.paragraphs if "(要因分析)" in p.text]
    assert analyses == ["地域活動への市民の参加割合(要因分析): 分析です\n次の行"]


def test_made_up_values_are_marked_on_the_cover(committee, seed_results):
    assert "デモ用データ" not in docx_text(open_docx(committee, seed_results, 2024))
    indicator = seed_results.policies.get(number=2).indicators.first()
    indicator.results.filter(fiscal_year=2024).update(is_demo=True)
    plan_published_version_bump(plan=seed_results)
    text = docx_text(open_docx(committee, seed_results, 2024))
    assert "デモ用データ: 動作確認用の架空の値が含まれています。" in text


def docx_text(document):
    return "\n".join(paragraph.text for paragraph in document.paragraphs)
