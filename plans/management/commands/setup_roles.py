from django.core.management.base import BaseCommand

from plans.roles import role_groups_sync


class Command(BaseCommand):
    help = "役割のグループ(計画管理者・所管課担当者・協働推進委員)を作成し、権限を設定します。"

    def handle(self, *args, **options):
        for name, group in role_groups_sync().items():
            self.stdout.write(f"{name}: 権限 {group.permissions.count()}件")
