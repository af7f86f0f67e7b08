"""Security: production settings, headers, CSRF, sessions, no leaked drafts,
and a permission matrix that covers every URL of the portal."""

import io
import os
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from indicators.models import Indicator, IndicatorResult
from plans.models import CommitteeOpinion, EntryStatus, OpinionLetter, OpinionResponse
from plans.progress.kinds import INDICATORS
from plans.progress.workflow import entry_save
from plans.roles import COMMITTEE_CHAIR, COMMITTEE_MEMBERS
from projects.models import Project
from tests.factories import PASSWORD, UserFactory

YEAR = 2025
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!kq2-production-like-secret-key-for-tests-only-4f9a8d7c6b5e3a1z",
    "ALLOWED_HOSTS": "kyodo.city.example.jp",
}


def manage(*args, env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_with_production_values_prints_no_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.slow
def test_a_missing_secret_key_with_debug_off_stops_the_start_with_a_clear_message():
    result = manage("check", env={"DEBUG": "0", "ALLOWED_HOSTS": "kyodo.city.example.jp"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.fixture
def setup(okayama_plan, personas):
    """Policies 1 and 3 belong to department A (bob), policy 2 to department B (charlie)."""
    for policy in okayama_plan.policies.all():
        department = personas["department_b" if policy.number == 2 else "department_a"]
        Indicator.objects.filter(policy=policy).update(department=department)
        Project.objects.filter(measure_links__measure__policy=policy).update(department=department)
    own = Indicator.objects.get(policy__plan=okayama_plan, name="地域活動への市民の参加割合")
    return {"plan": okayama_plan, "own": own, **personas}


@pytest.fixture
def production(settings):
    """The security settings as they are with DEBUG off (HTTPS_ONLY on)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


def assert_security_headers(response, where):
    headers = response.headers
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    ), where
    policy = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in policy, where
    assert "unsafe-inline" not in policy and "http" not in policy, where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", where


def test_every_kind_of_response_carries_the_security_headers(production, setup):
    client = Client()
    client.force_login(setup["admin"])
    plan = setup["plan"]
    urls = [
        reverse("plans:plan_list"),
        reverse("login"),
        reverse("plans:overview", args=[plan.code, YEAR]),
        reverse("plans:report_xlsx", args=[plan.code, YEAR]),
        reverse("plans:open_csv", args=[plan.code]),
        reverse("plans:entry", args=[plan.code, YEAR, "indicators", setup["own"].pk]),
        reverse("admin:index"),
        reverse("health"),
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url, secure=True)
        assert response.status_code in (200, 404), url
        assert_security_headers(response, url)
    anonymous = Client().get(reverse("plans:my_work"), secure=True)
    assert anonymous.status_code == 302
    assert_security_headers(anonymous, "redirect to login")


def test_plain_http_is_redirected_to_https_except_the_health_check(production, db):
    response = Client().get(reverse("plans:plan_list"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert Client().get(reverse("health")).status_code == 200


def test_login_cookies_are_secure_and_the_session_key_changes_at_login(production, setup):
    """Session fixation: a session id known before login is worthless after it."""
    client = Client()
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie.value != planted.session_key
    assert session_cookie["secure"] and session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"
    assert not SessionStore().exists(planted.session_key)
    # The login ends with the browser (no cookie expiry) and after a working day at most.
    assert not session_cookie["max-age"] and not session_cookie["expires"]
    stored = Session.objects.get(session_key=session_cookie.value)
    hours = (stored.expire_date - timezone.now()).total_seconds() / 3600
    assert 9.9 < hours <= 10
    assert response.cookies["csrftoken"]["secure"]
    assert client.get(reverse("plans:my_work"), secure=True, follow=True).status_code == 200


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(setup):
    client = Client(enforce_csrf_checks=True)
    client.force_login(setup["staff_a"])
    url = reverse("plans:entry", args=[setup["plan"].code, YEAR, "indicators", setup["own"].pk])
    data = {"value": "50", "analysis": "x", "version": "0", "action": "save"}

    refused = client.post(url, data)
    assert refused.status_code == 403
    assert not IndicatorResult.objects.exists()

    token = client.get(url).context["csrf_token"]
    accepted = client.post(url, data | {"csrfmiddlewaretoken": str(token)})
    assert accepted.status_code == 302
    assert IndicatorResult.objects.get().value == Decimal("50")


def test_password_validators_refuse_a_weak_password(setup):
    client = Client()
    client.force_login(setup["staff_a"])
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    setup["staff_a"].refresh_from_db()
    assert setup["staff_a"].check_password(PASSWORD)


def test_every_page_offers_logout_to_a_logged_in_person(setup):
    client = Client()
    client.force_login(setup["committee"])
    plan = setup["plan"]
    for url in (
        reverse("plans:plan_list"),
        reverse("plans:overview", args=[plan.code, YEAR]),
        reverse("plans:indicator", args=[plan.code, YEAR, setup["own"].pk]),
        reverse("plans:my_work"),  # 403 for a committee member, still with the header
    ):
        html = client.get(url).content.decode()
        assert 'action="/accounts/logout/"' in html, url


SECRET = "秘密の下書きです"


def readable(response):
    """The text of a response, including what is inside an .xlsx."""
    content = response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return " ".join(
                archive.read(name).decode("utf-8", "ignore") for name in archive.namelist()
            )
    return content.decode("utf-8", "ignore")


def test_no_page_shows_another_departments_draft_or_submission(setup):
    entry_save(
        kind=INDICATORS,
        target=setup["own"],
        fiscal_year=YEAR,
        user=setup["staff_a"],
        values={"value": Decimal("31.4159"), "not_measured": False, "analysis": SECRET},
        version=0,
    )
    plan = setup["plan"]
    own = setup["own"]
    pages = [
        reverse("plans:plan_list"),
        reverse("plans:plan_detail", args=[plan.code]),
        reverse("plans:overview", args=[plan.code, YEAR]),
        reverse("plans:indicator", args=[plan.code, YEAR, own.pk]),
        reverse("plans:measure", args=[plan.code, YEAR, plan.policies.first().measures.first().pk]),
        reverse("plans:report", args=[plan.code, YEAR]),
        reverse("plans:report_xlsx", args=[plan.code, YEAR]),
        reverse("plans:report_docx", args=[plan.code, YEAR]),
        reverse("plans:open_csv", args=[plan.code]),
        reverse("plans:open_json", args=[plan.code]),
        reverse("plans:my_work_year", args=[plan.code, YEAR]),
        reverse("plans:entry", args=[plan.code, YEAR, "indicators", own.pk]),
        reverse("plans:review", args=[plan.code, YEAR]),
        reverse(
            "plans:fill_in_file",
            args=[plan.code, YEAR, "indicators", setup["department_a"].pk],
        ),
        reverse("plans:fill_in_all", args=[plan.code, YEAR]),
    ]
    for who in ("staff_b", "committee", None):
        client = Client()
        if who:
            client.force_login(setup[who])
        for url in pages:
            response = client.get(url, follow=True)
            text = readable(response)
            assert SECRET not in text and "31.4159" not in text and "31.42" not in text, (who, url)
    # The department itself does see it.
    client = Client()
    client.force_login(setup["staff_a"])
    response = client.get(reverse("plans:entry", args=[plan.code, YEAR, "indicators", own.pk]))
    assert SECRET in response.content.decode()


LOGIN = "login"
# Every URL name of the portal, with what each role gets from a GET (or the given POST).
# admin, staff_a (department A), committee, anonymous.
MATRIX = {
    "health": ("get", (200, 200, 200, 200)),
    "plans:plan_list": ("get", (200, 200, 200, 200)),
    "plans:plan_detail": ("get", (200, 200, 200, 200)),
    "plans:start": ("get", (302, 302, 302, LOGIN)),
    "plans:dashboard": ("get", (302, 302, 302, LOGIN)),
    "plans:overview": ("get", (200, 200, 200, LOGIN)),
    "plans:indicator": ("get", (200, 200, 200, LOGIN)),
    "plans:measure": ("get", (200, 200, 200, LOGIN)),
    "plans:project": ("get", (200, 200, 200, LOGIN)),
    "plans:report": ("get", (200, 200, 200, LOGIN)),
    "plans:report_css": ("get", (200, 200, 200, LOGIN)),
    "plans:report_xlsx": ("get", (200, 200, 200, LOGIN)),
    "plans:report_docx": ("get", (200, 200, 200, LOGIN)),
    "plans:open_csv": ("get", (200, 200, 200, 200)),
    "plans:open_json": ("get", (200, 200, 200, 200)),
    "plans:open_projects_csv": ("get", (200, 200, 200, 200)),
    "plans:open_data_dictionary": ("get", (200, 200, 200, 200)),
    "plans:my_work": ("get", (302, 302, 403, LOGIN)),
    "plans:my_work_year": ("get", (200, 200, 403, LOGIN)),
    "plans:entry": ("get", (200, 200, 403, LOGIN)),
    "plans:entry_withdraw": ("post", (302, 302, 403, LOGIN)),
    "plans:entry_history": ("get", (200, 200, 403, LOGIN)),
    "plans:review_default": ("get", (302, 403, 403, LOGIN)),
    "plans:review": ("get", (200, 403, 403, LOGIN)),
    "plans:entry_approve": ("post", (302, 403, 403, LOGIN)),
    "plans:entry_return": ("post", (302, 403, 403, LOGIN)),
    "plans:approve_plain": ("post", (302, 403, 403, LOGIN)),
    "plans:results_import": ("get", (200, 403, 403, LOGIN)),
    "plans:results_import_errors": ("get", (404, 403, 403, LOGIN)),
    "plans:fill_in_file": ("get", (200, 403, 403, LOGIN)),
    "plans:fill_in_all": ("get", (200, 403, 403, LOGIN)),
    "plans:year_lock": ("post", (302, 403, 403, LOGIN)),
    "plans:year_reopen": ("post", (302, 403, 403, LOGIN)),
    "plans:year_deadline": ("post", (302, 403, 403, LOGIN)),
    "plans:next_plan": ("get", (200, 403, 403, LOGIN)),
    # The committee's pages: everyone who logs in reads the published 意見書; only members
    # write opinions (the committee member's own draft here), only the chair compiles.
    "plans:committee_default": ("get", (302, 302, 302, LOGIN)),
    "plans:committee": ("get", (200, 200, 200, LOGIN)),
    "plans:opinion_new": ("get", (403, 403, 200, LOGIN)),
    "plans:opinion": ("get", (403, 403, 200, LOGIN)),
    "plans:opinion_letter": ("get", (403, 403, 403, LOGIN)),
    # Public once the year's report is published (locked); nothing published here: 404.
    "plans:public_opinions": ("get", (404, 404, 404, 404)),
}
ROLES = ["admin", "staff_a", "committee", None]


def portal_url_names():
    """Every named URL outside the admin and the accounts pages."""
    names = set()
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) == "plans":
            names |= {f"plans:{p.name}" for p in pattern.url_patterns if p.name}
        elif getattr(pattern, "name", None) == "health":
            names.add("health")
    return names


def test_the_matrix_covers_every_url_of_the_portal():
    assert portal_url_names() == set(MATRIX)


def url_for(name, setup):
    plan, own = setup["plan"], setup["own"]
    args = {
        "plans:plan_detail": [plan.code],
        "plans:next_plan": [plan.code],
        "plans:open_csv": [plan.code],
        "plans:open_json": [plan.code],
        "plans:open_projects_csv": [plan.code],
        "plans:indicator": [plan.code, YEAR, own.pk],
        "plans:measure": [plan.code, YEAR, plan.policies.first().measures.first().pk],
        "plans:project": [plan.code, YEAR, Project.objects.filter(plan=plan).first().pk],
        "plans:entry": [plan.code, YEAR, "indicators", own.pk],
        "plans:entry_withdraw": [plan.code, YEAR, "indicators", own.pk],
        "plans:entry_history": [plan.code, YEAR, "indicators", own.pk],
        "plans:entry_approve": [plan.code, YEAR, "indicators", own.pk],
        "plans:entry_return": [plan.code, YEAR, "indicators", own.pk],
        "plans:results_import_errors": [plan.code, YEAR],
        "plans:fill_in_file": [plan.code, YEAR, "indicators", setup["department_a"].pk],
    }
    if name == "plans:opinion":
        draft = CommitteeOpinion.objects.create(
            plan=plan, fiscal_year=YEAR, author=setup["committee"], body="下書き"
        )
        args[name] = [plan.code, YEAR, draft.pk]
    if name in args:
        return reverse(name, args=args[name])
    try:
        return reverse(name, args=[plan.code, YEAR])
    except Exception:
        return reverse(name)


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_permission_matrix_for_every_url(setup, name, role):
    IndicatorResult.objects.create(
        indicator=setup["own"],
        fiscal_year=YEAR,
        value=Decimal("50"),
        analysis="提出",
        status=EntryStatus.SUBMITTED,
        version=1,
        entered_by=setup["staff_a"],
    )
    method, expected_by_role = MATRIX[name]
    expected = expected_by_role[ROLES.index(role)]
    client = Client()
    if role:
        client.force_login(setup[role])
    data = {"version": "1", "reason": "確認してください。", "entry_deadline": "2026-05-31"}
    url = url_for(name, setup)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected


def test_a_committee_colleague_is_refused_the_addresses_he_should_not_use(setup, roles):
    """erin, another member, tries dave's draft, publishing without being chair; the office
    tries to respond before publication; the chair tries to edit the published 意見書."""
    plan = setup["plan"]
    erin = UserFactory(username="erin")
    erin.groups.add(roles[COMMITTEE_MEMBERS])
    chair = UserFactory(username="frank")
    chair.groups.add(roles[COMMITTEE_MEMBERS], roles[COMMITTEE_CHAIR])
    draft = CommitteeOpinion.objects.create(
        plan=plan, fiscal_year=YEAR, author=setup["committee"], body=SECRET
    )
    shared = CommitteeOpinion.objects.create(
        plan=plan, fiscal_year=YEAR, author=setup["committee"], body="共有", status="shared"
    )
    colleague, office, chair_client = Client(), Client(), Client()
    colleague.force_login(erin)
    office.force_login(setup["admin"])
    chair_client.force_login(chair)
    opinion_url = reverse("plans:opinion", args=[plan.code, YEAR, draft.pk])
    letter_url = reverse("plans:opinion_letter", args=[plan.code, YEAR])
    response_url = reverse("plans:entry", args=[plan.code, YEAR, "responses", shared.pk])
    publish = {"version": "0", f"position-{shared.pk}": "1", "action": "publish"}

    assert colleague.get(opinion_url).status_code == 403
    edit = {"subject": "plan", "body": "書き換え", "version": "0", "action": "share"}
    assert colleague.post(opinion_url, edit).status_code == 403
    assert colleague.post(letter_url, publish).status_code == 403
    assert office.get(response_url).status_code == 404  # nothing to respond to yet
    office.post(response_url, {"response": "対応", "version": "0", "action": "submit"})
    assert not OpinionResponse.objects.exists()

    assert chair_client.post(letter_url, publish).status_code == 302
    edited = chair_client.post(letter_url, publish | {"version": "1", "preface": "書き換え"})
    assert "公表済み" in edited.content.decode()
    draft.refresh_from_db()
    assert draft.body == SECRET and draft.status == "draft"
    assert OpinionLetter.objects.get(plan=plan, fiscal_year=YEAR).preface == ""
