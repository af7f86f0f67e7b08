"""Benchmark: the cached committee pages against a plain logged-in page (issue 19).

Fills a throw-away database with bench/dashboard.py's synthetic plan (300 indicators with 10
years of values, 2,000 projects), then, in one process with DEBUG off, times through the Django
test client:

- a plain logged-in page (`/`), the yardstick;
- the overview, the print report, the .xlsx report and the open data (CSV, JSON): the first
  view after a change (the plan's published version bumped before each request, so everything
  is built anew and stored: what every view cost before the cache) and a repeat view (from the
  cache);
- a conditional open-data request (If-None-Match), answered 304.

and prints each median in ms and as a multiple of the plain page. Use PostgreSQL, as in
production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/okayama_kyodo .venv/bin/python bench/cache.py

It creates and drops its own database (<name>_bench on PostgreSQL); nothing else is touched.
Static files are served unhashed (no collectstatic): the same for every page measured.
"""

import os
import secrets
import statistics
import sys
import tempfile
import time
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.dashboard import FIRST_YEAR, YEARS, fill  # noqa: E402
from plans.publication import plan_published_version_bump  # noqa: E402

REPEATS = 15
FIRST_VIEWS = 5  # each one builds the whole page: fewer


def median_ms(request, *, repeats, before=None, status=200):
    times = []
    for _ in range(repeats):
        if before:
            before()
        start = time.perf_counter()
        response = request()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == status, response.status_code
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return statistics.median(times)


def main():
    assert not settings.DEBUG
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        # Its own database, so that a test run at the same time is not disturbed.
        connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("createcachetable", verbosity=0)
        plan, _ = fill()
        user = get_user_model().objects.create_user("bench", password="x")
        reader, visitor = Client(), Client()
        reader.force_login(user)
        year = FIRST_YEAR + YEARS - 2

        def changed():
            plan_published_version_bump(plan=plan)

        reader.get("/")  # warm up the templates and the session
        plain = median_ms(lambda: reader.get("/"), repeats=REPEATS * 2)
        pages = {
            "overview": (reader, reverse("plans:overview", args=[plan.code, year])),
            "print report": (reader, reverse("plans:report", args=[plan.code, year])),
            ".xlsx report": (reader, reverse("plans:report_xlsx", args=[plan.code, year])),
            "open data CSV": (visitor, reverse("plans:open_csv", args=[plan.code])),
            "open data JSON": (visitor, reverse("plans:open_json", args=[plan.code])),
        }
        print(f"database: {connection.vendor}; DEBUG off; plain page '/' median {plain:.1f} ms")
        print(f"{'page':16} {'first after a change':>24} {'repeat view':>22}")
        for name, (client, url) in pages.items():

            def view(client=client, url=url):
                return client.get(url)

            view()  # warm up
            first = median_ms(view, repeats=FIRST_VIEWS, before=changed)
            repeat = median_ms(view, repeats=REPEATS)
            print(
                f"{name:16} {first:9.1f} ms {first / plain:6.1f} ×  "
                f"{repeat:9.1f} ms {repeat / plain:6.1f} ×"
            )
        url = pages["open data CSV"][1]
        etag = visitor.get(url)["ETag"]
        conditional = median_ms(
            lambda: visitor.get(url, headers={"if-none-match": etag}), repeats=REPEATS, status=304
        )
        print(f"{'open data 304':16} {'':>24} {conditional:9.1f} ms {conditional / plain:6.1f} ×")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
