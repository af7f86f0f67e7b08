"""A NUL character typed (or pasted) into a field is refused with a message that says so, in the
portal and in the admin (issue 14, finding 13). Django's Japanese translation of that message
reads 「何か文字を入力してください。」 ("type something"), which sends the person looking for an
empty field; the portal's own translation (locale/ja) replaces it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.test import Client
from django.urls import reverse
from django.utils import translation

from indicators.models import Indicator, IndicatorResult
from plans.models import Department

YEAR = 2025
NUL_MESSAGE = "使えない文字(NUL)が含まれています。"
DJANGOS_WRONG_MESSAGE = "何か文字を入力してください。"


@pytest.fixture
def setup(okayama_plan, personas):
    Indicator.objects.filter(policy__plan=okayama_plan).update(department=personas["department_a"])
    own = Indicator.objects.get(policy__plan=okayama_plan, name="地域活動への市民の参加割合")
    return {"plan": okayama_plan, "own": own, **personas}


def test_a_nul_in_the_analysis_is_named_and_nothing_typed_is_lost(setup):
    client = Client()
    client.force_login(setup["staff_a"])
    url = reverse("plans:entry", args=[setup["plan"].code, YEAR, "indicators", setup["own"].pk])
    data = {"value": "４８．０", "analysis": "参加者が\x00増えた", "version": "0", "action": "save"}
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert NUL_MESSAGE in html
    assert DJANGOS_WRONG_MESSAGE not in html
    [error] = response.context["form"].errors["analysis"]
    assert error.startswith(NUL_MESSAGE)
    assert 'value="４８．０"' in html  # what else was typed is still there
    assert not IndicatorResult.objects.exists()


def test_a_nul_in_the_value_is_named_too(setup):
    client = Client()
    client.force_login(setup["staff_a"])
    url = reverse("plans:entry", args=[setup["plan"].code, YEAR, "indicators", setup["own"].pk])
    data = {"value": "48\x00", "analysis": "理由", "version": "0", "action": "save"}
    response = client.post(url, data)
    assert response.context["form"].errors["value"][0].startswith(NUL_MESSAGE)
    assert not IndicatorResult.objects.exists()


def test_a_nul_in_an_admin_form_is_named(setup):
    client = Client()
    client.force_login(setup["admin"])
    response = client.post(reverse("admin:plans_department_add"), {"name": "市民\x00協働推進課"})
    assert response.status_code == 200
    html = response.content.decode()
    assert NUL_MESSAGE in html
    assert DJANGOS_WRONG_MESSAGE not in html
    assert Department.objects.count() == 2  # the two of the personas


def test_a_nul_on_the_login_page_is_named(db):
    response = Client().post(reverse("login"), {"username": "bob\x00", "password": "x"})
    assert response.status_code == 200
    assert NUL_MESSAGE in response.content.decode()


def test_the_compiled_translation_matches_its_source():
    """locale/ja/LC_MESSAGES/django.mo is compiled from django.po (`msgfmt`, or
    `manage.py compilemessages`): a .po changed without compiling would be ignored."""
    source = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    entries = re.findall(r'msgid "(.+)"\nmsgstr "(.+)"', source.read_text(encoding="utf-8"))
    assert entries
    with translation.override("ja"):
        assert dict(entries)["Null characters are not allowed."].startswith(NUL_MESSAGE)
        for english, japanese in entries:
            assert translation.gettext(english) == japanese
        assert str(ProhibitNullCharactersValidator.message).startswith(NUL_MESSAGE)
