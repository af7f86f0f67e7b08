from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Min, Q
from simple_history.models import HistoricalRecords

from plans.codes import normalize_code
from plans.models import Department, Measure, Plan, YearlyEntry
from plans.numbers import parse_number
from plans.revisions import Revision, RevisionKind, active_in, one_of_each_constraints

AMOUNT_DIGITS = {"max_digits": 15, "decimal_places": 0}


class ProjectQuerySet(models.QuerySet):
    def active_in(self, fiscal_year):
        """The projects active in the year: not added later, not ended by then (見直し)."""
        return self.filter(active_in(ProjectRevision, fiscal_year))

    def with_plan_order(self):
        """Annotate `plan_order`: where the project is first listed in its plan (measure, row)."""
        return self.annotate(
            plan_order=Min(
                F("measure_links__measure__policy__number") * 1_000_000
                + F("measure_links__measure__number") * 1_000
                + F("measure_links__position")
            )
        )


def validate_one_line(value):
    if "\n" in value or "\r" in value:
        raise ValidationError(
            "改行は使えません。1行で入力してください(セルの中の改行も削除してください)。",
            code="line_break",
        )


class Project(models.Model):
    """A project (事業) of the plan; it can be listed under several measures.

    Its code is stored normalised (plans.codes.normalize_code: Ｋ－０３ is K-03) by every door:
    clean() for the admin and the plan file, projects.imports for the import."""

    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="projects"
    )
    code = models.CharField(
        "事業コード",
        max_length=30,
        blank=True,
        help_text="庁内で使う事業の番号。取込のときに事業を見分けるのに使います(任意)。",
    )
    name = models.CharField("事業名", max_length=200, validators=[validate_one_line])
    summary = models.TextField("事業概要", blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="所管課",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    measures = models.ManyToManyField(
        Measure,
        verbose_name="基本施策",
        through="MeasureProject",
        related_name="projects",
    )

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "事業"
        verbose_name_plural = "事業"
        ordering = ["plan", "code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="project_name_unique_in_plan",
                violation_error_message="この計画には同じ名前の事業がすでにあります。",
            ),
            models.UniqueConstraint(
                fields=["plan", "code"],
                condition=~Q(code=""),
                name="project_code_unique_in_plan",
                violation_error_message="この計画には同じ事業コードの事業がすでにあります。",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.code = normalize_code(self.code)


class ProjectRevision(Revision):
    """A project added mid-plan (追加) or ended (休止・廃止・終了) from a fiscal year on."""

    target_field = "project"
    plan_lookup = "project__plan"

    project = models.ForeignKey(
        Project, verbose_name="事業", on_delete=models.CASCADE, related_name="revisions"
    )
    kind = models.CharField(
        "見直しの種類",
        max_length=12,
        choices=[choice for choice in RevisionKind.choices if choice[0] != RevisionKind.CHANGE],
        default=RevisionKind.ENDED,
    )
    history = HistoricalRecords()

    class Meta(Revision.Meta):
        verbose_name = "事業の見直し"
        verbose_name_plural = "事業の見直し"
        constraints = [
            *one_of_each_constraints("project", "project_revision"),
            models.CheckConstraint(
                condition=~Q(kind=RevisionKind.CHANGE),
                name="project_revision_adds_or_ends",
                violation_error_message="事業の見直しは追加・休止・廃止・終了のどれかを選んでください"
                "(事業名や概要の変更は事業そのものを編集してください)。",
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.from_year}年度から{self.get_kind_display()}"

    def item_plan(self):
        return self.project.plan if self.project_id else None


class MeasureProject(models.Model):
    """A row of a measure's table of main projects (主な事業)."""

    measure = models.ForeignKey(
        Measure, verbose_name="基本施策", on_delete=models.CASCADE, related_name="project_links"
    )
    project = models.ForeignKey(
        Project, verbose_name="事業", on_delete=models.CASCADE, related_name="measure_links"
    )
    position = models.PositiveSmallIntegerField(
        "掲載順",
        help_text="施策の「主な事業」の表での行番号。計画が1行に複数の事業を並べている場合は同じ番号です。",
    )
    listed_summary = models.TextField(
        "この施策での事業概要",
        blank=True,
        help_text="この施策の表で、事業概要が事業そのものの概要と違う書き方をされている場合に記入します。",
    )

    class Meta:
        verbose_name = "基本施策の主な事業"
        verbose_name_plural = "基本施策の主な事業"
        ordering = ["measure", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "project"],
                name="project_listed_once_per_measure",
                violation_error_message="この事業はこの基本施策にすでに掲載されています。",
            ),
        ]

    def __str__(self):
        return f"{self.measure.code} {self.project}"

    def clean(self):
        super().clean()
        if (
            self.measure_id
            and self.project_id
            and self.measure.policy.plan_id != self.project.plan_id
        ):
            raise ValidationError("別の計画の基本施策には掲載できません。")

    @property
    def summary(self):
        return self.listed_summary or self.project.summary


class ProgressGrade(models.TextChoices):
    A = "A", "A 達成"
    B = "B", "B 順調"
    C = "C", "C やや遅れ"
    D = "D", "D 遅れ"


class Outlook(models.TextChoices):
    EXPAND = "expand", "拡充"
    CONTINUE = "continue", "継続"
    IMPROVE = "improve", "改善"
    REDUCE = "reduce", "縮小"
    MERGE = "merge", "統合"
    SUSPEND = "suspend", "休止"
    ABOLISH = "abolish", "廃止"
    COMPLETE = "complete", "終了"


class ProjectProgress(YearlyEntry):
    """A project's progress record for one fiscal year."""

    target_field = "project"
    plan_lookup = "project__plan"

    Grade = ProgressGrade
    Outlook = Outlook

    project = models.ForeignKey(
        Project, verbose_name="事業", on_delete=models.CASCADE, related_name="progress_records"
    )
    activities = models.TextField("実施内容・実績", blank=True)
    grade = models.CharField("自己評価", max_length=1, choices=Grade, blank=True)
    issues = models.TextField("課題", blank=True)
    outlook = models.CharField("今後の方向性", max_length=10, choices=Outlook, blank=True)
    budget_amount = models.DecimalField("予算額(千円)", null=True, blank=True, **AMOUNT_DIGITS)
    settlement_amount = models.DecimalField("決算額(千円)", null=True, blank=True, **AMOUNT_DIGITS)

    class Meta(YearlyEntry.Meta):
        verbose_name = "事業の進捗"
        verbose_name_plural = "事業の進捗"
        ordering = ["project", "fiscal_year"]
        constraints = [
            *YearlyEntry.Meta.constraints,
            models.UniqueConstraint(
                fields=["project", "fiscal_year"],
                name="one_progress_per_project_and_year",
                violation_error_message="この事業のこの年度の進捗はすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                name="progress_budget_not_negative",
                violation_error_message="予算額は0以上にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(settlement_amount__isnull=True) | Q(settlement_amount__gte=0),
                name="progress_settlement_not_negative",
                violation_error_message="決算額は0以上にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["", *ProgressGrade.values])
                & Q(outlook__in=["", *Outlook.values]),
                name="progress_choices_valid",
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.fiscal_year}年度"

    @classmethod
    def parse_amount(cls, text):
        """An amount in 千円 as typed: a whole number of at most 15 digits, not negative."""
        amount = parse_number(text, unit="千円", places=0)
        if amount is None:
            return None
        cls._meta.get_field("budget_amount").run_validators(amount)
        if amount < 0:
            raise ValidationError("金額は0以上で入力してください。", code="range")
        return amount

    @property
    def plan(self):
        return self.project.plan if self.project_id else None
