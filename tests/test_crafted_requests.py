"""Crafted requests get a 404 or a message in Japanese, never a server error (issue 14, #9).

NUL characters matter most on PostgreSQL, which refuses them in a query: run this file there too.
"""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from plans.models import PendingUpload

YEAR = 2025


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def admin_client(okayama_plan, personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas["admin"])
    return client


@pytest.fixture
def token(admin_client):
    """A real pending upload, so that only the crafted part of a request is wrong."""
    return PendingUpload.objects.create(token="a" * 32, data=xlsx_bytes([["事業名"], ["x"]])).token


def results_errors(_plan, **params):
    return reverse("plans:results_import_errors", args=[_plan.code, YEAR]), params


def project_errors(_plan, **params):
    return reverse("admin:projects_project_import_errors"), params


CRAFTED_GETS = {
    "dashboard plan NUL": lambda plan, token: (reverse("plans:dashboard"), {"plan": "\x00"}),
    "dashboard plan unknown": lambda plan, token: (reverse("plans:dashboard"), {"plan": "無い"}),
    "results errors, NUL token": lambda plan, token: results_errors(
        plan, token="\x00", kind="indicators", filename="a.xlsx"
    ),
    "results errors, unknown token": lambda plan, token: results_errors(
        plan, token="nothing-here", kind="indicators", filename="a.xlsx"
    ),
    "results errors, no token": lambda plan, token: results_errors(plan, kind="indicators"),
    "results errors, unknown kind": lambda plan, token: results_errors(
        plan, token=token, kind="budgets", filename="a.xlsx"
    ),
    "results errors, NUL kind": lambda plan, token: results_errors(
        plan, token=token, kind="\x00", filename="a.xlsx"
    ),
    "results errors, odd filename": lambda plan, token: results_errors(
        plan, token=token, kind="indicators", filename="../../etc/passwd\x00.xlsx"
    ),
    "results errors, no filename": lambda plan, token: results_errors(
        plan, token=token, kind="indicators"
    ),
    "results errors, unknown encoding": lambda plan, token: results_errors(
        plan, token=token, kind="indicators", filename="a.csv", encoding="rot13"
    ),
    "results errors, NUL encoding": lambda plan, token: results_errors(
        plan, token=token, kind="indicators", filename="a.csv", encoding="\x00"
    ),
    "project errors, NUL token": lambda plan, token: project_errors(
        plan, token="\x00", plan=plan.pk, filename="a.xlsx"
    ),
    "project errors, plan abc": lambda plan, token: project_errors(
        plan, token=token, plan="abc", filename="a.xlsx"
    ),
    "project errors, unknown encoding": lambda plan, token: project_errors(
        plan, token=token, plan=plan.pk, filename="a.csv", encoding="utf-99"
    ),
}


@pytest.mark.parametrize("crafted", CRAFTED_GETS)
def test_crafted_downloads_and_pages_are_answered_without_a_server_error(
    admin_client, okayama_plan, token, crafted
):
    url, params = CRAFTED_GETS[crafted](okayama_plan, token)
    response = admin_client.get(url, params, follow=True)
    assert response.status_code in (200, 404), response.status_code
    text = response.content.decode()
    assert ("Server Error" not in text and "サーバー" not in text) or response.status_code == 404
    if response.status_code == 200 and response.redirect_chain:
        # Sent back to a page with a message in Japanese.
        assert any(message.message for message in response.context["messages"])


CRAFTED_CONFIRMS = {
    "project confirm, plan abc": lambda plan, token: (
        reverse("admin:projects_project_import"),
        {"confirm": "1", "token": token, "plan": "abc", "filename": "a.xlsx"},
    ),
    "project confirm, NUL plan": lambda plan, token: (
        reverse("admin:projects_project_import"),
        {"confirm": "1", "token": token, "plan": "\x00", "filename": "a.xlsx"},
    ),
    "project confirm, NUL token": lambda plan, token: (
        reverse("admin:projects_project_import"),
        {"confirm": "1", "token": "\x00", "plan": plan.pk, "filename": "a.xlsx"},
    ),
    "results confirm, unknown kind": lambda plan, token: (
        reverse("plans:results_import", args=[plan.code, YEAR]),
        {"confirm": "1", "token": token, "kind": "x", "filename": "a.xlsx"},
    ),
    "results confirm, NUL token": lambda plan, token: (
        reverse("plans:results_import", args=[plan.code, YEAR]),
        {"confirm": "1", "token": "a\x00", "kind": "indicators", "filename": "a.xlsx"},
    ),
    "results confirm, unknown encoding": lambda plan, token: (
        reverse("plans:results_import", args=[plan.code, YEAR]),
        {
            "confirm": "1",
            "token": token,
            "kind": "indicators",
            "filename": "a.csv",
            "encoding": "ebcdic",
        },
    ),
}


@pytest.mark.parametrize("crafted", CRAFTED_CONFIRMS)
def test_crafted_confirmations_write_nothing_and_answer_without_a_server_error(
    admin_client, okayama_plan, token, crafted
):
    url, data = CRAFTED_CONFIRMS[crafted](okayama_plan, token)
    response = admin_client.post(url, data, follow=True)
    assert response.status_code in (200, 404), response.status_code
    assert PendingUpload.objects.filter(token=token).exists()
