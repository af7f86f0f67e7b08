"""The print report as a city publishes it: a cover (plan, year, kind of report, date of issue,
the bodies it goes to), a table of contents, a one-page summary with a chart, then per policy its
indicators and its measures with their approved assessments and projects. Every figure and grade
is marked so that print never breaks it (「118,84 / 8」, 「評価不 / 能」)."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from indicators.achievement import Grade
from plans.dates import format_date
from plans.models import EntryStatus, Measure, MeasureAssessment
from plans.progress.workflow import entry_approve
from plans.publication import plan_published_version
from plans.reports.charts import grade_bars
from plans.reports.views import css_string

YEAR = 2024


@pytest.fixture
def committee(personas):
    client = Client()
    client.force_login(personas["committee"])
    return client


def report_html(client, plan):
    response = client.get(reverse("plans:report", args=[plan.code, YEAR]))
    assert response.status_code == 200
    return response.content.decode()


def section(html, start, end):
    """The page's text between two markers, tags removed."""
    part = html[html.index(start) : html.index(end, html.index(start))]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)))


def test_the_cover_names_the_plan_year_kind_date_and_bodies(committee, seed_results):
    plan = seed_results
    html = report_html(committee, plan)

    cover = section(html, 'class="report-cover"', "</header>")
    assert plan.title in cover and "2024年度 進捗状況報告書" in cover
    assert "年次報告" in cover
    issued = format_date(plan_published_version(plan).changed_at)
    assert f"発行日 {issued}" in cover
    # The bodies come from the plan's file, not from the code.
    assert "報告先 岡山市協働推進委員会、協働推進本部会議" in cover


def test_the_contents_link_to_the_summary_and_every_policy(committee, seed_results):
    html = report_html(committee, seed_results)

    start = html.index('class="report-contents"')
    targets = re.findall(r'href="#([^"]+)"', html[start : html.index("</nav>", start)])
    assert targets == [
        "report-summary",
        *(f"report-policy-{policy.number}" for policy in seed_results.policies.all()),
        "report-revisions",  # 計画の見直し (issue 17)
        "committee-opinions",
    ]
    for target in targets:
        assert f'id="{target}"' in html
    assert "基本方針1 " in section(html, 'class="report-contents"', "</nav>")


def test_the_summary_counts_grades_per_policy_with_a_chart(committee, seed_results):
    html = report_html(committee, seed_results)

    summary = section(html, 'class="report-summary"', "</section>")
    for policy in seed_results.policies.all():
        assert f"基本方針{policy.number} {policy.title} 成果指標" in summary
    assert "計画全体 成果指標" in summary
    start = html.index('class="report-chart"')
    chart = html[start : html.index("</figure>", start)]
    assert 'role="img"' in chart and "基本方針ごとの成果指標の評価の件数" in chart
    assert chart.count("<rect") >= len(Grade)  # the bars and the legend's keys


def test_measures_show_their_approved_assessment_only(committee, seed_results, personas):
    plan = seed_results
    approved_measure, draft_measure = Measure.objects.filter(policy__plan=plan)[:2]
    MeasureAssessment.objects.create(
        measure=approved_measure, fiscal_year=YEAR, status=EntryStatus.APPROVED,
        assessment="講座の参加者が増え、\n団体の登録も進んだ。", direction="企業との連携を広げる。",
    )  # fmt: skip
    MeasureAssessment.objects.create(
        measure=draft_measure, fiscal_year=YEAR, status=EntryStatus.SUBMITTED,
        assessment="まだ確認していない評価", direction="未確認の方針",
    )  # fmt: skip

    html = report_html(committee, plan)

    assert "講座の参加者が増え、<br>団体の登録も進んだ。" in html
    assert "企業との連携を広げる。" in html
    assert "まだ確認していない評価" not in html and "未確認の方針" not in html
    draft_section = section(html, f'id="report-measure-{draft_measure.pk}"', "</dl>")
    assert "施策の評価 承認済の評価はありません。" in draft_section


def test_an_approved_assessment_shows_at_once(committee, seed_results, personas):
    plan = seed_results
    measure = Measure.objects.filter(policy__plan=plan).first()
    assessment = MeasureAssessment.objects.create(
        measure=measure, fiscal_year=YEAR, status=EntryStatus.SUBMITTED,
        assessment="承認を待つ施策の評価", entered_by=personas["staff_a"],
    )  # fmt: skip
    assert "承認を待つ施策の評価" not in report_html(committee, plan)  # the parts are kept

    entry_approve(entry=assessment, user=personas["admin"], version=assessment.version)

    assert "承認を待つ施策の評価" in report_html(committee, plan)


def test_every_figure_and_grade_is_marked_unbreakable(committee, seed_results):
    html = report_html(committee, seed_results)
    body = html[html.index('class="report-cover"') :]

    numeric_cells = re.findall(r'<td class="text-end">(.*?)</td>', body, re.S)
    assert len(numeric_cells) > 100
    for cell in numeric_cells:
        assert re.fullmatch(r'(<span class="figure">[^<]+</span>( / )?)+', cell.strip()), cell
    assert '<span class="grade">− 評価不能</span>' in body
    assert re.search(r'<span class="figure">[\d,.]+%</span>', body)


@pytest.mark.parametrize(
    ("rows", "lengths"),
    [
        (
            [("1", {Grade.A: 2, Grade.B: 0}), ("2", {Grade.A: 1, Grade.B: 1})],
            [[536.0], [268.0] * 2],
        ),
        ([("1", {Grade.NONE: 0})], [[]]),
        ([], []),
    ],
)
def test_the_summary_chart_draws_each_count_as_a_share_of_the_longest_bar(rows, lengths):
    bars = grade_bars(rows)

    assert [[segment.width for segment in bar.segments] for bar in bars.bars] == lengths
    for bar in bars.bars:
        ends = [segment.x + segment.width for segment in bar.segments]
        assert all(end <= bars.width for end in ends)
        assert all(segment.count for segment in bar.segments)  # no empty segment drawn


def test_the_running_head_stylesheet_names_the_plan_and_year(committee, seed_results):
    plan = seed_results
    url = reverse("plans:report_css", args=[plan.code, YEAR])

    assert Client().get(url).status_code == 302  # to the login page
    response = committee.get(url)

    assert response["Content-Type"].startswith("text/css")
    expected = f'--report-running-head: "{plan.title} 2024年度 進捗状況報告書(年次報告)";'
    assert expected in response.content.decode()
    assert f'href="{url}"' in report_html(committee, plan)


@pytest.mark.parametrize(
    ("title", "css"),
    [
        ("協働推進計画", '"協働推進計画"'),
        ('" } body', '"\\000022  } body"'),
        ("a\\b\n</style>", '"a\\00005c b\\00000a \\00003c /style\\00003e "'),
    ],
)
def test_a_title_cannot_end_the_running_heads_string(title, css):
    assert css_string(title) == css


def test_each_policy_draws_a_chart_per_indicator(committee, seed_results):
    html = report_html(committee, seed_results)

    for policy in seed_results.policies.all():
        start = html.index(f'id="report-policy-{policy.number}"')
        end = html.find('class="report-policy"', start)
        part = html[start : end if end > 0 else None]
        names = list(policy.indicators.values_list("name", flat=True))
        assert part.count('class="report-indicator-chart"') == len(names)
        for name in names:
            assert f"{escape(name)}の推移(表と同じ値)</title>" in part
