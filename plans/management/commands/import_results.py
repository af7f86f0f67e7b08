from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from plans.models import Department, Plan
from plans.progress.results_import import RESULT_KINDS, read_results_table, results_import
from plans.progress.workflow import WorkflowError
from plans.spreadsheets import SpreadsheetError


class Command(BaseCommand):
    help = (
        "1年度分の実績(成果指標の値、または事業の進捗)を .xlsx / .csv から取り込みます。"
        "取り込んだ値は「提出済」になり、協働推進課の承認を待ちます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--plan", required=True, help="計画コード")
        parser.add_argument("--year", type=int, required=True, help="年度(例: 2025)")
        parser.add_argument("--kind", choices=list(RESULT_KINDS), required=True)
        parser.add_argument("--user", required=True, help="取り込む人(計画管理者)のユーザー名")
        parser.add_argument(
            "--department",
            help="どの所管課のファイルか(所管課名)。ほかの所管課のファイルや行を取り込みません",
        )
        parser.add_argument("--dry-run", action="store_true", help="確認だけして書き込みません")
        parser.add_argument("--encoding", choices=["utf-8", "cp932"])

    def handle(self, *args, file, plan, year, kind, user, department, dry_run, encoding, **options):
        target = Plan.objects.filter(code=plan).first()
        if target is None:
            raise CommandError(f"計画コード「{plan}」の計画はありません。")
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"ユーザー「{user}」はいません。")
        if department is not None:
            name = department
            department = Department.objects.filter(name=name).first()
            if department is None:
                raise CommandError(f"所管課「{name}」はありません。")
        path = Path(file)
        try:
            table = read_results_table(path.read_bytes(), path.name, kind=kind, encoding=encoding)
            report = results_import(
                plan=target,
                fiscal_year=year,
                kind=kind,
                table=table,
                user=account,
                dry_run=dry_run,
                department=department,
            )
        except OSError as error:
            raise CommandError(f"ファイルを開けません: {file}") from error
        except (SpreadsheetError, WorkflowError) as error:
            raise CommandError(str(error)) from error
        summary = "、".join(f"{action} {count}件" for action, count in report.summary)
        self.stdout.write(f"{len(report.rows)}行: {summary}")
        for row in report.errors:
            self.stdout.write(f"{report.place(row.number)}「{row.name}」: {' '.join(row.messages)}")
        if report.errors:
            raise CommandError("エラーがあるため、何も取り込んでいません。")
        if dry_run:
            self.stdout.write("確認だけで、書き込みはしていません(--dry-run)。")
        else:
            self.stdout.write(self.style.SUCCESS("取り込みました(状態は「提出済」です)。"))
