"""What the people running the portal rely on: the audit log and the health check."""

import json
import logging
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from indicators.models import Indicator
from okayama_kyodo.logging import JsonFormatter
from plans.progress.kinds import INDICATORS
from plans.progress.workflow import WorkflowError, entry_approve, entry_save, plan_year_lock


@pytest.fixture
def indicator(okayama_plan, personas):
    indicator = Indicator.objects.get(policy__plan=okayama_plan, name="地域活動への市民の参加割合")
    indicator.department = personas["department_a"]
    indicator.save()
    return indicator


def audit_records(caplog):
    return [r.audit for r in caplog.records if r.name == "portal.audit"]


def test_each_workflow_action_is_logged_with_who_what_and_when(
    indicator, personas, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="portal.audit")
    values = {"value": Decimal("48"), "not_measured": False, "analysis": "増加した。"}
    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_save(
            kind=INDICATORS,
            target=indicator,
            fiscal_year=2025,
            user=personas["staff_a"],
            values=values,
            version=0,
            submit=True,
        )
    with django_capture_on_commit_callbacks(execute=True):
        entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    with django_capture_on_commit_callbacks(execute=True):
        plan_year_lock(plan=indicator.policy.plan, fiscal_year=2025, user=personas["admin"])

    records = audit_records(caplog)
    assert [(r["action"], r["user"]) for r in records] == [
        ("entry.submit", "bob"),
        ("entry.approve", "alice"),
        ("year.lock", "alice"),
    ]
    assert records[0] == {
        "action": "entry.submit",
        "user": "bob",
        "user_id": personas["staff_a"].pk,
        "plan": "okayama-kyodo-2021",
        "fiscal_year": 2025,
        "object": "indicators.IndicatorResult",
        "object_id": entry.pk,
        "status": "submitted",
        "version": 1,
    }
    submitted = next(r for r in caplog.records if r.name == "portal.audit")
    assert submitted.created  # when: the record's own time, written by the JSON formatter


def test_a_refused_action_is_not_logged(
    indicator, personas, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="portal.audit")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError):
        entry_save(
            kind=INDICATORS,
            target=indicator,
            fiscal_year=2025,
            user=personas["staff_b"],  # another department
            values={"value": Decimal("1"), "not_measured": False, "analysis": ""},
            version=0,
        )
    assert audit_records(caplog) == []


def test_log_lines_are_json_with_the_time_in_tokyo_and_the_fields():
    record = logging.LogRecord("portal.audit", logging.INFO, __file__, 1, "entry.save", (), None)
    record.audit = {"action": "entry.save", "user": "bob"}
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "entry.save"
    assert line["level"] == "INFO"
    assert line["audit"] == {"action": "entry.save", "user": "bob"}
    assert line["time"].endswith("+09:00")


@pytest.mark.slow
@pytest.mark.parametrize(
    "debug, log_format, expected",
    [("0", None, "json"), ("1", None, "text"), ("1", "json", "json"), ("0", "xml", "LOG_FORMAT")],
)
def test_the_log_is_json_on_a_server_and_plain_text_on_a_laptop(debug, log_format, expected):
    extra = {"LOG_FORMAT": log_format} if log_format else {}
    lines, stderr = without_database(
        "import logging\nprint(logging.getLogger().handlers[0].formatter.__class__.__name__)",
        DEBUG=debug,
        SECRET_KEY="a-log-format-test-key-" + "x" * 40,
        **extra,
    )
    if expected == "LOG_FORMAT":
        assert "LOG_FORMAT は json か text です" in stderr
    else:
        assert lines == ["JsonFormatter" if expected == "json" else "Formatter"], stderr


def test_the_health_check_answers_when_the_database_does(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def without_database(script, **settings_env):
    """Run `script` in a separate process whose database is unreachable (nothing on port 1)."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "okayama_kyodo.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing",
        "LOG_LEVEL": "CRITICAL",
        "ALLOWED_HOSTS": "testserver",
        **settings_env,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip().split("\n"), result.stderr


@pytest.mark.slow
def test_the_health_check_says_503_when_the_database_does_not_answer():
    lines, stderr = without_database(
        "from django.test import Client\n"
        "r = Client().get('/health/')\n"
        "print(r.status_code, r.content.decode())",
        DEBUG="1",
    )
    assert lines == ['503 {"status": "error", "database": "unavailable"}'], stderr


@pytest.mark.slow
def test_pages_say_503_in_japanese_when_the_database_does_not_answer():
    """A PostgreSQL restart: people are told to wait and retry, not shown a server error."""
    lines, stderr = without_database(
        "from django.test import Client\n"
        "c = Client(raise_request_exception=False)\n"
        "for r in (c.get('/plans/okayama-kyodo-2021/'),"
        " c.post('/accounts/login/', {'username': 'a', 'password': 'b'})):\n"
        "    page = r.content.decode()\n"
        "    print(r.status_code, r.get('Retry-After'), '一時的に利用できません' in page)",
        DEBUG="0",
        HTTPS_ONLY="0",
        SECRET_KEY="an-unreachable-database-test-key-" + "x" * 30,
    )
    assert lines == ["503 30 True"] * 2, stderr


@pytest.mark.slow
def test_production_serves_compressed_hashed_static_files(tmp_path):
    """collectstatic, then whitenoise in a DEBUG-off process: hashed names, long cache, gzip."""
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": "a-production-like-secret-key-for-the-static-files-test-0123456789",
        "ALLOWED_HOSTS": "testserver",
        "HTTPS_ONLY": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LOG_LEVEL": "CRITICAL",
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    script = """
import re, django; django.setup()
from django.test import Client
html = Client().get("/accounts/login/").content.decode()
css = re.search(r'href="(/static/css/portal\\.[0-9a-f]{12}\\.css)"', html).group(1)
response = Client().get(css, HTTP_ACCEPT_ENCODING="gzip")
print("|".join([css, str(response.status_code), response["Cache-Control"],
                response.get("Content-Encoding", "")]))
"""
    served = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env | {"DJANGO_SETTINGS_MODULE": "okayama_kyodo.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode == 0, served.stderr
    _css, status, cache_control, encoding = served.stdout.strip().split("|")
    assert (status, encoding) == ("200", "gzip")
    assert "max-age=315360000" in cache_control and "immutable" in cache_control


def test_the_gunicorn_workers_start(tmp_path):
    """The worker hook of okayama_kyodo/gunicorn.conf.py loads what it names (in a process of its
    own: it freezes that process's objects)."""
    hook = (
        "import runpy, gc, django; django.setup(); "
        "runpy.run_path('okayama_kyodo/gunicorn.conf.py')['post_worker_init'](None); "
        "print(gc.get_freeze_count() > 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", hook],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "okayama_kyodo.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"
