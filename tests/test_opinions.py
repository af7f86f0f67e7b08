"""The committee's opinions, the chair's 意見書 and the city's responses (issue 16).

Members write opinions (drafts, then shared with the committee); the chair (委員長) compiles
them into the year's 意見書 and publishes it; the plan office writes the city's response to
each item, the fourth kind of yearly entry, approved by another administrator. Who sees what,
the history, the published version and the report, the .xlsx and the dashboards.
"""

import io
import logging
import re
from html import unescape

import docx
import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator
from plans.models import (
    CommitteeOpinion,
    EntryStatus,
    Measure,
    OpinionLetter,
    OpinionResponse,
)
from plans.progress.entries import year_items
from plans.progress.kinds import RESPONSES
from plans.progress.opinions import SUBJECT_FIELDS, LetterItem, letter_save, opinion_save
from plans.progress.workflow import (
    WorkflowError,
    entry_approve,
    entry_return,
    entry_save,
    plan_year_lock,
    plan_year_reopen,
)
from plans.publication import plan_published_version
from plans.roles import ADMINISTRATORS, COMMITTEE_CHAIR, COMMITTEE_MEMBERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YEAR = 2024
SECRET_DRAFT = "まだ誰にも見せていない下書きの意見"
SHARED = "若者の参加割合が伸びていない。大学と連携した取組を求める。"
ON_PLAN = "計画全体として、指標の説明を市民に分かりやすく示すべきである。"
RESPONSE = "令和7年度から大学と連携した講座を始める。"


@pytest.fixture
def committee(personas, roles):
    """dave (a member, from personas), erin (another member) and frank (the chair, also a
    member); gina a second plan administrator, for the four eyes."""
    erin = UserFactory(username="erin")
    erin.groups.add(roles[COMMITTEE_MEMBERS])
    frank = UserFactory(username="frank", first_name="", last_name="委員長")
    frank.groups.add(roles[COMMITTEE_MEMBERS], roles[COMMITTEE_CHAIR])
    gina = UserFactory(username="gina", is_staff=True)
    gina.groups.add(roles[ADMINISTRATORS])
    return personas | {"member": personas["committee"], "erin": erin, "chair": frank, "gina": gina}


@pytest.fixture
def subjects(okayama_plan):
    indicator = Indicator.objects.get(
        policy__plan=okayama_plan, name="若者(20歳代)の地域活動への参加割合"
    )
    measure = Measure.objects.filter(policy__plan=okayama_plan).first()
    return {"plan": okayama_plan, "indicator": indicator, "measure": measure}


def write(user, plan, subject=None, body=SHARED, share=True, opinion=None):
    return opinion_save(
        plan=plan,
        fiscal_year=YEAR,
        user=user,
        opinion=opinion,
        subject=subject,
        body=body,
        version=opinion.version if opinion else 0,
        share=share,
    )


def compile_letter(
    chair, plan, items, publish=False, preface="令和6年度の進捗について意見を述べる。"
):
    letter = OpinionLetter.objects.filter(plan=plan, fiscal_year=YEAR).first()
    return letter_save(
        plan=plan,
        fiscal_year=YEAR,
        user=chair,
        preface=preface,
        items=items,
        version=letter.version if letter else 0,
        publish=publish,
    )


@pytest.fixture
def published(committee, subjects):
    """dave's opinion on the indicator and erin's on the plan, shared; erin's second one merged
    into dave's; the chair publishes the 意見書 with dave's reworded as item 1."""
    plan = subjects["plan"]
    on_indicator = write(committee["member"], plan, subjects["indicator"])
    on_plan = write(committee["erin"], plan, None, ON_PLAN)
    merged = write(committee["erin"], plan, subjects["indicator"], "大学との連携を。")
    compile_letter(
        committee["chair"],
        plan,
        [
            LetterItem(on_indicator.pk, 1, SHARED + "(委員長整理)", None),
            LetterItem(on_plan.pk, 2, "", None),
            LetterItem(merged.pk, None, "", on_indicator.pk),
        ],
        publish=True,
    )
    return {"on_indicator": on_indicator, "on_plan": on_plan, "merged": merged, "plan": plan}


def respond(office, opinion, submit=True, response=RESPONSE):
    current = OpinionResponse.objects.filter(opinion=opinion).first()
    return entry_save(
        kind=RESPONSES,
        target=opinion,
        fiscal_year=YEAR,
        user=office,
        values={"response": response},
        version=current.version if current else 0,
        submit=submit,
    )


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def page_text(response):
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def committee_url(plan, name="plans:committee", *args):
    return reverse(name, args=[plan.code, YEAR, *args])


# --- members write and share ------------------------------------------------------------------


def test_a_draft_is_the_authors_own_until_shared(committee, subjects):
    plan = subjects["plan"]
    draft = write(committee["member"], plan, subjects["measure"], SECRET_DRAFT, share=False)
    other = client_of(committee["erin"])

    assert SECRET_DRAFT not in page_text(other.get(committee_url(plan)))
    refused = other.get(committee_url(plan, "plans:opinion", draft.pk))
    assert refused.status_code == 403
    assert "ほかの委員の下書き" in page_text(refused)
    assert SECRET_DRAFT in page_text(client_of(committee["member"]).get(committee_url(plan)))

    write(committee["member"], plan, subjects["measure"], SECRET_DRAFT, opinion=draft)
    assert SECRET_DRAFT in page_text(other.get(committee_url(plan)))
    shown = other.get(committee_url(plan, "plans:opinion", draft.pk))
    assert shown.status_code == 200 and SECRET_DRAFT in page_text(shown)
    assert 'name="body"' not in shown.content.decode()  # read-only to a colleague


def test_a_member_writes_and_shares_on_the_page(committee, subjects):
    plan = subjects["plan"]
    client = client_of(committee["member"])
    response = client.post(
        committee_url(plan, "plans:opinion_new"),
        {"subject": f"indicator-{subjects['indicator'].pk}", "body": SHARED, "version": "0"},
    )
    opinion = CommitteeOpinion.objects.get(plan=plan, body=SHARED)
    assert response.url == committee_url(plan, "plans:opinion", opinion.pk)
    assert opinion.status == CommitteeOpinion.Status.DRAFT
    assert opinion.indicator == subjects["indicator"] and opinion.author == committee["member"]

    client.post(
        committee_url(plan, "plans:opinion", opinion.pk),
        {"subject": "plan", "body": SHARED, "version": "1", "action": "share"},
    )
    opinion.refresh_from_db()
    assert opinion.status == CommitteeOpinion.Status.SHARED and opinion.subject is None


def test_an_empty_opinion_is_refused_keeping_the_subject(committee, subjects):
    plan = subjects["plan"]
    response = client_of(committee["member"]).post(
        committee_url(plan, "plans:opinion_new"),
        {"subject": f"measure-{subjects['measure'].pk}", "body": "  ", "version": "0"},
    )
    assert response.status_code == 200
    assert "意見を入力してください。" in page_text(response)
    assert f'value="measure-{subjects["measure"].pk}" selected' in response.content.decode()
    assert not CommitteeOpinion.objects.exists()


def test_a_member_cannot_change_another_members_opinion(committee, subjects):
    plan = subjects["plan"]
    opinion = write(committee["member"], plan)
    response = client_of(committee["erin"]).post(
        committee_url(plan, "plans:opinion", opinion.pk),
        {"subject": "plan", "body": "書き換え", "version": str(opinion.version)},
    )
    assert response.status_code == 403
    with pytest.raises(WorkflowError, match="ほかの委員の意見"):
        write(committee["erin"], plan, body="書き換え", opinion=opinion)
    opinion.refresh_from_db()
    assert opinion.body == SHARED


def test_a_subject_of_another_plan_is_refused(committee, subjects):
    from tests.factories import BasicPolicyFactory, PlanFactory

    other_policy = BasicPolicyFactory(plan=PlanFactory())
    with pytest.raises(WorkflowError, match="この計画の"):
        write(committee["member"], subjects["plan"], other_policy)


def test_staff_office_and_visitors_cannot_write_opinions(committee, subjects):
    plan = subjects["plan"]
    for who in ("admin", "staff_a"):
        assert client_of(committee[who]).get(committee_url(plan, "plans:opinion_new")).status_code
        with pytest.raises(Exception, match="協働推進委員だけ"):
            write(committee[who], plan)
    anonymous = Client().get(committee_url(plan, "plans:opinion_new"))
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))


# --- the chair compiles and publishes ----------------------------------------------------------


def test_the_chair_orders_merges_rewords_and_publishes(published, committee):
    plan = published["plan"]
    letter = OpinionLetter.objects.get(plan=plan, fiscal_year=YEAR)
    assert letter.is_published and letter.published_by == committee["chair"]
    items = list(CommitteeOpinion.objects.for_year(plan, YEAR).in_letter())
    assert items == [published["on_indicator"], published["on_plan"]]
    assert items[0].letter_wording == SHARED + "(委員長整理)"
    assert items[1].letter_wording == ON_PLAN  # left as the member wrote it
    merged = CommitteeOpinion.objects.get(pk=published["merged"].pk)
    assert merged.merged_into_id == published["on_indicator"].pk


def test_the_chair_compiles_on_the_page(committee, subjects):
    plan = subjects["plan"]
    first = write(committee["member"], plan, subjects["indicator"])
    second = write(committee["erin"], plan, None, ON_PLAN)
    chair = client_of(committee["chair"])
    page = chair.get(committee_url(plan, "plans:opinion_letter"))
    assert page.status_code == 200 and SHARED in page_text(page)

    response = chair.post(
        committee_url(plan, "plans:opinion_letter"),
        {
            "version": "0",
            "preface": "前文です。",
            f"position-{first.pk}": "２",  # full-width, as typed on a Japanese keyboard
            f"text-{first.pk}": SHARED,
            f"position-{second.pk}": "1",
            f"text-{second.pk}": "計画全体への意見(整理)",
            "action": "publish",
        },
    )
    assert response.status_code == 302
    assert [o.pk for o in CommitteeOpinion.objects.for_year(plan, YEAR).in_letter()] == [
        second.pk,
        first.pk,
    ]
    assert OpinionLetter.objects.get(plan=plan, fiscal_year=YEAR).preface == "前文です。"


def test_a_wrong_position_is_explained_keeping_what_was_typed(committee, subjects):
    plan = subjects["plan"]
    opinion = write(committee["member"], plan)
    response = client_of(committee["chair"]).post(
        committee_url(plan, "plans:opinion_letter"),
        {
            "version": "0",
            "preface": "残るはずの前文",
            f"position-{opinion.pk}": "一番",
            f"text-{opinion.pk}": "整えた文言",
            "action": "publish",
        },
    )
    text = page_text(response)
    assert "順番は1以上の数字で入力してください" in text
    assert (
        "残るはずの前文" in text
        and "整えた文言" in text
        and 'value="一番"' in unescape(response.content.decode())
    )
    assert not OpinionLetter.objects.exists()


def test_a_member_who_is_not_chair_cannot_compile_or_publish(committee, subjects):
    plan = subjects["plan"]
    opinion = write(committee["member"], plan)
    for who in ("member", "admin", "staff_a"):
        client = client_of(committee[who])
        assert client.get(committee_url(plan, "plans:opinion_letter")).status_code == 403
        response = client.post(
            committee_url(plan, "plans:opinion_letter"),
            {"version": "0", f"position-{opinion.pk}": "1", "action": "publish"},
        )
        assert response.status_code == 403
    with pytest.raises(Exception, match="委員長だけ"):
        compile_letter(committee["member"], plan, [LetterItem(opinion.pk, 1, "", None)], True)
    assert not OpinionLetter.objects.exists()
    opinion.refresh_from_db()
    assert opinion.letter_position is None


def test_nothing_to_publish_and_bad_merges_are_refused(committee, subjects):
    plan = subjects["plan"]
    one = write(committee["member"], plan)
    two = write(committee["erin"], plan, body=ON_PLAN)
    chair = committee["chair"]
    with pytest.raises(WorkflowError, match="載せる意見がありません"):
        compile_letter(chair, plan, [LetterItem(one.pk, None, "", None)], publish=True)
    with pytest.raises(WorkflowError, match="順番を入れてください"):
        compile_letter(
            chair, plan, [LetterItem(one.pk, None, "", two.pk), LetterItem(two.pk, None, "", None)]
        )
    with pytest.raises(WorkflowError, match="その意見自身"):
        compile_letter(chair, plan, [LetterItem(one.pk, 1, "", one.pk)])
    assert not OpinionLetter.objects.exists()


def test_a_published_letter_and_its_opinions_no_longer_change(published, committee):
    plan = published["plan"]
    with pytest.raises(WorkflowError, match="公表済み"):
        compile_letter(committee["chair"], plan, [], preface="書き換え")
    with pytest.raises(WorkflowError, match="公表済み"):
        write(committee["member"], plan, body="後から", opinion=published["on_indicator"])
    with pytest.raises(WorkflowError, match="公表済み"):
        write(committee["erin"], plan, body="新しい意見")
    response = client_of(committee["chair"]).post(
        committee_url(plan, "plans:opinion_letter"),
        {"version": "1", "preface": "書き換え", "action": "save"},
    )
    assert "公表済み" in page_text(response)
    assert OpinionLetter.objects.get(plan=plan, fiscal_year=YEAR).preface != "書き換え"


def test_a_locked_year_refuses_opinions_until_reopened(committee, subjects):
    plan = subjects["plan"]
    plan_year_lock(plan=plan, fiscal_year=YEAR, user=committee["admin"])
    with pytest.raises(WorkflowError, match="確定"):
        write(committee["member"], plan)
    plan_year_reopen(plan=plan, fiscal_year=YEAR, user=committee["admin"])
    assert write(committee["member"], plan).pk


# --- the city's response: the fourth kind of entry ---------------------------------------------


def test_no_response_before_the_letter_is_published(committee, subjects):
    plan = subjects["plan"]
    opinion = write(committee["member"], plan)
    compile_letter(committee["chair"], plan, [LetterItem(opinion.pk, 1, "", None)])
    with pytest.raises(WorkflowError, match="意見書が公表されるまで"):
        respond(committee["admin"], opinion)
    office = client_of(committee["admin"])
    page = office.get(reverse("plans:entry", args=[plan.code, YEAR, "responses", opinion.pk]))
    assert page.status_code == 404
    assert not [item for item in year_items(plan, YEAR) if item.kind is RESPONSES]
    assert not OpinionResponse.objects.exists()


def test_the_office_responds_and_another_administrator_approves(published, committee):
    plan, opinion = published["plan"], published["on_indicator"]
    response = respond(committee["admin"], opinion)
    assert response.status == EntryStatus.SUBMITTED
    with pytest.raises(WorkflowError, match="自分で入力"):
        entry_approve(entry=response, user=committee["admin"], version=response.version)
    before = plan_published_version(plan).version
    approved = entry_approve(entry=response, user=committee["gina"], version=response.version)
    assert approved.status == EntryStatus.APPROVED
    assert plan_published_version(plan).version > before
    # Returning an approved response takes it off the pages again, and says so.
    before = plan_published_version(plan).version
    entry_return(
        entry=approved, user=committee["gina"], version=approved.version, reason="具体的に"
    )
    assert plan_published_version(plan).version > before


def test_only_the_office_writes_a_response(published, committee):
    plan, opinion = published["plan"], published["on_indicator"]
    url = reverse("plans:entry", args=[plan.code, YEAR, "responses", opinion.pk])
    assert client_of(committee["staff_a"]).get(url).status_code == 403
    assert client_of(committee["member"]).get(url).status_code == 403
    assert client_of(committee["chair"]).get(url).status_code == 403
    with pytest.raises(WorkflowError, match="権限"):
        respond(committee["staff_a"], opinion)


def test_a_response_needs_its_text_and_keeps_what_was_typed(published, committee):
    plan, opinion = published["plan"], published["on_indicator"]
    office = client_of(committee["admin"])
    url = reverse("plans:entry", args=[plan.code, YEAR, "responses", opinion.pk])
    page = office.get(url)
    assert SHARED + "(委員長整理)" in page_text(page)  # the opinion as the 意見書 words it
    refused = office.post(url, {"response": " ", "version": "0", "action": "submit"})
    assert "市の対応・対応方針を入力してください" in page_text(refused)
    office.post(url, {"response": RESPONSE, "version": "0", "action": "submit"})
    assert OpinionResponse.objects.get(opinion=opinion).status == EntryStatus.SUBMITTED


def test_the_review_page_lists_the_responses_for_the_office_only(published, committee):
    plan = published["plan"]
    respond(committee["admin"], published["on_indicator"])
    items = [item for item in year_items(plan, YEAR) if item.kind is RESPONSES]
    assert [item.target for item in items] == [published["on_indicator"], published["on_plan"]]
    staff_items = year_items(plan, YEAR, departments=[committee["department_a"].pk])
    assert not [item for item in staff_items if item.kind is RESPONSES]
    review = client_of(committee["gina"]).get(reverse("plans:review", args=[plan.code, YEAR]))
    assert RESPONSE in page_text(review)
    # Another year shows none of this year's opinions.
    assert not [item for item in year_items(plan, YEAR + 1) if item.kind is RESPONSES]


def test_a_locked_year_refuses_a_response(published, committee):
    plan = published["plan"]
    plan_year_lock(plan=plan, fiscal_year=YEAR, user=committee["admin"])
    with pytest.raises(WorkflowError, match="確定"):
        respond(committee["admin"], published["on_plan"])


def test_every_change_is_in_the_history(published, committee):
    plan = published["plan"]
    response = respond(committee["admin"], published["on_indicator"])
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    opinion = published["on_indicator"]
    users = [r.history_user for r in opinion.history.order_by("history_date")]
    assert users == [committee["member"], committee["chair"]]  # written and shared, compiled
    assert opinion.history.first().letter_text == SHARED + "(委員長整理)"
    letter = OpinionLetter.objects.get(plan=plan, fiscal_year=YEAR)
    assert [r.status for r in letter.history.order_by("history_date")] == ["published"]
    statuses = [r.status for r in response.history.order_by("history_date")]
    assert statuses == ["submitted", "approved"]
    page = client_of(committee["member"]).get(committee_url(plan, "plans:opinion", opinion.pk))
    assert "意見書での文言" in page_text(page)  # the history shown to the author


# --- who sees what ------------------------------------------------------------------------------


def test_staff_see_only_the_published_letter_and_approved_responses(committee, subjects):
    plan = subjects["plan"]
    opinion = write(committee["member"], plan, subjects["indicator"])
    staff = client_of(committee["staff_a"])
    pages = [
        committee_url(plan),
        reverse("plans:overview", args=[plan.code, YEAR]),
        reverse("plans:indicator", args=[plan.code, YEAR, subjects["indicator"].pk]),
    ]
    for url in pages:
        assert SHARED not in page_text(staff.get(url))
    compile_letter(committee["chair"], plan, [LetterItem(opinion.pk, 1, "", None)], publish=True)
    response = respond(committee["admin"], opinion)
    for url in pages:
        text = page_text(staff.get(url))
        assert SHARED in text and RESPONSE not in text
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    for url in pages:
        text = page_text(staff.get(url))
        assert SHARED in text and RESPONSE in text
    # The measure's page shows only the opinions about the measure.
    measure_page = staff.get(
        reverse("plans:measure", args=[plan.code, YEAR, subjects["measure"].pk])
    )
    assert SHARED not in page_text(measure_page)


def test_members_see_shared_opinions_on_the_dashboards_before_publication(committee, subjects):
    plan = subjects["plan"]
    write(committee["member"], plan, subjects["measure"])
    url = reverse("plans:measure", args=[plan.code, YEAR, subjects["measure"].pk])
    text = page_text(client_of(committee["erin"]).get(url))
    assert SHARED in text and f"基本施策{subjects['measure']} ・dave 委員" in text
    assert SHARED in page_text(
        client_of(committee["erin"]).get(reverse("plans:overview", args=[plan.code, YEAR]))
    )
    assert SHARED not in page_text(client_of(committee["admin"]).get(url))


def test_the_public_sees_nothing_of_it(published, committee):
    plan = published["plan"]
    response = respond(committee["admin"], published["on_indicator"])
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    visitor = Client()
    for url in (
        committee_url(plan),
        reverse("plans:overview", args=[plan.code, YEAR]),
        reverse("plans:report", args=[plan.code, YEAR]),
    ):
        answer = visitor.get(url)
        assert answer.status_code == 302 and answer.url.startswith(reverse("login"))
    for url in (
        reverse("plans:plan_detail", args=[plan.code]),
        reverse("plans:open_csv", args=[plan.code]),
        reverse("plans:open_json", args=[plan.code]),
    ):
        body = visitor.get(url).content.decode("utf-8-sig")
        assert SHARED not in body and RESPONSE not in body


def test_the_committee_page_runs_a_fixed_number_of_queries(committee, subjects):
    plan = subjects["plan"]
    write(committee["member"], plan)
    client = client_of(committee["erin"])
    url = committee_url(plan)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for number in range(6):
        write(committee["erin"], plan, subjects["indicator"], f"意見{number}")
        write(committee["member"], plan, subjects["measure"], f"下書き{number}", share=False)
    assert count() == few


# --- the report, the .xlsx and the published version -------------------------------------------


def test_publishing_and_approving_show_at_once_on_cached_pages(committee, subjects):
    plan = subjects["plan"]
    opinion = write(committee["member"], plan, subjects["indicator"])
    staff = client_of(committee["staff_a"])
    report_url = reverse("plans:report", args=[plan.code, YEAR])
    xlsx_url = reverse("plans:report_xlsx", args=[plan.code, YEAR])
    assert SHARED not in page_text(staff.get(report_url))
    assert sheet_rows(staff.get(xlsx_url))[3:] == []  # the cache now holds the file

    before = plan_published_version(plan).version
    compile_letter(committee["chair"], plan, [LetterItem(opinion.pk, 1, "", None)], publish=True)
    assert plan_published_version(plan).version > before
    assert SHARED in page_text(staff.get(report_url))
    assert sheet_rows(staff.get(xlsx_url))[3][:3] == [
        1,
        "成果指標「若者(20歳代)の地域活動への参加割合」",
        SHARED,
    ]

    response = respond(committee["admin"], opinion)
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    assert RESPONSE in page_text(staff.get(report_url))
    assert sheet_rows(staff.get(xlsx_url))[3][3] == RESPONSE


def sheet_rows(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["成果指標", "事業", "委員会の意見"]
    sheet = workbook["委員会の意見"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_xlsx_sheet_has_headers_wrapped_rows_and_no_formula(published, committee):
    plan = published["plan"]
    write_formula = "=SUM(A1)"
    response = respond(committee["admin"], published["on_plan"], response=write_formula)
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    answer = client_of(committee["member"]).get(
        reverse("plans:report_xlsx", args=[plan.code, YEAR])
    )
    workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
    sheet = workbook["委員会の意見"]
    assert [cell.value for cell in sheet[3]] == [
        "番号",
        "対象",
        "委員会の意見",
        "市の対応・対応方針",
        "デモ用データ",
    ]
    assert (
        sheet["C4"].value == SHARED + "(委員長整理)" and sheet["D4"].value == "対応を検討中です。"
    )
    assert sheet["B5"].value == "計画全体" and sheet["D5"].value == write_formula
    assert sheet["D5"].data_type == "s"  # text, never a formula
    assert sheet["C4"].alignment.wrap_text
    assert sheet.row_dimensions[4].height >= 30  # two lines at least for the long wording


def test_the_print_report_ends_with_the_opinions_and_responses(published, committee):
    plan = published["plan"]
    response = respond(committee["admin"], published["on_indicator"])
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    html = client_of(committee["staff_a"]).get(reverse("plans:report", args=[plan.code, YEAR]))
    html = html.content.decode()
    assert 'href="#committee-opinions"' in html  # in the contents
    section = html[html.index('id="committee-opinions"') :]
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))
    assert "委員会の意見と市の対応" in text and "令和6年度の進捗について" in text
    assert text.index(SHARED) < text.index(RESPONSE) < text.index(ON_PLAN)
    assert "対応を検討中です。" in text  # the second item's response is not approved
    assert "大学との連携を。" not in text  # merged: its wording is the chair's item 1


def test_the_word_report_ends_with_the_opinions_and_responses(published, committee):
    """The .docx carries the same last section as the print report: a heading of its own (in
    the table of contents), the items in the chair's order and wording, each response."""
    plan = published["plan"]
    response = respond(committee["admin"], published["on_indicator"])
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    download = client_of(committee["staff_a"]).get(
        reverse("plans:report_docx", args=[plan.code, YEAR])
    )
    document = docx.Document(io.BytesIO(download.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "委員会の意見と市の対応"
    table = document.tables[-1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["番号", "対象", "委員会の意見", "市の対応・対応方針"]
    assert [row[0] for row in rows[1:]] == ["1", "2"]
    assert rows[1][2] == SHARED + "(委員長整理)" and rows[1][3] == RESPONSE
    assert rows[2][2] == ON_PLAN and rows[2][3] == "対応を検討中です。"
    assert "大学との連携を。" not in "".join(cell for row in rows for cell in row)


def test_the_word_report_says_when_no_letter_is_published(committee, subjects):
    plan = subjects["plan"]
    write(committee["member"], plan, subjects["indicator"])  # shared, but nothing published
    download = client_of(committee["member"]).get(
        reverse("plans:report_docx", args=[plan.code, YEAR])
    )
    document = docx.Document(io.BytesIO(download.content))
    texts = [p.text for p in document.paragraphs]
    assert texts.index("委員会の意見と市の対応") < texts.index(
        "2024年度の意見書はまだ公表されていません。"
    )
    assert SHARED not in "".join(texts)


def test_the_public_reads_them_once_the_office_publishes_the_report(published, committee):
    """Publishing the report is locking (確定) the year: the public page and the plan page's
    link appear then, with the approved responses only, and go again when it is reopened."""
    plan = published["plan"]
    response = respond(committee["admin"], published["on_indicator"])
    entry_approve(entry=response, user=committee["gina"], version=response.version)
    respond(committee["admin"], published["on_plan"], response="まだ提出したばかりの対応")
    visitor = Client()
    url = reverse("plans:public_opinions", args=[plan.code, YEAR])
    plan_page = reverse("plans:plan_detail", args=[plan.code])
    assert visitor.get(url).status_code == 404
    assert url not in visitor.get(plan_page).content.decode()

    plan_year_lock(plan=plan, fiscal_year=YEAR, user=committee["admin"])
    text = page_text(visitor.get(url))
    assert SHARED + "(委員長整理)" in text and RESPONSE in text and ON_PLAN in text
    assert "まだ提出したばかりの対応" not in text and "対応を検討中です。" in text
    assert "大学との連携を。" not in text  # merged, and the members' names are not shown
    assert "dave" not in text and "erin" not in text
    assert url in visitor.get(plan_page).content.decode()
    answer = visitor.get(url)
    assert "no-store" in answer["Cache-Control"]

    plan_year_reopen(plan=plan, fiscal_year=YEAR, user=committee["admin"])
    assert visitor.get(url).status_code == 404


def test_a_locked_year_without_a_published_letter_shows_nothing(committee, subjects):
    plan = subjects["plan"]
    write(committee["member"], plan)
    plan_year_lock(plan=plan, fiscal_year=YEAR, user=committee["admin"])
    url = reverse("plans:public_opinions", args=[plan.code, YEAR])
    assert Client().get(url).status_code == 404


@pytest.mark.parametrize("reader", ["erin", "staff_a"])
@pytest.mark.parametrize("name", ["plans:overview", "plans:measure", "plans:indicator"])
def test_dashboard_query_counts_do_not_grow_with_opinions(committee, subjects, reader, name):
    plan = subjects["plan"]
    args = {
        "plans:measure": [subjects["measure"].pk],
        "plans:indicator": [subjects["indicator"].pk],
    }
    url = reverse(name, args=[plan.code, YEAR, *args.get(name, [])])
    client = client_of(committee[reader])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    kinds = [subjects["measure"], subjects["indicator"], None]
    first = [write(committee["member"], plan, subject, "意見") for subject in kinds]
    items = [
        LetterItem(opinion.pk, position, "", None) for position, opinion in enumerate(first, 1)
    ]
    compile_letter(committee["chair"], plan, items, publish=True)
    for opinion in first:
        answer = respond(committee["admin"], opinion)
        entry_approve(entry=answer, user=committee["gina"], version=answer.version)
    count()  # the cached tables are built
    few = count()
    # Fifteen more items of the published 意見書, each with an approved response, made directly:
    # a published 意見書 takes no new opinion through the services.
    for n in range(15):
        subject = kinds[n % 3]
        opinion = CommitteeOpinion.objects.create(
            plan=plan, fiscal_year=YEAR, author=committee["erin"], body=f"追加の意見{n}",
            status="shared", letter_position=10 + n,
            **({SUBJECT_FIELDS[type(subject)]: subject} if subject else {}),
        )  # fmt: skip
        OpinionResponse.objects.create(
            opinion=opinion, fiscal_year=YEAR, response=f"追加の対応{n}", status="approved"
        )
    text = page_text(client.get(url))
    last = {"plans:overview": 14, "plans:measure": 12, "plans:indicator": 13}[name]
    assert f"追加の対応{last}" in text and RESPONSE in text
    assert count() == few


def test_every_write_leaves_an_audit_line(
    committee, subjects, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="portal.audit")
    plan = subjects["plan"]
    with django_capture_on_commit_callbacks(execute=True):
        draft = write(committee["member"], plan, share=False)
        write(committee["member"], plan, opinion=draft)
        compile_letter(committee["chair"], plan, [LetterItem(draft.pk, 1, "", None)])
        compile_letter(committee["chair"], plan, [LetterItem(draft.pk, 1, "", None)], publish=True)
        response = respond(committee["admin"], draft)
        entry_approve(entry=response, user=committee["gina"], version=response.version)
    lines = [
        (r.audit["action"], r.audit["user"]) for r in caplog.records if r.name == "portal.audit"
    ]
    assert lines == [
        ("opinion.save", "dave"),
        ("opinion.share", "dave"),
        ("opinion.compile", "frank"),
        ("letter.save", "frank"),
        ("letter.publish", "frank"),
        ("entry.submit", "alice"),
        ("entry.approve", "gina"),
    ]
