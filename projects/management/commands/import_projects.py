import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from plans.models import Plan
from plans.spreadsheets import SKIPPED, SpreadsheetError
from projects.imports import projects_import, read_project_list


class _Bar:
    """One pass of the import as a rich progress bar with the time left, or, when stderr is
    not a terminal (a log, a cron job), as a line every PLAIN_EVERY rows."""

    PLAIN_EVERY = 200

    def __init__(self, progress, label, total, plain):
        self.progress, self.label, self.total, self.plain = progress, label, total, plain
        self.done = self.shown = 0
        self.started = time.monotonic()
        self.task = progress.add_task(label, total=total) if progress.console.is_terminal else None

    def update(self, count):
        self.done += count
        if self.task is not None:
            self.progress.advance(self.task, count)
        elif self.done - self.shown >= self.PLAIN_EVERY or self.done == self.total:
            self.shown = self.done
            elapsed = time.monotonic() - self.started
            left = elapsed / self.done * (self.total - self.done) if self.done else 0
            self.plain.write(f"{self.label}中 {self.done:,}/{self.total:,}行(残り約{left:,.0f}秒)")
            self.plain.flush()

    def close(self):
        if self.task is not None:
            self.progress.refresh()


class Command(BaseCommand):
    help = (
        "事業一覧(.xlsx / .csv)を計画に取り込みます。ID(書き出したファイルの列)、事業コード、"
        "事業名の順に既存の事業と照合します。ファイルにない列は変更しません。"
        "1行でもエラーがあれば何も取り込みません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="取り込むファイル(.xlsx または .csv)")
        parser.add_argument("--plan", required=True, help="計画コード(例: okayama-kyodo-2021)")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして書き込みません")
        parser.add_argument(
            "--encoding", choices=["utf-8", "cp932"], help="CSV の文字コード(既定: 自動判別)"
        )

    def handle(self, *args, file, plan, dry_run, encoding, verbosity, **options):
        target = Plan.objects.filter(code=plan).first()
        if target is None:
            raise CommandError(f"計画コード「{plan}」の計画はありません。")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"ファイルを開けません: {file}") from error
        try:
            table = read_project_list(data, path.name, encoding=encoding)
        except SpreadsheetError as error:
            raise CommandError(str(error)) from error
        # The bars go to stderr, so that stdout stays the report.
        console = Console(stderr=True)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("残り"),
            TimeRemainingColumn(),
        )

        def run(dry_run):
            with Progress(*columns, console=console) as bars:
                return projects_import(
                    plan=target,
                    table=table,
                    dry_run=dry_run,
                    progress=lambda label, total: _Bar(bars, label, total, self.stderr),
                )

        report = run(dry_run=True)
        for notice in report.notices:
            self.stdout.write(notice)
        if table.unknown_columns:
            self.stdout.write(f"知らない列は無視しました: {'、'.join(table.unknown_columns)}")
        summary = "、".join(f"{action} {count}件" for action, count in report.summary)
        self.stdout.write(f"{len(table.dataset):,}行: {summary}")
        for row in report.rows:
            if row.action == SKIPPED or (row.changes and verbosity > 1):
                changes = " ".join(f"{name}「{old}」→「{new}」" for name, old, new in row.changes)
                self.stdout.write(
                    f"{table.place(row.number)}「{row.name}」: {row.action} "
                    f"{' '.join(row.messages)}{changes}"
                )
        for row in report.errors:
            self.stdout.write(f"{table.place(row.number)}「{row.name}」: {' '.join(row.messages)}")
        if report.errors:
            raise CommandError(
                "エラーがあるため、何も取り込んでいません。ファイルを直してもう一度実行してください。"
            )
        if dry_run:
            self.stdout.write("確認だけで、書き込みはしていません(--dry-run)。")
            return
        report = run(dry_run=False)
        if not report.written:
            raise CommandError("取り込みの途中でエラーが起きたため、何も取り込んでいません。")
        self.stdout.write(self.style.SUCCESS(f"計画「{target}」に取り込みました。"))
