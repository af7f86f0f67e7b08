from django.core.cache import cache
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "保存しておいた進捗状況・報告書・オープンデータを消します。新しい版のポータルを"
        "入れたとき(画面やファイルの形が変わったとき)に実行します。次の表示で作り直されます。"
    )

    def handle(self, *args, **options):
        # Entries are keyed by the plan's published version, not by the portal's code.
        cache.clear()
        self.stdout.write("保存しておいたページとファイルを消しました。")
