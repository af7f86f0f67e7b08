from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from plans.progress.reminders import entry_reminders_send


class Command(BaseCommand):
    help = (
        "入力期限が近い年度について、まだ提出していない項目がある所管課の担当者にお知らせメールを"
        "送ります。cron などで毎朝1回実行してください。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="締切まで何日以内の年度についてお知らせするか(既定: 7日)",
        )
        parser.add_argument(
            "--date", dest="on_date", help="今日の日付の代わりに使う日付(YYYY-MM-DD、確認用)"
        )
        parser.add_argument("--dry-run", action="store_true", help="送信せずに宛先だけ表示します")

    def handle(self, *args, days, on_date, dry_run, **options):
        try:
            today = date.fromisoformat(on_date) if on_date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"日付は YYYY-MM-DD の形で指定してください: {on_date}") from error
        report = entry_reminders_send(today=today, days_ahead=days, dry_run=dry_run)
        verb = "送信予定" if dry_run else "送信しました"
        for username, count in report.sent:
            self.stdout.write(f"{username}: 未提出 {count}件 ({verb})")
        for username in report.without_address:
            self.stdout.write(f"{username}: メールアドレスが登録されていないため送れません")
        if not report.sent and not report.without_address:
            self.stdout.write("お知らせする相手はいません。")
