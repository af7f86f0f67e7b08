from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from indicators.models import Indicator
from plans.models import Plan, PlanStatus
from plans.progress.next_plan import Carry, NextPlanError, NextPlanRequest, next_plan_start


def indicator_code(indicator):
    """How the command names an indicator: its policy's number and its position ("2-1")."""
    return f"{indicator.policy.number}-{indicator.position}"


class Command(BaseCommand):
    help = (
        "今の計画から次の計画を作ります。基本方針・基本施策・成果指標・事業の構成を新しい計画コードと"
        "期間で写し、成果指標は既定で「継続」(前の計画の指標とつなげ、最後の承認済の値を新しい"
        "基準値にする)とします。同じ計画から同じ計画コードでもう一度実行しても何も変えません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="今の計画の計画コード")
        parser.add_argument("--code", help="次の計画の計画コード(例: okayama-kyodo-2026)")
        parser.add_argument(
            "--first-year", type=int, help="次の計画の初年度(既定: 今の計画の翌年度)"
        )
        parser.add_argument("--last-year", type=int, help="次の計画の最終年度(既定: 同じ年数)")
        parser.add_argument("--baseline-year", type=int, help="基準年度(既定: 初年度の前年度)")
        parser.add_argument("--title", help="次の計画の計画名(既定: 今の計画名に「(次期)」)")
        parser.add_argument(
            "--status", choices=PlanStatus.values, default=PlanStatus.DRAFT, help="既定: 策定中"
        )
        parser.add_argument(
            "--new",
            nargs="+",
            default=[],
            metavar="指標",
            help="新しい指標として扱う(前の計画の指標とつながない)成果指標。例: 2-1 3-2",
        )
        parser.add_argument(
            "--drop", nargs="+", default=[], metavar="指標", help="次の計画に引き継がない成果指標"
        )
        parser.add_argument("--user", help="作成する人(計画管理者)のユーザー名。履歴に残ります")
        parser.add_argument(
            "--demo", action="store_true", help="デモ用データ(架空の計画)として作ります"
        )
        parser.add_argument(
            "--list", action="store_true", help="今の計画の成果指標を番号付きで表示するだけ"
        )

    def handle(self, *args, source, **options):
        plan = Plan.objects.filter(code=source).first()
        if plan is None:
            raise CommandError(f"計画コード「{source}」の計画はありません。")
        indicators = {
            indicator_code(indicator): indicator
            for indicator in Indicator.objects.filter(policy__plan=plan).select_related("policy")
        }
        if options["list"]:
            for code, indicator in indicators.items():
                self.stdout.write(f"{code}\t{indicator.name}")
            return
        if not options["code"]:
            raise CommandError("次の計画の計画コードを --code で指定してください。")
        carry = {}
        for choice, codes in ((Carry.NEW, options["new"]), (Carry.DROP, options["drop"])):
            for code in codes:
                if code not in indicators:
                    raise CommandError(
                        f"成果指標「{code}」はありません。--list で番号を確認してください。"
                    )
                if indicators[code].pk in carry:
                    raise CommandError(f"成果指標「{code}」が --new と --drop の両方にあります。")
                carry[indicators[code].pk] = choice
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"ユーザー「{options['user']}」はいません。")
        first = options["first_year"] or plan.last_fiscal_year + 1
        last = options["last_year"] or first + (plan.last_fiscal_year - plan.first_fiscal_year)
        request = NextPlanRequest(
            code=options["code"],
            title=options["title"] or f"{plan.title}(次期)",
            first_fiscal_year=first,
            last_fiscal_year=last,
            baseline_fiscal_year=options["baseline_year"],
            status=options["status"],
            carry=carry,
            is_demo=options["demo"],
        )
        try:
            outcome = next_plan_start(source=plan, request=request, user=user)
        except (NextPlanError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        if not outcome.created:
            self.stdout.write(f"次の計画「{outcome.plan}」はすでにあります。何も変更していません。")
            return
        for note in outcome.notes:
            self.stdout.write(f"確認: {note}")
        continued = Indicator.objects.filter(
            policy__plan=outcome.plan, predecessor__isnull=False
        ).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"次の計画「{outcome.plan}」を作りました(計画コード {outcome.plan.code}、"
                f"継続する成果指標 {continued}件)。管理画面で内容を編集してください。"
            )
        )
