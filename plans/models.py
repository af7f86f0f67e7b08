from datetime import date
from decimal import Decimal
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from indicators.achievement import Thresholds
from plans.constraints import ConstraintsJudgedInPython
from plans.fiscal_years import format_fiscal_year

# Fiscal years are stored as the calendar year they start in (2021 = 2021年度 = 令和3年度).
FISCAL_YEAR_MIN = 1900
FISCAL_YEAR_MAX = 2999
FISCAL_YEAR_VALIDATORS = [MinValueValidator(FISCAL_YEAR_MIN), MaxValueValidator(FISCAL_YEAR_MAX)]


def fiscal_year_field(verbose_name, **kwargs):
    return models.PositiveSmallIntegerField(
        verbose_name, validators=FISCAL_YEAR_VALIDATORS, **kwargs
    )


def fiscal_year_in_range(field_name):
    return Q(**{f"{field_name}__gte": FISCAL_YEAR_MIN, f"{field_name}__lte": FISCAL_YEAR_MAX})


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "策定中"
    ACTIVE = "active", "推進中"
    FINAL_EVALUATION = "final_evaluation", "最終評価中"
    CLOSED = "closed", "終了"


class ReportKind(models.TextChoices):
    """Which report a year's dashboard and report are (chapter 6): every year the annual report,
    in the plan's chosen middle year the mid-term evaluation, in its last year the final summary
    over the whole period."""

    ANNUAL = "annual", "年次報告"
    MIDTERM = "midterm", "中間評価"
    FINAL = "final", "総括"


class PlanQuerySet(models.QuerySet):
    def with_structure(self):
        """Prefetch the whole plan text: policies, indicators, measures and their project rows."""
        return self.prefetch_related(
            "policies__indicators",
            "policies__measures__project_links__project",
        )


class Plan(models.Model):
    Status = PlanStatus

    code = models.SlugField(
        "計画コード",
        max_length=50,
        unique=True,
        help_text="URLやファイル名で計画を識別する半角英数字とハイフン(例: okayama-kyodo-2021)",
    )
    title = models.CharField("計画名", max_length=200)
    municipality = models.CharField("自治体名", max_length=100)
    first_fiscal_year = fiscal_year_field("計画期間(初年度)")
    last_fiscal_year = fiscal_year_field("計画期間(最終年度)")
    baseline_fiscal_year = fiscal_year_field(
        "基準年度", help_text="現状値(基準値)を測った年度。計画期間の初年度より前の年度です。"
    )
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.ACTIVE)
    reporting_bodies = models.TextField(
        "報告先", blank=True, help_text="進捗状況を報告する会議体。1行に1つ記入します。"
    )
    progress_management = models.TextField("進行管理", blank=True)
    midterm_fiscal_year = fiscal_year_field(
        "中間評価の年度",
        null=True,
        blank=True,
        help_text=(
            "この年度の報告書は中間評価になります。空欄なら計画期間の3年目です(最終年度は総括)。"
        ),
    )
    grade_b_ratio = models.DecimalField(
        "評価B(順調)の基準",
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text="進捗率が「期待される進捗(経過年数÷計画年数)」のこの倍以上ならB(順調)です。",
    )
    grade_c_ratio = models.DecimalField(
        "評価C(やや遅れ)の基準",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.60"),
        help_text="進捗率が「期待される進捗」のこの倍以上ならC(やや遅れ)、未満ならD(遅れ)です。",
    )

    allow_self_approval = models.BooleanField(
        "入力者自身による承認を認める",
        default=False,
        help_text=(
            "通常は、値を入力(取込み)した人とは別の計画管理者が承認します。担当者が1人の事務局で"
            "自己承認を認める場合に選びます。自己承認は変更履歴と監査ログに記録されます。"
        ),
    )
    predecessor = models.ForeignKey(
        "self",
        verbose_name="前の計画",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        help_text="この計画が引き継いだ計画。「次の計画を作成」で作ると設定されます。",
    )
    is_demo = models.BooleanField(
        "デモ用データ", default=False, help_text="動作確認用に作られた架空の計画です。"
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "計画"
        verbose_name_plural = "計画"
        ordering = ["-first_fiscal_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_fiscal_year__gte=F("first_fiscal_year")),
                name="plan_period_ends_after_it_starts",
                violation_error_message="計画期間の最終年度は初年度以降にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(baseline_fiscal_year__lt=F("first_fiscal_year")),
                name="plan_baseline_before_period",
                violation_error_message="基準年度は計画期間の初年度より前にしてください。",
            ),
            models.CheckConstraint(
                condition=fiscal_year_in_range("first_fiscal_year")
                & fiscal_year_in_range("last_fiscal_year")
                & fiscal_year_in_range("baseline_fiscal_year"),
                name="plan_fiscal_years_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="plan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(midterm_fiscal_year__isnull=True)
                | Q(
                    midterm_fiscal_year__gte=F("first_fiscal_year"),
                    midterm_fiscal_year__lt=F("last_fiscal_year"),
                ),
                name="plan_midterm_within_period",
                violation_error_message=(
                    "中間評価の年度は計画期間の初年度から最終年度の前年度までにしてください"
                    "(最終年度は総括です)。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(grade_c_ratio__gte=0, grade_b_ratio__gte=F("grade_c_ratio")),
                name="plan_grade_thresholds_ordered",
                violation_error_message=(
                    "評価の基準は 0 ≦ C(やや遅れ)の基準 ≦ B(順調)の基準 にしてください。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.title}({self.period_label})"

    def clean(self):
        super().clean()
        earlier = self.predecessor
        if (
            earlier is not None
            and self.first_fiscal_year
            and (earlier.pk == self.pk or earlier.last_fiscal_year >= self.first_fiscal_year)
        ):
            message = "前の計画には、この計画の初年度より前に終わる計画を選んでください。"
            raise ValidationError({"predecessor": message})

    @property
    def period_label(self):
        first, last = self.first_fiscal_year, self.last_fiscal_year
        return f"{format_fiscal_year(first)}〜{format_fiscal_year(last)}"

    @property
    def fiscal_years(self):
        return range(self.first_fiscal_year, self.last_fiscal_year + 1)

    @property
    def midterm_year(self):
        """The year of the mid-term evaluation: the one chosen, else the plan's third year (the
        first when the period is shorter; a plan of one or two years has none but its last)."""
        if self.midterm_fiscal_year is not None:
            return self.midterm_fiscal_year
        return min(self.first_fiscal_year + 2, self.last_fiscal_year)

    def report_kind(self, fiscal_year):
        """The kind of report (ReportKind) the year's dashboard and report are: the final
        summary (総括) in the plan's last year, which the mid-term evaluation never takes."""
        if fiscal_year == self.last_fiscal_year:
            return ReportKind.FINAL
        if fiscal_year == self.midterm_year:
            return ReportKind.MIDTERM
        return ReportKind.ANNUAL

    def report_kind_description(self, fiscal_year):
        """What the year's report is, in words: 「中間評価(計画期間5年のうち3年目)」."""
        kind = self.report_kind(fiscal_year)
        if kind is ReportKind.FINAL:
            return (
                f"総括(計画期間全体の評価: {format_fiscal_year(fiscal_year)}と"
                f"基準年度{format_fiscal_year(self.baseline_fiscal_year)}の比較)"
            )
        year_number = fiscal_year - self.first_fiscal_year + 1
        return f"{kind.label}(計画期間{len(self.fiscal_years)}年のうち{year_number}年目)"

    def report_title(self, fiscal_year):
        """The year's report as its running head and files name it, the kind included:
        「岡山市協働推進計画 2024年度 進捗状況報告書(年次報告)」."""
        kind = self.report_kind(fiscal_year)
        return f"{self.title} {format_fiscal_year(fiscal_year)} 進捗状況報告書({kind.label})"

    @property
    def thresholds(self):
        """The plan's grade thresholds, for the achievement arithmetic."""
        return Thresholds(b_ratio=self.grade_b_ratio, c_ratio=self.grade_c_ratio)

    @property
    def reporting_body_list(self):
        return [line.strip() for line in self.reporting_bodies.splitlines() if line.strip()]


class Department(models.Model):
    """A division of the city (所管課) that reports indicators and runs projects."""

    name = models.CharField("所管課名", max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        related_name="departments",
        blank=True,
        help_text="この所管課の指標と事業を入力できる職員。",
    )
    is_demo = models.BooleanField(
        "デモ用データ", default=False, help_text="動作確認用に作られた架空の所管課です。"
    )

    class Meta:
        verbose_name = "所管課"
        verbose_name_plural = "所管課"
        ordering = ["name"]

    def __str__(self):
        return self.name


class BasicPolicy(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="policies"
    )
    number = models.PositiveSmallIntegerField("番号", validators=[MinValueValidator(1)])
    title = models.CharField("基本方針", max_length=300)
    bullets = models.TextField(
        "方針の内容", blank=True, help_text="基本方針の下の箇条書き。1行に1項目です。"
    )

    class Meta:
        verbose_name = "基本方針"
        verbose_name_plural = "基本方針"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="policy_number_unique_in_plan",
                violation_error_message="この計画には同じ番号の基本方針がすでにあります。",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="policy_number_positive"),
        ]

    def __str__(self):
        return f"基本方針{self.number} {self.title}"

    @property
    def code(self):
        return str(self.number)

    @property
    def bullet_list(self):
        return [line for line in self.bullets.splitlines() if line.strip()]


class MeasureManager(models.Manager):
    def get_queryset(self):
        # A measure is always shown with its code, which needs the policy's number.
        return super().get_queryset().select_related("policy")


class Measure(models.Model):
    policy = models.ForeignKey(
        BasicPolicy, verbose_name="基本方針", on_delete=models.CASCADE, related_name="measures"
    )
    number = models.PositiveSmallIntegerField(
        "番号", validators=[MinValueValidator(1)], help_text="基本方針の中での番号(1-2なら2)"
    )
    title = models.CharField("基本施策", max_length=300)
    description = models.TextField("施策の内容", blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="評価を書く所管課",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
        help_text=(
            "この施策の評価と今後の取組方針を毎年度書く所管課。"
            "空欄なら協働推進課(計画管理者)が書きます。"
        ),
    )

    objects = MeasureManager()

    class Meta:
        verbose_name = "基本施策"
        verbose_name_plural = "基本施策"
        ordering = ["policy__plan", "policy__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "number"],
                name="measure_number_unique_in_policy",
                violation_error_message="この基本方針には同じ番号の基本施策がすでにあります。",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="measure_number_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def code(self):
        """The measure's code as the plan prints it ("1-2"); unique within a plan."""
        return f"{self.policy.number}-{self.number}"

    def project_rows(self):
        """The rows of the measure's 主な事業 table: (projects, 事業概要), as the plan prints them.

        The plan sometimes lists several projects in one row; such links share a position.
        """
        return [
            ([link.project for link in links], links[0].summary)
            for links in (
                list(group)
                for _, group in groupby(self.project_links.all(), key=lambda link: link.position)
            )
        ]


class EntryStatus(models.TextChoices):
    """Where a yearly entry stands in the review workflow."""

    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "提出済"
    RETURNED = "returned", "差戻し"
    APPROVED = "approved", "承認済"


class YearlyEntryQuerySet(models.QuerySet):
    """The reads that the dashboards, reports, exports, entry pages and reminders share.

    An entry model names what an entry is of (`target_field`, e.g. "indicator") and the path to
    its plan (`plan_lookup`), so each method is written once for every kind of entry.
    """

    def approved(self):
        """Only approved entries: the values that count on committee pages, reports and exports."""
        return self.filter(status=EntryStatus.APPROVED)

    def in_plan(self, plan):
        """The entries of one plan's indicators (or projects)."""
        return self.filter(**{self.model.plan_lookup: plan})

    def for_targets(self, targets):
        """The entries of these indicators (or projects): a list or a queryset."""
        return self.filter(**{f"{self.model.target_field}__in": targets})

    def for_year(self, fiscal_year):
        """The entries of one fiscal year."""
        return self.filter(fiscal_year=fiscal_year)

    def up_to(self, fiscal_year):
        """The entries of `fiscal_year` and every earlier year, oldest first."""
        return self.filter(fiscal_year__lte=fiscal_year).order_by("fiscal_year")

    def before(self, fiscal_year):
        """The entries of the years before `fiscal_year`, oldest first."""
        return self.filter(fiscal_year__lt=fiscal_year).order_by("fiscal_year")

    def of(self, target, fiscal_year):
        """The one entry of an indicator (or project) for a fiscal year, or None."""
        return self.filter(**{self.model.target_field: target}, fiscal_year=fiscal_year).first()


class YearlyEntry(ConstraintsJudgedInPython, models.Model):
    """What every yearly entry (an indicator's result, a project's progress, a measure's
    assessment) shares: a fiscal year and a review.

    A subclass names its target's foreign key (`target_field`) and the lookup from an entry to its
    plan (`plan_lookup`); `YearlyEntryQuerySet` filters on them.
    """

    target_field = None
    plan_lookup = None

    fiscal_year = fiscal_year_field("年度")
    status = models.CharField("状態", max_length=20, choices=EntryStatus, default=EntryStatus.DRAFT)
    return_reason = models.TextField("差戻し理由", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="入力者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    version = models.PositiveIntegerField(
        "版",
        default=0,
        editable=False,
        help_text="保存のたびに1増えます。同時編集の検出に使います。",
    )
    is_demo = models.BooleanField(
        "デモ用データ", default=False, help_text="動作確認用に作られた架空の値です。"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = YearlyEntryQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=fiscal_year_in_range("fiscal_year"),
                name="%(app_label)s_%(class)s_fiscal_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]

    def clean(self):
        super().clean()
        plan = self.plan
        if plan and self.fiscal_year and self.fiscal_year not in plan.fiscal_years:
            raise ValidationError(
                {
                    "fiscal_year": f"年度は計画期間({plan.period_label})の中で選んでください。",
                }
            )

    @property
    def plan(self):
        raise NotImplementedError


class MeasureAssessment(YearlyEntry):
    """A measure's assessment (施策の評価) for one fiscal year and the direction for the next."""

    target_field = "measure"
    plan_lookup = "measure__policy__plan"

    measure = models.ForeignKey(
        Measure, verbose_name="基本施策", on_delete=models.CASCADE, related_name="assessments"
    )
    assessment = models.TextField(
        "施策の評価", blank=True, help_text="指標と主な事業の状況から見た、この年度の施策の評価。"
    )
    direction = models.TextField(
        "今後の取組方針", blank=True, help_text="評価を受けて、次の年度にどう取り組むか。"
    )

    class Meta(YearlyEntry.Meta):
        verbose_name = "基本施策の評価"
        verbose_name_plural = "基本施策の評価"
        ordering = ["measure", "fiscal_year"]
        constraints = [
            *YearlyEntry.Meta.constraints,
            models.UniqueConstraint(
                fields=["measure", "fiscal_year"],
                name="one_assessment_per_measure_and_year",
                violation_error_message="この基本施策のこの年度の評価はすでにあります。",
            ),
        ]

    def __str__(self):
        return f"{self.measure} {self.fiscal_year}年度"

    @property
    def plan(self):
        return self.measure.policy.plan if self.measure_id else None


class PlanYear(models.Model):
    """A fiscal year of a plan as the plan office runs it: the entry deadline and the lock."""

    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="plan_years"
    )
    fiscal_year = fiscal_year_field("年度")
    entry_deadline = models.DateField(
        "入力期限",
        null=True,
        blank=True,
        help_text="所管課の入力・提出の締切日(この日まで入力できます)",
    )
    is_locked = models.BooleanField(
        "確定(ロック)",
        default=False,
        help_text="報告済みの年度を確定し、変更できないようにします。",
    )
    locked_at = models.DateTimeField("確定日時", null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確定した人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度の管理"
        verbose_name_plural = "年度の管理"
        ordering = ["plan", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "fiscal_year"],
                name="one_plan_year_per_plan_and_year",
                violation_error_message="この計画のこの年度の設定はすでにあります。",
            ),
            models.CheckConstraint(
                condition=fiscal_year_in_range("fiscal_year"), name="plan_year_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.plan.title} {format_fiscal_year(self.fiscal_year)}"

    def clean(self):
        super().clean()
        if self.plan_id and self.fiscal_year and self.fiscal_year not in self.plan.fiscal_years:
            raise ValidationError(
                {"fiscal_year": f"年度は計画期間({self.plan.period_label})の中で選んでください。"}
            )
        if self.entry_deadline and self.fiscal_year and self.plan_id:
            # A year's values are entered once it has begun, and at the latest for the plan's
            # final summary, in the year after its last one.
            earliest = date(self.fiscal_year, 4, 1)
            latest = date(self.plan.last_fiscal_year + 2, 3, 31)
            if not earliest <= self.entry_deadline <= latest:
                raise ValidationError(
                    {
                        "entry_deadline": (
                            f"{format_fiscal_year(self.fiscal_year)}の入力期限は、"
                            f"{earliest.year}年4月1日から{latest.year}年3月31日までの日付に"
                            "してください。"
                        )
                    }
                )


class PendingUpload(models.Model):
    """A spreadsheet waiting between an import's preview and its confirmation.

    Kept in the database rather than on one server's disk, so that with several app servers
    the confirmation may reach another server than the preview did.
    """

    token = models.CharField("受付番号", max_length=64, unique=True)
    data = models.BinaryField("内容")
    created_at = models.DateTimeField("受付日時", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "取込待ちのファイル"
        verbose_name_plural = "取込待ちのファイル"

    def __str__(self):
        return f"取込待ち {self.created_at:%Y-%m-%d %H:%M}"


class Publication(models.Model):
    """A published version (plans/publication.py): bumped by the writes that change what the
    committee pages show, and part of the keys those pages are cached under."""

    version = models.PositiveBigIntegerField("公開版", default=0)
    changed_at = models.DateTimeField("公開内容の更新日時")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.pk} 第{self.version}版"


class PlanPublication(Publication):
    """Which version of a plan the committee pages and the open data show.

    Bumped (plans/publication.py) by every write that changes what those pages show; the
    cached pages are keyed by it. Not part of a plan's backup: a restored plan starts anew.
    """

    plan = models.OneToOneField(
        Plan,
        verbose_name="計画",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="publication",
    )

    class Meta:
        verbose_name = "計画の公開版"
        verbose_name_plural = "計画の公開版"


class PolicyPublication(Publication):
    """Which version of a policy's part of the committee pages is shown.

    A write that concerns one indicator or project bumps the policies showing it beside the
    plan (plans/publication.py); a write concerning the whole plan bumps every policy. The
    overview's, the print report's and the .xlsx's per-policy parts are keyed by it, so the
    first view after a change rebuilds only what changed. A policy without a row is at version 0.
    """

    policy = models.OneToOneField(
        BasicPolicy,
        verbose_name="基本方針",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="publication",
    )

    class Meta:
        verbose_name = "基本方針の公開版"
        verbose_name_plural = "基本方針の公開版"


class OpinionStatus(models.TextChoices):
    """Where a committee member's opinion stands: the member's own, or shown to the committee."""

    DRAFT = "draft", "下書き"
    SHARED = "shared", "委員会で共有"


class CommitteeOpinionQuerySet(models.QuerySet):
    def for_year(self, plan, fiscal_year):
        """The opinions on a plan for one fiscal year, with what they are about and who wrote
        them, oldest first."""
        return (
            self.filter(plan=plan, fiscal_year=fiscal_year)
            .select_related("author", "policy", "measure__policy", "indicator__policy")
            .order_by("created_at", "pk")
        )

    def seen_by_member(self, user):
        """What a committee member sees: every member's shared opinions and their own drafts."""
        return self.filter(Q(status=OpinionStatus.SHARED) | Q(author=user))

    def in_letter(self):
        """The opinions the chair put into the 意見書 as items of their own (not merged into
        another), in the letter's order."""
        return self.filter(
            status=OpinionStatus.SHARED, letter_position__isnull=False, merged_into__isnull=True
        ).order_by("letter_position", "pk")

    def published(self):
        """The items of published 意見書: what the staff and the plan office read, and what the
        city responds to."""
        return self.in_letter().filter(
            plan__opinion_letters__fiscal_year=F("fiscal_year"),
            plan__opinion_letters__status=OpinionLetter.Status.PUBLISHED,
        )


class CommitteeOpinion(models.Model):
    """A committee member's opinion (意見) for a fiscal year on the plan as a whole, a policy,
    a measure or an indicator: a private draft until the member shares it with the committee;
    the chair (委員長) then puts it into the year's 意見書 (its place and wording there, or
    merged into another opinion). Written only through plans/progress/opinions.py."""

    Status = OpinionStatus

    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="committee_opinions"
    )
    fiscal_year = fiscal_year_field("年度")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="委員",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # What the opinion is about: one of these, or none for the plan as a whole.
    policy = models.ForeignKey(
        BasicPolicy,
        verbose_name="基本方針",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="committee_opinions",
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name="基本施策",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="committee_opinions",
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name="成果指標",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="committee_opinions",
    )
    body = models.TextField("意見")
    status = models.CharField(
        "状態", max_length=20, choices=OpinionStatus, default=OpinionStatus.DRAFT
    )
    shared_at = models.DateTimeField("共有日時", null=True, blank=True)
    letter_position = models.PositiveSmallIntegerField(
        "意見書での順番", null=True, blank=True, help_text="空欄なら意見書に載せません。"
    )
    letter_text = models.TextField(
        "意見書での文言", blank=True, help_text="委員長が整えた文言。空欄なら委員の意見のまま。"
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name="統合先の意見",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
    )
    version = models.PositiveIntegerField("版", default=0, editable=False)
    is_demo = models.BooleanField(
        "デモ用データ", default=False, help_text="動作確認用に作られた架空の意見です。"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()

    objects = CommitteeOpinionQuerySet.as_manager()

    # The city's response to an opinion is written by the plan office (plans.access.can_enter:
    # an item without a department), like a measure's assessment that names none.
    department = None
    department_id = None

    class Meta:
        verbose_name = "委員会の意見"
        verbose_name_plural = "委員会の意見"
        ordering = ["plan", "fiscal_year", "letter_position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=fiscal_year_in_range("fiscal_year"), name="opinion_year_in_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OpinionStatus.values), name="opinion_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(policy__isnull=True, measure__isnull=True)
                    | Q(policy__isnull=True, indicator__isnull=True)
                    | Q(measure__isnull=True, indicator__isnull=True)
                ),
                name="opinion_about_one_subject",
                violation_error_message="意見の対象は、計画全体・基本方針・基本施策・成果指標のどれか1つです。",
            ),
        ]

    def __str__(self):
        return f"{self.subject_label}への意見({format_fiscal_year(self.fiscal_year)})"

    @property
    def subject(self):
        """What the opinion is about: an indicator, a measure, a policy, or None (the plan)."""
        return self.indicator or self.measure or self.policy

    @property
    def subject_label(self):
        subject = self.subject
        if subject is None:
            return "計画全体"
        if self.indicator_id:
            return f"成果指標「{subject.name}」"
        if self.measure_id:
            return f"基本施策{subject}"
        return str(subject)

    @property
    def subject_policy_id(self):
        """The policy the opinion concerns (through its measure or indicator), None for the plan."""
        if self.indicator_id:
            return self.indicator.policy_id
        if self.measure_id:
            return self.measure.policy_id
        return self.policy_id

    @property
    def letter_wording(self):
        """The opinion as the 意見書 prints it: the chair's wording, or the member's own."""
        return self.letter_text or self.body


class OpinionLetterStatus(models.TextChoices):
    COMPILING = "compiling", "取りまとめ中"
    PUBLISHED = "published", "公表済"


class OpinionLetter(models.Model):
    """The committee's 意見書 for a fiscal year, compiled by the chair from the shared opinions
    and published once; after that it is not changed, and the city responds to its items."""

    Status = OpinionLetterStatus

    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="opinion_letters"
    )
    fiscal_year = fiscal_year_field("年度")
    preface = models.TextField("前文", blank=True, help_text="意見書の冒頭に載せる文章。")
    status = models.CharField(
        "状態", max_length=20, choices=OpinionLetterStatus, default=OpinionLetterStatus.COMPILING
    )
    published_at = models.DateTimeField("公表日時", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="公表した委員長",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField("版", default=0, editable=False)
    is_demo = models.BooleanField(
        "デモ用データ", default=False, help_text="動作確認用に作られた架空の意見書です。"
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "意見書"
        verbose_name_plural = "意見書"
        ordering = ["plan", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "fiscal_year"],
                name="one_opinion_letter_per_plan_and_year",
                violation_error_message="この計画のこの年度の意見書はすでにあります。",
            ),
            models.CheckConstraint(
                condition=fiscal_year_in_range("fiscal_year"), name="opinion_letter_year_in_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OpinionLetterStatus.values),
                name="opinion_letter_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.plan.title} {format_fiscal_year(self.fiscal_year)} 意見書"

    @property
    def is_published(self):
        return self.status == OpinionLetterStatus.PUBLISHED


class OpinionResponse(YearlyEntry):
    """The city's response (市の対応・対応方針) to an opinion of a published 意見書: the fourth
    kind of yearly entry (plans/progress/kinds.py), written by the plan office and approved
    like any other."""

    target_field = "opinion"
    plan_lookup = "opinion__plan"

    opinion = models.ForeignKey(
        CommitteeOpinion,
        verbose_name="委員会の意見",
        on_delete=models.CASCADE,
        related_name="responses",
    )
    response = models.TextField(
        "市の対応・対応方針", blank=True, help_text="意見を受けて、市がどう対応するか。"
    )

    class Meta(YearlyEntry.Meta):
        verbose_name = "委員会の意見への市の対応"
        verbose_name_plural = "委員会の意見への市の対応"
        ordering = ["opinion", "fiscal_year"]
        constraints = [
            *YearlyEntry.Meta.constraints,
            models.UniqueConstraint(
                fields=["opinion", "fiscal_year"],
                name="one_response_per_opinion_and_year",
                violation_error_message="この意見への市の対応はすでにあります。",
            ),
        ]

    def __str__(self):
        return f"{self.opinion}への市の対応"

    @property
    def plan(self):
        return self.opinion.plan if self.opinion_id else None
