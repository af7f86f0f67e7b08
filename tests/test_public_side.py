"""The public side leads somewhere: the plan page links its results, and a visitor sent to the
login page is told why."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_entry_pages import visible_text

pytestmark = pytest.mark.django_db


def test_the_public_plan_page_links_the_open_data_and_the_report(okayama_plan):
    response = Client().get(reverse("plans:plan_detail", args=[okayama_plan.code]))
    html = response.content.decode()
    assert reverse("plans:open_csv", args=[okayama_plan.code]) in html
    assert reverse("plans:open_json", args=[okayama_plan.code]) in html
    assert reverse("plans:report", args=[okayama_plan.code, 2025]) in html
    assert "ログインが必要です" in visible_text(html)
    # The links work: the open data without a login, the report behind it.
    assert Client().get(reverse("plans:open_csv", args=[okayama_plan.code])).status_code == 200


def test_an_anonymous_visit_to_a_dashboard_says_why_it_lands_on_the_login(okayama_plan):
    url = reverse("plans:overview", args=[okayama_plan.code, 2024])
    response = Client().get(url, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    text = visible_text(response.content.decode())
    assert "ログインした市の職員と委員だけが見られます" in text
    assert reverse("plans:plan_list") in response.content.decode()


def test_the_login_page_alone_says_nothing_of_the_kind(db):
    text = visible_text(Client().get(reverse("login")).content.decode())
    assert "だけが見られます" not in text
