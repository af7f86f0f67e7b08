"""An independent reading of the plan text in `tests/data/` (a copy of `shared/seed/`).

The seed is text extracted from the plan's PDF. The extraction left artefacts that are not part
of the plan: Latin letters spaced out ("E S D", "N P O"), spaces inserted between Japanese
characters, "- " before the "・" bullets of some policies, and a stray table rule. `tidy()` undoes
exactly those and nothing else; the portal's data must equal the tidied text character for
character. The test reads the file with this module instead of trusting the data file in
`fixtures/`, so a typo in either shows up.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SEED_FILE = Path(__file__).parent / "data" / "000_9391e35511235ada.txt"

_JAPANESE = r"\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
_SPACED_CAPITALS = re.compile(r"(?<![A-Za-z])[A-Z](?: [A-Z])+(?![A-Za-z])")
_SPACE_BY_JAPANESE = re.compile(rf"(?<=[{_JAPANESE}]) +| +(?=[{_JAPANESE}])")


def tidy(text):
    text = _SPACED_CAPITALS.sub(lambda m: m.group(0).replace(" ", ""), text)
    return _SPACE_BY_JAPANESE.sub("", text).strip()


@dataclass
class SeedIndicator:
    name: str
    baseline: Decimal
    baseline_year: int
    baseline_unit: str
    baseline_note: str
    target: Decimal
    target_year: int
    target_unit: str
    target_note: str


@dataclass
class SeedMeasure:
    policy_number: int
    number: int
    title: str
    description: str = ""
    rows: list = field(default_factory=list)  # (project name, 事業概要) as printed


@dataclass
class SeedPolicy:
    number: int
    title: str
    bullets: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    measures: list = field(default_factory=list)


@dataclass
class SeedPlan:
    policies: list
    progress_management: str


_POLICY = re.compile(r"^基本方針\s*(\d+)\s+(.+)$")
_MEASURE = re.compile(r"^【基本施策\s*(\d+)\s*-\s*(\d+)\s+(.+)】$")
_YEARS = re.compile(r"^指標名\t現状値\s*\((\d{4})\)\t目標値\s*\((\d{4})\)$")
_CELL = re.compile(r"^([\d,.]+)\s*([^\s(]*)\s*(?:\((.+)\))?$")
_TABLE_RULE = re.compile(r"^-+\t-+$")


def _cell(text):
    match = _CELL.match(text.strip())
    number, unit, note = match.groups()
    return Decimal(number.replace(",", "")), unit, tidy(note or "")


def read_seed(path=SEED_FILE):
    lines = path.read_text(encoding="utf-8").splitlines()
    policies = []
    section = None
    years = None
    measure = None
    chapter6 = []
    for raw in lines:
        line = raw.strip()
        if line.startswith("第6章"):
            section = "chapter6"
            continue
        if section == "chapter6":
            if line:
                chapter6.append(tidy(line))
            continue
        if not line or line.startswith("第5章") or _TABLE_RULE.match(line):
            continue
        if match := _POLICY.match(line):
            policies.append(SeedPolicy(int(match[1]), tidy(match[2])))
            section = "bullets"
        elif line == "【成果指標】":
            section = "indicators"
        elif match := _MEASURE.match(line):
            measure = SeedMeasure(int(match[1]), int(match[2]), tidy(match[3]))
            policies[-1].measures.append(measure)
            section = "description"
        elif line == "(主な事業)":
            section = "projects"
        elif section == "bullets":
            policies[-1].bullets.append(tidy(line.removeprefix("- ")))
        elif section == "indicators":
            if match := _YEARS.match(line):
                years = int(match[1]), int(match[2])
                continue
            name, baseline, target = line.split("\t")
            b_value, b_unit, b_note = _cell(baseline)
            t_value, t_unit, t_note = _cell(target)
            policies[-1].indicators.append(
                SeedIndicator(
                    tidy(name), b_value, years[0], b_unit, b_note, t_value, years[1], t_unit, t_note
                )
            )
        elif section == "description":
            measure.description = "\n\n".join(filter(None, [measure.description, tidy(line)]))
        elif section == "projects":
            name, summary = line.split("\t")
            if (name, summary) != ("事業名", "事業概要"):
                measure.rows.append((tidy(name), tidy(summary)))
    return SeedPlan(policies, "\n\n".join(chapter6))
