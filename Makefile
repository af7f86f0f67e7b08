# The two commands: `make run` (set up and serve on 127.0.0.1:8000) and `make test`;
# `make test-fast` is the inner loop (no faults, fuzzing, subprocesses or browser).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLAN_FILE ?= fixtures/plans/okayama-kyodo-2021.toml
HOST ?= 127.0.0.1:8000
# Test processes (pytest-xdist): one per core; PYTEST_WORKERS=0 runs in this process alone.
PYTEST_WORKERS ?= auto

.PHONY: run test test-fast install migrate load-plan demo lint format check-migrations clean

run: install migrate load-plan demo
	$(BIN)/python manage.py runserver $(HOST)

test: install
	@test -x "$${CHROMIUM_PATH:-$$(command -v chromium || echo /usr/bin/chromium)}" || \
	  echo "注意: Chromium がないため、ブラウザのテスト (tests/browser) を飛ばします。" \
	       "実行するには: apt-get install chromium fonts-noto-cjk"
	@command -v soffice >/dev/null || \
	  echo "注意: LibreOffice がないため、.xlsx を LibreOffice で開くテストを飛ばします。" \
	       "実行するには: apt-get install libreoffice-calc-nogui"
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

test-fast: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --no-migrations -m "not slow and not browser"

install: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalls only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]"
	@rm -rf build *.egg-info
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py clear_page_cache
	$(BIN)/python manage.py setup_roles

load-plan: install
	$(BIN)/python manage.py load_plan $(PLAN_FILE)

# The demo's next plan (FY2026–2030) is made up, flagged デモ用データ, and made once: the
# command changes nothing when the same next plan exists already. It stays 策定中, so that the
# dashboards and the entry pages still open on the loaded plan, which has the demo's values.
DEMO_NEXT_PLAN ?= okayama-kyodo-2026-demo

demo: install
	$(BIN)/python manage.py create_demo_accounts
	$(BIN)/python manage.py start_next_plan okayama-kyodo-2021 --code $(DEMO_NEXT_PLAN) \
	  --title "岡山市協働推進計画(次期・デモ)" --demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
