"""The open data beside the indicators' CSV: the projects' CSV, the direction columns and the
data dictionary (データ定義), read as a visitor without a login reads them."""

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from indicators.models import Indicator, IndicatorRevision, IndicatorYearTarget
from plans.models import EntryStatus, Measure
from plans.progress.workflow import entry_approve
from plans.publication import plan_published_version_bump
from plans.reports.open_data import OPEN_DATA_FILES
from projects.models import Project
from tests.factories import MeasureProjectFactory, ProjectProgressFactory

pytestmark = pytest.mark.django_db
YEAR = 2024


def csv_rows(response):
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def projects_csv(plan):
    response = Client().get(reverse("plans:open_projects_csv", args=[plan.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "public" in response["Cache-Control"] and response["ETag"]
    header, *rows = csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def progress(okayama_plan, personas):
    """Approved progress of a project the plan lists under two measures (2-1 and 2-3), a
    draft of another year, and a hostile activity text."""
    project = Project.objects.get(plan=okayama_plan, name="市民協働推進事業")
    approved = dict(status=EntryStatus.APPROVED, project=project)
    ProjectProgressFactory(
        **approved, fiscal_year=2023, activities="=HYPERLINK(1)", grade="C", outlook="improve"
    )
    ProjectProgressFactory(
        **approved, fiscal_year=YEAR, activities="補助事業を5件採択した", grade="B",
        issues="応募が少ない", outlook="expand", budget_amount=1200, settlement_amount=1150,
    )  # fmt: skip
    ProjectProgressFactory(
        project=project, fiscal_year=2025, activities="未承認の下書き", status=EntryStatus.DRAFT
    )
    return project


def test_the_projects_csv_has_a_row_per_project_and_approved_year(okayama_plan, progress):
    rows = projects_csv(okayama_plan)

    ours = [row for row in rows if row["事業名"] == "市民協働推進事業"]
    assert [row["年度"] for row in ours] == ["2023", "2024"]  # once, though under two measures
    latest = ours[1]
    assert latest["基本施策"] == "2-1、2-3"
    assert (latest["実施内容・実績"], latest["自己評価"], latest["課題"]) == (
        "補助事業を5件採択した", "B", "応募が少ない",
    )  # fmt: skip
    assert (latest["今後の方向性"], latest["予算額"], latest["決算額"]) == ("拡充", "1200", "1150")
    assert latest["デモ用データ"] == ""
    # The grade for the plan's last year rests on FY2024's record, on every row of the project.
    assert {(row["評価対象年度"], row["評価"], row["評価の根拠年度"]) for row in ours} == {
        ("2025", "B", "2024")
    }
    assert ours[0]["実施内容・実績"] == "'=HYPERLINK(1)"  # text, never a formula
    assert "未承認の下書き" not in str(rows)


def test_an_approved_project_record_shows_at_once_and_answers_304_before(okayama_plan, personas):
    url = reverse("plans:open_projects_csv", args=[okayama_plan.code])
    visitor = Client()
    first = visitor.get(url)
    assert visitor.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    entry = ProjectProgressFactory(
        project=Project.objects.get(plan=okayama_plan, name="市民協働推進事業"),
        fiscal_year=YEAR,
        activities="新しく承認された実績",
        status=EntryStatus.SUBMITTED,
        entered_by=personas["staff_a"],
    )

    entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    again = visitor.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert "新しく承認された実績" in again.content.decode("utf-8")


def test_a_project_listed_under_a_third_measure_names_it(okayama_plan, progress):
    MeasureProjectFactory(
        measure=Measure.objects.get(policy__plan=okayama_plan, policy__number=1, number=1),
        project=progress,
    )
    ours = [row for row in projects_csv(okayama_plan) if row["事業名"] == progress.name]
    assert {row["基本施策"] for row in ours} == {"1-1、2-1、2-3"}


def test_the_indicators_csv_says_the_direction(client, seed_results):
    header, *rows = csv_rows(client.get(reverse("plans:open_csv", args=[seed_results.code])))
    directions = {row[header.index("指標名")]: row[header.index("目標の方向")] for row in rows}
    assert set(directions.values()) <= {"増加が望ましい", "減少が望ましい"}
    assert directions["地域活動への市民の参加割合"] == "増加が望ましい"


def json_paths(value, prefix=""):
    """Every field's path in a JSON document, as the dictionary writes them (a mapping keyed by
    fiscal year, such as yearly_targets, is one field)."""
    if isinstance(value, dict) and value and all(key.isdigit() for key in value):
        return {prefix}
    if isinstance(value, dict):
        paths = set()
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths |= json_paths(inner, path) if isinstance(inner, dict | list) else {path}
        return paths
    if isinstance(value, list):
        return set().union(*(json_paths(item, f"{prefix}[]") for item in value))
    return set()


def dictionary_tables(html):
    """Each file's section of the dictionary page: its title and the names of its rows."""
    tables = {}
    for key, body in re.findall(
        r'<section aria-labelledby="file-(\w+)"(.*?)</section>', html, re.S
    ):
        tables[key] = [
            unescape(name)
            for name in re.findall(r"<code class=\"text-break\">([^<]*)</code></th>", body)
        ]
    return tables


def test_the_dictionary_lists_exactly_the_columns_the_files_have(client, seed_results, progress):
    # A revision and a yearly target, so that the JSON has every field the dictionary lists.
    indicator = Indicator.objects.filter(policy__plan=seed_results).first()
    IndicatorRevision.objects.create(
        indicator=indicator, from_year=2024, name="新しい名前", unit="%", baseline_value=1,
        target_value=60, reason="中間見直し", decided_by="岡山市協働推進委員会",
        decided_on=date(2024, 2, 15),
    )  # fmt: skip
    IndicatorYearTarget.objects.create(indicator=indicator, fiscal_year=2023, target_value=48)
    plan_published_version_bump(plan=seed_results)
    response = client.get(reverse("plans:open_data_dictionary"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")  # public, nothing private on it
    tables = dictionary_tables(response.content.decode())

    def header(name):
        return csv_rows(client.get(reverse(name, args=[seed_results.code])))[0]

    assert tables["csv"] == header("plans:open_csv")
    assert tables["projects_csv"] == header("plans:open_projects_csv")
    document = client.get(reverse("plans:open_json", args=[seed_results.code])).json()
    assert set(tables["json"]) == json_paths(document)
    assert len(tables["json"]) == len(set(tables["json"]))
    assert list(tables) == [file.key for file in OPEN_DATA_FILES]


def test_every_column_says_what_it_means_and_holds(client):
    html = client.get(reverse("plans:open_data_dictionary")).content.decode()
    for file in OPEN_DATA_FILES:
        assert file.title in html
        for column in file.columns:
            assert column.meaning and column.kind
    assert "千円" in html and "列「単位」の単位" in html


def test_the_open_data_links_lead_to_the_dictionary_and_the_projects(client, okayama_plan):
    html = client.get(reverse("plans:plan_detail", args=[okayama_plan.code])).content.decode()
    assert f'href="{reverse("plans:open_data_dictionary")}"' in html
    assert f'href="{reverse("plans:open_projects_csv", args=[okayama_plan.code])}"' in html
