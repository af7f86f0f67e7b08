from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.backup import BackupError, backup_read, plan_restore


class Command(BaseCommand):
    help = (
        "backup_plan で作ったファイルから計画を復元します(1つのトランザクションで、"
        "問題があれば何も書き込みません)。同じ計画コードの計画がすでにあるときは復元しません。"
        "既存のユーザーと所管課はそのまま使い、パスワード・権限・担当者は変更しません。"
        "先に migrate と setup_roles を実行しておいてください。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="バックアップファイル(JSON)")

    def handle(self, *args, file, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"ファイルを開けません: {file}") from error
        try:
            report = plan_restore(document=backup_read(data))
        except BackupError as error:
            raise CommandError(f"{error} 何も書き込んでいません。") from error
        self.stdout.write(f"計画「{report.plan}」({report.plan.code})を復元しました。")
        self.stdout.write(f"計画: {_counts(report.rows)}")
        self.stdout.write(f"変更履歴: {_counts(report.history)}")
        self.stdout.write(
            f"ユーザー: 新規 {report.users_created}人、既存を使用 {report.users_reused}人"
            "(既存のユーザーのパスワードと権限は変更していません)"
        )
        self.stdout.write(
            f"所管課: 新規 {report.departments_created}件、既存を使用 {report.departments_reused}件"
            "(既存の所管課の担当者は変更していません)"
        )
        if report.renumbered:
            self.stdout.write(
                "番号(主キー)を振り直したもの(このデータベースで使われていたため): "
                + "、".join(report.renumbered)
            )
        else:
            self.stdout.write("番号(主キー)はバックアップのままです。")
        self.stdout.write(self.style.SUCCESS("復元が完了しました。"))


def _counts(rows):
    return "、".join(f"{label} {count}件" for label, count in rows.items())
