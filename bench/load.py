"""Load test: department staff and committee members using the portal at once, through gunicorn.

    .venv/bin/python bench/load.py [--users 50] [--seconds 90] [--workers 5] [--threads 1]

Creates its own database, okayama_kyodo_load, on the main PostgreSQL server (dropped first if
it is there, dropped again at the end), migrates it, loads the Okayama plan and makes 10
departments owning the plan's indicators and projects, 4/5 of the users department staff and
1/5 committee members. Each staff member has their own items; where a department has more people
than items, and in 3 departments on purpose, two colleagues share an item, so that some saves
meet a newer version and must be refused as a conflict. Then it serves the portal with gunicorn
on a free loopback port with production settings (DEBUG=0, HTTPS_ONLY=0 for plain HTTP) and
runs locust headless with bench/load_locustfile.py: staff log in once, open their work list and
one of their items, save a draft whose value encodes who and which save it was, sometimes read
the overview; committee members read the overview and an indicator page.

Prints requests per second, the median and 95th-percentile latency overall and per page kind,
the errors (HTTP 5xx, connection errors), the saves and the database check: every save the
server acknowledged is in the history once, with its value, by its user; every save refused as
a conflict is nowhere; one row per item and year; as many history rows as acknowledged saves;
the stored value is the last acknowledged one. Exit status 1 if anything of that fails.
bench/faults.py reuses this with a PostgreSQL restart in the middle of the run.

Then the same users run the same rounds with the same pauses once more, every request to
`/health/` (which reads nothing): the throughput the portal would reach if every page were as
cheap. Last, the goals of issue 19, measured from the end of the last login to the end of the
run: the portal's throughput ≥ 50% of that yardstick's, 95th percentile ≤ 300 ms, no errors,
no acknowledged save lost; each marked ✓ or ✗.

Logs (gunicorn's, locust's, every request and every save) stay in a folder under /tmp, printed.
Needs locust: `.venv/bin/pip install ".[bench]"`.
"""

import argparse
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCUSTFILE = BASE_DIR / "bench" / "load_locustfile.py"
PLAN_FILE = BASE_DIR / "fixtures" / "plans" / "okayama-kyodo-2021.toml"
# LOAD_DATABASE_SUFFIX=_x: okayama_kyodo_load_x, for two runs on one server at the same time.
DATABASE = "okayama_kyodo_load" + os.environ.get("LOAD_DATABASE_SUFFIX", "")
MAIN_SERVER = "postgres://postgres@127.0.0.1:5432"
# Collected static files are kept between runs (collectstatic then only checks them).
STATIC_ROOT = Path(tempfile.gettempdir()) / "okayama_kyodo_load_static"
DEPARTMENTS = 10
SHARED_ITEM_DEPARTMENTS = 3
# Think times, seconds: between two rounds of a user, and between opening a form and saving it.
WAIT = (0.5, 1.5)
TYPING = (0.3, 1.0)
DASHBOARD_SHARE = 0.25
PAGE_KINDS = [
    "login page",
    "login",
    "work list",
    "entry page",
    "save",
    "entry page after save",
    "overview",
    "indicator page",
]
ERRORS = {"http_5xx", "connection"}


def arguments(description, *, users, seconds):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--users", type=int, default=users, help="concurrent users (1/5 committee)")
    parser.add_argument("--seconds", type=int, default=seconds, help="length of the run")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    # Gunicorn's rule of thumb, 2 x cores + 1 sync workers: 5 on 2 cores. The requests are short
    # and mostly CPU (templates, password hashing at login), so threads would add little.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1, help="more than 1: gthread workers")
    return parser


@dataclass
class Run:
    """What a load run left behind, for the figures and the checks."""

    directory: Path
    started: float = 0.0
    finished: float = 0.0
    requests: list = field(default_factory=list)
    saves: list = field(default_factory=list)
    config: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    log_errors: list = field(default_factory=list)
    seconds: int = 0
    lost: int = 0  # acknowledged saves not stored
    health_started: float = 0.0
    health_requests: list = field(default_factory=list)


# --- Database and portal ----------------------------------------------------------------------


def database_recreate(server, name, *, create=True):
    assert name.startswith(DATABASE), name  # never anybody else's database
    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if create:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def app_environment(server):
    """The production-like settings, on plain HTTP over loopback."""
    return {
        "DJANGO_SETTINGS_MODULE": "okayama_kyodo.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{server}/{DATABASE}",
        "HTTPS_ONLY": "0",
        "STATIC_ROOT": str(STATIC_ROOT),
        "LOG_LEVEL": "INFO",
    }


def django_start(environment):
    os.environ.update(environment)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def portal_prepare(*, staff_count, committee_count):
    """Migrate, load the plan, make departments and accounts; the locustfile's configuration."""
    import io

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from indicators.models import Indicator
    from plans.fiscal_years import default_entry_year
    from plans.models import Department, Plan
    from plans.progress.kinds import INDICATORS, PROJECTS
    from plans.roles import COMMITTEE_MEMBERS, DEPARTMENT_STAFF
    from projects.models import Project

    quiet = io.StringIO()
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("createcachetable", stdout=quiet)  # the page cache (settings.CACHES)
    call_command("setup_roles", stdout=quiet)
    call_command("load_plan", str(PLAN_FILE), stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    plan = Plan.objects.get()
    year = default_entry_year(plan)

    departments = [
        Department.objects.create(name=f"負荷試験課{number:02d}")
        for number in range(1, min(DEPARTMENTS, staff_count) + 1)
    ]
    targets = [("indicators", target) for target in INDICATORS.targets(plan)] + [
        ("projects", target) for target in PROJECTS.targets(plan)
    ]
    items_of = defaultdict(list)
    for index, (kind, target) in enumerate(targets):
        department = departments[index % len(departments)]
        model = Indicator if kind == "indicators" else Project
        model.objects.filter(pk=target.pk).update(department=department)
        items_of[department.pk].append({"kind": kind, "pk": target.pk})

    password = secrets.token_urlsafe(16)
    hashed = make_password(password)  # one hash for all: 50 real hashings would take a while
    User = get_user_model()
    staff_group = Group.objects.get(name=DEPARTMENT_STAFF)
    committee_group = Group.objects.get(name=COMMITTEE_MEMBERS)
    accounts, colleagues = [], defaultdict(list)
    for number in range(1, staff_count + 1):
        user = User.objects.create(username=f"load-staff-{number:02d}", password=hashed)
        user.groups.add(staff_group)
        department = departments[(number - 1) % len(departments)]
        department.members.add(user)
        account = {"username": user.username, "role": "staff", "number": number, "items": []}
        accounts.append(account)
        colleagues[department.pk].append(account)
    for position, department in enumerate(departments):
        members, items = colleagues[department.pk], items_of[department.pk]
        for index, item in enumerate(items):
            members[index % len(members)]["items"].append(item)
        for index, account in enumerate(members):
            if not account["items"]:  # more colleagues than items: they share
                account["items"].append(items[index % len(items)])
        if position < SHARED_ITEM_DEPARTMENTS and len(members) > 1:
            members[1]["items"].append(members[0]["items"][0])
    for number in range(1, committee_count + 1):
        user = User.objects.create(username=f"load-committee-{number:02d}", password=hashed)
        user.groups.add(committee_group)
        accounts.append({"username": user.username, "role": "committee", "number": number})

    return {
        "plan": plan.code,
        "year": year,
        "password": password,
        "accounts": accounts,
        "indicators": [indicator.pk for indicator in INDICATORS.targets(plan)],
        "staff_users": staff_count,
        "committee_users": committee_count,
        "wait_min": WAIT[0],
        "wait_max": WAIT[1],
        "typing_seconds": list(TYPING),
        "dashboard_share": DASHBOARD_SHARE,
        "items": len(targets),
        "departments": len(departments),
    }


def shared_items(config):
    users = Counter(
        (item["kind"], item["pk"])
        for account in config["accounts"]
        for item in {(i["kind"], i["pk"]): i for i in account.get("items", [])}.values()
    )
    return {item for item, count in users.items() if count > 1}


# --- Gunicorn and locust ------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_status(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


class Gunicorn:
    def __init__(self, *, environment, workers, threads, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            str(BIN / "gunicorn"),
            "--config=okayama_kyodo/gunicorn.conf.py",
            "okayama_kyodo.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--timeout=120",
            "--access-logfile=-",
            # Its default socket is one path in the home folder, shared by every gunicorn.
            "--no-control-socket",
        ]
        self.environment = environment
        self.log_path = log_path
        self.process = None

    def start(self, timeout=60):
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=BASE_DIR,
            env=os.environ | self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start; see {self.log_path}")
            status = http_status(f"{self.url}/health/")
            if status == 404:  # a checkout without the health check yet
                status = http_status(f"{self.url}/accounts/login/")
            if status == 200:
                return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log_path}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


PORTAL_USERS = ("StaffUser", "CommitteeUser")
HEALTH_USERS = ("HealthStaffUser", "HealthCommitteeUser")  # the same rounds, all to /health/


def locust_run(*, config, directory, host, users, seconds, spawn_rate, user_classes=PORTAL_USERS):
    """Run locust headless; (start, end) of the run as epoch seconds."""
    directory.mkdir(exist_ok=True)
    config_path = directory / "config.json"
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    command = [
        str(BIN / "locust"),
        f"--locustfile={LOCUSTFILE}",
        "--headless",
        f"--users={users}",
        f"--spawn-rate={spawn_rate}",
        f"--run-time={seconds}s",
        f"--host={host}",
        # Let a user finish the round it is in, so no save is cut off by the end of the run.
        "--stop-timeout=30",
        "--only-summary",
        "--loglevel=WARNING",
        *user_classes,
    ]
    environment = os.environ | {"LOAD_CONFIG": str(config_path), "LOAD_OUTPUT": str(directory)}
    with (directory / "locust.log").open("ab") as log:
        started = time.time()
        subprocess.run(command, cwd=BASE_DIR, env=environment, stdout=log, stderr=log, check=False)
    return started, time.time()


def read_lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# --- Figures ----------------------------------------------------------------------------------


def percentile(sorted_values, share):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


LOGIN_KINDS = {"login page", "login"}


def after_logins(requests, deadline):
    """The requests (logins left out) started between the end of the last login and the end
    of the run (`deadline`, epoch seconds: the rounds users finish afterwards are left out);
    (requests, seconds of that window)."""
    logins = [r["t"] + r["ms"] / 1000 for r in requests if r["name"] in LOGIN_KINDS]
    start = max(logins, default=min((r["t"] for r in requests), default=deadline))
    window = [r for r in requests if r["name"] not in LOGIN_KINDS and start <= r["t"] < deadline]
    return window, max(deadline - start, 0.0)


def goals_print(run):
    """Issue 19's goals for the portal under load, measured after the logins; True if all met."""
    portal, seconds = after_logins(run.requests, run.started + run.seconds)
    health, health_seconds = after_logins(run.health_requests, run.health_started + run.seconds)
    if not portal or not health or seconds < 10:
        print(f"goals: not measurable ({len(portal)} requests after the logins, {seconds:.0f} s)")
        return False
    rate, health_rate = len(portal) / seconds, len(health) / health_seconds
    p95 = percentile(sorted(r["ms"] for r in portal), 0.95)
    errors = sum(1 for r in portal if r["error"] in ERRORS)
    checks = [
        (
            f"throughput {rate:.1f} requests/s = {rate / health_rate:.0%} of the same users' "
            f"{health_rate:.1f}/s against /health/",
            "≥ 50%",
            rate / health_rate >= 0.5,
        ),
        (f"95th percentile {p95:.0f} ms", "≤ 300 ms", p95 <= 300),
        (f"errors (5xx, connection) {errors}", "0", errors == 0),
        (f"acknowledged saves lost {run.lost}", "0", run.lost == 0),
    ]
    print(
        f"goals of issue 19, after the logins ({seconds:.0f} s of the portal's run, "
        f"{len(portal):,} requests; {health_seconds:.0f} s of the /health/ run):"
    )
    for figure, goal, met in checks:
        print(f"  {'✓' if met else '✗'} {figure} (goal {goal})")
    return all(met for _, _, met in checks)


def requests_print(requests):
    if not requests:
        print("requests: none")
        return
    first = min(r["t"] for r in requests)
    last = max(r["t"] + r["ms"] / 1000 for r in requests)
    print(
        f"requests: {len(requests):,} in {last - first:.1f} s = "
        f"{len(requests) / (last - first):.1f} per second"
    )
    header = f"{'requests':>9}{'median':>10}{'95%':>10}{'5xx':>6}{'conn':>6}{'other':>6}"
    print(f"  {'page kind':24}{header}")
    groups = {"overall": requests} | {
        kind: [r for r in requests if r["name"] == kind] for kind in PAGE_KINDS
    }
    for kind, group in groups.items():
        if not group:
            continue
        times = sorted(r["ms"] for r in group)
        errors = Counter(r["error"] for r in group)
        print(
            f"  {kind:24}{len(group):9,}{percentile(times, 0.5):8.0f} ms"
            f"{percentile(times, 0.95):7.0f} ms{errors['http_5xx']:6}{errors['connection']:6}"
            f"{errors['unexpected']:6}"
        )
    details = Counter(r.get("detail", "") for r in requests if r["error"] == "unexpected")
    for detail, count in details.most_common(5):
        print(f"  unexpected answer x{count}: {detail}")


def saves_summary(saves):
    """The last event of each save (keyed by its unique value); 'unanswered' when none came."""
    outcomes = {}
    for event in saves:
        key = (event["kind"], event["pk"], event["value"])
        if event["event"] == "attempt":
            outcomes.setdefault(key, event | {"event": "unanswered"})
        else:
            outcomes[key] = event
    return list(outcomes.values())


def gunicorn_errors(log_path):
    """Errors in gunicorn's log: the app's JSON lines at ERROR and gunicorn's own complaints."""
    errors = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("level") in ("ERROR", "CRITICAL"):
                errors.append(record)
        elif "[ERROR]" in line or "[CRITICAL]" in line:
            errors.append({"message": line, "exception": ""})
    return errors


def traceback_digest(exception):
    """The exception's last headline and the portal's own frames (not Django's, not the venv's)."""
    lines = exception.splitlines()
    headlines = [
        line
        for line in lines
        if line[:1].isalpha() and not line.startswith(("Traceback", "During", "The above"))
    ]
    frames = []
    for index, line in enumerate(lines):
        if f'File "{BASE_DIR}/' in line and "/.venv/" not in line:
            frames += [line, *lines[index + 1 : index + 2]]
    return (headlines[-1] if headlines else ""), frames


def gunicorn_errors_print(errors, limit=3):
    if not errors:
        print("gunicorn log: no errors")
        return
    kinds, examples = Counter(), {}
    for error in errors:
        headline, frames = traceback_digest(error.get("exception") or "")
        kind = headline or error["message"]
        kinds[kind] += 1
        examples.setdefault(kind, (error, frames))
    print(f"gunicorn log: {len(errors)} errors")
    for kind, count in kinds.most_common():
        print(f"  x{count}: {kind}")
    for kind, _ in kinds.most_common(limit):
        example, frames = examples[kind]
        print(f"  --- e.g. {example.get('time', '')} {example['message']}")
        for line in frames:
            print(f"    {line.strip()}")
        print(f"    {kind}")


# --- The database check -----------------------------------------------------------------------


def saves_check(saves, config):
    """Compare what the server said about every save with the database; (summary, problems)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from plans.progress.kinds import KINDS

    year = config["year"]
    user_ids = dict(get_user_model().objects.values_list("username", "pk"))
    shared = shared_items(config)
    problems = []

    def stored_value(kind, row):
        return row.value if kind.slug == "indicators" else row.budget_amount

    finals, history = {}, defaultdict(list)
    for kind in KINDS.values():
        target = f"{kind.target_field}_id"
        entries = kind.entry_model.objects.filter(fiscal_year=year)
        for duplicate in entries.values(target).annotate(rows=Count("pk")).filter(rows__gt=1):
            problems.append(f"{kind.slug} {duplicate[target]}: {duplicate['rows']} rows")
        for entry in entries:
            finals[(kind.slug, getattr(entry, target))] = (entry.version, stored_value(kind, entry))
        for row in kind.entry_model.history.filter(fiscal_year=year):
            history[(kind.slug, getattr(row, target))].append(
                {
                    "version": row.version,
                    "value": stored_value(kind, row),
                    "user": row.history_user_id,
                    "type": row.history_type,
                    "explained": False,
                }
            )

    def rows_for(save):
        return [
            row
            for row in history[(save["kind"], save["pk"])]
            if row["version"] == save["version"] + 1 and row["value"] == Decimal(save["value"])
        ]

    outcomes = Counter(save["event"] for save in saves)
    acknowledged = [save for save in saves if save["event"] == "ack"]
    in_doubt = [save for save in saves if save["event"] in ("error", "unanswered")]
    lost = 0
    for save in acknowledged:
        rows = rows_for(save)
        if len(rows) != 1 or rows[0]["user"] != user_ids[save["user"]]:
            lost += 1
            problems.append(f"acknowledged save not stored once by its user: {save}")
        for row in rows:
            row["explained"] = True
    committed_in_doubt = 0
    for save in in_doubt:
        rows = rows_for(save)
        committed_in_doubt += bool(rows)
        for row in rows:
            row["explained"] = True
    conflicts = [save for save in saves if save["event"] == "conflict"]
    justified = 0
    for save in conflicts:
        rows = history[(save["kind"], save["pk"])]
        if any(row["value"] == Decimal(save["value"]) for row in rows):
            problems.append(f"save refused as a conflict is stored anyway: {save}")
        # Justified only if somebody else's save took the version this one would have made.
        if any(
            row["version"] == save["version"] + 1 and row["user"] != user_ids[save["user"]]
            for row in rows
        ):
            justified += 1
        else:
            problems.append(f"conflict without another person's save before it: {save}")
        if (save["kind"], save["pk"]) not in shared:
            problems.append(f"conflict on an item nobody else edits: {save}")
    for item, rows in history.items():
        versions = Counter(row["version"] for row in rows)
        for version, count in versions.items():
            if count > 1:
                problems.append(f"{item}: {count} history rows for version {version}")
        for row in rows:
            if not row["explained"]:
                problems.append(f"{item}: history row no save explains: {row}")
        latest = max(rows, key=lambda row: row["version"])
        if finals.get(item) != (latest["version"], latest["value"]):
            problems.append(f"{item}: stored {finals.get(item)} but latest history is {latest}")
    last_acknowledged = {}
    for save in acknowledged:
        item = (save["kind"], save["pk"])
        if save["version"] >= last_acknowledged.get(item, {"version": -1})["version"]:
            last_acknowledged[item] = save
    overtaken = 0  # by a save whose answer was lost but which committed: allowed
    for item, save in last_acknowledged.items():
        version, value = finals.get(item, (None, None))
        if version == save["version"] + 1:
            if value != Decimal(save["value"]):
                problems.append(f"{item}: stored {value}, last acknowledged {save['value']}")
        else:
            overtaken += 1
    history_rows = sum(len(rows) for rows in history.values())
    if history_rows != len(acknowledged) + committed_in_doubt:
        problems.append(
            f"history rows {history_rows} != acknowledged {len(acknowledged)}"
            f" + committed in doubt {committed_in_doubt}"
        )
    summary = [
        "saves: "
        + ", ".join(
            f"{count} {name}"
            for name, count in [
                ("sent", len(saves)),
                ("acknowledged", outcomes["ack"]),
                ("conflicts", outcomes["conflict"]),
                ("refused otherwise", outcomes["refused"]),
                ("errors", outcomes["error"]),
                ("unanswered", outcomes["unanswered"]),
            ]
        ),
        f"  {len(shared)} items shared by two users: "
        f"{sum(1 for s in acknowledged if (s['kind'], s['pk']) in shared)} acknowledged saves "
        f"and {len(conflicts)} conflicts on them, {justified} of them after the other person's "
        "save of that version",
        f"  items saved: {len(finals)} of {config['items']}; history rows {history_rows} = "
        f"acknowledged {len(acknowledged)} + in doubt but committed {committed_in_doubt} "
        f"(of {len(in_doubt)} in doubt)",
        f"  acknowledged but not stored (lost): {lost}; final value = last acknowledged save on "
        f"{len(last_acknowledged) - overtaken} of {len(last_acknowledged)} items"
        + (f" ({overtaken} overtaken by a committed save in doubt)" if overtaken else ""),
    ]
    return summary, problems, lost


# --- The run ----------------------------------------------------------------------------------


def load_run(args, *, server=MAIN_SERVER, during=(), yardstick=False):
    """Prepare, serve, load, check; every `during(run, gunicorn, seconds)` runs in a thread
    while locust runs. With `yardstick`, the same users then run the same rounds against
    /health/ on the same server. The database is dropped and gunicorn stopped whatever
    happens."""
    directory = Path(tempfile.mkdtemp(prefix="okayama_kyodo_load_"))
    run = Run(directory=directory, seconds=args.seconds)
    environment = app_environment(server)
    committee = max(1, round(args.users / 5))
    if args.users - committee < 1:
        raise SystemExit("--users: at least 2 (a staff member and a committee member)")
    database_recreate(server, DATABASE)
    gunicorn = None
    try:
        django_start(environment | {"LOG_LEVEL": "WARNING"})
        from django.db import connections

        started = time.perf_counter()
        run.config = portal_prepare(staff_count=args.users - committee, committee_count=committee)
        connections.close_all()
        config = run.config
        print(
            f"database {DATABASE} on {server}: plan {config['plan']} FY{config['year']}, "
            f"{config['items']} items in {config['departments']} departments, "
            f"{config['staff_users']} staff and {config['committee_users']} committee members "
            f"(ready in {time.perf_counter() - started:.1f} s)"
        )
        gunicorn = Gunicorn(
            environment=environment,
            workers=args.workers,
            threads=args.threads,
            log_path=directory / "gunicorn.log",
        )
        gunicorn.start()
        print(
            f"gunicorn at {gunicorn.url}: {args.workers} sync workers"
            if args.threads == 1
            else f"gunicorn at {gunicorn.url}: {args.workers} workers x {args.threads} threads"
        )
        print(
            f"locust: {args.users} users for {args.seconds} s, started {args.spawn_rate:g}/s; "
            f"think {WAIT[0]}-{WAIT[1]} s between rounds, {TYPING[0]}-{TYPING[1]} s typing"
        )
        threads = [
            threading.Thread(target=action, args=(run, gunicorn, args.seconds), daemon=True)
            for action in during
        ]
        run.started = time.time()
        for thread in threads:
            thread.start()
        _, run.finished = locust_run(
            config=config,
            directory=directory,
            host=gunicorn.url,
            users=args.users,
            seconds=args.seconds,
            spawn_rate=args.spawn_rate,
        )
        for thread in threads:
            thread.join(timeout=60)
        if yardstick:
            print("locust again: the same users and rounds, every request to /health/")
            run.health_started, _ = locust_run(
                config=config,
                directory=directory / "health",
                host=gunicorn.url,
                users=args.users,
                seconds=args.seconds,
                spawn_rate=args.spawn_rate,
                user_classes=HEALTH_USERS,
            )
            run.health_requests = read_lines(directory / "health" / "requests.jsonl")
        gunicorn.stop()
        run.requests = read_lines(directory / "requests.jsonl")
        run.saves = saves_summary(read_lines(directory / "saves.jsonl"))
        summary, run.problems, run.lost = saves_check(run.saves, config)
        connections.close_all()
        run.log_errors = gunicorn_errors(directory / "gunicorn.log")
        print()
        requests_print(run.requests)
        print()
        for line in summary:
            print(line)
        if run.problems:
            print(f"database check: FAILED, {len(run.problems)} problems")
            for problem in run.problems[:20]:
                print(f"  {problem}")
        else:
            print("database check: OK (nothing lost, duplicated or silently overwritten)")
        print()
        gunicorn_errors_print(run.log_errors)
        print(f"logs: {directory}")
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        if "django.db" in sys.modules:
            sys.modules["django.db"].connections.close_all()
        database_recreate(server, DATABASE, create=False)
    return run


def main():
    # 90 s: the 50 logins (PBKDF2, on purpose slow) take the first 15-30 s on 2 CPUs, and the
    # goals are measured after them.
    args = arguments(__doc__.splitlines()[0], users=50, seconds=90).parse_args()
    run = load_run(args, yardstick=True)
    errors = sum(1 for r in run.requests if r["error"] in ERRORS)
    unexpected = sum(1 for r in run.requests if r["error"] == "unexpected")
    print(f"errors (5xx, connection): {errors}; unexpected answers: {unexpected}")
    print()
    goals_met = goals_print(run)
    failed = errors or unexpected or run.problems or not run.requests or not goals_met
    print("RESULT: FAILED" if failed else "RESULT: OK")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
