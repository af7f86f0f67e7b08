"""The open data: the indicators' results and the projects' progress as CSV, the results as
JSON, and the data dictionary (データ定義) that describes every column of every file.

Every file is built from a PlanEvaluation (approved values only) and runs no query of its own.
Each file's columns are defined once, here (`OPEN_DATA_FILES`): the CSV's header and row, and
the dictionary page, come from the same definition, so the page lists exactly what the files
hold. JSON carries numbers as strings of their exact decimal value ("45.3", "4000"): a JSON
number would pass through binary floating point in most readers, and published figures must
not change on the way. The CSVs are the same data for spreadsheets: UTF-8 with a BOM (so that
Excel reads it), CRLF line ends, text that could start a formula neutralised (`csv_cell`).
"""

import csv
import io
import json
from typing import NamedTuple

from indicators.achievement import Grade
from indicators.models import Direction
from plans.spreadsheet_cells import csv_cell
from projects.models import Outlook

# Part of the open data files' names in the cache: raised when their fields change (or the way
# they are kept: 5, compressed), so that a file kept by older code is not served for the same
# published version.
OPEN_DATA_FORMAT = 5

# The kinds of value a column holds, as the dictionary names them.
TEXT = "文字列"
INTEGER = "整数"
DECIMAL = "数値(小数を含む)"
FISCAL_YEAR = "年度(西暦の4桁の整数。2024 = 2024年度 = 令和6年度)"
YES_OR_EMPTY = "「はい」または空欄"
BOOLEAN = "真偽値(true / false)"
GRADE = "文字列(A・B・C・D のいずれか。空欄・null は評価不能)"
NUMBER_TEXT = '文字列で書いた数値("45.3"。2進数の浮動小数点を経ない正確な値)'
INDICATOR_UNIT = "列「単位」の単位"


class Column(NamedTuple):
    """A column of an open-data file (or a field of the JSON), as the dictionary explains it."""

    name: str
    meaning: str
    kind: str  # what the column holds (TEXT, INTEGER, ...)
    unit: str = ""

    @property
    def numeric(self):
        return self.kind in (INTEGER, DECIMAL)


class OpenDataFile(NamedTuple):
    key: str  # the view's and the URL's name for it
    title: str
    address: str  # where it is, for the dictionary ("<計画コード>" standing for the plan's)
    description: str
    columns: tuple  # Column


PLAN_COLUMNS = (
    Column("計画コード", "計画を表す英数字の記号(アドレスにも使われます)。", TEXT),
    Column("計画名", "計画の名称。", TEXT),
)
EVALUATION_COLUMNS = (
    Column(
        "評価対象年度",
        "列「評価」の年度。ファイルの全行で同じで、計画の最終年度です。",
        FISCAL_YEAR,
    ),
    Column(
        "評価",
        "評価対象年度の評価: A 達成・B 順調・C やや遅れ・D 遅れ。空欄は評価不能"
        "(その年度までに承認済の値がない)。同じ指標・事業の行ではすべて同じです。",
        GRADE,
    ),
    Column(
        "評価の根拠年度",
        "評価のもとになった値の年度。評価対象年度の値がまだなければ、それより前の年度です。"
        "評価不能なら空欄。",
        FISCAL_YEAR,
    ),
)
DEMO_COLUMN = Column(
    "デモ用データ",
    "「はい」はデモ用に作られた架空の値で、実績ではありません(検証用の環境のみ)。",
    YES_OR_EMPTY,
)

INDICATOR_COLUMNS = (
    *PLAN_COLUMNS,
    Column("基本方針番号", "指標が属する基本方針の番号。", INTEGER),
    Column("指標名", "成果指標の名称。", TEXT),
    Column("単位", "基準値・目標値・実績値の単位(%、人、件など)。単位のない指標は空欄。", TEXT),
    Column(
        "集計方法",
        "単年度値(その年度の値で評価)・累計(計画期間の合計を目標値と比べる)・"
        "期間平均(計画期間の平均を目標値と比べる)。",
        TEXT,
    ),
    Column(
        "目標の方向",
        f"{Direction.INCREASE.label}(値が大きいほど良い)または{Direction.DECREASE.label}。",
        TEXT,
    ),
    Column(
        "基準値",
        "計画策定時の値(計画の見直しで変わった場合は、この行の年度に適用されている値)。"
        "累計の指標では1年度分の値。",
        DECIMAL,
        INDICATOR_UNIT,
    ),
    Column("基準年度", "基準値の年度。", FISCAL_YEAR),
    Column(
        "目標値",
        "目標年度に目指す値(計画の見直しで変わった場合は、この行の年度に適用されている値)。"
        "累計の指標では計画期間の合計。",
        DECIMAL,
        INDICATOR_UNIT,
    ),
    Column("目標年度", "目標値の年度。", FISCAL_YEAR),
    Column("年度", "この行の実績値の年度。", FISCAL_YEAR),
    Column("実績値", "承認済の実績値。測定なしの年度は空欄。", DECIMAL, INDICATOR_UNIT),
    Column("測定なし", "「はい」はこの年度は測定しなかったこと(隔年の調査など)。", YES_OR_EMPTY),
    Column(
        "速報値",
        "「はい」は年度途中の集計による速報値(確定値が承認されると置き換わります)。空欄は確定値。",
        YES_OR_EMPTY,
    ),
    Column("速報値の時点", "速報値が集計された時点(YYYY-MM-DD)。確定値では空欄。", TEXT),
    Column(
        "年度目標",
        "この行の年度に定められた年度目標(期待される進捗をこの値で測ります)。ない年度は空欄。",
        DECIMAL,
        INDICATOR_UNIT,
    ),
    DEMO_COLUMN,
    *EVALUATION_COLUMNS,
)

PROJECT_COLUMNS = (
    *PLAN_COLUMNS,
    Column(
        "基本施策",
        "事業が載っている基本施策の番号。複数の施策に載る事業は「、」で区切ります(例 2-1、2-3)。",
        TEXT,
    ),
    Column("事業名", "事業の名称。", TEXT),
    Column("所管課", "事業を担当する課。未設定なら空欄。", TEXT),
    Column("年度", "この行の進捗の年度。", FISCAL_YEAR),
    Column("実施内容・実績", "その年度に実施した内容と実績。", TEXT),
    Column(
        "自己評価",
        "その年度の所管課の自己評価: A 達成・B 順調・C やや遅れ・D 遅れ。空欄は未評価。",
        GRADE,
    ),
    Column("課題", "その年度に見えた課題。", TEXT),
    Column("今後の方向性", "拡充・継続・改善・縮小・統合・休止・廃止・終了のいずれか。", TEXT),
    Column("予算額", "その年度の予算額。", INTEGER, "千円"),
    Column("決算額", "その年度の決算額。", INTEGER, "千円"),
    DEMO_COLUMN,
    *EVALUATION_COLUMNS,
)

# The JSON's fields, by their path ("indicators[].results[].value": a field of each result of
# each indicator).
JSON_FIELDS = (
    Column("plan.code", "計画コード(CSV の「計画コード」)。", TEXT),
    Column("plan.title", "計画名。", TEXT),
    Column("plan.municipality", "自治体名。", TEXT),
    Column("plan.first_fiscal_year", "計画期間の最初の年度。", FISCAL_YEAR),
    Column("plan.last_fiscal_year", "計画期間の最後の年度。", FISCAL_YEAR),
    Column("plan.baseline_fiscal_year", "計画の基準年度。", FISCAL_YEAR),
    Column(
        "contains_demo_data", "デモ用の架空の値を含むか(デモ用の架空の計画なら常に true)。", BOOLEAN
    ),
    Column("indicators[].name", "指標名。", TEXT),
    Column("indicators[].unit", "単位(CSV の「単位」)。", TEXT),
    Column("indicators[].policy_number", "基本方針番号。", INTEGER),
    Column(
        "indicators[].aggregation",
        "集計方法: level(単年度値)・cumulative(累計)・average(期間平均)。",
        TEXT,
    ),
    Column(
        "indicators[].direction",
        "目標の方向: increase(増加が望ましい)・decrease(減少が望ましい)。",
        TEXT,
    ),
    Column(
        "indicators[].baseline",
        "計画策定時の基準値(見直しは revisions)。",
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column("indicators[].baseline_year", "基準年度。", FISCAL_YEAR),
    Column(
        "indicators[].target",
        "計画策定時の目標値(見直しは revisions)。",
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column("indicators[].target_year", "目標年度。", FISCAL_YEAR),
    Column(
        "indicators[].revisions[].from_year", "計画の見直しが適用される最初の年度。", FISCAL_YEAR
    ),
    Column(
        "indicators[].revisions[].kind",
        "見直しの区分: change(変更)・added(追加)・suspended(休止)・abolished(廃止)・ended(終了)。",
        TEXT,
    ),
    Column("indicators[].revisions[].name", "見直し後の指標名(変えない場合は null)。", TEXT),
    Column("indicators[].revisions[].unit", "見直し後の単位(変えない場合は null)。", TEXT),
    Column(
        "indicators[].revisions[].baseline",
        "見直し後の基準値(変えない場合は null)。",
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column(
        "indicators[].revisions[].target",
        "見直し後の目標値(変えない場合は null)。",
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column("indicators[].revisions[].reason", "見直しの理由。", TEXT),
    Column("indicators[].revisions[].decided_by", "見直しを決めた会議等。", TEXT),
    Column("indicators[].revisions[].decided_on", "見直しを決めた日(YYYY-MM-DD)。", TEXT),
    Column(
        "indicators[].yearly_targets",
        '年度目標: 年度(文字列)から値への対応({"2023": "47.0"})。',
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column("indicators[].evaluation.fiscal_year", "評価対象年度(計画の最終年度)。", FISCAL_YEAR),
    Column("indicators[].evaluation.grade", "評価(A〜D、null は評価不能)。", GRADE),
    Column(
        "indicators[].evaluation.grade_year",
        "評価のもとになった値の年度(null は評価不能)。",
        FISCAL_YEAR,
    ),
    Column("indicators[].results[].fiscal_year", "実績の年度。", FISCAL_YEAR),
    Column(
        "indicators[].results[].value",
        "承認済の実績値(測定なしは null)。",
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column(
        "indicators[].results[].baseline_in_force",
        "その年度に適用されている基準値(計画の見直しを反映)。",
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column(
        "indicators[].results[].target_in_force",
        "その年度に適用されている目標値(計画の見直しを反映)。",
        NUMBER_TEXT,
        "indicators[].unit の単位",
    ),
    Column("indicators[].results[].not_measured", "その年度は測定しなかったか。", BOOLEAN),
    Column("indicators[].results[].interim", "速報値か(false は確定値)。", BOOLEAN),
    Column(
        "indicators[].results[].as_of",
        "速報値の集計時点(YYYY-MM-DD。確定値は null)。",
        TEXT,
    ),
    Column("indicators[].results[].demo", "デモ用の架空の値か。", BOOLEAN),
)

OPEN_DATA_FILES = (
    OpenDataFile(
        "csv",
        "成果指標の実績(CSV)",
        "/open-data/<計画コード>.csv",
        "成果指標ごと・年度ごとに1行。承認済の実績値のみ。",
        INDICATOR_COLUMNS,
    ),
    OpenDataFile(
        "projects_csv",
        "事業の進捗(CSV)",
        "/open-data/<計画コード>/projects.csv",
        "事業ごと・年度ごとに1行(承認済の進捗のある年度のみ)。複数の施策に載る事業も1行です。",
        PROJECT_COLUMNS,
    ),
    OpenDataFile(
        "json",
        "成果指標の実績(JSON)",
        "/open-data/<計画コード>.json",
        "CSV と同じ成果指標の実績を、指標ごとにまとめたもの。",
        JSON_FIELDS,
    ),
)

YES = "はい"


def _yes(flag):
    return YES if flag else ""


def _grade_letter(grade):
    """ "A" to "D", or None for 評価不能."""
    return None if grade is Grade.NONE else grade.value


def _plain(number):
    """45.3000 -> '45.3', 4000.0000 -> '4000': the exact value without padding."""
    if number is None:
        return None
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _csv(columns, rows):
    """`rows` (dicts by column name, each with exactly `columns`) as the CSV bytes."""
    names = [column.name for column in columns]
    numeric = {column.name for column in columns if column.numeric}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        if list(row) != names:
            raise ValueError(f"an open-data row has {list(row)}, not {names}")
        writer.writerow(
            [_plain(value) if name in numeric else csv_cell(value) for name, value in row.items()]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _plan_cells(plan):
    return {"計画コード": plan.code, "計画名": plan.title}


def _evaluation_cells(fiscal_year, grade, grade_year):
    return {"評価対象年度": fiscal_year, "評価": _grade_letter(grade), "評価の根拠年度": grade_year}


def open_data_rows(evaluation):
    """One row per indicator and approved year, up to the evaluated year."""
    rows = []
    for policy in evaluation.policies:
        for item in policy.indicators:
            indicator, achievement = item.indicator, item.achievement
            for result in item.results:
                if result.value is None and not result.not_measured:
                    continue
                terms = item.terms_of(result.fiscal_year)  # as revised (見直し) for the year
                rows.append(
                    _plan_cells(evaluation.plan)
                    | {
                        "基本方針番号": policy.policy.number,
                        "指標名": indicator.name,
                        "単位": indicator.unit,
                        "集計方法": indicator.get_aggregation_display(),
                        "目標の方向": Direction(indicator.direction).label,
                        "基準値": terms.baseline,
                        "基準年度": indicator.baseline_year,
                        "目標値": terms.target,
                        "目標年度": indicator.target_year,
                        "年度": result.fiscal_year,
                        "実績値": result.value,
                        "測定なし": _yes(result.not_measured),
                        "速報値": _yes(result.is_interim),
                        "速報値の時点": result.as_of.isoformat() if result.as_of else "",
                        "年度目標": item.yearly_targets.get(result.fiscal_year),
                        "デモ用データ": _yes(result.is_demo),
                    }
                    | _evaluation_cells(
                        evaluation.fiscal_year, achievement.grade, achievement.grade_year
                    )
                )
    return rows


def open_data_csv(evaluation):
    """The indicators' results as CSV."""
    return _csv(INDICATOR_COLUMNS, open_data_rows(evaluation))


def project_rows(evaluation):
    """One row per project and year with an approved progress record, up to the evaluated
    year; a project listed under several measures once, naming them all."""
    projects = {}  # pk -> (ProjectEvaluation, measure codes), in the plan's order
    for policy in evaluation.policies:
        for measure in policy.measures:
            for item in measure.projects:
                projects.setdefault(item.project.pk, (item, []))[1].append(measure.measure.code)
    rows = []
    for item, codes in projects.values():
        for record in item.records:
            rows.append(
                _plan_cells(evaluation.plan)
                | {
                    "基本施策": "、".join(codes),
                    "事業名": item.project.name,
                    "所管課": item.project.department or "",
                    "年度": record.fiscal_year,
                    "実施内容・実績": record.activities,
                    "自己評価": record.grade,
                    "課題": record.issues,
                    "今後の方向性": Outlook(record.outlook).label if record.outlook else "",
                    "予算額": record.budget_amount,
                    "決算額": record.settlement_amount,
                    "デモ用データ": _yes(record.is_demo),
                }
                | _evaluation_cells(evaluation.fiscal_year, item.grade, item.grade_year)
            )
    return rows


def open_data_projects_csv(evaluation):
    """The projects' progress as CSV."""
    return _csv(PROJECT_COLUMNS, project_rows(evaluation))


def open_data_json(evaluation):
    """The open data as JSON; numbers are exact decimal strings (see the module docstring)."""
    plan = evaluation.plan
    data = {
        "plan": {
            "code": plan.code,
            "title": plan.title,
            "municipality": plan.municipality,
            "first_fiscal_year": plan.first_fiscal_year,
            "last_fiscal_year": plan.last_fiscal_year,
            "baseline_fiscal_year": plan.baseline_fiscal_year,
        },
        # A made-up plan (the demo's next plan) is demo data whatever its values.
        "contains_demo_data": plan.is_demo
        or any(
            result.is_demo
            for policy in evaluation.policies
            for item in policy.indicators
            for result in item.results
        ),
        "indicators": [
            {
                "name": item.indicator.name,
                "unit": item.indicator.unit,
                "policy_number": policy.policy.number,
                "aggregation": item.indicator.aggregation,
                "direction": item.indicator.direction,
                # As the plan printed them; "revisions" change them from their years on.
                "baseline": _plain((item.original or item.indicator).baseline_value),
                "baseline_year": item.indicator.baseline_year,
                "target": _plain((item.original or item.indicator).target_value),
                "target_year": item.indicator.target_year,
                # 計画の見直し: each from its year on (null where it leaves a term as it was).
                "revisions": [
                    {
                        "from_year": revision.from_year,
                        "kind": revision.kind,
                        "name": revision.name or None,
                        "unit": revision.unit or None,
                        "baseline": _plain(revision.baseline_value),
                        "target": _plain(revision.target_value),
                        "reason": revision.reason,
                        "decided_by": revision.decided_by,
                        "decided_on": revision.decided_on.isoformat(),
                    }
                    for revision in item.revisions
                ],
                "yearly_targets": {
                    str(year): _plain(value) for year, value in sorted(item.yearly_targets.items())
                },
                "evaluation": {
                    "fiscal_year": evaluation.fiscal_year,
                    "grade": _grade_letter(item.achievement.grade),
                    "grade_year": item.achievement.grade_year,
                },
                "results": [
                    {
                        "fiscal_year": result.fiscal_year,
                        "value": _plain(result.value),
                        "baseline_in_force": _plain(item.terms_of(result.fiscal_year).baseline),
                        "target_in_force": _plain(item.terms_of(result.fiscal_year).target),
                        "not_measured": result.not_measured,
                        "interim": result.is_interim,
                        "as_of": result.as_of.isoformat() if result.as_of else None,
                        "demo": result.is_demo,
                    }
                    for result in item.results
                    if result.value is not None or result.not_measured
                ],
            }
            for policy in evaluation.policies
            for item in policy.indicators
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


# The files by their key: how each is written, its content type and its name.
OPEN_DATA_WRITERS = {
    "csv": (open_data_csv, "{code}.csv"),
    "projects_csv": (open_data_projects_csv, "{code}-projects.csv"),
    "json": (open_data_json, "{code}.json"),
}
