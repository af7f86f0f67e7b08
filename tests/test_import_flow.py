"""The upload → preview → confirm flow both imports share (plans.imports): what comes back from
the preview page (the token, the choices, the encoding) is checked again, whichever page."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import IndicatorResult
from plans.models import PendingUpload, PlanYear
from projects.models import Project

YEAR = 2025
PAGES = {
    "projects": {
        "url": lambda plan: reverse("admin:projects_project_import"),
        "choice": "plan",
        "optional": [],
        "good": "事業コード,事業名,基本施策\r\nP-900,新しい協働事業,1-1\r\n",
        "bad": "事業名,基本施策,所管課\r\n新事業,9-9,\r\n",
    },
    "results": {
        "url": lambda plan: reverse("plans:results_import", args=[plan.code, YEAR]),
        "choice": "kind",
        "optional": ["department"],  # whose file it is: left empty here
        "good": "指標名,実績値,測定なし,要因分析\r\nSNSのフォロワー数,1650,,増えた\r\n",
        "bad": "指標名,実績値,測定なし,要因分析\r\nSNSのフォロワー数,約1600,,\r\n",
    },
}


@pytest.fixture
def office(client, personas):
    client.force_login(personas["admin"])
    return client


def preview(office, plan, page, rows="good"):
    choices = {"plan": plan.pk} if page == "projects" else {"kind": "indicators"}
    upload = SimpleUploadedFile("rows.csv", PAGES[page][rows].encode())
    response = office.post(PAGES[page]["url"](plan), {"file": upload, **choices})
    html = response.content.decode()
    assert response.status_code == 200 and "確認(まだ取り込んでいません)" in html
    assert ("この内容で取り込む" in html) == (rows == "good")
    return response


def sent_back(response):
    """The hidden fields of the confirmation form, as the browser sends them."""
    html = response.content.decode()
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def errors_link(response, **changes):
    """The preview's errors link, with some of its query changed as a person could."""
    html = response.content.decode()
    link = urlsplit(re.search(r'href="([^"]*errors\.csv[^"]*)"', html)[1].replace("&amp;", "&"))
    return f"{link.path}?{urlencode(dict(parse_qsl(link.query, keep_blank_values=True)) | changes)}"


def nothing_imported():
    return (
        not Project.objects.filter(code="P-900").exists() and not IndicatorResult.objects.exists()
    )


@pytest.mark.parametrize("page", PAGES)
def test_the_confirmation_carries_the_choice_and_imports(office, okayama_plan, page):
    response = preview(office, okayama_plan, page)
    fields = sent_back(response)
    assert set(fields) == {
        "csrfmiddlewaretoken",
        "token",
        "filename",
        "encoding",
        PAGES[page]["choice"],
        *PAGES[page]["optional"],
    }
    assert all(fields[name] == "" for name in PAGES[page]["optional"])  # never "None"
    answer = office.post(PAGES[page]["url"](okayama_plan), fields | {"confirm": "1"})
    assert answer.status_code == 302
    assert not nothing_imported()
    assert not PendingUpload.objects.exists()  # the kept file goes once imported


@pytest.mark.parametrize("tampered", ["", "999999", "abc", "x\x00"])
@pytest.mark.parametrize("page", PAGES)
def test_a_changed_choice_is_refused_on_confirming_and_on_the_errors_link(
    office, okayama_plan, page, tampered
):
    choice = PAGES[page]["choice"]
    fields = sent_back(preview(office, okayama_plan, page)) | {choice: tampered}
    answer = office.post(PAGES[page]["url"](okayama_plan), fields | {"confirm": "1"})
    assert answer.status_code == 404
    assert nothing_imported()
    assert PendingUpload.objects.filter(token=fields["token"]).exists()  # to confirm properly
    link = errors_link(preview(office, okayama_plan, page, "bad"), **{choice: tampered})
    assert office.get(link).status_code == 404


@pytest.mark.parametrize("tampered", ["999999", "abc", "x\x00"])
def test_a_changed_department_is_refused_on_confirming(office, okayama_plan, tampered):
    fields = sent_back(preview(office, okayama_plan, "results")) | {"department": tampered}
    answer = office.post(PAGES["results"]["url"](okayama_plan), fields | {"confirm": "1"})
    assert answer.status_code == 404
    assert nothing_imported()


@pytest.mark.parametrize("page", PAGES)
def test_a_changed_encoding_is_refused_in_japanese_on_the_errors_link(office, okayama_plan, page):
    response = preview(office, okayama_plan, page, "bad")
    answer = office.get(errors_link(response, encoding="punycode"))
    assert answer.status_code == 302 and answer.url == PAGES[page]["url"](okayama_plan)
    [message] = [str(message) for message in get_messages(answer.wsgi_request)]
    assert "文字コードの指定が正しくありません" in message


def test_a_year_locked_after_the_preview_is_refused_on_the_errors_link(office, okayama_plan):
    response = preview(office, okayama_plan, "results", "bad")
    PlanYear.objects.create(plan=okayama_plan, fiscal_year=YEAR, is_locked=True)
    answer = office.get(errors_link(response))
    assert answer.status_code == 302
    [message] = [str(message) for message in get_messages(answer.wsgi_request)]
    assert "確定" in message
