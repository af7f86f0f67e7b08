"""What department staff, the plan office and others can do on the entry and review pages."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, PlanYear
from plans.progress.kinds import INDICATORS
from plans.progress.workflow import entry_save
from projects.models import Project, ProjectProgress

YEAR = 2024


@pytest.fixture
def setup(okayama_plan, personas):
    """Policies 1 and 3 belong to department A (bob), policy 2 to department B (charlie)."""
    for policy in okayama_plan.policies.all():
        department = personas["department_b" if policy.number == 2 else "department_a"]
        Indicator.objects.filter(policy=policy).update(department=department)
        Project.objects.filter(measure_links__measure__policy=policy).update(department=department)
    own = Indicator.objects.get(name="地域活動への市民の参加割合")
    other = Indicator.objects.get(name="ESD・市民協働推進センターの相談者数")
    IndicatorResult.objects.create(
        indicator=own, fiscal_year=YEAR - 1, value=Decimal("47.1"), status=EntryStatus.APPROVED
    )
    other_result = IndicatorResult.objects.create(
        indicator=other,
        fiscal_year=YEAR,
        value=Decimal("800"),
        status=EntryStatus.SUBMITTED,
        version=1,
    )
    return {
        "plan": okayama_plan,
        "own": own,
        "other": other,
        "other_result": other_result,
        "own_project": Project.objects.get(name="区づくり推進事業"),
        **personas,
    }


def url(name, setup, *args):
    return reverse(name, args=[setup["plan"].code, YEAR, *args])


def entry_url(setup, target, kind="indicators"):
    return url("plans:entry", setup, kind, target.pk)


def visible_text(html):
    """The page's text as a person reads it: no tags, spaces folded."""
    return " ".join(strip_tags(html).split())


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


VALID_POST = {
    "value": "４８．０",
    "not_measured": "",
    "analysis": "参加者が増えた",
    "version": "0",
    "action": "save",
}


def snapshot():
    return sorted(
        IndicatorResult.objects.values_list(
            "indicator_id", "fiscal_year", "status", "value", "version"
        )
    )


# (what, method, url maker, post data) x role -> expected status code.
def requests(setup):
    other = setup["other_result"]
    decision = {"version": str(other.version)}
    return {
        "my work": ("get", url("plans:my_work_year", setup), None),
        "own entry": ("get", entry_url(setup, setup["own"]), None),
        "own project": ("get", entry_url(setup, setup["own_project"], "projects"), None),
        "other's entry": ("get", entry_url(setup, setup["other"]), None),
        "other's history": (
            "get",
            url("plans:entry_history", setup, "indicators", setup["other"].pk),
            None,
        ),
        "save own": ("post", entry_url(setup, setup["own"]), VALID_POST),
        "save other's": ("post", entry_url(setup, setup["other"]), VALID_POST | {"version": "1"}),
        "withdraw other's": (
            "post",
            url("plans:entry_withdraw", setup, "indicators", setup["other"].pk),
            decision,
        ),
        "review": ("get", url("plans:review", setup), None),
        "approve": (
            "post",
            url("plans:entry_approve", setup, "indicators", setup["other"].pk),
            decision,
        ),
        "return": (
            "post",
            url("plans:entry_return", setup, "indicators", setup["other"].pk),
            decision | {"reason": "確認"},
        ),
        "lock": ("post", url("plans:year_lock", setup), {}),
        "deadline": ("post", url("plans:year_deadline", setup), {"entry_deadline": "2025-05-31"}),
    }


LOGIN = "login"
EXPECTED = {
    #                  admin  staff_a  committee  anonymous
    "my work": (200, 200, 403, LOGIN),
    "own entry": (200, 200, 403, LOGIN),
    "own project": (200, 200, 403, LOGIN),
    "other's entry": (200, 403, 403, LOGIN),
    "other's history": (200, 403, 403, LOGIN),
    "save own": (302, 302, 403, LOGIN),
    "save other's": (200, 403, 403, LOGIN),  # admin: refused in the form (submitted)
    "withdraw other's": (302, 403, 403, LOGIN),
    "review": (200, 403, 403, LOGIN),
    "approve": (302, 403, 403, LOGIN),
    "return": (302, 403, 403, LOGIN),
    "lock": (302, 403, 403, LOGIN),
    "deadline": (302, 403, 403, LOGIN),
}
ROLES = ["admin", "staff_a", "committee", None]
CHANGES = {"save own", "withdraw other's", "approve", "return", "lock", "deadline"}


@pytest.mark.django_db
@pytest.mark.parametrize("what", EXPECTED)
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_permission_matrix(setup, what, role):
    method, target, data = requests(setup)[what]
    expected = EXPECTED[what][ROLES.index(role)]
    before = snapshot(), PlanYear.objects.count()
    client = client_for(setup[role] if role else None)

    response = getattr(client, method)(target, data) if data is not None else client.get(target)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected
    if expected in (403, 404, LOGIN) or what not in CHANGES:
        assert (snapshot(), PlanYear.objects.count()) == before


@pytest.mark.django_db
def test_staff_b_cannot_touch_staff_a_items_by_crafted_post(setup):
    client = client_for(setup["staff_b"])
    before = snapshot()
    response = client.post(entry_url(setup, setup["own"]), VALID_POST | {"action": "submit"})
    assert response.status_code == 403
    assert "市民協働企画課が入力する項目です" in response.content.decode()
    response = client.post(
        entry_url(setup, setup["own_project"], "projects"),
        {"activities": "x", "version": "0", "action": "save"},
    )
    assert response.status_code == 403
    assert snapshot() == before
    assert not ProjectProgress.objects.exists()


@pytest.mark.django_db
def test_login_page_is_japanese_and_leads_staff_to_their_work(setup):
    client = Client()
    html = client.get(reverse("login")).content.decode()
    assert "ログイン" in html and "ユーザー名" in html and "パスワード" in html
    setup["staff_a"].set_password("pw-for-test-1")
    setup["staff_a"].save()
    response = client.post(
        reverse("login"), {"username": "bob", "password": "pw-for-test-1"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("plans:my_work"))
    assert "2025年度の入力" in response.content.decode()


@pytest.mark.django_db
def test_committee_member_lands_on_the_dashboard(setup):
    response = client_for(setup["committee"]).get(reverse("plans:start"))
    assert response.url == reverse("plans:dashboard")


@pytest.mark.django_db
def test_my_work_lists_only_the_departments_items_with_status_and_what_is_missing(setup):
    IndicatorResult.objects.create(
        indicator=setup["own"], fiscal_year=YEAR, value=Decimal("48"), status=EntryStatus.DRAFT
    )
    html = client_for(setup["staff_a"]).get(url("plans:my_work_year", setup)).content.decode()
    assert "地域活動への市民の参加割合" in html
    assert "SNSのフォロワー数" in html
    assert "ESD・市民協働推進センターの相談者数" not in html  # department B's
    assert "区づくり推進事業" in html
    assert "フォーラムの開催" not in html
    assert "下書き" in html and "要因分析" in html  # the draft still lacks its analysis
    # Policies 1 and 3: 4 indicators and 17 projects, none submitted yet.
    assert "まだ提出していない項目が <strong>21件</strong>" in html


@pytest.mark.django_db
def test_entry_page_shows_baseline_target_earlier_years_and_progress(setup):
    html = client_for(setup["staff_a"]).get(entry_url(setup, setup["own"])).content.decode()
    assert "45.3%" in html and "50.8%" in html  # baseline and target
    assert "47.1%" in html  # FY2023's approved value
    assert "(47.1 − 45.3) ÷ (50.8 − 45.3) = 33%" in html
    assert "D 遅れ" in html  # 33% where 80% is expected (and C needs 48%)


@pytest.mark.django_db
def test_preview_computes_from_the_typed_full_width_value_without_saving(setup):
    client = client_for(setup["staff_a"])
    response = client.post(entry_url(setup, setup["own"]), VALID_POST | {"action": "preview"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "評価の試算(入力中の値)" in html
    assert "(48.0 − 45.3) ÷ (50.8 − 45.3) = 49%" in html
    assert "C やや遅れ" in html
    assert not IndicatorResult.objects.filter(indicator=setup["own"], fiscal_year=YEAR).exists()


@pytest.mark.django_db
def test_full_width_value_is_saved_normalised(setup):
    client = client_for(setup["staff_a"])
    response = client.post(entry_url(setup, setup["own"]), VALID_POST)
    assert response.status_code == 302
    result = IndicatorResult.objects.get(indicator=setup["own"], fiscal_year=YEAR)
    assert result.value == Decimal("48.0")
    assert result.analysis == "参加者が増えた"
    assert result.entered_by == setup["staff_a"]
    page = client.get(entry_url(setup, setup["own"])).content.decode()
    assert "下書きを保存しました" in page
    assert 'value="48"' in page  # put back into the field as typed digits


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("約50", "数値として読み取れません"),
        ("150", "範囲は 0.0〜100.0% です"),
        ("－1", "範囲は 0.0〜100.0% です"),
        ("45人", "単位"),
        ("12345678901234567890", "18 桁以内"),  # more digits than the database holds
    ],
)
def test_bad_value_is_refused_in_japanese_and_keeps_everything_typed(setup, typed, message):
    client = client_for(setup["staff_a"])
    data = VALID_POST | {"value": typed, "analysis": "長い要因分析の文章。消えてはいけない。"}
    response = client.post(entry_url(setup, setup["own"]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "長い要因分析の文章。消えてはいけない。" in html
    assert f'value="{typed}"' in html
    assert not IndicatorResult.objects.filter(indicator=setup["own"], fiscal_year=YEAR).exists()


@pytest.mark.django_db
def test_project_amounts_are_normalised_and_checked(setup):
    client = client_for(setup["staff_a"])
    target = entry_url(setup, setup["own_project"], "projects")
    data = {
        "activities": "講座を3回開催",
        "grade": "B",
        "outlook": "continue",
        "issues": "",
        "budget_amount": "１，２００千円",
        "settlement_amount": "abc",
        "version": "0",
        "action": "save",
    }
    response = client.post(target, data)
    assert response.status_code == 200
    assert "数値として読み取れません" in response.content.decode()
    assert "講座を3回開催" in response.content.decode()
    response = client.post(target, data | {"settlement_amount": "1,150", "action": "submit"})
    assert response.status_code == 302
    progress = ProjectProgress.objects.get()
    assert (progress.budget_amount, progress.settlement_amount) == (1200, 1150)
    assert progress.status == EntryStatus.SUBMITTED


@pytest.mark.django_db
def test_the_second_of_two_people_editing_is_refused_and_sees_the_other_change(setup):
    target = entry_url(setup, setup["own"])
    first, second = client_for(setup["staff_a"]), client_for(setup["admin"])
    first.post(target, VALID_POST | {"value": "46.0"})
    version = IndicatorResult.objects.get(indicator=setup["own"], fiscal_year=YEAR).version
    # Both open the form on the same version.
    first.post(target, VALID_POST | {"value": "48.5", "version": str(version)})
    response = second.post(
        target, VALID_POST | {"value": "49.9", "analysis": "管理者のメモ", "version": str(version)}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "保存していません" in html
    assert "現在の内容(ほかの人が保存したもの)" in html
    assert "48.5%" in html  # the other change, shown
    assert "管理者のメモ" in html  # what this person typed, kept
    assert IndicatorResult.objects.get(indicator=setup["own"], fiscal_year=YEAR).value == Decimal(
        "48.5"
    )
    # Saving again, knowingly, after seeing the other change.
    retry = second.post(
        target,
        VALID_POST | {"value": "49.9", "analysis": "管理者のメモ", "version": str(version + 1)},
    )
    assert retry.status_code == 302
    assert IndicatorResult.objects.get(indicator=setup["own"], fiscal_year=YEAR).value == Decimal(
        "49.9"
    )


@pytest.mark.django_db
def test_the_entry_page_shows_the_latest_changes_and_the_history_page_every_one(setup, monkeypatch):
    own = setup["own"]
    for number in range(1, 14):
        entry_save(
            kind=INDICATORS, target=own, fiscal_year=YEAR, user=setup["staff_a"],
            values={"value": Decimal(number), "analysis": f"第{number}版"}, version=number - 1,
        )  # fmt: skip
    staff = client_for(setup["staff_a"])
    html = staff.get(entry_url(setup, own)).content.decode()
    history_url = url("plans:entry_history", setup, "indicators", own.pk)
    shown = re.findall(r"実績値: <span[^>]*>[^<]*</span> → ([0-9.]+)", html)
    assert shown == [str(number) for number in range(13, 3, -1)]  # the latest ten, newest first
    assert "最新の10件を表示しています" in html and f'href="{history_url}"' in html

    monkeypatch.setattr("plans.progress.views.entry.HISTORY_PAGE_SIZE", 5)
    pages = [staff.get(history_url, {"page": number}) for number in (1, 2, 3)]
    texts = [visible_text(page.content.decode()) for page in pages]
    assert all(page.status_code == 200 for page in pages)
    assert "全13件(新しい順)。1〜5件目" in texts[0] and "11〜13件目" in texts[2]
    values = [re.findall(r"実績値: (?:\(空欄\)|[0-9.]+) → ([0-9.]+)", text) for text in texts]
    # Each change once; the last of a page is measured against the first of the next.
    assert values == [["13", "12", "11", "10", "9"], ["8", "7", "6", "5", "4"], ["3", "2", "1"]]
    assert texts[2].count("作成") == 1 and "実績値: (空欄) → 1" in texts[2]
    assert staff.get(history_url, {"page": 99}).status_code == 200  # the last page


@pytest.mark.django_db
def test_an_item_never_entered_has_no_history_page(setup):
    response = client_for(setup["staff_a"]).get(
        url("plans:entry_history", setup, "projects", setup["own_project"].pk)
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_deadline_countdown_and_closed_banner(setup):
    client = client_for(setup["staff_a"])
    PlanYear.objects.create(
        plan=setup["plan"],
        fiscal_year=YEAR,
        entry_deadline=timezone.localdate() + timedelta(days=5),
    )
    assert "締切まであと5日" in client.get(url("plans:my_work_year", setup)).content.decode()
    PlanYear.objects.filter(plan=setup["plan"]).update(
        entry_deadline=timezone.localdate() - timedelta(days=1)
    )
    html = client.get(entry_url(setup, setup["own"])).content.decode()
    assert "入力は締め切られました" in html
    assert "<fieldset disabled>" in html
    response = client.post(entry_url(setup, setup["own"]), VALID_POST)
    assert "入力は締め切られました" in response.content.decode()
    assert not IndicatorResult.objects.filter(indicator=setup["own"], fiscal_year=YEAR).exists()


@pytest.mark.django_db
def test_locked_year_shows_why_and_refuses_changes(setup):
    admin = client_for(setup["admin"])
    admin.post(url("plans:year_lock", setup))
    staff = client_for(setup["staff_a"])
    html = staff.get(entry_url(setup, setup["own"])).content.decode()
    assert "確定(ロック)されています" in html
    response = staff.post(entry_url(setup, setup["own"]), VALID_POST)
    assert response.status_code == 200
    assert not IndicatorResult.objects.filter(indicator=setup["own"], fiscal_year=YEAR).exists()
    admin.post(url("plans:year_reopen", setup))
    assert staff.post(entry_url(setup, setup["own"]), VALID_POST).status_code == 302
    review = visible_text(admin.get(url("plans:review", setup)).content.decode())
    assert "確定(ロック): (空欄) → はい" in review and "確定(ロック): はい → いいえ" in review


@pytest.mark.django_db
def test_forms_need_a_csrf_token(setup):
    client = Client(enforce_csrf_checks=True)
    client.force_login(setup["staff_a"])
    assert client.post(entry_url(setup, setup["own"]), VALID_POST).status_code == 403
    assert not IndicatorResult.objects.filter(indicator=setup["own"], fiscal_year=YEAR).exists()
    html = client.get(entry_url(setup, setup["own"])).content.decode()
    assert "csrfmiddlewaretoken" in html


@pytest.mark.django_db
def test_review_page_counts_per_department_and_approves_and_returns(setup):
    admin = client_for(setup["admin"])
    html = admin.get(url("plans:review", setup)).content.decode()
    assert "所管課ごとの入力状況" in html
    assert "地域づくり支援課 提出済 1件" in html
    assert "ESD・市民協働推進センターの相談者数" in html  # listed as submitted

    result = setup["other_result"]
    admin.post(
        url("plans:entry_return", setup, "indicators", setup["other"].pk),
        {"version": result.version, "reason": "年度の途中の値ではありませんか"},
    )
    result.refresh_from_db()
    assert result.status == EntryStatus.RETURNED
    staff_b = client_for(setup["staff_b"])
    html = staff_b.get(entry_url(setup, setup["other"])).content.decode()
    assert "年度の途中の値ではありませんか" in html
    staff_b.post(
        entry_url(setup, setup["other"]),
        {
            "value": "820",
            "analysis": "年度末の値に直しました",
            "version": result.version,
            "action": "submit",
        },
    )
    result.refresh_from_db()
    assert result.status == EntryStatus.SUBMITTED
    admin.post(
        url("plans:entry_approve", setup, "indicators", setup["other"].pk),
        {"version": result.version},
    )
    result.refresh_from_db()
    assert (result.status, result.value, result.approved_by) == (
        EntryStatus.APPROVED,
        Decimal("820"),
        setup["admin"],
    )
    html = visible_text(staff_b.get(entry_url(setup, setup["other"])).content.decode())
    assert "変更履歴" in html and "差戻し → 下書き" not in html
    assert "状態: 提出済 → 承認済" in html
    assert "実績値: 800 → 820" in html


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_items(setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(setup["admin"])
    pages = [url("plans:my_work_year", setup), url("plans:review", setup) + "?status=all"]
    before = []
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        before.append(len(queries))
    for indicator in Indicator.objects.all():
        IndicatorResult.objects.create(indicator=indicator, fiscal_year=YEAR - 2, value=1)
        IndicatorResult.objects.update_or_create(
            indicator=indicator, fiscal_year=YEAR, defaults={"value": 1}
        )
    for project in Project.objects.all():
        ProjectProgress.objects.create(project=project, fiscal_year=YEAR, activities="x")
    after = []
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            client.get(page)
        after.append(len(queries))
    assert after == before


@pytest.mark.django_db
def test_error_pages_are_in_japanese(setup, client):
    client.force_login(setup["committee"])
    response = client.get(reverse("plans:my_work"))
    assert response.status_code == 403
    assert "このページを表示する権限がありません" in response.content.decode()
    assert "入力は所管課の担当者と協働推進課だけが行えます。" in response.content.decode()
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
