from django.core.management.base import BaseCommand, CommandError

from plans.plan_file import PlanFileError, plan_load, read_plan_file


class Command(BaseCommand):
    help = (
        "計画ファイル(TOML)から計画を読み込みます。すでにある計画はそのままにし、"
        "--update を付けたときだけファイルの内容に合わせます。何も削除しません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="計画ファイル(例: fixtures/plans/okayama-kyodo-2021.toml)")
        parser.add_argument(
            "--update",
            action="store_true",
            help="すでにある計画を、ファイルと違う項目だけ書き換えます。",
        )

    def handle(self, *args, path, update, **options):
        try:
            report = plan_load(data=read_plan_file(path), update=update)
        except PlanFileError as error:
            raise CommandError(str(error)) from error
        if report.skipped:
            self.stdout.write(
                f"計画「{report.plan}」はすでに読み込まれています。変更はしません"
                "(ファイルに合わせるには --update を付けてください)。"
            )
            return
        for label, outcome in [
            ("作成", report.created),
            ("更新", report.updated),
            ("変更なし", report.unchanged),
        ]:
            if outcome:
                counts = "、".join(f"{name} {count}件" for name, count in outcome.items())
                self.stdout.write(f"{label}: {counts}")
        self.stdout.write(self.style.SUCCESS(f"計画「{report.plan}」を読み込みました。"))
