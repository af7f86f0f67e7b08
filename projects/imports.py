"""Importing a plan's project list (事業一覧) from a spreadsheet: all or nothing, every row
reported with what it changes, from what to what.

Rows are matched on the ID the export carries, else on 事業コード, else on the name within the
plan, so importing the same file twice changes nothing and a corrected file updates in place.
Only the columns the file has are imported: a column it lacks leaves that field of every
project as it is (a new project gets it empty). The 基本施策 column lists measure codes
("2-1、2-3"); an import sets the project's measures to exactly those, keeping the position of
the rows that stay.

The whole list is checked in memory against the plan's projects, read once, before anything is
written; then only what changes is written, in bulk, with its history rows: 10,000 rows take
seconds whether they are new, changed or unchanged (bench/import_projects.py).
"""

import re
import unicodedata
from dataclasses import dataclass, field

import tablib
from django.db import connection, transaction
from django.db.models import CharField, Max, Value
from django.db.models.functions import Cast, Concat
from simple_history.utils import bulk_create_with_history

from plans.audit import audit
from plans.codes import measure_codes, normalize_code
from plans.models import Department, Measure, Plan
from plans.publication import plan_published_version_bump
from plans.spreadsheets import (
    BLANK,
    ERROR,
    SKIPPED,
    ImportReport,
    RowReport,
    SpreadsheetError,
    date_cell_message,
    read_table,
    similar_columns,
    similar_columns_question,
)
from projects.models import MeasureProject, Project
from projects.resources import (
    ALIASES,
    COLUMNS,
    EXAMPLE_ROW,
    ID_COLUMN,
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    ProjectResource,
)

BATCH_SIZE = 1000
# A total or subtotal under the list (合計, 計, 小計, 総計, 合　計, 合計(28事業)) and a note
# (※..., 注..., (注1)...), recognised in the code or name cell.
TOTAL = re.compile(r"^(?:合計|総計|小計|累計|計)(?:$|[(\[:：\d])")
NOTE = re.compile(r"^(?:※|\*|[(\[]?注(?:$|[\d)\]:.、\s]))")
CODE, NAME, SUMMARY, MEASURES, DEPARTMENT = COLUMNS[1:]
FIELD_LIMITS = {CODE: Project._meta.get_field("code"), NAME: Project._meta.get_field("name")}


def read_project_list(data, filename, *, encoding=None):
    """The project list in `data` as a Table; raises SpreadsheetError, also to ask about a
    title that looks like a column the file lacks rather than leave that column unchanged."""
    table = read_table(
        data,
        filename,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        encoding=encoding,
        aliases=ALIASES,
    )
    pairs = similar_columns(table, ALIASES)
    if pairs:
        raise SpreadsheetError(similar_columns_question(table, pairs))
    return table


def _compact(text):
    return "".join(unicodedata.normalize("NFKC", text).split())


def _department_key(name):
    return _compact(name)


@dataclass
class _Row:
    """A data row as understood: the project it matches (a dict of stored values, or None for
    a new one) and the values it gives, for the columns the file has."""

    number: int
    name: str
    target: dict | None = None
    values: dict = field(default_factory=dict)  # field -> new value
    measures: list | None = None  # measure pks, or None when the file has no 基本施策
    errors: list = field(default_factory=list)


class _ProjectList:
    """The plan's projects and what rows are compared with, each read once."""

    def __init__(self, plan):
        self.plan = plan
        fields = ("pk", "code", "name", "summary", "department_id")
        self.projects = list(Project.objects.filter(plan=plan).order_by().values(*fields))
        self.by_pk = {project["pk"]: project for project in self.projects}
        self.by_code = {project["code"]: project for project in self.projects if project["code"]}
        self.by_name = {project["name"]: project for project in self.projects}
        measures = Measure.objects.filter(policy__plan=plan)
        self.measures_by_code = {measure.code: measure.pk for measure in measures}
        self.measure_codes = {pk: code for code, pk in self.measures_by_code.items()}
        self.links = {}  # project pk -> {measure pk: link pk}
        for pk, project, measure in MeasureProject.objects.filter(project__plan=plan).values_list(
            "pk", "project", "measure"
        ):
            self.links.setdefault(project, {})[measure] = pk
        self.last_position = dict(
            MeasureProject.objects.filter(measure__policy__plan=plan)
            .order_by()
            .values_list("measure")
            .annotate(Max("position"))
        )
        departments = Department.objects.all()
        self.departments = {_department_key(d.name): d for d in departments}
        self.department_names = {d.pk: d.name for d in departments}


class _Checker:
    """Reads each row against the plan's projects, without writing."""

    def __init__(self, projects, present):
        self.projects = projects
        self.present = present  # the columns the file has
        self.seen = {}  # ("pk"|"code"|"name", value) -> the row number that had it first

    def row(self, number, cells):
        """A _Row, or a RowReport for a row that is not imported (blank, total, note)."""
        cells = {column: (text or "").strip() for column, text in cells.items()}
        code_text, name = cells[CODE], cells[NAME]
        if not any(cells.values()):
            return RowReport(number=number, name="", action=BLANK)
        filled = [text for text in cells.values() if text]
        for text in (code_text, name, *filled[:1]):
            compact = _compact(text)
            if TOTAL.match(compact):
                return RowReport(
                    number=number,
                    name=name or text,
                    action=SKIPPED,
                    messages=(f"「{text}」は合計・小計の行として読み飛ばしました。",),
                )
            if NOTE.match(unicodedata.normalize("NFKC", text)):
                return RowReport(
                    number=number,
                    name=name or text,
                    action=SKIPPED,
                    messages=("注記の行として読み飛ばしました。",),
                )
        row = _Row(number=number, name=name)
        self._match(row, cells)
        self._values(row, cells)
        self._measures(row, cells)
        self._department(row, cells)
        self._duplicates(row)
        if row.target is None and not row.measures and not row.values.get("department_id"):
            row.errors.append(
                "新しい事業ですが、基本施策も所管課もありません。合計や注記の行であれば削除し、"
                "事業であれば基本施策か所管課を記入してください。"
            )
        return row

    def _match(self, row, cells):
        projects = self.projects
        key = cells.get(ID_COLUMN, "") if ID_COLUMN in self.present else ""
        if key:
            number = _compact(key)
            row.target = projects.by_pk.get(int(number)) if number.isdigit() else None
            if row.target is None:
                row.errors.append(
                    f"ID「{key}」の事業はこの計画にありません。IDは書き出したファイルのまま"
                    "変えないでください(新しい事業の行は空欄にします)。"
                )
            return
        code = normalize_code(cells[CODE]) if CODE in self.present else ""
        row.target = projects.by_code.get(code) or projects.by_name.get(row.name)

    def _values(self, row, cells):
        for column, name in ((CODE, "code"), (NAME, "name"), (SUMMARY, "summary")):
            if column not in self.present:
                continue
            text = cells[column]
            if column == CODE:
                if message := date_cell_message(column, text):
                    row.errors.append(message)
                text = normalize_code(text)
            if column == NAME:
                if not text:
                    row.errors.append("事業名がありません。")
                elif "\n" in text or "\r" in text:
                    row.errors.append(
                        "事業名に改行があります。事業名は1行で入力してください"
                        "(セルの中の改行を削除してください)。"
                    )
            limit = FIELD_LIMITS.get(column)
            if limit is not None and len(text) > limit.max_length:
                row.errors.append(
                    f"{limit.verbose_name}は{limit.max_length}文字以内にしてください"
                    f"(今は{len(text)}文字)。"
                )
            row.values[name] = text

    def _measures(self, row, cells):
        if MEASURES not in self.present:
            return
        text = cells[MEASURES]
        if message := date_cell_message(MEASURES, text):
            row.errors.append(message)
            row.measures = []
            return
        codes = measure_codes(text)
        known = self.projects.measures_by_code
        unknown = [code for code in codes if code not in known]
        if unknown:
            row.errors.append(
                f"基本施策「{'」「'.join(unknown)}」はこの計画にありません"
                f"(ある基本施策: {'、'.join(known)})。"
            )
        row.measures = list(dict.fromkeys(known[code] for code in codes if code in known))

    def _department(self, row, cells):
        if DEPARTMENT not in self.present:
            return
        name = cells[DEPARTMENT]
        department = self.projects.departments.get(_department_key(name)) if name else None
        if name and department is None:
            row.errors.append(
                f"所管課「{name}」が登録されていません。管理画面の所管課の名前と同じにしてください。"
            )
        row.values["department_id"] = department.pk if department else None

    def _duplicates(self, row):
        keys = [("pk", row.target["pk"])] if row.target else []
        if row.values.get("code"):
            keys.append(("code", row.values["code"]))
        if row.values.get("name"):
            keys.append(("name", row.values["name"]))
        for key in keys:
            first = self.seen.setdefault(key, row.number)
            if first == row.number:
                continue
            kind, value = key
            if kind == "pk":
                row.errors.append(
                    f"{first}行目と同じ登録済みの事業に当たります(IDか事業コードか事業名で"
                    "見分けています)。どちらかの行を直してください。"
                )
            else:
                label = "事業コード" if kind == "code" else "事業名"
                row.errors.append(
                    f"{label}「{value}」がファイルの中で重複しています({first}行目と同じ)。"
                )


def _check_taken(rows, projects):
    """A name or code a row gives that another project keeps (one this file does not rename)."""
    changing = {"name": set(), "code": set()}
    for row in rows:
        if row.target is not None:
            for name in changing:
                if name in row.values and row.values[name] != row.target[name]:
                    changing[name].add(row.target["pk"])
    holders = {"name": projects.by_name, "code": projects.by_code}
    for row in rows:
        for name, label in (("name", "事業名"), ("code", "事業コード")):
            value = row.values.get(name)
            holder = holders[name].get(value) if value else None
            if (
                holder is None
                or (row.target is not None and holder["pk"] == row.target["pk"])
                or holder["pk"] in changing[name]
            ):
                continue
            other = f"(事業コード {holder['code']})" if name == "name" and holder["code"] else ""
            row.errors.append(
                f"{label}「{value}」は別の事業{other}が使っています。"
                f"{label}は計画の中で重ならないようにしてください。"
            )
    return changing


def _changes(row, projects):
    """(field, before, after) for what the row changes of its project."""
    target = row.target
    changes = []
    for name, label in (("code", CODE), ("name", NAME), ("summary", SUMMARY)):
        if name in row.values and row.values[name] != target[name]:
            changes.append((label, target[name], row.values[name]))
    if row.measures is not None:
        current = list(projects.links.get(target["pk"], {}))
        if sorted(current) != sorted(row.measures):
            codes = projects.measure_codes
            changes.append(
                (
                    MEASURES,
                    "、".join(codes[pk] for pk in current),
                    "、".join(codes[pk] for pk in row.measures),
                )
            )
    if "department_id" in row.values and row.values["department_id"] != target["department_id"]:
        names = projects.department_names
        changes.append(
            (
                DEPARTMENT,
                names.get(target["department_id"], ""),
                names.get(row.values["department_id"], ""),
            )
        )
    return tuple(changes)


class _Pass:
    """A pass over the rows, shown by the caller's progress (see projects_import)."""

    def __init__(self, progress, label, total):
        self.bar = progress(label, total) if progress else None

    def advance(self, count=1):
        if self.bar is not None:
            self.bar.update(count)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def projects_import(*, plan, table, dry_run, user=None, progress=None):
    """Import `table` (read by read_project_list) into `plan`'s projects.

    With `dry_run` nothing is written. Otherwise everything is written in one transaction, or,
    when any row has an error, nothing at all. `progress(label, total)`, if given, returns a
    bar with update(count) and close() for each pass (checking, writing).
    """
    if dry_run:
        return _checked(plan, table, progress)[0]
    with transaction.atomic():
        # One import into a plan at a time: what was checked is what gets written.
        Plan.objects.select_for_update().filter(pk=plan.pk).exists()
        report, rows, changing, projects = _checked(plan, table, progress)
        if report.errors:
            return report
        _write(plan, rows, report.rows, changing, projects, user, progress)
        counts = report.counts
        if counts["新規"] or counts["変更"]:
            plan_published_version_bump(plan=plan)
        report.written = True
        audit(
            "projects.import",
            user=user,
            plan=plan,
            rows=len(report.rows),
            created=counts["新規"],
            updated=counts["変更"],
        )
    return report


def _checked(plan, table, progress):
    """The report of every row, and what writing needs: the rows understood, the projects whose
    name or code the file changes, and the plan's projects as read."""
    projects = _ProjectList(plan)
    checker = _Checker(projects, set(table.found_columns))
    reports, rows = [], []
    checking = _Pass(progress, "確認", len(table.dataset))
    for number, cells in zip(table.row_numbers, table.dataset.dict, strict=True):
        understood = checker.row(number, cells)
        (rows if isinstance(understood, _Row) else reports).append(understood)
        checking.advance()
    checking.close()
    changing = _check_taken(rows, projects)
    for row in rows:
        changes = () if row.target is None else _changes(row, projects)
        if row.errors:
            action = ERROR
        elif row.target is None:
            action = "新規"
        else:
            action = "変更" if changes else "変更なし"
        name = row.name or (row.target["name"] if row.target else "")
        reports.append(RowReport(row.number, name, action, tuple(row.errors), changes))
    reports.sort(key=lambda report: report.number)
    report = ImportReport(
        rows=reports,
        unknown_columns=table.unknown_columns,
        notices=_notices(table, reports),
        sheet=table.sheet,
    )
    return report, rows, changing, projects


def _notices(table, reports):
    notices = [f"{table.header_place}を見出しとして読みました。"]
    variants = [
        f"「{title}」を「{column}」"
        for column, title in table.found_columns.items()
        if title != column
    ]
    if variants:
        notices.append(f"見出しの{'、'.join(variants)}の列として読みました。")
    absent = [column for column in COLUMNS if column not in table.found_columns]
    absent = [column for column in absent if column != ID_COLUMN]
    if absent:
        notices.append(
            f"ファイルにない列({'、'.join(absent)})は、登録済みの事業では今のまま変更しません。"
        )
    skipped = [report for report in reports if report.action == SKIPPED]
    if skipped:
        numbers = "、".join(f"{report.number}行目" for report in skipped)
        notices.append(f"合計・小計・注記の行を{len(skipped)}行読み飛ばします({numbers})。")
    return notices


def _write(plan, rows, reports, changing, projects, user, progress):
    """Write what the checked rows change, in bulk, with history rows."""
    by_number = {report.number: report for report in reports}
    created, updated, link_changes = [], [], []
    for row in rows:
        if row.target is None:
            link_changes.append((None, len(created), {}, row.measures or []))
            created.append(Project(plan=plan, **row.values))
            continue
        if by_number[row.number].action != "変更":
            continue
        stored = row.target
        values = {name: stored[name] for name in ("code", "name", "summary", "department_id")}
        values.update(row.values)
        if any(values[name] != stored[name] for name in values):
            updated.append(Project(pk=stored["pk"], plan=plan, **values))
        if row.measures is not None:
            current = projects.links.get(stored["pk"], {})
            link_changes.append((stored["pk"], None, current, row.measures))
    writing = _Pass(progress, "書き込み", len(created) + len(updated))
    # Names and codes this file moves between projects are freed first: a swap, or a chain of
    # renames, would break their uniqueness halfway through the writes. The placeholders live
    # inside the transaction only, without history rows.
    for name, placeholder in (("name", "(名前の変更中)"), ("code", "(変更中)")):
        if changing[name]:
            Project.objects.filter(pk__in=changing[name]).update(
                **{name: Concat(Value(placeholder), Cast("pk", CharField()))}
            )
    for start in range(0, len(updated), BATCH_SIZE):
        batch = updated[start : start + BATCH_SIZE]
        _update(batch)
        Project.history.bulk_history_create(batch, update=True, default_user=user)
        writing.advance(len(batch))
    for start in range(0, len(created), BATCH_SIZE):
        # Returned with their keys (read back where the database cannot return them).
        created[start : start + BATCH_SIZE] = bulk_create_with_history(
            created[start : start + BATCH_SIZE], Project, default_user=user
        )
        writing.advance(min(BATCH_SIZE, len(created) - start))
    removed, added = [], []
    for stored_pk, new_index, current, wanted in link_changes:
        project_pk = stored_pk if new_index is None else created[new_index].pk
        removed.extend(pk for measure, pk in current.items() if measure not in wanted)
        for measure in wanted:
            if measure not in current:
                position = projects.last_position.get(measure, 0) + 1
                projects.last_position[measure] = position
                added.append(
                    MeasureProject(measure_id=measure, project_id=project_pk, position=position)
                )
    if removed:
        MeasureProject.objects.filter(pk__in=removed).delete()
    MeasureProject.objects.bulk_create(added, batch_size=BATCH_SIZE)
    writing.close()


def _update(projects):
    """Write the stored fields of `projects` (Project instances with every field set) in one
    UPDATE ... FROM (VALUES ...). Django's bulk_update builds a CASE WHEN per field and row:
    10,000 changed rows took 25 s, this takes about one. Both PostgreSQL and SQLite (3.33+)
    run it; the values are parameters."""
    quote = connection.ops.quote_name
    table = quote(Project._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(projects))
    parameters = [
        value
        for project in projects
        for value in (
            project.pk,
            project.code,
            project.name,
            project.summary,
            project.department_id,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH changed (pk, code, name, summary, department_id) AS (VALUES {rows}) "
            f"UPDATE {table} SET code = changed.code, name = changed.name, "
            "summary = changed.summary, "
            "department_id = CAST(changed.department_id AS BIGINT) "
            f"FROM changed WHERE {table}.id = CAST(changed.pk AS BIGINT)",
            parameters,
        )


def projects_export(plan):
    """The plan's project list in the import's own format, with each project's ID, so that
    export -> edit (even rename) -> import changes what was edited."""
    return ProjectResource(plan=plan).export()


def projects_template():
    """An empty project list: the column titles and one example row."""
    dataset = tablib.Dataset(headers=TEMPLATE_COLUMNS)
    dataset.append(EXAMPLE_ROW)
    return dataset
