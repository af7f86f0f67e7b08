"""Importing a plan's project list from a spreadsheet: all or nothing, every row reported."""

import tablib
from django.db import transaction
from import_export.results import RowResult

from plans.audit import audit
from plans.publication import plan_published_version_bump
from plans.spreadsheets import ERROR, ImportReport, RowReport
from projects.resources import COLUMNS, EXAMPLE_ROW, ProjectResource

ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "新規",
    RowResult.IMPORT_TYPE_UPDATE: "変更",
    RowResult.IMPORT_TYPE_SKIP: "変更なし",
    RowResult.IMPORT_TYPE_INVALID: "エラー",
    RowResult.IMPORT_TYPE_ERROR: "エラー",
}


def _messages(row_result):
    if row_result.validation_error is not None:
        error = row_result.validation_error
        if hasattr(error, "message_dict"):
            return tuple(
                message for messages in error.message_dict.values() for message in messages
            )
        return tuple(error.messages)
    # An unexpected failure: say so plainly rather than show a traceback.
    return tuple(f"この行を取り込めませんでした: {error.error}" for error in row_result.errors)


@transaction.atomic
def projects_import(*, plan, table, dry_run, user=None, progress=None):
    """Import `table` (plans.spreadsheets.Table) into `plan`'s projects.

    With `dry_run` nothing is written. Otherwise everything is written in one transaction, or,
    when any row has an error, nothing at all.
    """
    resource = ProjectResource(plan=plan, user=user, progress=progress)
    result = resource.import_data(
        table.dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    rows = []
    for number, values, row_result in zip(
        table.row_numbers, table.dataset.dict, result.rows, strict=True
    ):
        action = ACTIONS.get(row_result.import_type, ERROR)
        rows.append(
            RowReport(
                number=number,
                name=values["事業名"],
                action=action,
                messages=_messages(row_result) if action == ERROR else (),
            )
        )
    report = ImportReport(rows=rows, unknown_columns=table.unknown_columns)
    report.written = not dry_run and not report.errors and not result.has_errors()
    if report.written:
        counts = {action: sum(row.action == action for row in rows) for action in ACTIONS.values()}
        plan_published_version_bump(plan=plan)
        audit(
            "projects.import",
            user=user,
            plan=plan,
            rows=len(rows),
            created=counts["新規"],
            updated=counts["変更"],
        )
    return report


def projects_export(plan):
    """The plan's project list in the import's own format, so export -> edit -> import works."""
    return ProjectResource(plan=plan).export()


def projects_template():
    """An empty project list: the column titles and one example row."""
    dataset = tablib.Dataset(headers=COLUMNS)
    dataset.append(EXAMPLE_ROW)
    return dataset
