"""The direction of imports (README, "Layout") holds, and the check catches a wrong one.

`lint-imports` (import-linter) reads the contracts in pyproject.toml. Each wrong import below is
added to a copy of the code in a temporary folder, never to the checkout.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ["plans", "indicators", "projects"]

pytestmark = pytest.mark.slow


def lint_imports(folder):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=folder,
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_contract():
    result = lint_imports(BASE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "indicators/models.py",
            "import plans.progress.workflow",
            "indicators and projects never import the yearly cycle or the reports",
        ),
        (
            "projects/forms.py",
            "from plans.reports import evaluation",
            "indicators and projects never import the yearly cycle or the reports",
        ),
        (
            "indicators/plausibility.py",
            "import projects.models",
            "indicators never imports projects",
        ),
        ("plans/models.py", "import plans.reports.evaluation", "Inside plans/"),
        ("plans/reports/evaluation.py", "from plans.progress import workflow", "Inside plans/"),
        # A new module at plans' root must be placed in a layer before it can be used.
        ("plans/unplaced.py", "import plans.models", "Inside plans/"),
    ],
)
def test_a_wrong_import_breaks_the_check(tmp_path, module, line, contract):
    for package in PACKAGES:
        shutil.copytree(
            BASE_DIR / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(BASE_DIR / "pyproject.toml", tmp_path)
    path = tmp_path / module
    path.write_text((path.read_text() if path.exists() else "") + f"\n{line}\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    broken = [row for row in result.stdout.splitlines() if "BROKEN" in row or contract in row]
    assert any(contract in row for row in broken), result.stdout
