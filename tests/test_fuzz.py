"""Bad input never produces a server error: the entry forms, the review actions and both imports.

Hypothesis types what an office (or a broken browser, or a tampered request) could send: any
text, control characters, full-width digits, huge and negative numbers, too many decimals, units,
fields left out. Whatever comes in, the answer is a page or a redirect, every refusal is in
Japanese, and the database keeps only what the models allow.
"""

import codecs
import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

import pytest
from django.contrib.messages import constants, get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, PlanYear
from plans.progress.results_import import RESULT_KINDS, results_import
from plans.progress.workflow import WorkflowError
from plans.spreadsheets import OLE_MAGIC, XLSX_MAGIC, SpreadsheetError, read_table
from projects.imports import projects_import, read_project_list
from projects.models import MeasureProject, Project, ProjectProgress
from projects.resources import COLUMNS, REQUIRED_COLUMNS, TEMPLATE_COLUMNS

pytestmark = pytest.mark.django_db

YEAR = 2025
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def fuzz(max_examples):
    """Hypothesis settings for a fuzz test, which is marked slow (left out of `make test-fast`)."""
    # The fixtures (a loaded plan, users) are made once per test, not per example: each example
    # resets what it depends on itself.
    fuzz_settings = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    return lambda test: pytest.mark.slow(fuzz_settings(test))


# --- What people type -------------------------------------------------------------------------

# Surrogates cannot travel in an HTTP request; everything else can, NUL and controls included.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
CONTROLS = st.text(alphabet=st.characters(whitelist_categories=("Cc",)), min_size=1, max_size=4)
LONG_TEXT = st.integers(100, 5_000).map(lambda n: "長" * n)
FULL_WIDTH = str.maketrans("0123456789.,+-%", "０１２３４５６７８９．，＋－％")
UNITS = ["", "%", "％", "人", "団体", "件", "回", "千円", "円", "万円", "kg", "㎡"]
SIGNS = ["", "-", "+", "△", "▲", "−", "－", "ー", "--", "+-", "△-"]
ODD_NUMBERS = [
    "",
    " ",
    "　",
    "0",
    "-0",
    "０",
    "1e5",
    "1E-3",
    "NaN",
    "Infinity",
    "-inf",
    "0x10",
    "1_000",
    "١٢٣",  # Arabic-Indic digits
    "①",
    "10²",
    "四十五",
    "1O0",
    "l2",
    "4,00",
    ",",
    ".",
    "1.",
    ".5",
    "1..2",
    "1,000,000.000001",
    "9" * 18,
    "9" * 40,
    "9" * 41,
    "99999999999999.99995",
    "0.00001",
    "45.3%%",
    "45.3 % 人",
    "\x00",
    "4\x005",
    "45\u200b",
]


@st.composite
def typed_numbers(draw):
    """A number as someone might type it: signs, commas, decimals, units, full-width digits."""
    whole = draw(
        st.one_of(
            st.integers(0, 1_000).map(str),
            st.integers(0, 10**40).map(str),
            st.integers(0, 10**12).map("{:,}".format),
        )
    )
    fraction = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=12)))
    text = draw(st.sampled_from(SIGNS)) + whole + (f".{fraction}" if fraction else "")
    text += draw(st.sampled_from(["", " ", "　"])) + draw(st.sampled_from(UNITS))
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return draw(st.sampled_from(["", " ", "　"])) + text + draw(st.sampled_from(["", " ", "\t"]))


# Most examples should be close to what an office types, so that many of them are saved.
NUMBER_TEXT = st.one_of(
    typed_numbers(),
    st.decimals(0, 100, places=2).map(str),
    st.sampled_from(ODD_NUMBERS),
    ANY_TEXT,
    CONTROLS,
)


# Where the version the form was opened on should go; replaced by the entry's current version.
class _Current:
    def __repr__(self):
        return "CURRENT"


CURRENT = _Current()
VERSIONS = st.one_of(
    st.just(CURRENT),
    st.just(CURRENT),
    st.just(CURRENT),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", "-1", "1.0", "1e3", "１", "1_0", " 1 ", "0x1", "9" * 5000]),
    ANY_TEXT,
)
ACTIONS = st.one_of(st.sampled_from(["save", "save", "submit", "submit", "preview", ""]), ANY_TEXT)
STATUSES = st.sampled_from([None, None, None, *EntryStatus.values])
YEAR_STATES = st.sampled_from(["open", "open", "open", "open", "locked", "deadline passed"])
BOOLEAN_TEXT = st.one_of(st.sampled_from(["", "on", "true", "false", "0", "1"]), ANY_TEXT)

INDICATOR_FIELDS = {
    "value": NUMBER_TEXT,
    "not_measured": BOOLEAN_TEXT,
    "analysis": st.one_of(ANY_TEXT, LONG_TEXT, CONTROLS),
    "version": VERSIONS,
    "action": ACTIONS,
}
PROJECT_FIELDS = {
    "activities": st.one_of(ANY_TEXT, LONG_TEXT, CONTROLS),
    "grade": st.one_of(
        st.sampled_from(["", "A", "B", "C", "D", "a", "Ａ", "A 達成", "E"]), ANY_TEXT
    ),
    "issues": st.one_of(ANY_TEXT, CONTROLS),
    "outlook": st.one_of(
        st.sampled_from(["", *ProjectProgress.Outlook.values, "拡充", "EXPAND"]), ANY_TEXT
    ),
    "budget_amount": NUMBER_TEXT,
    "settlement_amount": NUMBER_TEXT,
    "version": VERSIONS,
    "action": ACTIONS,
}
# Forms as a browser sends them, for examples where only one field is typed wildly.
TIDY_INDICATOR_FIELDS = {
    "value": st.one_of(typed_numbers(), st.decimals(0, 100, places=2).map(str)),
    "not_measured": st.just(""),
    "analysis": st.sampled_from(["", "参加者が増えた", "調査を行わなかった"]),
    "version": st.just(CURRENT),
    "action": st.sampled_from(["save", "submit"]),
}
TIDY_PROJECT_FIELDS = {
    "activities": st.sampled_from(["", "講座を3回開催し、延べ120人が参加"]),
    "grade": st.sampled_from(["", *ProjectProgress.Grade.values]),
    "issues": st.just(""),
    "outlook": st.sampled_from(["", *ProjectProgress.Outlook.values]),
    "budget_amount": st.one_of(typed_numbers(), st.integers(0, 10**6).map(str)),
    "settlement_amount": st.integers(0, 10**6).map(str),
    "version": st.just(CURRENT),
    "action": st.sampled_from(["save", "submit"]),
}


@st.composite
def form_posts(draw, fields, tidy_fields):
    """The fields a form sends: either a tidy form with one field typed wildly, or any
    fields at all, some of them left out (a tampered or truncated request)."""
    if draw(st.booleans()):
        wild = draw(st.sampled_from(sorted(fields)))
        return {
            name: draw(fields[name] if name == wild else strategy)
            for name, strategy in tidy_fields.items()
        }
    missing = draw(st.one_of(st.just(set()), st.sets(st.sampled_from(sorted(fields)))))
    return {name: draw(strategy) for name, strategy in fields.items() if name not in missing}


# --- The plan, its departments and the state of the year -------------------------------------


@pytest.fixture
def setup(seed_results, personas):
    """Policies 1 and 3 belong to department A (bob), policy 2 to department B."""
    plan = seed_results
    for policy in plan.policies.all():
        department = personas["department_b" if policy.number == 2 else "department_a"]
        Indicator.objects.filter(policy=policy).update(department=department)
        Project.objects.filter(measure_links__measure__policy=policy).update(department=department)
    department = personas["department_a"]
    return {
        "plan": plan,
        "indicators": list(Indicator.objects.filter(department=department).order_by("pk")),
        "projects": list(Project.objects.filter(department=department).order_by("pk")),
        **personas,
    }


def prepare_year(plan, state):
    PlanYear.objects.filter(plan=plan, fiscal_year=YEAR).delete()
    if state == "locked":
        PlanYear.objects.create(plan=plan, fiscal_year=YEAR, is_locked=True)
    elif state == "deadline passed":
        yesterday = timezone.localdate() - timedelta(days=1)
        PlanYear.objects.create(plan=plan, fiscal_year=YEAR, entry_deadline=yesterday)


def prepare_entry(model, target_field, target, status, **values):
    """Start the example from a known entry for YEAR (or none), whatever earlier ones left."""
    model.objects.filter(**{target_field: target, "fiscal_year": YEAR}).delete()
    if status is None:
        return None
    return model.objects.create(
        **{target_field: target},
        fiscal_year=YEAR,
        status=status,
        version=3,
        return_reason="確認してください" if status == EntryStatus.RETURNED else "",
        **values,
    )


def with_version(data, entry):
    if data.get("version") is CURRENT:
        return data | {"version": str(entry.version if entry else 0)}
    return data


def entry_url(plan, kind, target):
    return reverse("plans:entry", args=[plan.code, YEAR, kind, target.pk])


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def assert_page_or_redirect(response, data):
    """200 or 302; a page refusing the form explains every refusal in Japanese, visibly."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert data.get("action", "save") in ("save", "submit")
        return
    form = response.context["form"]
    page = response.content.decode()
    for name, errors in form.errors.items():
        for message in errors:
            assert JAPANESE.search(message), message
            # The hidden version field's refusal is the subject of its own test below.
            if name == "__all__" or not form[name].is_hidden:
                assert escape(message) in page, f"not shown: {message}"
    if data.get("action", "save") in ("save", "submit"):
        # Saving answers with a redirect or says why it did not save.
        assert form.errors


def indicator_rows(indicator):
    return list(
        IndicatorResult.objects.filter(indicator=indicator).values_list(
            "fiscal_year", "status", "value", "not_measured", "analysis", "version"
        )
    )


def assert_valid_result(indicator, result):
    assert not (result.not_measured and result.value is not None)
    assert "\x00" not in result.analysis
    if result.value is None:
        return
    value = result.value
    assert value.as_tuple().exponent >= -4  # the database's four decimal places
    assert abs(value) < Decimal(10) ** 14  # 18 digits, 4 of them decimals
    assert indicator.min_value is None or value >= indicator.min_value
    assert indicator.max_value is None or value <= indicator.max_value


@fuzz(max_examples=120)
@given(
    pick=st.integers(min_value=0),
    status=STATUSES,
    year_state=YEAR_STATES,
    data=form_posts(INDICATOR_FIELDS, TIDY_INDICATOR_FIELDS),
)
@example(
    pick=0,
    status=None,
    year_state="open",
    data={"value": "４８．０％", "analysis": "x", "version": CURRENT, "action": "save"},
)
@example(pick=0, status=None, year_state="open", data={"value": "48", "action": "save"})
@example(
    pick=0,
    status=None,
    year_state="open",
    data={"value": "101", "version": CURRENT, "action": "submit"},
)
def test_indicator_entry_never_fails_and_keeps_only_valid_values(
    setup, pick, status, year_state, data
):
    indicator = setup["indicators"][pick % len(setup["indicators"])]
    prepare_year(setup["plan"], year_state)
    entry = prepare_entry(IndicatorResult, "indicator", indicator, status, value=None)
    data = with_version(data, entry)
    before = indicator_rows(indicator)

    response = logged_in(setup["staff_a"]).post(
        entry_url(setup["plan"], "indicators", indicator), data
    )

    assert_page_or_redirect(response, data)
    if response.status_code == 302:
        saved = IndicatorResult.objects.get(indicator=indicator, fiscal_year=YEAR)
        assert saved.value == indicator.parse_value(data.get("value", "").strip())
        assert saved.version == int(data["version"]) + 1
        assert saved.status == (
            EntryStatus.SUBMITTED if data.get("action") == "submit" else EntryStatus.DRAFT
        )
    else:
        assert indicator_rows(indicator) == before
    for result in IndicatorResult.objects.filter(indicator=indicator):
        assert_valid_result(indicator, result)


@pytest.mark.parametrize("version", [None, "", "abc", "-1"])
def test_a_form_without_a_valid_version_says_why_nothing_was_saved(setup, version):
    # The version is a hidden field: when it is missing or broken (a truncated or tampered
    # request), its error has to be told on the page, or "save" silently does nothing.
    indicator = setup["indicators"][0]
    data = {"value": "48", "analysis": "参加者が増えた", "action": "save"}
    if version is not None:
        data["version"] = version

    response = logged_in(setup["staff_a"]).post(
        entry_url(setup["plan"], "indicators", indicator), data
    )

    assert response.status_code == 200
    assert not IndicatorResult.objects.filter(indicator=indicator, fiscal_year=YEAR).exists()
    page = response.content.decode()
    shown = [
        message
        for errors in response.context["form"].errors.values()
        for message in errors
        if escape(message) in page
    ]
    assert shown, f"no error shown; the form's errors: {response.context['form'].errors}"


PROGRESS_FIELDS = [
    "fiscal_year", "status", "activities", "grade", "outlook",
    "budget_amount", "settlement_amount", "version",
]  # fmt: skip


def project_rows(project):
    return list(ProjectProgress.objects.filter(project=project).values_list(*PROGRESS_FIELDS))


def assert_valid_progress(progress):
    for amount in (progress.budget_amount, progress.settlement_amount):
        if amount is not None:
            assert amount >= 0 and amount == amount.to_integral_value()
            assert amount < Decimal(10) ** 15
    assert progress.grade in ["", *ProjectProgress.Grade.values]
    assert progress.outlook in ["", *ProjectProgress.Outlook.values]
    assert "\x00" not in progress.activities + progress.issues


@fuzz(max_examples=100)
@given(
    pick=st.integers(min_value=0),
    status=STATUSES,
    year_state=YEAR_STATES,
    data=form_posts(PROJECT_FIELDS, TIDY_PROJECT_FIELDS),
)
@example(
    pick=0,
    status=None,
    year_state="open",
    data={
        "activities": "講座を3回",
        "grade": "B",
        "outlook": "continue",
        "budget_amount": "１，２００千円",
        "settlement_amount": "-5",
        "version": CURRENT,
        "action": "submit",
    },
)
def test_project_entry_never_fails_and_keeps_only_valid_progress(
    setup, pick, status, year_state, data
):
    project = setup["projects"][pick % len(setup["projects"])]
    prepare_year(setup["plan"], year_state)
    entry = prepare_entry(ProjectProgress, "project", project, status)
    data = with_version(data, entry)
    before = project_rows(project)

    response = logged_in(setup["staff_a"]).post(entry_url(setup["plan"], "projects", project), data)

    assert_page_or_redirect(response, data)
    if response.status_code == 302:
        saved = ProjectProgress.objects.get(project=project, fiscal_year=YEAR)
        assert saved.budget_amount == ProjectProgress.parse_amount(data.get("budget_amount", ""))
        assert saved.version == int(data["version"]) + 1
    else:
        assert project_rows(project) == before
    for progress in ProjectProgress.objects.filter(project=project):
        assert_valid_progress(progress)


# --- The plan office's review actions ---------------------------------------------------------

REASONS = st.one_of(ANY_TEXT, LONG_TEXT, CONTROLS, st.sampled_from(["", " ", "　", "\x00"]))
NEXT_URLS = st.one_of(
    st.sampled_from(["", "/review/", "//evil.example/", "https://evil.example/", "/a\r\nb"]),
    ANY_TEXT,
)


@fuzz(max_examples=80)
@given(
    approve=st.booleans(),
    pick=st.integers(min_value=0),
    status=st.sampled_from(EntryStatus.values),
    year_state=YEAR_STATES,
    version=VERSIONS,
    reason=REASONS,
    next_url=st.one_of(st.none(), NEXT_URLS),
)
@example(
    approve=False,
    pick=0,
    status=EntryStatus.SUBMITTED,
    year_state="open",
    version=CURRENT,
    reason="単位を確認\x00してください",
    next_url=None,
)
@example(
    approve=True,
    pick=0,
    status=EntryStatus.SUBMITTED,
    year_state="open",
    version=CURRENT,
    reason="",
    next_url="0",
)
def test_review_actions_never_fail(
    setup, approve, pick, status, year_state, version, reason, next_url
):
    indicator = setup["indicators"][pick % len(setup["indicators"])]
    prepare_year(setup["plan"], year_state)
    entry = prepare_entry(IndicatorResult, "indicator", indicator, status, value=Decimal("1"))
    data = with_version({"version": version, "reason": reason}, entry)
    if next_url is not None:
        data["next"] = next_url
    action = "plans:entry_approve" if approve else "plans:entry_return"
    url = reverse(action, args=[setup["plan"].code, YEAR, "indicators", indicator.pk])

    response = logged_in(setup["admin"]).post(url, data)

    assert response.status_code == 302
    assert not response.url.startswith(("//", "https://evil"))
    after = IndicatorResult.objects.get(pk=entry.pk)
    changed = after.version != entry.version
    # What happened is said once, in Japanese, on the page the redirect leads to.
    told = list(get_messages(response.wsgi_request))
    assert len(told) == 1 and JAPANESE.search(str(told[0]))
    assert told[0].level == (constants.SUCCESS if changed else constants.ERROR)
    if changed:
        assert year_state != "locked" and data["version"] == str(entry.version)
    if changed and not approve:
        assert after.status == EntryStatus.RETURNED
        # The reason is shown to the department: it must be text a page (and PostgreSQL) can
        # hold, so a NUL typed or pasted into it has to be refused or dropped, never stored.
        assert after.return_reason == reason.strip() or "\x00" in reason
        assert after.return_reason.strip() and "\x00" not in after.return_reason
    if changed and approve:
        assert status == EntryStatus.SUBMITTED and after.status == EntryStatus.APPROVED


@fuzz(max_examples=40)
@given(
    text=st.one_of(
        ANY_TEXT,
        st.dates().map(date.isoformat),
        st.sampled_from(["", "2026-02-30", "0000-01-01", "9999-12-31", "2026/05/31", "20260531"]),
    )
)
def test_deadline_never_fails(setup, text):
    url = reverse("plans:year_deadline", args=[setup["plan"].code, YEAR])
    response = logged_in(setup["admin"]).post(url, {"entry_deadline": text})
    assert response.status_code == 302


# --- Spreadsheets --------------------------------------------------------------------------

FORMULAS = ["=1+1", "=SUM(A1:A3)", '=HYPERLINK("http://example.com","x")', "=1/0", "+1+1", "@A1"]
NEW_NAMES = st.text("あいうえおかきくけこ講座事業", min_size=1, max_size=12).map("新規".__add__)
# Cells meant for their column: mostly acceptable, sometimes not (too long, unknown, doubled).
PROJECT_CELLS = {
    "事業コード": st.one_of(
        st.just(""),
        st.integers(1, 10**6).map("P-{}".format),
        st.sampled_from(["P-001", "Ｐ－００３", "C" * 30, "C" * 31]),
    ),
    "事業名": st.one_of(
        NEW_NAMES,
        st.sampled_from(["", "区づくり推進事業", "地域応援人づくり講座", "名" * 200, "名" * 201]),
    ),
    "事業概要": st.sampled_from(["", "概要", "長" * 3000]),
    "基本施策": st.sampled_from(["", "1-1", "1-1", "２－１、2-3", "1-1,1-1", "3-1", "9-9", "1ー2"]),
    "所管課": st.sampled_from(
        ["", "市民協働企画課", "市民協働企画課", "地域づくり支援課", "ない課"]
    ),
}
INDICATOR_NAMES = [
    "地域活動への市民の参加割合",
    "若者(20歳代)の地域活動への参加割合",
    "SNSのフォロワー数",
    "市民協働推進事業の目標達成率",
    "ESD・市民協働推進センターの相談者数",
]
RESULT_CELLS = {
    "指標名": st.sampled_from(["", "ない指標", *INDICATOR_NAMES * 6]),
    "実績値": st.one_of(*[st.decimals(0, 100, places=1).map(str)] * 4, NUMBER_TEXT),
    "測定なし": st.sampled_from([""] * 12 + ["はい", "○", "いいえ", "TRUE", "1"]),
    "要因分析": st.one_of(*[st.sampled_from(["", "参加者が増えた"])] * 3, ANY_TEXT, LONG_TEXT),
    "事業コード": st.sampled_from([""] * 8 + ["P-001"]),
    "事業名": st.sampled_from(
        ["", "ない事業", *["区づくり推進事業", "地域応援人づくり講座", "リーフレット等の作成"] * 6]
    ),
    "実施内容・実績": st.one_of(*[st.sampled_from(["", "講座を3回"])] * 3, ANY_TEXT, LONG_TEXT),
    "自己評価": st.sampled_from(["", "A", "b", "Ｃ", "D 遅れ", "A", "B", "C", "E", "AA"]),
    "今後の方向性": st.sampled_from(["", "拡充", "継続", "廃止", "拡充", "continue", "なくす"]),
    "予算額": st.one_of(*[st.integers(0, 10**6).map(str)] * 4, NUMBER_TEXT),
    "決算額": st.one_of(*[st.integers(0, 10**6).map(str)] * 4, NUMBER_TEXT),
    # The fill-in file's own columns: whose file it is (another year's is refused whole).
    "年度": st.sampled_from(
        [""] * 6 + [2025] * 3 + ["2025年度", "令和7年度", 2024, "令和元年度", "前年"]
    ),
    "所管課": st.sampled_from([""] * 6 + ["市民協働企画課", "地域づくり支援課", "ない課"]),
}
ANY_CELL = st.one_of(
    st.just(""),
    st.just(None),
    ANY_TEXT,
    LONG_TEXT,
    st.sampled_from(FORMULAS),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
)


@st.composite
def headers(draw, columns):
    """(column, title) pairs: the expected titles in any order, full-width or spaced, some
    missing, and unknown ones (column None)."""
    titles = list(draw(st.permutations(columns)))
    for title in draw(st.one_of(st.just(set()), st.sets(st.sampled_from(columns), max_size=2))):
        titles.remove(title)
    spelled = []
    for title in titles:
        how = draw(st.sampled_from(["as is"] * 5 + ["spaced", "full-width", "quoted"]))
        spellings = {
            "spaced": f" {title}　",
            "full-width": title.translate(FULL_WIDTH),
            "quoted": f'"{title}"',
        }
        spelled.append((title, spellings.get(how, title)))
    for _ in range(draw(st.integers(0, 2))):
        position = draw(st.integers(0, len(spelled)))
        spelled.insert(position, (None, draw(st.one_of(ANY_TEXT, st.just("")))))
    return spelled


@st.composite
def sheets(draw, columns, cells, key):
    """A header row and data rows: tidy rows (cells meant for their column, one row per `key`,
    so that some files import) or rows of anything at all, ragged ones included."""
    header = draw(headers(columns))
    fitting = {column: cells.get(column, ANY_CELL) for column, _ in header}
    if draw(st.sampled_from([True, True, False])):
        tidy = draw(
            st.lists(
                st.fixed_dictionaries(fitting),
                min_size=1,
                max_size=8,
                unique_by=lambda row: row.get(key),
            )
        )
        rows = [[row[column] for column, _ in header] for row in tidy]
    else:
        rows = []
        for _ in range(draw(st.integers(1, 8))):
            row = [draw(st.one_of(fitting[column], ANY_CELL)) for column, _ in header]
            if draw(st.booleans()):  # cells missing at the end, or extra ones
                row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(ANY_CELL, max_size=2))
            rows.append(row)
    return [[""]] * draw(st.integers(0, 2)) + [[title for _, title in header], *rows]


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        # openpyxl refuses the control characters that XML cannot hold; Excel cannot type them.
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        ["" if cell is None else str(cell) for cell in row] for row in rows
    )
    text = buffer.getvalue()
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@st.composite
def spreadsheet_files(draw, columns, cells, key):
    rows = draw(sheets(columns, cells, key))
    kind = draw(st.sampled_from(["xlsx", "utf-8", "utf-8-sig", "cp932"]))
    if kind == "xlsx":
        return xlsx_bytes(rows), "sheet.xlsx"
    return csv_bytes(rows, kind), draw(st.sampled_from(["sheet.csv", "SHEET.CSV", "sheet.txt"]))


def assert_japanese_rows(report, table):
    assert [row.number for row in report.rows] == table.row_numbers
    for row in report.errors:
        assert row.messages
        for message in row.messages:
            assert JAPANESE.search(message), message


def project_snapshot(plan):
    projects = sorted(
        Project.objects.filter(plan=plan).values_list("pk", "code", "name", "summary", "department")
    )
    links = sorted(
        MeasureProject.objects.filter(project__plan=plan).values_list(
            "project", "measure", "position"
        )
    )
    return projects, links, Project.history.count()


@fuzz(max_examples=80)
@given(file=spreadsheet_files(TEMPLATE_COLUMNS, PROJECT_CELLS, "事業名"), dry_run=st.booleans())
@example(
    file=(
        csv_bytes([TEMPLATE_COLUMNS, ["C" * 31, "長すぎるコードの事業", "", "1-1", ""]], "utf-8"),
        "a.csv",
    ),
    dry_run=False,
)
@example(
    file=(csv_bytes([TEMPLATE_COLUMNS, ["", "名" * 201, "", "1-1", ""]], "utf-8"), "a.csv"),
    dry_run=False,
)
def test_project_import_reports_every_bad_row_and_never_raises(setup, file, dry_run):
    plan = setup["plan"]
    data, filename = file
    try:
        table = read_project_list(data, filename)
    except SpreadsheetError as error:
        assert JAPANESE.search(str(error))
        return
    before = project_snapshot(plan)

    report = projects_import(plan=plan, table=table, dry_run=dry_run, user=setup["admin"])

    assert_japanese_rows(report, table)
    if dry_run or not report.written:
        assert project_snapshot(plan) == before
    if not dry_run:
        # A file is written unless a row says why not: the office has to know what to fix.
        assert report.written == (not report.errors)
    for project in Project.objects.filter(plan=plan):
        project.full_clean(validate_unique=False, validate_constraints=False)


def project_table(*rows):
    return read_project_list(csv_bytes([TEMPLATE_COLUMNS, *rows], "utf-8"), "p.csv")


@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "import"])
@pytest.mark.parametrize(
    "rows",
    [
        # Matched on its code, renamed to the name another project already has: a row error.
        [["P-1", "区づくり推進事業", "", "2-1", ""]],
        # Two projects exchanging their names: each row alone is valid, and so is the result.
        [["P-1", "講座乙", "", "2-1", ""], ["P-2", "講座甲", "", "1-1", ""]],
    ],
    ids=["renamed-to-a-taken-name", "names-swapped"],
)
def test_renaming_projects_by_their_code_never_raises(setup, rows, dry_run):
    plan = setup["plan"]
    first = project_table(["P-1", "講座甲", "", "1-1", ""], ["P-2", "講座乙", "", "1-1", ""])
    assert projects_import(plan=plan, table=first, dry_run=False).written
    before = project_snapshot(plan)
    table = project_table(*rows)

    report = projects_import(plan=plan, table=table, dry_run=dry_run)

    assert_japanese_rows(report, table)
    if dry_run or not report.written:
        assert project_snapshot(plan) == before
    if not dry_run:
        assert report.written or report.errors


def results_snapshot():
    return (
        sorted(
            IndicatorResult.objects.filter(fiscal_year=YEAR).values_list(
                "indicator", "status", "value", "not_measured", "analysis", "version"
            )
        ),
        sorted(
            ProjectProgress.objects.filter(fiscal_year=YEAR).values_list(
                "project", *PROGRESS_FIELDS
            )
        ),
    )


@st.composite
def result_files(draw):
    kind = draw(st.sampled_from(sorted(RESULT_KINDS)))
    spec = RESULT_KINDS[kind]
    return (kind, *draw(spreadsheet_files(spec.columns, RESULT_CELLS, spec.key_column)))


@fuzz(max_examples=80)
@given(file=result_files(), dry_run=st.booleans())
def test_results_import_reports_every_bad_row_and_never_raises(setup, file, dry_run):
    kind, data, filename = file
    spec = RESULT_KINDS[kind]
    try:
        table = read_table(data, filename, columns=spec.columns, required=spec.required)
    except SpreadsheetError as error:
        assert JAPANESE.search(str(error))
        return
    before = results_snapshot()

    try:
        report = results_import(
            plan=setup["plan"], fiscal_year=YEAR, kind=kind, table=table, user=setup["admin"],
            dry_run=dry_run,
        )  # fmt: skip
    except WorkflowError as error:  # a file that says it is another year's
        assert "年度" in str(error) and JAPANESE.search(str(error))
        assert results_snapshot() == before
        return

    assert_japanese_rows(report, table)
    if dry_run or report.errors:
        assert not report.written
        assert results_snapshot() == before
    else:
        assert report.written
    for result in IndicatorResult.objects.filter(fiscal_year=YEAR).select_related("indicator"):
        assert_valid_result(result.indicator, result)
        assert result.status != EntryStatus.APPROVED
    for progress in ProjectProgress.objects.filter(fiscal_year=YEAR):
        assert_valid_progress(progress)


# --- read_table on any bytes --------------------------------------------------------------


@cache
def valid_xlsx():
    return xlsx_bytes([COLUMNS, ["P-001", "区づくり推進事業", "概要", "1-1", "市民協働企画課"]])


def rezip(data, change):
    """The .xlsx `data` with each member passed through change(name, content) (None drops it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
    return output.getvalue()


def truncated_sheet(name, content):
    return content[: len(content) // 2] if name == "xl/worksheets/sheet1.xml" else content


def without_sheets(name, content):
    if name == "xl/workbook.xml":
        return re.sub(rb"<sheets>.*</sheets>", b"<sheets />", content)
    return content


@st.composite
def damaged_xlsx(draw):
    """A real .xlsx with bytes changed, cut short, or a part of it missing or broken."""
    data = valid_xlsx()
    how = draw(st.sampled_from(["flip", "cut", "member"]))
    if how == "flip":
        damaged = bytearray(data)
        for position, byte in draw(
            st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), min_size=1)
        ):
            damaged[position] = byte
        return bytes(damaged)
    if how == "cut":
        return data[: draw(st.integers(4, len(data) - 1))]
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    member = draw(st.sampled_from(names))
    replacement = draw(
        st.one_of(
            st.none(),
            st.binary(max_size=200),
            st.sampled_from([b"", b"<", b"<?xml version='1.0'?><a>", b"<worksheet/>"]),
        )
    )
    return rezip(data, lambda name, content: replacement if name == member else content)


ANY_BYTES = st.one_of(
    st.binary(max_size=3_000),
    st.binary(max_size=500).map(lambda data: XLSX_MAGIC + data),
    st.binary(max_size=500).map(lambda data: OLE_MAGIC + data),
    st.binary(max_size=500).map(lambda data: b"\xef\xbb\xbf" + data),
    damaged_xlsx(),
)


@fuzz(max_examples=150)
@given(
    data=ANY_BYTES,
    filename=st.sampled_from(["a.csv", "a.xlsx", "A.XLSX", "a.txt"]),
    encoding=st.sampled_from([None, "utf-8", "cp932"]),
)
@example(data=rezip(valid_xlsx(), truncated_sheet), filename="a.xlsx", encoding=None)
@example(data=rezip(valid_xlsx(), without_sheets), filename="a.xlsx", encoding=None)
# A CSV saved as UTF-8 with BOM, with a line pasted in from a Shift_JIS file.
@example(
    data=codecs.BOM_UTF8 + "事業名\r\n".encode() + "講座\r\n".encode("cp932"),
    filename="a.csv",
    encoding=None,
)
def test_read_table_refuses_any_bytes_only_with_its_japanese_error(data, filename, encoding):
    try:
        table = read_table(
            data, filename, columns=COLUMNS, required=REQUIRED_COLUMNS, encoding=encoding
        )
    except SpreadsheetError as error:
        assert JAPANESE.search(str(error))
    else:
        assert table.dataset.headers == COLUMNS
        assert len(table.dataset) == len(table.row_numbers)


@fuzz(max_examples=60)
@given(
    data=st.one_of(
        st.binary(max_size=200), st.sampled_from([b"a,b\r\n", "事業名\r\n\\x".encode()])
    ),
    encoding=st.one_of(
        st.sampled_from(["utf-16", "latin-1", "idna", "punycode", "rot13", "base64", "utf\x00"]),
        ANY_TEXT,
    ),
)
@example(data=b"a,b\r\n", encoding="punycode")
@example(data=b"a,b\r\n", encoding="utf\x00")
def test_read_table_with_any_encoding_name_refuses_only_in_japanese(data, encoding):
    # The confirmation form and the errors link send the encoding back as typed in the request.
    try:
        read_table(data, "a.csv", columns=COLUMNS, required=REQUIRED_COLUMNS, encoding=encoding)
    except SpreadsheetError as error:
        assert JAPANESE.search(str(error))


BROKEN_FILES = {
    # Saved as UTF-8 with BOM, with lines pasted in from a Shift_JIS file.
    "bom-csv": (
        codecs.BOM_UTF8
        + "事業名,指標名,実績値\r\n".encode()
        + "講座,地域,４８\r\n".encode("cp932"),
        "upload.csv",
    ),
    "cut-sheet": (rezip(valid_xlsx(), truncated_sheet), "upload.xlsx"),
    "no-sheets": (rezip(valid_xlsx(), without_sheets), "upload.xlsx"),
}


@pytest.mark.parametrize("page", ["projects", "results"])
@pytest.mark.parametrize("broken", sorted(BROKEN_FILES))
def test_a_broken_upload_is_refused_in_japanese_on_both_import_pages(setup, page, broken):
    data, filename = BROKEN_FILES[broken]
    upload = io.BytesIO(data)
    upload.name = filename
    if page == "projects":
        url = reverse("admin:projects_project_import")
        post = {"plan": setup["plan"].pk, "file": upload, "encoding": ""}
    else:
        url = reverse("plans:results_import", args=[setup["plan"].code, YEAR])
        post = {"kind": "indicators", "file": upload, "encoding": ""}

    response = logged_in(setup["admin"]).post(url, post)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and all(JAPANESE.search(message) for message in errors)
