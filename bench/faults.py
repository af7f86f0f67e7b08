"""Fault test: PostgreSQL restarted in the middle of a load run; errors, recovery, nothing lost.

    .venv/bin/python bench/faults.py [--users 20] [--seconds 45] [--port 5499]

Starts a private PostgreSQL 15 cluster (initdb in a folder under /tmp, as the postgres user, on
127.0.0.1:<port>; the main server is never touched), then runs the load of bench/load.py
against it (own database, gunicorn with production settings, locust). At a third of the run it
restarts that cluster (`pg_ctl restart -m fast`) while /health/ is polled every 0.25 s.

Prints the load figures, a timeline of requests and errors per 5-second bucket, which requests
failed around the restart, whether any request that started after PostgreSQL was back failed
(stale persistent connections: CONN_MAX_AGE=60 with health checks), how long until service
was whole again, and the database check of bench/load.py (every acknowledged save kept; a save
whose answer was an error may or may not have been stored, and is counted apart). Exit status
1 if any request failed in the last third of the run, or the database check fails.
The cluster is stopped and its folder removed at the end.
"""

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import load

PG_BIN = Path("/usr/lib/postgresql/15/bin")
BUCKET = 5


class PrivateCluster:
    """A throw-away PostgreSQL cluster owned by the postgres user, on a loopback port."""

    def __init__(self, port):
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="okayama_kyodo_load_pg_"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.log = self.folder / "postgresql.log"
        self.url = f"postgres://postgres@127.0.0.1:{port}"

    def _as_postgres(self, program, *args):
        # Output to a file, not a pipe: the server started by pg_ctl would keep a pipe open.
        with (self.folder / "pg_ctl.log").open("a") as output:
            subprocess.run(
                ["runuser", "-u", "postgres", "--", str(PG_BIN / program), *map(str, args)],
                cwd=self.folder,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=True,
            )

    def start(self):
        self._as_postgres("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                          "--locale=C")  # fmt: skip
        # Every new connection is logged, to see whether the app's persistent ones were reused.
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c log_connections=on"
        )
        self._as_postgres("pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")

    def restart(self):
        # pg_ctl restart keeps the server's options (postmaster.opts), but not its log file.
        self._as_postgres("pg_ctl", "-D", self.data, "-l", self.log, "-m", "fast", "-w", "restart")

    def connections(self):
        """Connections to the load database opened before and after the restart."""
        before = after = 0
        restarted = False
        for line in self.log.read_text(errors="replace").splitlines():
            if "received fast shutdown request" in line:
                restarted = True
            elif f"connection authorized: user=postgres database={load.DATABASE}" in line:
                if restarted:
                    after += 1
                else:
                    before += 1
        return before, after

    def stop(self):
        try:
            self._as_postgres("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def timeline_print(run, restart, health):
    start = run.started
    buckets = int((run.finished - start) // BUCKET) + 1
    rows = [Counter() for _ in range(buckets)]
    for request in run.requests:
        row = rows[min(buckets - 1, int((request["t"] - start) // BUCKET))]
        row["requests"] += 1
        row[request["error"]] += 1
    for save in run.saves:
        if save["event"] == "ack":
            rows[min(buckets - 1, int((save["t"] - start) // BUCKET))]["saves"] += 1
    for moment, status in health:
        row = rows[min(buckets - 1, int((moment - start) // BUCKET))]
        row["health"] += 1
        row["health down"] += status != 200
    restart_buckets = {int((restart[key] - start) // BUCKET) for key in ("begun", "ended")}
    begun, ended = restart["begun"] - start, restart["ended"] - start
    print(f"timeline (t: seconds since the load started; restart at t={begun:.1f}-{ended:.1f} s):")
    header = f"{'requests':>10}{'5xx':>6}{'conn':>6}{'other':>7}{'saves':>7}{'health!=200':>13}"
    print(f"  {'t':>9}{header}")
    for index, row in enumerate(rows):
        mark = "  <- PostgreSQL restart" if index in restart_buckets else ""
        print(
            f"  {index * BUCKET:3}-{(index + 1) * BUCKET:3} s{row['requests']:10}"
            f"{row['http_5xx']:6}{row['connection']:6}{row['unexpected']:7}{row['saves']:7}"
            f"{row['health down']:7} of {row['health']:3}{mark}"
        )


def restart_report(run, restart, health):
    """Print what failed around the restart; the number of errors in the last third."""
    begun, ended = restart["begun"], restart["ended"]
    errors = [r for r in run.requests if r["error"] in load.ERRORS]
    print(f"PostgreSQL restart (pg_ctl restart -m fast): {ended - begun:.2f} s")
    if errors:
        first = min(r["t"] for r in errors)
        last = max(r["t"] + r["ms"] / 1000 for r in errors)
        kinds = Counter((r["name"], r["status"]) for r in errors)
        print(
            f"failed requests: {len(errors)}, started {first - begun:+.2f} s to ended "
            f"{last - begun:+.2f} s from the restart's start: "
            + ", ".join(
                f"{name} {status or 'no answer'} x{n}" for (name, status), n in kinds.items()
            )
        )
    else:
        print("failed requests: none")
    after = [r for r in errors if r["t"] >= ended]
    print(
        f"requests started after PostgreSQL was back that failed (stale connections): {len(after)}"
        + (f", the last {max(r['t'] for r in after) - ended:.2f} s after" if after else "")
    )
    down = [moment for moment, status in health if status != 200 and moment >= begun - 1]
    back = [moment for moment, status in health if status == 200 and down and moment > max(down)]
    if down:
        print(
            f"/health/: not 200 from {min(down) - begun:+.2f} s to {max(down) - begun:+.2f} s; "
            f"200 again {back[0] - begun:+.2f} s after the restart began"
            if back
            else "/health/: never answered 200 again"
        )
    else:
        print("/health/: 200 throughout (no poll fell into the restart)")
    if errors:
        last = max(r["t"] + r["ms"] / 1000 for r in errors)
        print(f"service whole again {max(0.0, last - ended):.2f} s after PostgreSQL was back")
    last_third = run.started + (run.finished - run.started) * 2 / 3
    late = [r for r in run.requests if r["error"] and r["t"] >= last_third]
    since = last_third - run.started
    print(f"errors in the last third of the run (from t={since:.0f} s): {len(late)}")
    return late


def main():
    parser = load.arguments(__doc__.splitlines()[0], users=20, seconds=45)
    parser.add_argument("--port", type=int, default=5499, help="the private cluster's port")
    args = parser.parse_args()
    port = args.port if port_is_free(args.port) else load.free_port()
    cluster = PrivateCluster(port)
    restart, health = {}, []

    def restart_at_a_third(run, gunicorn, seconds):
        time.sleep(max(0.0, run.started + seconds / 3 - time.time()))
        restart["begun"] = time.time()
        cluster.restart()
        restart["ended"] = time.time()

    def poll_health(run, gunicorn, seconds):
        while time.time() < run.started + seconds:
            moment = time.time()
            health.append((moment, load.http_status(f"{gunicorn.url}/health/", timeout=2)))
            time.sleep(max(0.0, moment + 0.25 - time.time()))

    cluster.start()
    try:
        print(f"private PostgreSQL 15 cluster at {cluster.url} ({cluster.folder})")
        run = load.load_run(args, server=cluster.url, during=[restart_at_a_third, poll_health])
        connections = cluster.connections()
    finally:
        cluster.stop()
    print()
    if "begun" not in restart:
        print("the restart did not happen")
        sys.exit(1)
    timeline_print(run, restart, health)
    print()
    late = restart_report(run, restart, health)
    print(
        f"connections opened to {load.DATABASE}: {connections[0]} before the restart (setup, "
        f"{args.workers} workers), {connections[1]} after it (the workers' new ones, the check)"
    )
    unexpected = [r for r in run.requests if r["error"] == "unexpected"]
    print(f"unexpected answers (not 5xx or connection errors): {len(unexpected)}")
    failed = late or run.problems or unexpected or not run.requests
    print("RESULT: FAILED" if failed else "RESULT: OK")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
