"""Benchmark: the cached committee pages against a plain logged-in page (issue 19).

Fills a throw-away database with bench/dashboard.py's synthetic plan (300 indicators with 10
years of values, 2,000 projects), then, in one process with DEBUG off, times through the Django
test client:

- a plain logged-in page (`/`), the yardstick;
- the overview, the print report, the .xlsx report and the open data (CSV, JSON): the first
  view after a change of one policy (before each request the plan office returns one approved
  indicator value through `entry_return`, as a person would: a real write, each time in the next
  policy; its next reader builds that policy's part), the first view after a plan-wide change
  that shows in no policy's part (the year locked and reopened through `plan_year_lock`/
  `plan_year_reopen`: the pages are assembled again from the parts kept), the first view after
  a change of what every policy shows (the plan's grade thresholds edited, as the admin does:
  the writer's request then builds the pages read recently, plans/reports/pages.py), and a
  repeat view (from the cache);
- a conditional open-data request (If-None-Match), answered 304.

and prints each median as a multiple of the plain page (wall clock, and this process's CPU
time, steadier on a busy machine) beside the figures recorded before the work of issue 19 and
its goals, then the changes' own times: what the writer waits for, the pages built after a
change of every policy included. Use PostgreSQL, as in production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/okayama_kyodo .venv/bin/python bench/cache.py

It creates and drops its own database (<name>_bench on PostgreSQL); nothing else is touched.
Static files are served unhashed (no collectstatic): the same for every page measured.
"""

import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okayama_kyodo.settings")
os.environ.update(
    {"DEBUG": "0", "HTTPS_ONLY": "0", "ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "WARNING"}
)
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="bench-static-"))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.dashboard import FIRST_YEAR, YEARS, fill  # noqa: E402
from indicators.models import IndicatorResult  # noqa: E402
from plans.models import Plan  # noqa: E402
from plans.progress.workflow import entry_return, plan_year_lock, plan_year_reopen  # noqa: E402
from plans.publication import plan_published_version_bump  # noqa: E402

REPEATS = 15
FIRST_VIEWS = 5  # each one builds the whole page: fewer

# The figures before, as multiples of the plain page (first view after a change, repeat view):
# "issue" as issue 19 measured them (no cache: every view a first view), "cache" with the
# page cache but Django's templates, model instances and openpyxl (README before 2026-12-03,
# commit ae582f6), "round 1" the first view with tuples, Jinja2 and XlsxWriter but the whole
# plan built anew after any change (commit e87815e, on a loaded machine). The code they
# measured is gone; these are printed beside the new figures.
BEFORE = {
    "overview": ((94, 94), (91, 1.6), "24-29"),
    "print report": ((75, 75), (57, 1.9), "25-26"),
    ".xlsx report": ((130, 130), (77, 0.4), "42-48"),
    "open data CSV": ((36, 36), (18, 0.4), "15"),
    "open data JSON": ((23, 23), (17, 0.5), "12-16"),
}
# Issue 19's goals: (first view, repeat view), × the plain page.
GOALS = {
    "overview": (15, 3),
    "print report": (15, 3),
    ".xlsx report": (15, 3),
    "open data CSV": (None, 2),
    "open data JSON": (None, 2),
}


# The change's own time (the writer's request: the write, and the pages it builds after a
# change of several policies), per kind of change, wall clock ms; and what the worker does
# after the writer's response (the pages read, after a change of one policy).
WRITES = {}
WORKER = {}


@contextmanager
def timed(name, figures=WRITES):
    start = time.perf_counter()
    try:
        yield
    finally:
        figures.setdefault(name, []).append((time.perf_counter() - start) * 1000)


def median_ms(request, *, repeats, before=None, status=200):
    """The median wall-clock and CPU (this process, not PostgreSQL's) time of a request, ms."""
    wall, cpu = [], []
    for _ in range(repeats):
        if before:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = request()
        assert response.status_code == status, response.status_code
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _ratio(figure, plain, goal=None):
    mark = "" if goal is None else (" ✓" if figure / plain <= goal else " ✗")
    return f"{figure / plain:.1f}{mark}"


def main():
    assert not settings.DEBUG
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    setup_test_environment()
    logging.getLogger("portal.audit").setLevel(logging.WARNING)  # a line per change made here
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        # Its own database, so that a test run at the same time is not disturbed.
        connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("createcachetable", verbosity=0)
        plan, _ = fill()
        user = get_user_model().objects.create_user("bench", password="x")
        office = get_user_model().objects.create_user("office", password="x", is_superuser=True)
        reader, visitor = Client(), Client()
        reader.force_login(user)
        year = FIRST_YEAR + YEARS - 2
        # One approved value of each policy in turn: returning it is a real one-policy change.
        approved = iter(
            IndicatorResult.objects.filter(indicator__policy__plan=plan, fiscal_year=year)
            .order_by("indicator__position", "indicator__policy__number")
            .select_related("indicator__policy__plan")
        )

        def one_policy_changed():
            # As in the office's request: the return, then its response, then what the worker
            # does after it (plans.publication.after_response), each timed.
            entry = next(approved)
            request_started.send(sender=None)
            with timed("one_policy_changed"):
                entry_return(entry=entry, user=office, version=entry.version, reason="ベンチ")
            with timed("one_policy_changed", WORKER):
                request_finished.send(sender=None)

        def plan_changed():
            with timed("plan_changed"):
                plan_year_lock(plan=plan, fiscal_year=year, user=office)
                plan_year_reopen(plan=plan, fiscal_year=year, user=office)

        ratios = iter([Decimal("0.95"), Decimal("1")] * FIRST_VIEWS * len(BEFORE))

        def everything_changed():
            # What the admin's save of the plan does (PlanAdmin): the plan, then the bump.
            with timed("everything_changed"):
                Plan.objects.filter(pk=plan.pk).update(grade_b_ratio=next(ratios))
                plan_published_version_bump(plan=plan)

        reader.get("/")  # warm up the templates and the session
        plain, plain_cpu = median_ms(lambda: reader.get("/"), repeats=REPEATS * 2)
        pages = {
            "overview": (reader, reverse("plans:overview", args=[plan.code, year])),
            "print report": (reader, reverse("plans:report", args=[plan.code, year])),
            ".xlsx report": (reader, reverse("plans:report_xlsx", args=[plan.code, year])),
            "open data CSV": (visitor, reverse("plans:open_csv", args=[plan.code])),
            "open data JSON": (visitor, reverse("plans:open_json", args=[plan.code])),
        }
        load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
        print(
            f"database: {connection.vendor}; DEBUG off; {os.cpu_count()} CPUs, load average "
            f"{load} (other work on the machine inflates every figure)"
        )
        print(f"plain page '/': median {plain:.1f} ms, CPU {plain_cpu:.1f} ms")
        print("× the plain page (wall clock; CPU of this process in brackets); ✓/✗ the goal")
        print(
            "| page | first view before: issue / cache / round 1 "
            "| first view after a one-policy change | after a plan-wide change "
            "| after a change of every policy | goal "
            "| repeat view: cache before | repeat view now | goal |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for name, (client, url) in pages.items():

            def view(client=client, url=url):
                return client.get(url)

            view()  # warm up
            one = median_ms(view, repeats=FIRST_VIEWS, before=one_policy_changed)
            whole = median_ms(view, repeats=FIRST_VIEWS, before=plan_changed)
            every = median_ms(view, repeats=FIRST_VIEWS, before=everything_changed)
            repeat = median_ms(view, repeats=REPEATS)
            (issue, _), (cached_first, cached_repeat), round_1 = BEFORE[name]
            first_goal, repeat_goal = GOALS[name]
            print(
                f"| {name} | {issue} / {cached_first} / {round_1} "
                f"| {_ratio(one[0], plain, first_goal)} ({_ratio(one[1], plain_cpu)}) "
                f"| {_ratio(whole[0], plain, first_goal)} ({_ratio(whole[1], plain_cpu)}) "
                f"| {_ratio(every[0], plain, first_goal)} ({_ratio(every[1], plain_cpu)}) "
                f"| {first_goal or '−'} | {cached_repeat} "
                f"| {_ratio(repeat[0], plain, repeat_goal)} ({_ratio(repeat[1], plain_cpu)}) "
                f"| {repeat_goal} |",
                flush=True,
            )
        url = pages["open data CSV"][1]
        etag = visitor.get(url)["ETag"]
        conditional, _ = median_ms(
            lambda: visitor.get(url, headers={"if-none-match": etag}), repeats=REPEATS, status=304
        )
        print(f"| open data 304 | | | | | 0.2 | {_ratio(conditional, plain)} | |")
        print("\nThe change itself (the writer's wait), median ms over every page's first views:")
        for name, label in [
            ("one_policy_changed", "a one-policy change (an approved value returned)"),
            ("plan_changed", "a plan-wide change (the year locked and reopened: two writes)"),
            (
                "everything_changed",
                "a change of every policy (the thresholds, then the pages read)",
            ),
        ]:
            figure = statistics.median(WRITES[name])
            line = f"- {label}: {figure:.0f} ms = {figure / plain:.1f}× the plain page"
            if name in WORKER:
                after = statistics.median(WORKER[name])
                line += f"; after its response, the worker builds the pages read: {after:.0f} ms"
            print(line)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
