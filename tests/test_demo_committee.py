"""The demo's committee half of the cycle (make run): made-up opinions, the chair's published
意見書 and the city's approved responses for the year before the entry year, flagged デモ用データ
wherever they are shown."""

import io
import logging
import re
from html import unescape

import docx
import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from indicators.models import IndicatorResult
from plans.fiscal_years import default_entry_year
from plans.models import (
    CommitteeOpinion,
    EntryStatus,
    MeasureAssessment,
    OpinionLetter,
    OpinionResponse,
)
from plans.progress.workflow import plan_year_lock
from plans.publication import plan_published_version_bump
from projects.models import ProjectProgress

pytestmark = pytest.mark.django_db

FLAG = "デモ用データ"
LETTER_WARNING = "この意見書と市の対応は動作確認用に作られた架空のものです。"


def run_demo():
    call_command("create_demo_accounts", stdout=io.StringIO())


def client_of(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def page_text(response):
    assert response.status_code == 200
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def demo(settings, okayama_plan):
    settings.DEBUG = True
    run_demo()
    return okayama_plan, default_entry_year(okayama_plan) - 1


def test_running_the_demo_twice_makes_the_cycle_once_through_the_services(
    settings, okayama_plan, caplog, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    caplog.set_level(logging.INFO, logger="portal.audit")
    with django_capture_on_commit_callbacks(execute=True):
        run_demo()
        run_demo()
    year = default_entry_year(okayama_plan) - 1
    assert year == 2024  # the year before the entry year (FY2025 from November 2026)

    opinions = CommitteeOpinion.objects.filter(plan=okayama_plan)
    assert opinions.count() == 3 and set(opinions.values_list("fiscal_year", flat=True)) == {year}
    assert all(opinion.is_demo and opinion.status == "shared" for opinion in opinions)
    assert {opinion.author.username for opinion in opinions} == {"demo-committee", "demo-chair"}
    assert sorted(opinion.subject_label[:4] for opinion in opinions) == sorted(
        ["計画全体", str(okayama_plan.policies.get(number=1))[:4], "成果指標"]
    )
    letter = OpinionLetter.objects.get(plan=okayama_plan)
    assert letter.is_published and letter.is_demo and letter.published_by.username == "demo-chair"
    responses = OpinionResponse.objects.filter(opinion__plan=okayama_plan)
    assert responses.count() == 3
    assert {(r.status, r.is_demo) for r in responses} == {(EntryStatus.APPROVED, True)}
    assert {(r.entered_by.username, r.approved_by.username) for r in responses} == {
        ("demo-admin", "demo-admin-b")
    }
    # History and audit as for real ones: who shared, who published, who approved.
    assert letter.history.first().history_user.username == "demo-chair"
    lines = {
        (r.audit["action"], r.audit["user"]) for r in caplog.records if r.name == "portal.audit"
    }
    assert {
        ("opinion.share", "demo-committee"),
        ("opinion.share", "demo-chair"),
        ("letter.publish", "demo-chair"),
        ("entry.submit", "demo-admin"),
        ("entry.approve", "demo-admin-b"),
    } <= lines


def test_the_demo_leaves_a_year_with_opinions_alone(settings, okayama_plan):
    """A year the committee has begun (here: its 意見書 started) gets no made-up opinions."""
    settings.DEBUG = True
    year = default_entry_year(okayama_plan) - 1
    OpinionLetter.objects.create(plan=okayama_plan, fiscal_year=year)
    run_demo()
    assert not CommitteeOpinion.objects.filter(plan=okayama_plan).exists()


def test_the_committee_page_and_dashboards_flag_the_demo_opinions(demo):
    plan, year = demo
    indicator = CommitteeOpinion.objects.get(plan=plan, indicator__isnull=False).indicator
    committee_page = page_text(
        client_of("demo-committee").get(reverse("plans:committee", args=[plan.code, year]))
    )
    assert "この意見書は動作確認用に作られた架空のものです。" in committee_page
    assert committee_page.count(FLAG) >= 4  # the letter and each of its three items
    staff = client_of("demo-staff-a")
    overview = page_text(staff.get(reverse("plans:overview", args=[plan.code, year])))
    assert "(デモ)計画全体として" in overview
    assert f"計画全体 {FLAG}" in overview
    indicator_page = page_text(
        staff.get(reverse("plans:indicator", args=[plan.code, year, indicator.pk]))
    )
    assert f"成果指標「{indicator.name}」 {FLAG}" in indicator_page


def only_the_opinions_made_up(plan):
    """The demo's results, progress and assessments as if entered for real: what is left
    made up is the committee's cycle."""
    IndicatorResult.objects.update(is_demo=False)
    ProjectProgress.objects.update(is_demo=False)
    MeasureAssessment.objects.update(is_demo=False)
    plan_published_version_bump(plan=plan)


def test_the_print_report_counts_and_flags_the_demo_opinions(demo):
    plan, year = demo
    only_the_opinions_made_up(plan)
    report = page_text(
        client_of("demo-staff-a").get(reverse("plans:report", args=[plan.code, year]))
    )
    assert "動作確認用の架空の値が含まれています" in report  # the cover counts them
    section = report[report.index("委員会の意見と市の対応") :]
    assert LETTER_WARNING in section and section.count(FLAG) >= 4
    assert "(デモ)この指標は目標に届いていない。" in section


def test_the_report_shows_no_flag_without_demo_data(demo):
    plan, year = demo
    only_the_opinions_made_up(plan)
    CommitteeOpinion.objects.update(is_demo=False)
    OpinionLetter.objects.update(is_demo=False)
    OpinionResponse.objects.update(is_demo=False)
    plan_published_version_bump(plan=plan)
    report = page_text(
        client_of("demo-staff-a").get(reverse("plans:report", args=[plan.code, year]))
    )
    assert FLAG not in report and "(デモ)この指標は目標に届いていない。" in report


def test_the_xlsx_carries_the_demo_opinions_flagged(demo):
    plan, year = demo
    download = client_of("demo-staff-a").get(reverse("plans:report_xlsx", args=[plan.code, year]))
    sheet = openpyxl.load_workbook(io.BytesIO(download.content))["委員会の意見"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert FLAG in rows[1][0]
    assert rows[2] == ["番号", "対象", "委員会の意見", "市の対応・対応方針", FLAG]
    assert [row[0] for row in rows[3:]] == [1, 2, 3]
    assert {row[4] for row in rows[3:]} == {"はい"}
    assert all(row[3].startswith("(デモ)意見") for row in rows[3:])


def test_the_word_report_carries_the_demo_opinions_flagged(demo):
    plan, year = demo
    only_the_opinions_made_up(plan)
    download = client_of("demo-staff-a").get(reverse("plans:report_docx", args=[plan.code, year]))
    document = docx.Document(io.BytesIO(download.content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "デモ用データ: 動作確認用の架空の値が含まれています。" in texts  # the cover
    assert f"{FLAG}: {LETTER_WARNING}" in texts
    rows = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]
    assert all(row[1].endswith(f"({FLAG})") for row in rows[1:])


def test_the_public_opinions_page_flags_the_demo_letter(demo):
    plan, year = demo
    admin = get_user_model().objects.get(username="demo-admin")
    plan_year_lock(plan=plan, fiscal_year=year, user=admin)
    page = page_text(Client().get(reverse("plans:public_opinions", args=[plan.code, year])))
    assert LETTER_WARNING in page and page.count(FLAG) >= 4
