import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.models import Plan
from plans.spreadsheets import SpreadsheetError, read_table
from projects.imports import projects_import
from projects.resources import COLUMNS, REQUIRED_COLUMNS


class Command(BaseCommand):
    help = (
        "事業一覧(.xlsx / .csv)を計画に取り込みます。事業コード(なければ事業名)で既存の事業と"
        "照合します。1行でもエラーがあれば何も取り込みません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="取り込むファイル(.xlsx または .csv)")
        parser.add_argument("--plan", required=True, help="計画コード(例: okayama-kyodo-2021)")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして書き込みません")
        parser.add_argument(
            "--encoding", choices=["utf-8", "cp932"], help="CSV の文字コード(既定: 自動判別)"
        )

    def handle(self, *args, file, plan, dry_run, encoding, **options):
        target = Plan.objects.filter(code=plan).first()
        if target is None:
            raise CommandError(f"計画コード「{plan}」の計画はありません。")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"ファイルを開けません: {file}") from error
        try:
            table = read_table(
                data, path.name, columns=COLUMNS, required=REQUIRED_COLUMNS, encoding=encoding
            )
        except SpreadsheetError as error:
            raise CommandError(str(error)) from error
        total = len(table.dataset)

        def progress(number):
            if number and (number % 200 == 0 or number == total):
                sys.stderr.write(f"\r確認中 {number:,}/{total:,}行")
                sys.stderr.flush()

        report = projects_import(plan=target, table=table, dry_run=True, progress=progress)
        sys.stderr.write("\n")
        if table.unknown_columns:
            self.stdout.write(f"知らない列は無視しました: {'、'.join(table.unknown_columns)}")
        counts = report.counts
        summary = "、".join(
            f"{action} {counts[action]}件" for action in ("新規", "変更", "変更なし", "エラー")
        )
        self.stdout.write(f"{total:,}行: {summary}")
        for row in report.errors:
            self.stdout.write(f"{row.number}行目「{row.name}」: {' '.join(row.messages)}")
        if report.errors:
            raise CommandError(
                "エラーがあるため、何も取り込んでいません。ファイルを直してもう一度実行してください。"
            )
        if dry_run:
            self.stdout.write("確認だけで、書き込みはしていません(--dry-run)。")
            return
        report = projects_import(plan=target, table=table, dry_run=False, progress=progress)
        sys.stderr.write("\n")
        if not report.written:
            raise CommandError("取り込みの途中でエラーが起きたため、何も取り込んでいません。")
        self.stdout.write(self.style.SUCCESS(f"計画「{target}」に取り込みました。"))
