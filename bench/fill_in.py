"""Benchmark: building the fill-in files (記入用ファイル) of a large plan.

Fills a throw-away database as bench/dashboard.py does (300 indicators with 10 years of
approved values, 2,000 projects), spreads the items over 20 departments, and prints the median
time and size of one department's indicator file, one department's project file, and the
.zip of every department's files. Use PostgreSQL, as in production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/okayama_kyodo .venv/bin/python bench/fill_in.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext, setup_test_environment

from bench.dashboard import FIRST_YEAR, YEARS, bench_database
from indicators.models import Indicator
from plans.models import Department
from plans.progress.fill_in import fill_in_workbook, fill_in_zip
from projects.models import Project

DEPARTMENTS = 20
REPEATS = 5


def median_seconds(build):
    times, size, queries = [], 0, 0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            size = len(build())
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times), size, queries


def main():
    setup_test_environment()
    with bench_database() as (plan, _):
        departments = Department.objects.bulk_create(
            Department(name=f"ベンチ課{number:02}") for number in range(DEPARTMENTS)
        )
        for model in (Indicator, Project):
            for index, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True)):
                model.objects.filter(pk=pk).update(department=departments[index % DEPARTMENTS])
        year = FIRST_YEAR + YEARS - 2
        first = departments[0]
        builds = {
            "one department's indicators": lambda: fill_in_workbook(
                plan=plan, fiscal_year=year, kind="indicators", department=first
            ),
            "one department's projects": lambda: fill_in_workbook(
                plan=plan, fiscal_year=year, kind="projects", department=first
            ),
            f"zip of {DEPARTMENTS} departments x 2": (
                lambda: fill_in_zip(plan=plan, fiscal_year=year)
            ),
        }
        for name, build in builds.items():
            reset_queries()
            seconds, size, queries = median_seconds(build)
            print(
                f"  {name:32} median {seconds * 1000:8.0f} ms, {size / 1024:7.0f} KB, "
                f"{queries} queries (over {REPEATS})"
            )


if __name__ == "__main__":
    main()
