from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from plans.progress.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_accounts_create


class Command(BaseCommand):
    help = (
        "動作確認用のデモアカウントと架空の所管課を作成し、計画の指標と事業を割り当てます。"
        "DEBUG が有効な開発環境でのみ動きます。"
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "デモアカウントは開発環境(DEBUG が有効)でのみ作成できます。"
                "本番環境では実行しないでください。"
            )
        created = {user.username for user in demo_accounts_create()}
        for account in DEMO_ACCOUNTS:
            state = "作成しました" if account.username in created else "既にあります"
            self.stdout.write(f"{account.username} ({account.role}): {state}")
        if created:
            self.stdout.write(f"パスワードはすべて {DEMO_PASSWORD} です。")
