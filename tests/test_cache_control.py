"""Nothing behind the login is kept by a browser or a proxy: every page and file a logged-in
person receives, and every answer of a page that needs a login, says `Cache-Control: private,
no-store` (issue 14, finding 12). The published pages seen by a visitor keep their own caching."""

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, Plan
from projects.models import Project
from tests.factories import PASSWORD
from tests.test_security import MATRIX, url_for

# Walks every URL of the portal and the admin as three people: outside `make test-fast`.
pytestmark = pytest.mark.slow

YEAR = 2025
# Published on purpose, the same for everyone: a visitor's copy may be kept.
PUBLIC = {
    "plans:plan_list",
    "plans:plan_detail",
    "plans:open_csv",
    "plans:open_projects_csv",
    "plans:open_json",
    "plans:open_data_dictionary",
}


@pytest.fixture
def setup(okayama_plan, personas):
    department = personas["department_a"]
    Indicator.objects.filter(policy__plan=okayama_plan).update(department=department)
    Project.objects.filter(plan=okayama_plan).update(department=department)
    own = Indicator.objects.get(policy__plan=okayama_plan, name="地域活動への市民の参加割合")
    IndicatorResult.objects.create(
        indicator=own,
        fiscal_year=YEAR,
        value=Decimal("50"),
        analysis="提出",
        status=EntryStatus.SUBMITTED,
        version=1,
        entered_by=personas["staff_a"],
    )
    return {"plan": okayama_plan, "own": own, **personas}


def every_url_pattern(patterns=None, pieces=(), model=None):
    """(view name, pieces of its route, the admin's model) for every URL pattern there is."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = (*pieces, pattern)
        if isinstance(pattern, URLResolver):
            found = re.fullmatch(r"(\w+)/(\w+)/", str(pattern.pattern))
            inner = model
            if found and found[1] in apps.app_configs:
                inner = apps.get_model(found[1], found[2])
            yield from every_url_pattern(pattern.url_patterns, here, inner)
        else:
            namespace = ":".join(p.namespace for p in pieces if getattr(p, "namespace", None))
            name = pattern.name or pattern.lookup_str
            yield f"{namespace}:{name}" if namespace else name, here, model


def route_of(pieces):
    return "".join(str(piece.pattern).removeprefix("^") for piece in pieces)


def admin_values(setup, model):
    """What the admin's URL parameters stand for: an existing object where there is one."""
    instance = model.objects.order_by("pk").first() if model else None
    object_id = instance.pk if instance else 999999
    history_id = 999999
    if instance is not None and hasattr(instance, "history"):
        history_id = instance.history.order_by("history_id").first().history_id
    return {
        "code": setup["plan"].code,
        "year": YEAR,
        "kind": "indicators",
        "pk": setup["own"].pk,
        "object_id": object_id,
        "id": setup["staff_a"].pk,
        "content_type_id": ContentType.objects.get_for_model(Plan).pk,
        "app_label": "plans",
        "url": "no-such-page/",
        "token": "no-such-token",
        "plan_code": setup["plan"].code,
        "positional": [object_id, history_id],
    }


def fill(pieces, values):
    """The route with its parameters filled in (1 where `values` has none): a real path."""
    path = ""
    positional = iter(values["positional"])
    for piece in pieces:
        text = str(piece.pattern)
        if isinstance(piece.pattern, RegexPattern):
            text = text.removeprefix("^").removesuffix("$")
            text = re.sub(r"\(\?P<(\w+)>[^()]*\)", lambda m: str(values.get(m[1], 1)), text)
            text = re.sub(r"\([^()]*\)", lambda m: str(next(positional)), text)
        else:
            text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m[1], 1)), text)
        path += text
    return "/" + path


def requests_for_every_url(setup):
    """(what, method, path, data) for every URL pattern; the portal's as in the permission
    matrix (the POST-only actions posted), everything else asked for with GET."""
    data = {"version": "1", "reason": "確認してください。", "entry_deadline": "2026-05-31"}
    for name, pieces, model in every_url_pattern():
        if name in MATRIX:
            method = MATRIX[name][0]
            yield name, method, url_for(name, setup), data if method == "post" else None
            continue
        path = fill(pieces, admin_values(setup, model))
        assert resolve(path).route == route_of(pieces), (name, path)
        yield name, "get", path, None


def assert_not_stored(response, where):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, (where, response.get("Cache-Control"))


def test_the_walk_reaches_every_kind_of_url(setup):
    names = {name for name, *_ in requests_for_every_url(setup)}
    assert set(MATRIX) <= names
    for name in ("admin:index", "admin:plans_plan_change", "admin:projects_project_export"):
        assert name in names
    assert {"login", "logout", "password_change", "password_change_done"} <= names


@pytest.mark.parametrize("role", ["admin", "staff_a"])
def test_every_answer_to_a_logged_in_person_is_private_and_not_stored(setup, role):
    client = Client()
    client.force_login(setup[role])
    seen = 0
    for name, method, path, data in requests_for_every_url(setup):
        if name in ("admin:logout", "logout"):
            continue  # asked for last, below: it ends the session
        response = client.post(path, data) if method == "post" else client.get(path)
        assert response.status_code < 500, (name, path)
        assert_not_stored(response, (name, path, response.status_code))
        seen += 1
    assert seen > 100
    assert_not_stored(client.post(reverse("logout")), "logout")


def test_every_answer_behind_the_login_is_not_stored_for_a_visitor_either(setup):
    """The login page (it carries a CSRF token), the redirects to it, the admin's login."""
    client = Client()
    for name, method, path, data in requests_for_every_url(setup):
        response = client.post(path, data) if method == "post" else client.get(path)
        assert response.status_code < 500, (name, path)
        if name in PUBLIC:
            assert response.status_code == 200, name
            assert "no-store" not in response.get("Cache-Control", ""), name
        else:
            assert_not_stored(response, (name, path, response.status_code))


def test_the_login_itself_and_the_page_after_it_are_not_stored(setup):
    client = Client()
    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert_not_stored(response, "login")
    landing = client.get(response.url, follow=True)
    assert_not_stored(landing, "landing")
    # A published page is private too once the person is logged in: it shows their name.
    page = client.get(reverse("plans:plan_list"))
    assert "bob" in page.content.decode()
    assert_not_stored(page, "plan list while logged in")


def test_downloads_behind_the_login_are_not_stored(setup):
    client = Client()
    client.force_login(setup["admin"])
    plan = setup["plan"]
    for url in (
        reverse("plans:report_xlsx", args=[plan.code, YEAR]),
        reverse("plans:report_docx", args=[plan.code, YEAR]),
        reverse(
            "plans:fill_in_file",
            args=[plan.code, YEAR, "indicators", setup["department_a"].pk],
        ),
        reverse("plans:fill_in_all", args=[plan.code, YEAR]),
        reverse("admin:projects_project_export", args=[plan.code]),
        reverse("admin:projects_project_template"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "attachment" in response["Content-Disposition"], url
        assert_not_stored(response, url)
