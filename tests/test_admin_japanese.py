"""The admin reads as a Japanese application: headings, breadcrumbs, values and links."""

import html as html_text
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator
from plans.models import PlanYear
from tests.factories import IndicatorResultFactory, UserFactory
from tests.test_entry_pages import client_for, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("who", ["admin", "superuser"])
def test_the_admin_headings_and_breadcrumbs_are_japanese(okayama_plan, personas, superuser, who):
    user = superuser if who == "superuser" else personas["admin"]
    html = client_for(user).get(reverse("admin:index")).content.decode()
    headings = re.findall(r"<caption>\s*<a[^>]*>([^<]*)</a>", html)
    assert "成果指標と実績" in headings and "事業と進捗" in headings
    assert not [heading for heading in headings if re.search(r"[A-Za-z]", heading)], headings
    page = client_for(user).get(reverse("admin:indicators_indicator_changelist"))
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', page.content.decode(), re.S)
    crumbs = html_text.unescape(visible_text(crumbs.group(1)))
    assert crumbs == "ホーム › 成果指標と実績 › 成果指標"


def test_values_show_without_trailing_zeros_and_not_measured_without_a_red_cross(
    okayama_plan, personas
):
    indicator = Indicator.objects.get(policy__plan=okayama_plan, name="地域活動への市民の参加割合")
    IndicatorResultFactory(indicator=indicator, fiscal_year=2021, value=Decimal("46.6"))
    IndicatorResultFactory(indicator=indicator, fiscal_year=2022, value=None, not_measured=True)
    client = client_for(personas["admin"])
    listing = client.get(reverse("admin:indicators_indicatorresult_changelist")).content.decode()
    assert "46.6%" in visible_text(listing)
    assert "46.6000" not in listing
    assert "測定なし" in visible_text(listing)
    assert "icon-no.svg" not in listing
    change = client.get(reverse("admin:indicators_indicator_change", args=[indicator.pk]))
    assert "46.6000" not in change.content.decode()
    assert "46.6%" in visible_text(change.content.decode())


def test_the_project_import_page_offers_the_list_and_the_template(okayama_plan, personas):
    html = client_for(personas["admin"]).get(reverse("admin:projects_project_import"))
    html = html.content.decode()
    assert reverse("admin:projects_project_export", args=[okayama_plan.code]) in html
    assert reverse("admin:projects_project_template") in html


@pytest.mark.slow
def test_a_management_command_prints_no_axes_line():
    """`make run` runs several commands; none should start with an AXES INFO line."""
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, check=True
    )
    assert "AXES" not in done.stdout + done.stderr


def test_the_admin_shows_no_value_with_the_portals_one_symbol(okayama_plan, personas):
    PlanYear.objects.create(plan=okayama_plan, fiscal_year=2024)
    html = client_for(personas["admin"]).get(reverse("admin:plans_planyear_changelist"))
    cells = re.findall(r'<td class="field-entry_deadline[^"]*">(.*?)</td>', html.content.decode())
    assert cells == ["−"]
