"""The overview's tables and the print report's body, rendered by Jinja2 (jinja_templates/),
read as Django's templates write: the same escaping, line breaks and marks for what is missing."""

from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from projects.models import Project, ProjectProgress

YEAR = 2024
PROJECT = '<img src=x onerror="alert(2)">O\'Brien事業'
INDICATOR = "\"引用\" & 'x' <b>指標</b>"


def pages(plan, user):
    client = Client()
    client.force_login(user)
    return {
        name: client.get(reverse(f"plans:{name}", args=[plan.code, YEAR])).content.decode()
        for name in ("overview", "report")
    }


def test_names_are_escaped_with_djangos_entities(seed_results, personas):
    plan = seed_results
    plan.title = "A&B \"協働\" 'plan'"
    plan.save()
    Indicator.objects.filter(policy__plan=plan, name="SNSのフォロワー数").update(name=INDICATOR)
    Project.objects.filter(plan=plan, name="市民協働推進事業").update(name=PROJECT)

    for name, html in pages(plan, personas["committee"]).items():
        assert escape(PROJECT) in html, name  # &lt;img ... &quot;alert(2)&quot;&gt;O&#x27;Brien
        assert escape(INDICATOR) in html, name
        assert "&#34;" not in html and "&#39;" not in html, name  # Jinja2's own entities
        assert PROJECT not in html and "<b>指標</b>" not in html, name
    assert escape(plan.title) in pages(plan, personas["committee"])["report"]


def test_the_report_shows_line_breaks_and_dashes_for_what_is_missing(seed_results, personas):
    plan = seed_results
    project = Project.objects.get(plan=plan, name="市民協働推進事業")
    Project.objects.filter(pk=project.pk).update(department=None)
    ProjectProgress.objects.create(
        project=project,
        fiscal_year=YEAR,
        activities="講座を開催した\r\n<b>参加者</b> 40人",
        issues="",
        grade="B",
        outlook="expand",
        budget_amount=1234567,
        settlement_amount=None,
        status=EntryStatus.APPROVED,
    )
    IndicatorResult.objects.filter(
        indicator__policy__plan=plan, indicator__name="地域活動への市民の参加割合", fiscal_year=YEAR
    ).update(analysis="地域行事が & 再開")

    html = pages(plan, personas["committee"])
    report, overview = html["report"], html["overview"]
    assert "<td>講座を開催した<br>&lt;b&gt;参加者&lt;/b&gt; 40人</td>" in report
    amounts = '<span class="figure">1,234,567</span> / <span class="figure">−</span>'
    assert amounts in report  # never "None"
    assert "None" not in report and "None" not in overview
    assert "(要因分析):</strong> 地域行事が &amp; 再開</p>" in report
    assert '<td><span class="term">拡充</span></td>' in report and "<td>拡充</td>" in overview
    assert "<td>未設定</td>" in overview  # a project without a department
