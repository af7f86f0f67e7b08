"""Benchmark: the dashboard's server time on a large synthetic plan.

Fills a throw-away database with a plan of 20 policies, 300 indicators with 10 years of approved
values and 2,000 projects (with a progress record each), then requests the overview, an
indicator page and the .xlsx report through the Django test client and prints the median time
of each. Use PostgreSQL, as in production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/okayama_kyodo \
        .venv/bin/python bench/dashboard.py

It creates and drops its own database (<name>_bench on PostgreSQL); nothing else is touched.
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okayama_kyodo.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from indicators.models import Indicator, IndicatorResult  # noqa: E402
from plans.models import BasicPolicy, EntryStatus, Measure, Plan  # noqa: E402
from projects.models import MeasureProject, Project, ProjectProgress  # noqa: E402

POLICIES, INDICATORS_PER_POLICY, MEASURES_PER_POLICY, PROJECTS_PER_MEASURE = 20, 15, 5, 20
FIRST_YEAR, YEARS = 2021, 10
REPEATS = 15


def fill():
    plan = Plan.objects.create(
        code="bench",
        title="ベンチマーク計画",
        municipality="テスト市",
        first_fiscal_year=FIRST_YEAR,
        last_fiscal_year=FIRST_YEAR + YEARS - 1,
        baseline_fiscal_year=FIRST_YEAR - 1,
    )
    policies = BasicPolicy.objects.bulk_create(
        BasicPolicy(plan=plan, number=n, title=f"基本方針{n}") for n in range(1, POLICIES + 1)
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(
            policy=policy,
            position=position,
            name=f"指標{policy.number}-{position}",
            unit="%",
            baseline_value=Decimal("40.0"),
            baseline_year=FIRST_YEAR - 1,
            target_value=Decimal("50.0"),
            target_year=FIRST_YEAR + YEARS - 1,
            decimal_places=1,
            aggregation=["level", "average", "cumulative"][position % 3],
        )
        for policy in policies
        for position in range(1, INDICATORS_PER_POLICY + 1)
    )
    IndicatorResult.objects.bulk_create(
        IndicatorResult(
            indicator=indicator,
            fiscal_year=FIRST_YEAR + offset,
            value=Decimal("40.0") + Decimal(offset),
            analysis="要因分析の文章。" * 5,
            status=EntryStatus.APPROVED,
        )
        for indicator in indicators
        for offset in range(YEARS)
    )
    measures = Measure.objects.bulk_create(
        Measure(policy=policy, number=n, title=f"基本施策{policy.number}-{n}", description="説明")
        for policy in policies
        for n in range(1, MEASURES_PER_POLICY + 1)
    )
    projects = Project.objects.bulk_create(
        Project(plan=plan, name=f"事業{index}", summary="事業の概要。" * 3)
        for index in range(len(measures) * PROJECTS_PER_MEASURE)
    )
    MeasureProject.objects.bulk_create(
        MeasureProject(measure=measure, project=projects[m * PROJECTS_PER_MEASURE + p], position=p)
        for m, measure in enumerate(measures)
        for p in range(PROJECTS_PER_MEASURE)
    )
    ProjectProgress.objects.bulk_create(
        ProjectProgress(
            project=project,
            fiscal_year=FIRST_YEAR + YEARS - 2,
            activities="講座を開催した。" * 5,
            grade="B",
            outlook="continue",
            budget_amount=1000,
            settlement_amount=950,
            status=EntryStatus.APPROVED,
        )
        for project in projects
    )
    if connection.vendor == "postgresql":
        # The planner's statistics, as autovacuum gathers them within a minute of a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return plan, indicators[0]


def median_ms(client, url):
    client.get(url)  # warm up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


@contextmanager
def bench_database():
    """A throw-away database holding the synthetic plan, dropped afterwards; yields the plan
    and its first indicator."""
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        # Its own database, so that a test run at the same time is not disturbed.
        connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        plan, indicator = fill()
        print(f"database: {connection.vendor}; filled in {time.perf_counter() - started:.1f} s:")
        print(
            f"  {POLICIES} policies, {Indicator.objects.count()} indicators, "
            f"{IndicatorResult.objects.count()} results, {Project.objects.count()} projects"
        )
        yield plan, indicator
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main():
    setup_test_environment()
    with bench_database() as (plan, indicator):
        user = get_user_model().objects.create_user("bench", password="x")
        client = Client()
        client.force_login(user)
        year = FIRST_YEAR + YEARS - 2
        pages = {
            "overview": reverse("plans:overview", args=[plan.code, year]),
            "indicator page": reverse("plans:indicator", args=[plan.code, year, indicator.pk]),
            "xlsx report": reverse("plans:report_xlsx", args=[plan.code, year]),
        }
        for name, url in pages.items():
            reset_queries()
            print(f"  {name:15} median {median_ms(client, url):8.1f} ms over {REPEATS} requests")


if __name__ == "__main__":
    main()
