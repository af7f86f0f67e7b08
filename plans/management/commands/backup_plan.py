from django.core.management.base import BaseCommand, CommandError

from plans.backup import backup_dumps, backup_write, plan_backup
from plans.models import Plan


class Command(BaseCommand):
    help = (
        "計画1つを、実績・進捗・変更履歴・関係する所管課とユーザーごと、1つのJSONファイルに"
        "バックアップします(restore_plan で復元できます)。ファイルにはユーザーのパスワードの"
        "ハッシュが入るため、--output のファイルは本人だけが読める権限(0600)で作ります。"
        "--output がなければ標準出力に書きます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("plan", help="計画コード(例: okayama-kyodo-2021)")
        parser.add_argument(
            "--output",
            help="書き出すファイル(権限0600で作成。同名のファイルは置き換えます)",
        )

    def handle(self, *args, plan, output, **options):
        target = Plan.objects.filter(code=plan).first()
        if target is None:
            raise CommandError(f"計画コード「{plan}」の計画はありません。")
        document = plan_backup(plan=target)
        if output is None:
            self.stdout.write(backup_dumps(document))
            return
        try:
            backup_write(document, output)
        except OSError as error:
            raise CommandError(f"ファイルに書き込めません: {output}({error})") from error
        rows = len(document["objects"])
        self.stdout.write(
            self.style.SUCCESS(f"計画「{target}」を {output} にバックアップしました({rows}行)。")
        )
