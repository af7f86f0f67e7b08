"""Every page each role can reach, the admin's included, at 1280 and 390 px: axe finds nothing,
the portal's pages do not scroll sideways, and chart labels are at least 10 px."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorRevision, IndicatorYearTarget
from plans.models import (
    CommitteeOpinion,
    EntryStatus,
    Measure,
    MeasureAssessment,
    OpinionLetter,
    OpinionResponse,
)
from plans.roles import COMMITTEE_CHAIR
from projects.models import Project, ProjectRevision
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import VIEWPORTS
from tests.browser.helpers import log_in, screenshot
from tests.factories import IndicatorResultFactory, ProjectProgressFactory

pytestmark = pytest.mark.browser

WIDTHS = VIEWPORTS


@pytest.fixture
def year_in_progress(seed_results, journey_plan, personas):
    """2025 under way: a submitted indicator, a returned one, a submitted project, a submitted
    assessment of measure 1-1 (department A's); 2024's assessment of 1-1 approved."""
    indicators = {i.name: i for i in Indicator.objects.filter(policy__plan=journey_plan)}
    IndicatorResultFactory(
        indicator=indicators["地域活動への市民の参加割合"],
        fiscal_year=2025,
        value=Decimal("48.5"),
        analysis="前年度並み。",
        status=EntryStatus.SUBMITTED,
        entered_by=personas["staff_a"],
    )
    IndicatorResultFactory(
        indicator=indicators["SNSのフォロワー数"],
        fiscal_year=2025,
        value=Decimal("1700"),
        analysis="増えた。",
        status=EntryStatus.RETURNED,
        return_reason="出典を書いてください。",
        entered_by=personas["staff_a"],
    )
    project = Project.objects.filter(plan=journey_plan, department=personas["department_a"])[0]
    ProjectProgressFactory(
        project=project,
        fiscal_year=2025,
        grade="B",
        outlook="continue",
        status=EntryStatus.SUBMITTED,
        entered_by=personas["staff_a"],
    )
    measure = Measure.objects.filter(policy__plan=journey_plan).first()
    measure.department = personas["department_a"]
    measure.save()
    for year, status in ((2024, EntryStatus.APPROVED), (2025, EntryStatus.SUBMITTED)):
        MeasureAssessment.objects.create(
            measure=measure,
            fiscal_year=year,
            assessment=f"{year}年度は講座の参加者が増え、おおむね順調だった。",
            direction="若い世代の参加を広げる。",
            status=status,
            entered_by=personas["staff_a"],
        )
    opinions = _committee_year(journey_plan, measure, personas)
    # 計画の見直し: a revised target and a yearly target, and a project ended from 2024.
    decided = {
        "reason": "中間見直し",
        "decided_by": "岡山市協働推進委員会",
        "decided_on": "2024-02-15",
    }
    IndicatorRevision.objects.create(
        indicator=indicators["地域活動への市民の参加割合"],
        from_year=2024,
        target_value=55,
        **decided,
    )
    IndicatorYearTarget.objects.create(
        indicator=indicators["地域活動への市民の参加割合"], fiscal_year=2023, target_value=48
    )
    ended = Project.objects.filter(plan=journey_plan).exclude(pk=project.pk).first()
    ProjectRevision.objects.create(project=ended, kind="ended", from_year=2024, **decided)
    return {
        "plan": journey_plan,
        "indicators": indicators,
        "project": project,
        "measure": measure,
        "opinions": opinions,
        "ended": ended,
    }


def _committee_year(plan, measure, personas):
    """The committee member (dave, also the chair here) wrote on measure 1-1: 2024's opinion is
    in the published 意見書 with an approved response; 2025's is shared, another a draft."""
    dave = personas["committee"]
    dave.groups.add(Group.objects.get(name=COMMITTEE_CHAIR))
    published = CommitteeOpinion.objects.create(
        plan=plan, fiscal_year=2024, author=dave, measure=measure, status="shared",
        body="若い世代の参加を広げる取組を求める。", letter_position=1,
    )  # fmt: skip
    OpinionLetter.objects.create(
        plan=plan, fiscal_year=2024, status="published", published_by=dave,
        published_at=timezone.now(), preface="2024年度の進捗について意見を述べます。",
    )  # fmt: skip
    OpinionResponse.objects.create(
        opinion=published, fiscal_year=2024, response="大学と連携した講座を始める。",
        status=EntryStatus.APPROVED, entered_by=personas["admin"],
    )  # fmt: skip
    shared = CommitteeOpinion.objects.create(
        plan=plan, fiscal_year=2025, author=dave, status="shared", body="計画全体への意見。"
    )
    CommitteeOpinion.objects.create(
        plan=plan, fiscal_year=2025, author=dave, body="まだ下書きの意見。"
    )
    return {"published": published, "shared": shared}


def portal_pages(role, data, personas):
    plan = data["plan"]
    code = plan.code
    own = data["indicators"]["地域活動への市民の参加割合"]
    other = data["indicators"]["ESD・市民協働推進センターの相談者数"]  # department B's
    measure = Measure.objects.filter(policy__plan=plan).first()
    dashboards = {
        "進捗状況": reverse("plans:overview", args=[code, 2025]),
        "進捗状況(2024年度)": reverse("plans:overview", args=[code, 2024]),
        "成果指標の詳細": reverse("plans:indicator", args=[code, 2024, own.pk]),
        "成果指標の詳細(累計)": reverse(
            "plans:indicator",
            args=[code, 2024, data["indicators"]["ESD・市民協働推進センターの相談者数"].pk],
        ),
        "基本施策の詳細": reverse("plans:measure", args=[code, 2024, measure.pk]),
        "事業の詳細": reverse("plans:project", args=[code, 2024, data["project"].pk]),
        "事業の詳細(終了)": reverse("plans:project", args=[code, 2024, data["ended"].pk]),
        "報告書(印刷用)": reverse("plans:report", args=[code, 2024]),
        "委員会の意見(公表済)": reverse("plans:committee", args=[code, 2024]),
        "委員会の意見(取りまとめ中)": reverse("plans:committee", args=[code, 2025]),
    }
    opinions = data["opinions"]
    committee = {
        "意見を書く": reverse("plans:opinion_new", args=[code, 2025]),
        "意見(共有済)": reverse("plans:opinion", args=[code, 2025, opinions["shared"].pk]),
        "意見書の取りまとめ(委員長)": reverse("plans:opinion_letter", args=[code, 2025]),
        "意見書の取りまとめ(公表済)": reverse("plans:opinion_letter", args=[code, 2024]),
    }
    public = {
        "計画の一覧": reverse("plans:plan_list"),
        "計画の内容": reverse("plans:plan_detail", args=[code]),
        "オープンデータのデータ定義": reverse("plans:open_data_dictionary"),
        "見つからないページ(404)": "/no-such-page/",
    }
    entry = {
        "入力(担当一覧)": reverse("plans:my_work_year", args=[code, 2025]),
        "入力(成果指標)": reverse("plans:entry", args=[code, 2025, "indicators", own.pk]),
        "入力(差戻しの成果指標)": reverse(
            "plans:entry",
            args=[code, 2025, "indicators", data["indicators"]["SNSのフォロワー数"].pk],
        ),
        "変更履歴(差戻しの成果指標)": reverse(
            "plans:entry_history",
            args=[code, 2025, "indicators", data["indicators"]["SNSのフォロワー数"].pk],
        ),
        "入力(事業)": reverse("plans:entry", args=[code, 2025, "projects", data["project"].pk]),
        "入力(施策の評価)": reverse(
            "plans:entry", args=[code, 2025, "measures", data["measure"].pk]
        ),
    }
    if role == "anonymous":
        return public | {"ログイン(理由つき)": dashboards["進捗状況"]}
    if role == "committee":
        return public | dashboards | committee | {"権限のないページ(403)": entry["入力(担当一覧)"]}
    if role == "staff_a":
        return (
            public
            | dashboards
            | entry
            | {"他課の項目(403)": reverse("plans:entry", args=[code, 2025, "indicators", other.pk])}
        )
    return (
        public
        | dashboards
        | entry
        | {
            "確認・承認": reverse("plans:review", args=[code, 2025]),
            "確認・承認(すべて)": reverse("plans:review", args=[code, 2025]) + "?status=all",
            "実績の取込": reverse("plans:results_import", args=[code, 2025]),
            "入力(市の対応)": reverse(
                "plans:entry", args=[code, 2024, "responses", opinions["published"].pk]
            ),
        }
    )


def admin_pages(personas):
    """Every list and one change page of each model the plan office sees in the admin."""
    pages = {"管理画面トップ": reverse("admin:index")}
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in {"plans", "indicators", "projects", "auth"}:
            continue
        if opts.model_name == "group":
            continue  # a superuser's page
        base = f"admin:{opts.app_label}_{opts.model_name}"
        pages[f"管理画面・{opts.verbose_name}一覧"] = reverse(f"{base}_changelist")
        obj = personas["staff_a"] if opts.model_name == "user" else model.objects.first()
        if obj is not None:
            pages[f"管理画面・{opts.verbose_name}の変更"] = reverse(f"{base}_change", args=[obj.pk])
    pages["管理画面・事業一覧の取込"] = reverse("admin:projects_project_import")
    return pages


def open_context(browser, live_server, width):
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo", viewport=WIDTHS[width]
    )
    context.set_default_timeout(15_000)
    return context


def check_pages(page, pages, prefix):
    """axe, no sideways scrolling and readable chart labels (assert_accessible) on each page."""
    for name, url in pages.items():
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, f"{prefix}・{name}")
        if page.viewport_size["width"] < 1280 and "/admin/" not in page.url:
            screenshot(page, f"phone-{prefix}・{name}")  # for a person to look at


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ["anonymous", "committee", "staff_a", "admin"])
def test_every_page_a_role_reaches_is_accessible_and_fits_the_screen(
    browser, live_server, year_in_progress, personas, role, width
):
    context = open_context(browser, live_server, width)
    page = context.new_page()
    try:
        if role != "anonymous":
            log_in(page, personas[role])
        check_pages(page, portal_pages(role, year_in_progress, personas), f"{role}-{width}")
        if role == "admin":
            # The admin is Django's own layout: checked with axe at both widths.
            check_pages(page, admin_pages(personas), f"{role}-{width}")
    finally:
        context.close()


WORD_LINES = """(word) => {
  const node = [...document.querySelector("#site-name").querySelectorAll("*")]
    .concat([document.querySelector("#site-name")])
    .flatMap((element) => [...element.childNodes])
    .find((child) => child.nodeType === Node.TEXT_NODE && child.textContent.includes(word));
  const range = document.createRange();
  const start = node.textContent.indexOf(word);
  range.setStart(node, start);
  range.setEnd(node, start + word.length);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_admin_login_title_breaks_only_between_words(browser, live_server, db, width):
    context = open_context(browser, live_server, width)
    page = context.new_page()
    try:
        page.goto(reverse("admin:login"))
        for word in ("協働推進計画", "進捗管理ポータル", "管理画面"):
            assert page.evaluate(WORD_LINES, word) == 1, f"「{word}」が行をまたいでいる"
        assert_accessible(page, f"管理画面ログイン-{width}")
    finally:
        context.close()
