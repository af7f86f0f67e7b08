"""Benchmark: importing a 10,000-row project list from .xlsx into PostgreSQL.

Prints the median time of openpyxl alone reading the file, of our reading (read_table), then of
the preview (dry run: check and show every row) and of the import (written) for three files:
every row new (an empty plan), every row changed (each project's summary and department differ)
and every row unchanged (the list as already imported); last, the admin's import page (upload and
preview, then confirm) through Django's test client, to compare with the gunicorn worker
timeout (120 s, README "Deploying"). Run with PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/okayama_kyodo \\
        .venv/bin/python bench/import_projects.py [ROWS] [REPEATS]

It creates and drops its own database (<name>_bench); nothing else is touched.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okayama_kyodo.settings")

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from plans.models import BasicPolicy, Department, Measure, Plan  # noqa: E402
from plans.roles import ADMINISTRATORS, role_groups_sync  # noqa: E402
from projects.imports import projects_import, read_project_list  # noqa: E402
from projects.models import Project  # noqa: E402
from projects.resources import TEMPLATE_COLUMNS  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def make_plan(code):
    plan = Plan.objects.create(
        code=code, title=code, municipality="テスト市", first_fiscal_year=2021,
        last_fiscal_year=2025, baseline_fiscal_year=2020,
    )  # fmt: skip
    for number in range(1, 21):
        policy = BasicPolicy.objects.create(plan=plan, number=number, title=f"方針{number}")
        Measure.objects.bulk_create(
            Measure(policy=policy, number=n, title=f"施策{number}-{n}") for n in range(1, 6)
        )
    return plan


def make_file(changed=False):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_COLUMNS)
    for index in range(ROWS):
        policy, measure = index % 20 + 1, index % 5 + 1
        sheet.append(
            [
                f"P-{index:05d}",
                f"事業{index:05d}",
                ("改めた概要。" if changed else "事業の概要。") * 4,
                f"{policy}-{measure}、{policy % 20 + 1}-{measure}",
                f"課{(index + changed) % 30}",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def median_seconds(action, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        Department.objects.bulk_create(Department(name=f"課{n}") for n in range(30))
        data = make_file()
        print(f"database: {connection.vendor}; {ROWS:,} rows, {len(data) / 1024:.0f} KB .xlsx")

        def openpyxl_alone():
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sum(1 for _ in workbook.active.iter_rows(values_only=True))

        def our_reading():
            return read_project_list(data, "p.xlsx")

        for name, action in [
            ("openpyxl alone (read every row)", openpyxl_alone),
            ("read_table (ours, incl. openpyxl)", our_reading),
        ]:
            print(f"  {name:36} median {median_seconds(action):7.2f} s over {REPEATS}")
        table = our_reading()
        changed_data = make_file(changed=True)
        changed = read_project_list(changed_data, "p.xlsx")
        plans = (make_plan(f"bench-{n}") for n in range(1_000))
        expected = {"new": "新規", "changed": "変更", "unchanged": "変更なし"}
        for scenario, imported in [("new", table), ("changed", changed), ("unchanged", table)]:
            times = {"preview": [], "import": []}
            for _ in range(REPEATS):
                plan = next(plans)
                if scenario != "new":
                    assert projects_import(plan=plan, table=table, dry_run=False).written
                for step, dry_run in (("preview", True), ("import", False)):
                    start = time.perf_counter()
                    report = projects_import(plan=plan, table=imported, dry_run=dry_run)
                    times[step].append(time.perf_counter() - start)
                    assert not report.errors, report.errors[:3]
                    assert report.counts[expected[scenario]] == ROWS, report.counts
                assert Project.objects.filter(plan=plan).count() == ROWS
            for step, seconds in times.items():
                label = f"{scenario} rows, {step}"
                print(f"  {label:36} median {statistics.median(seconds):7.2f} s over {REPEATS}")
        admin_pages(plans, table, {"new": data, "changed": changed_data})
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def admin_pages(plans, table, files):
    """The admin's import page, as the plan office uses it: upload (preview), then confirm."""
    role_groups_sync()
    user = User.objects.create_user("bench-admin", is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATORS))
    client = Client()
    client.force_login(user)
    url = reverse("admin:projects_project_import")
    for scenario, data in files.items():
        plan = next(plans)
        if scenario != "new":
            assert projects_import(plan=plan, table=table, dry_run=False).written
        start = time.perf_counter()
        response = client.post(url, {"plan": plan.pk, "file": SimpleUploadedFile("p.xlsx", data)})
        preview = time.perf_counter() - start
        assert response.status_code == 200 and response.context["token"]
        start = time.perf_counter()
        confirmed = client.post(
            url,
            {
                "confirm": "1",
                "token": response.context["token"],
                "plan": plan.pk,
                "filename": "p.xlsx",
                "encoding": "",
            },
        )
        confirm = time.perf_counter() - start
        assert confirmed.status_code == 302, confirmed.content[:2000]
        label = f"admin page, {scenario} rows"
        print(
            f"  {label:36} preview {preview:5.2f} s ({len(response.content) / 1e6:.1f} MB of HTML),"
            f" confirm {confirm:5.2f} s"
        )


if __name__ == "__main__":
    main()
