"""A worker killed during an import leaves no partial import, and the next import works.

Two ways: `manage.py import_projects` killed halfway through its writing pass, and a gunicorn
worker killed while the plan office's confirmed import (admin) is being written, after which
the kept upload can be confirmed again.

`manage.py import_projects` runs in a subprocess against a database of its own: pytest's test
database cannot be reached from another process (in-memory SQLite, or a PostgreSQL transaction
that is never committed). With SQLite that is a temporary file; with PostgreSQL a fresh
database on the same server, dropped afterwards.

The process is killed with SIGKILL, which it cannot catch: no `finally`, no rollback of its
own. What stands between a half-written import and the database is the transaction alone.
It is killed only once it is really writing, that is when both hold:

- its progress on standard error ("確認中 n/total行", written once for the check pass and once
  for the writing pass) is halfway through the second pass, so several batches of 1,000
  projects have been sent to the database;
- the database itself shows a write transaction open: for SQLite the rollback journal
  (`<file>-journal`, which exists from a transaction's first write until it ends; the check
  pass has ended by then), for PostgreSQL the import's backend holding a transaction id
  (`pg_stat_activity.backend_xid`, assigned at the first write) and a RowExclusiveLock on the
  project table.

The kill thus comes halfway through the writing pass, some 3,000 of the 6,000 projects (with
their measure rows and history rows) sent to the database in batches, none of them committed.
"""

import csv
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings

from projects.models import MeasureProject, Project
from projects.resources import TEMPLATE_COLUMNS

pytestmark = pytest.mark.slow

BASE_DIR = Path(settings.BASE_DIR)
PLAN_FILE = BASE_DIR / "fixtures" / "plans" / "okayama-kyodo-2021.toml"
PLAN = "okayama-kyodo-2021"
# The whole import (check pass, then writing pass) takes about 8 s here, on either database.
ROWS = 6_000
MEASURES = "1-1、2-3"  # two measure rows per project: more to write, more to leave behind
PROGRESS = re.compile(r"書き込み中 ([\d,]+)/([\d,]+)行")
TIMEOUT = 300

TABLES = {
    "projects": (Project._meta.db_table, "id, plan_id, code, name, summary, department_id"),
    "measure links": (
        MeasureProject._meta.db_table,
        "id, measure_id, project_id, position, listed_summary",
    ),
    "history": (
        Project.history.model._meta.db_table,
        "history_id, id, code, name, history_type, history_user_id",
    ),
}


def uses_postgresql():
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


class SqliteDatabase:
    """A SQLite file for the subprocesses; it must use a rollback journal (the default)."""

    def __init__(self, folder):
        self.path = folder / "fault.sqlite3"
        self.journal = Path(f"{self.path}-journal")
        self.url = f"sqlite:///{self.path}"

    def query(self, sql):
        # Opening the file after a crash rolls back what a hot journal left.
        with closing(sqlite3.connect(self.path)) as connection:
            return connection.execute(sql).fetchall()

    def check_setup(self):
        assert self.query("PRAGMA journal_mode") == [("delete",)]

    def writing(self):
        return self.journal.exists()

    def wait_until_rolled_back(self):
        # Nothing to wait for: the next connection to read the file rolls back what the hot
        # journal holds, before it reads anything.
        assert self.journal.exists(), "the killed import left no journal behind"

    def drop(self):
        pass  # tmp_path goes with pytest's own clean-up


class PostgresDatabase:
    """A fresh database on the server the tests use, under a name of its own."""

    def __init__(self):
        configured = settings.DATABASES["default"]
        self.server = {
            "host": configured.get("HOST") or None,
            "port": configured.get("PORT") or None,
            "user": configured.get("USER") or None,
            "password": configured.get("PASSWORD") or None,
        }
        self.name = f"okayama_kyodo_fault_{uuid.uuid4().hex[:12]}"
        user = quote(configured.get("USER") or "")
        password = quote(configured.get("PASSWORD") or "")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        address = configured.get("HOST") or ""
        if configured.get("PORT"):
            address += f":{configured['PORT']}"
        self.url = f"postgres://{credentials}{address}/{self.name}"
        self._admin(f'CREATE DATABASE "{self.name}"')

    def _connect(self, dbname):
        connection = psycopg2.connect(dbname=dbname, **self.server)
        connection.autocommit = True
        return connection

    def _admin(self, sql, params=None):
        with closing(self._connect("postgres")) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def query(self, sql):
        with closing(self._connect(self.name)) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def check_setup(self):
        pass

    def _import_backends(self):
        """The other sessions on this database: the import's, once it has connected."""
        return self._admin(
            "SELECT pid, backend_xid IS NOT NULL FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.name],
        )

    def writing(self):
        writers = [pid for pid, has_xid in self._import_backends() if has_xid]
        if len(writers) != 1:
            return False
        locks = self.query(
            "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            f"WHERE l.pid = {int(writers[0])} AND c.relname = '{TABLES['projects'][0]}'"
        )
        return ("RowExclusiveLock",) in locks

    def wait_until_rolled_back(self):
        # The server ends the session (and rolls its transaction back) once it notices that
        # the client is gone.
        deadline = time.monotonic() + 30
        while self._import_backends():
            assert time.monotonic() < deadline, "the killed import's session stayed open"
            time.sleep(0.05)

    def drop(self):
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [self.name],
        )
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')


@pytest.fixture
def database(tmp_path):
    target = PostgresDatabase() if uses_postgresql() else SqliteDatabase(tmp_path)
    yield target
    target.drop()


def manage(database, *args, **options):
    """Run manage.py against `database`; the process is returned once it has ended."""
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=BASE_DIR,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        **options,
    )


def environment(database):
    return os.environ | {"DATABASE_URL": database.url, "LOG_LEVEL": "WARNING"}


def prepared(database):
    for command in (["migrate", "-v0"], ["setup_roles"], ["load_plan", PLAN_FILE]):
        completed = manage(database, *command)
        assert completed.returncode == 0, completed.stderr[-2000:]
    database.check_setup()
    return database


def project_list(folder, rows=ROWS):
    path = folder / "projects.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        for number in range(1, rows + 1):
            writer.writerow(
                [f"F-{number:05d}", f"負荷試験事業{number:05d}", "概要" * 20, MEASURES, ""]
            )
    return path


def snapshot(database):
    return {
        label: database.query(f"SELECT {columns} FROM {table} ORDER BY 1")
        for label, (table, columns) in TABLES.items()
    }


def writing_pass_rows(stderr_file):
    """How many rows the writing pass has reached, from the progress on stderr."""
    done = PROGRESS.findall(stderr_file.read_bytes().decode(errors="ignore"))
    return max((int(rows.replace(",", "")) for rows, _ in done), default=0)


def test_an_import_killed_while_writing_leaves_nothing_and_the_next_one_succeeds(
    database, tmp_path
):
    prepared(database)
    path = project_list(tmp_path)
    before = snapshot(database)
    stderr_file = tmp_path / "import.stderr"

    with stderr_file.open("wb") as stderr, (tmp_path / "import.stdout").open("wb") as stdout:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_projects", str(path), "--plan", PLAN],
            cwd=BASE_DIR,
            env=environment(database),
            stdout=stdout,
            stderr=stderr,
        )
        writing_seen = None
        try:
            while not (writing_pass_rows(stderr_file) >= ROWS // 2 and database.writing()):
                if writing_seen is None and writing_pass_rows(stderr_file):
                    writing_seen = time.monotonic() - started
                assert process.poll() is None, (
                    "the import ended before it was caught writing: "
                    + stderr_file.read_text(errors="replace")[-2000:]
                )
                assert time.monotonic() - started < TIMEOUT
                time.sleep(0.02)
            rows_reached = writing_pass_rows(stderr_file)
            running = process.poll() is None
            process.send_signal(signal.SIGKILL)
            killed_after = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
            returncode = process.wait(timeout=TIMEOUT)

    print(
        f"killed after {killed_after:.1f} s (the writing pass was seen at {writing_seen:.1f} s), "
        f"at row {rows_reached:,} of {ROWS:,} of the writing pass"
    )
    assert running
    assert returncode == -signal.SIGKILL  # killed by us, not ended by itself
    database.wait_until_rolled_back()
    left = snapshot(database)
    assert {label: len(rows) for label, rows in left.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    assert left == before

    # The control: the same file, not interrupted, adds every row; and after the crash the
    # database takes a new import as if nothing had happened.
    control_started = time.monotonic()
    completed = manage(database, "import_projects", path, "--plan", PLAN)
    assert completed.returncode == 0, completed.stderr[-2000:]
    print(f"the same import, not killed, took {time.monotonic() - control_started:.1f} s")
    after = snapshot(database)
    assert len(after["projects"]) == len(before["projects"]) + ROWS
    assert len(after["measure links"]) == len(before["measure links"]) + 2 * ROWS
    assert len(after["history"]) == len(before["history"]) + ROWS
    assert set(after["projects"]) >= set(before["projects"])
    assert {row[2] for row in after["projects"]} >= {f"F-{n:05d}" for n in range(1, ROWS + 1)}


# --- A web worker killed while the confirmed import is being written ------------------------

WEB_ROWS = 6_000
PASSWORD = "fault-test-passphrase-2026"


class Browser:
    """Just enough of a browser for the admin's import: cookies, CSRF tokens, a form upload."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.base + path, timeout=TIMEOUT) as response:
            return response.read().decode()

    def post(self, path, fields, files=None):
        """POST a form (multipart when there are files); the page it ends on, after redirects."""
        page = self.get(path)
        fields = {"csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"), **fields}
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, data) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base + path,
            },
        )
        with self.opener.open(request, timeout=TIMEOUT) as response:
            return response.geturl(), response.read().decode()


def hidden(page, name):
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} on the page: {page[:2000]}"
    return found.group(1)


def free_port():
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_pids(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.fixture
def web_server(database, tmp_path):
    """gunicorn with production settings and one worker, serving `database` on loopback."""
    prepared(database)
    env = environment(database) | {
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "SECRET_KEY": "fault-test-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    for command in (
        ["collectstatic", "--noinput", "-v0"],
        ["createsuperuser", "--noinput", "--username", "office", "--email", "o@example.jp"],
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    command = [sys.executable, "-m", "gunicorn", "okayama_kyodo.wsgi:application"]
    options = [f"--bind=127.0.0.1:{port}", "--workers=1", f"--timeout={TIMEOUT}"]
    master = subprocess.Popen(
        [*command, *options, "--no-control-socket"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/health/", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert master.poll() is None, (tmp_path / "gunicorn.log").read_text()[-2000:]
        assert time.monotonic() < deadline, "gunicorn did not answer"
        time.sleep(0.2)
    yield master, base
    master.terminate()
    master.wait(timeout=30)
    log.close()


def test_a_web_worker_killed_while_importing_leaves_nothing_and_the_upload_waits(
    database, web_server, tmp_path
):
    """The plan office confirms a large import; the worker is killed while writing.

    Nothing of it may be in the database, and the upload it confirmed is still kept: confirming
    again (a new worker, started by gunicorn's master) imports every row.
    """
    master, base = web_server
    path = project_list(tmp_path, WEB_ROWS)
    before = snapshot(database)
    office = Browser(base)
    office.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    plan_pk = database.query(f"SELECT id FROM plans_plan WHERE code = '{PLAN}'")[0][0]
    _, preview = office.post(
        "/admin/projects/project/import/",
        {"plan": plan_pk, "encoding": ""},
        files={"file": ("projects.csv", path.read_bytes())},
    )
    assert f"新規 {WEB_ROWS:,}件".replace(",", "") in preview.replace(",", ""), preview[:3000]
    confirm = {
        "confirm": "この内容で取り込む",
        **{name: hidden(preview, name) for name in ("token", "plan", "filename", "encoding")},
    }
    assert snapshot(database) == before  # the preview wrote nothing

    outcome = {}

    def press_confirm():
        try:
            outcome["answer"] = office.post("/admin/projects/project/import/", confirm)
        except OSError as error:  # the connection dies with the worker
            outcome["error"] = error

    [worker] = worker_pids(master.pid)
    pressed = threading.Thread(target=press_confirm)
    started = time.monotonic()
    pressed.start()
    while not database.writing():
        assert pressed.is_alive(), f"the import ended before it was caught writing: {outcome}"
        assert time.monotonic() - started < TIMEOUT
        time.sleep(0.02)
    writing_seen = time.monotonic() - started
    time.sleep(0.5)  # several batches of 1,000 projects into the transaction
    assert pressed.is_alive() and database.writing()
    os.kill(worker, signal.SIGKILL)
    pressed.join(TIMEOUT)
    killed_after = time.monotonic() - started
    print(
        f"worker killed {killed_after:.1f} s after confirming "
        f"(writing seen at {writing_seen:.1f} s); the browser got: {outcome}"
    )
    assert "error" in outcome

    database.wait_until_rolled_back()
    assert snapshot(database) == before

    # gunicorn's master starts a new worker; the upload waits for its confirmation.
    deadline = time.monotonic() + 60
    while worker_pids(master.pid) in ([], [worker]):
        assert time.monotonic() < deadline, "gunicorn started no new worker"
        time.sleep(0.1)
    landed, page = office.post("/admin/projects/project/import/", confirm)
    assert landed.endswith("/admin/projects/project/") and "に取り込みました" in page
    after = snapshot(database)
    assert len(after["projects"]) == len(before["projects"]) + WEB_ROWS
    assert len(after["history"]) == len(before["history"]) + WEB_ROWS
