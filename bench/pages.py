"""Benchmark: each heavy page as a multiple of a plain logged-in page, on the synthetic plan.

Fills a throw-away database with bench/dashboard.py's plan (20 policies, 300 indicators with
10 years of approved values, 2,000 projects), turns DEBUG off, and in this one process requests
through the Django test client the plain page `/`, the overview, the print and .xlsx reports,
the open data (CSV, JSON; no login), the review page listing every item and an indicator,
a measure and a project page. Prints the median time of each and its ratio to `/`, the table of
issue 19. Use PostgreSQL, as in production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/okayama_kyodo \\
        .venv/bin/python bench/pages.py [--repeats 11]

It creates and drops its own database (<name>_bench on PostgreSQL); nothing else is touched.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench/dashboard.py sets Django up when imported.
from dashboard import FIRST_YEAR, YEARS, bench_database
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

from plans.models import Measure
from projects.models import Project


def median_ms(client, url, repeats):
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        client.get(url)  # warm up, counting the queries
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(wall), statistics.median(cpu), len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11, help="requests per page")
    repeats = parser.parse_args().repeats
    setup_test_environment(debug=False)
    settings.DEBUG = False
    with bench_database() as (plan, indicator):
        user = get_user_model().objects.create_superuser("bench", password="x")
        staff = Client()
        staff.force_login(user)
        public = Client()
        year = FIRST_YEAR + YEARS - 2
        measure = Measure.objects.filter(policy__plan=plan).first()
        project = Project.objects.filter(plan=plan).first()
        pages = [
            ("plain page /", staff, reverse("plans:plan_list")),
            ("overview", staff, reverse("plans:overview", args=[plan.code, year])),
            ("print report", staff, reverse("plans:report", args=[plan.code, year])),
            (".xlsx report", staff, reverse("plans:report_xlsx", args=[plan.code, year])),
            ("open data CSV", public, reverse("plans:open_csv", args=[plan.code])),
            ("open data JSON", public, reverse("plans:open_json", args=[plan.code])),
            (
                "review, all items",
                staff,
                reverse("plans:review", args=[plan.code, year]) + "?status=all",
            ),
            (
                "indicator page",
                staff,
                reverse("plans:indicator", args=[plan.code, year, indicator.pk]),
            ),
            ("measure page", staff, reverse("plans:measure", args=[plan.code, year, measure.pk])),
            ("project page", staff, reverse("plans:project", args=[plan.code, year, project.pk])),
        ]
        print(f"median of {repeats} requests, DEBUG off, one process (Django test client)")
        # The machine may be busy with other work: the CPU time of this process (not counting
        # PostgreSQL's) is the steadier figure, the wall-clock time the one a person waits.
        print("| page | median ms | × plain page | CPU ms | CPU × plain page | queries |")
        print("|---|---|---|---|---|---|")
        plain = None
        for name, client, url in pages:
            wall, cpu, queries = median_ms(client, url, repeats)
            plain = plain or (wall, cpu)
            ratios = f"{wall / plain[0]:.1f} | {cpu:.1f} | {cpu / plain[1]:.1f} | {queries}"
            print(f"| {name} | {wall:.1f} | {ratios} |", flush=True)


if __name__ == "__main__":
    main()
