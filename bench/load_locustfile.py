"""The people of the load test, for locust: staff saving drafts, committee members reading.

Run by bench/load.py and bench/faults.py, which prepare the database and write the accounts and
their items to the JSON file named by LOAD_CONFIG. Two files are written into LOAD_OUTPUT:

- requests.jsonl: every request (start time, page kind, status, latency, error kind), so that the
  scripts compute percentiles and timelines themselves;
- saves.jsonl: every save, once when it is sent ("attempt") and once with what the server said
  ("ack": 302 back to the entry page; "conflict": the form again with the conflict message;
  "refused": the form again for another reason; "error": 5xx or no answer). Each save's value
  encodes the user and a sequence number, so the database check can find it.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, events, task

CONFIG = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text(encoding="utf-8"))
OUTPUT = Path(os.environ["LOAD_OUTPUT"])
REQUESTS_LOG = (OUTPUT / "requests.jsonl").open("a", encoding="utf-8", buffering=1)
SAVES_LOG = (OUTPUT / "saves.jsonl").open("a", encoding="utf-8", buffering=1)

PLAN, YEAR = CONFIG["plan"], CONFIG["year"]
SAVED_MESSAGE = "下書きを保存しました"
CONFLICT_MESSAGE = "あなたの変更は保存していません"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION = re.compile(r'<input[^>]*name="version"[^>]*value="(\d+)"')


@events.request.add_listener
def _record_request(name, response_time, response=None, exception=None, start_time=None, **_):
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        error = "http_5xx"
    elif exception is not None and status == 0:
        error = "connection"
    elif exception is not None:
        error = "unexpected"  # a 4xx, or an answer that failed a check below
    else:
        error = None
    line = {"t": start_time, "name": name, "status": status, "ms": response_time, "error": error}
    if error == "unexpected":
        line["detail"] = str(exception)[:300]
    REQUESTS_LOG.write(json.dumps(line) + "\n")


def _save_event(**fields):
    SAVES_LOG.write(json.dumps(fields | {"t": time.time()}, ensure_ascii=False) + "\n")


def _accounts(role):
    return itertools.cycle([account for account in CONFIG["accounts"] if account["role"] == role])


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(CONFIG["wait_min"], CONFIG["wait_max"])
    accounts = None

    def on_start(self):
        self.account = next(self.accounts)
        self.logged_in = False

    def login(self):
        """Log in once; a login that fails (the server or the database away) is tried again."""
        with self.client.get(
            "/accounts/login/", name="login page", catch_response=True
        ) as response:
            token = _CSRF.search(response.text or "")
            if response.status_code != 200 or not token:
                response.failure(f"login page {response.status_code}")
                return
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["username"],
                "password": CONFIG["password"],
                "csrfmiddlewaretoken": token.group(1),
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and "/accounts/login/" not in location:
                self.logged_in = True
            elif response.status_code < 500:
                response.failure(f"login refused: {response.status_code} {location}")

    def get_page(self, url, name, must_contain=None):
        """GET a page that must answer 200 (and say `must_contain`); its text, or None."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                if response.status_code < 500 and response.status_code != 0:
                    response.failure(f"{name}: {response.status_code} {response.url}")
                return None
            if must_contain and must_contain not in response.text:
                response.failure(f"{name}: '{must_contain}' missing")
                return None
            return response.text

    def overview(self):
        self.get_page(f"/dashboard/{PLAN}/{YEAR}/", "overview", "進捗状況")


class StaffUser(PortalUser):
    """A department's staff member: their work list, one of their items, a draft saved."""

    fixed_count = CONFIG["staff_users"]
    accounts = _accounts("staff")

    def on_start(self):
        super().on_start()
        self.items = itertools.cycle(self.account["items"])
        self.sequence = 0

    @task
    def enter_a_value(self):
        if not self.logged_in:
            self.login()
            return
        self.get_page(f"/entry/{PLAN}/{YEAR}/", "work list", f"{YEAR}年度の入力")
        item = next(self.items)
        path = f"/entry/{PLAN}/{YEAR}/{item['kind']}/{item['pk']}/"
        page = self.get_page(path, "entry page")
        token, version = _CSRF.search(page or ""), _VERSION.search(page or "")
        if not (token and version):
            return
        time.sleep(random.uniform(*CONFIG["typing_seconds"]))  # a person types the value
        self.save(item, path, token.group(1), int(version.group(1)))
        if random.random() < CONFIG["dashboard_share"]:
            self.overview()

    def save(self, item, path, token, version):
        self.sequence += 1
        number = self.account["number"]
        if item["kind"] == "indicators":
            value = f"{number}.{self.sequence:04d}"
            form = {"value": value, "analysis": f"負荷試験 {self.account['username']}"}
        else:
            value = str(number * 100_000 + self.sequence)
            form = {
                "activities": f"負荷試験 {self.account['username']} #{self.sequence}",
                "grade": "B",
                "outlook": "continue",
                "budget_amount": value,
                "settlement_amount": "",
            }
        save = {
            "user": self.account["username"],
            "kind": item["kind"],
            "pk": item["pk"],
            "version": version,
            "value": value,
        }
        _save_event(event="attempt", **save)
        form |= {"version": str(version), "action": "save", "csrfmiddlewaretoken": token}
        with self.client.post(
            path, data=form, name="save", allow_redirects=False, catch_response=True
        ) as response:
            status = response.status_code
            if status == 302 and response.headers.get("Location") == path:
                _save_event(event="ack", **save)
            elif status == 200 and CONFLICT_MESSAGE in response.text:
                _save_event(event="conflict", **save)
            elif status >= 500 or status == 0:
                _save_event(event="error", status=status, **save)
                return
            else:
                _save_event(event="refused", status=status, **save)
                response.failure(f"save refused: {status}")
                return
        if status == 302:
            # The success message is shown once, on the page the save redirected to.
            self.get_page(path, "entry page after save", SAVED_MESSAGE)


class CommitteeUser(PortalUser):
    """A committee member reads the overview and an indicator's page."""

    fixed_count = CONFIG["committee_users"]
    accounts = _accounts("committee")

    @task
    def read(self):
        if not self.logged_in:
            self.login()
            return
        self.overview()
        time.sleep(random.uniform(*CONFIG["typing_seconds"]))
        indicator = random.choice(CONFIG["indicators"])
        self.get_page(
            f"/dashboard/{PLAN}/{YEAR}/indicators/{indicator}/", "indicator page", "の評価"
        )


# --- The yardstick: the same people, rounds and pauses, every request to /health/ -------------
# bench/load.py runs these after the portal's run (`locust ... HealthStaffUser
# HealthCommitteeUser`): the throughput the users would reach if every page cost what the health
# check costs, against which the portal's own throughput is measured.


class HealthUser(HttpUser):
    abstract = True
    wait_time = between(CONFIG["wait_min"], CONFIG["wait_max"])

    def on_start(self):
        self.logged_in = False

    def hit(self, name):
        with self.client.get("/health/", name=name, catch_response=True) as response:
            if 0 < response.status_code < 500 and response.status_code != 200:
                response.failure(f"{name}: /health/ {response.status_code}")

    def login(self):
        self.hit("login page")
        self.hit("login")
        self.logged_in = True


class HealthStaffUser(HealthUser):
    fixed_count = CONFIG["staff_users"]

    @task
    def enter_a_value(self):
        if not self.logged_in:
            self.login()
            return
        self.hit("work list")
        self.hit("entry page")
        time.sleep(random.uniform(*CONFIG["typing_seconds"]))
        self.hit("save")
        self.hit("entry page after save")
        if random.random() < CONFIG["dashboard_share"]:
            self.hit("overview")


class HealthCommitteeUser(HealthUser):
    fixed_count = CONFIG["committee_users"]

    @task
    def read(self):
        if not self.logged_in:
            self.login()
            return
        self.hit("overview")
        time.sleep(random.uniform(*CONFIG["typing_seconds"]))
        self.hit("indicator page")
