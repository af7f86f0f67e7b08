from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from simple_history.models import HistoricalRecords

from indicators.achievement import Revision as TermsRevision
from indicators.achievement import format_number, terms_in_force
from plans.dates import as_of_label
from plans.models import (
    BasicPolicy,
    Department,
    EntryStatus,
    YearlyEntry,
    YearlyEntryQuerySet,
    fiscal_year_field,
    fiscal_year_in_range,
)
from plans.numbers import parse_number
from plans.revisions import Revision, RevisionKind, active_in, one_of_each_constraints

# Wide enough for page views in the hundreds of millions and shares to four decimals.
VALUE_DIGITS = {"max_digits": 18, "decimal_places": 4}


class Direction(models.TextChoices):
    INCREASE = "increase", "増加が望ましい"
    DECREASE = "decrease", "減少が望ましい"


class Aggregation(models.TextChoices):
    LEVEL = "level", "単年度値"
    CUMULATIVE = "cumulative", "累計"
    AVERAGE = "average", "期間平均"


class IndicatorQuerySet(models.QuerySet):
    def active_in(self, fiscal_year):
        """The indicators active in the year: not added later, not ended by then (見直し)."""
        return self.filter(active_in(IndicatorRevision, fiscal_year))


class Indicator(models.Model):
    """An outcome indicator (成果指標) of a basic policy, with its baseline and target."""

    Direction = Direction
    Aggregation = Aggregation

    policy = models.ForeignKey(
        BasicPolicy, verbose_name="基本方針", on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(
        "掲載順", validators=[MinValueValidator(1)], help_text="基本方針の成果指標の表での順番"
    )
    name = models.CharField("指標名", max_length=300)
    unit = models.CharField("単位", max_length=20, blank=True, help_text="%、人、団体、件など")
    baseline_value = models.DecimalField("現状値(基準値)", **VALUE_DIGITS)
    baseline_year = fiscal_year_field("基準値の年度")
    baseline_note = models.CharField(
        "基準値の注記",
        max_length=200,
        blank=True,
        help_text="例: 12月末、平成28年度から令和元年度の平均",
    )
    target_value = models.DecimalField("目標値", **VALUE_DIGITS)
    target_year = fiscal_year_field("目標値の年度")
    target_note = models.CharField(
        "目標値の注記", max_length=200, blank=True, help_text="例: 累計数、5年平均"
    )
    direction = models.CharField(
        "望ましい方向", max_length=10, choices=Direction, default=Direction.INCREASE
    )
    aggregation = models.CharField(
        "集計方法",
        max_length=12,
        choices=Aggregation,
        default=Aggregation.LEVEL,
        help_text="単年度値: その年の値で評価 / 累計: 計画期間の合計を目標と比べる / "
        "期間平均: 計画期間の平均を目標と比べる",
    )
    measurement_cycle = models.PositiveSmallIntegerField(
        "測定周期(年)",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="1なら毎年、2なら2年ごとに測定します(市民意識調査など)。",
    )
    data_source = models.CharField("出典・把握方法", max_length=200, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="所管課",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
    )
    decimal_places = models.PositiveSmallIntegerField(
        "表示する小数点以下の桁数",
        default=0,
        validators=[MaxValueValidator(VALUE_DIGITS["decimal_places"])],
    )
    min_value = models.DecimalField(
        "入力できる最小値",
        null=True,
        blank=True,
        help_text="これより小さい実績値は受け付けません(例: 人数なら0)。空欄なら制限なし。",
        **VALUE_DIGITS,
    )
    max_value = models.DecimalField(
        "入力できる最大値",
        null=True,
        blank=True,
        help_text="これより大きい実績値は受け付けません(例: 割合なら100)。空欄なら制限なし。",
        **VALUE_DIGITS,
    )
    notes = models.TextField("備考", blank=True)
    predecessor = models.ForeignKey(
        "self",
        verbose_name="前の計画の指標",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        help_text="この指標が引き継いだ前の計画の指標。推移のグラフと表は前の計画の実績から続けて示します。",
    )

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "成果指標"
        verbose_name_plural = "成果指標"
        ordering = ["policy__plan", "policy__number", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"],
                name="indicator_position_unique_in_policy",
                violation_error_message="この基本方針には同じ掲載順の成果指標がすでにあります。",
            ),
            models.UniqueConstraint(
                fields=["policy", "name"],
                name="indicator_name_unique_in_policy",
                violation_error_message="この基本方針には同じ名前の成果指標がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(target_year__gt=F("baseline_year")),
                name="indicator_target_after_baseline",
                violation_error_message="目標値の年度は基準値の年度より後にしてください。",
            ),
            models.CheckConstraint(
                condition=fiscal_year_in_range("baseline_year")
                & fiscal_year_in_range("target_year"),
                name="indicator_years_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(aggregation="cumulative", direction="decrease"),
                name="indicator_cumulative_increases",
                violation_error_message="累計の指標は「増加が望ましい」にしてください。",
            ),
            models.CheckConstraint(
                condition=~Q(aggregation="cumulative", target_value__lte=0),
                name="indicator_cumulative_target_positive",
                violation_error_message="累計の指標の目標値は0より大きくしてください。",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="indicator_value_range_ordered",
                violation_error_message="入力できる最小値は最大値以下にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(measurement_cycle__gte=1, measurement_cycle__lte=10),
                name="indicator_measurement_cycle_in_range",
            ),
            models.CheckConstraint(
                condition=Q(decimal_places__lte=VALUE_DIGITS["decimal_places"]),
                name="indicator_decimal_places_in_range",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values) & Q(aggregation__in=Aggregation.values),
                name="indicator_choices_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def parse_value(self, text):
        """A value as typed for this indicator: Decimal or None; ValidationError in Japanese.

        The one place that decides what may be entered: the number as offices type it, the
        digits the database holds, and the indicator's allowed range.
        """
        value = parse_number(text, unit=self.unit)
        if value is None:
            return None
        IndicatorResult._meta.get_field("value").run_validators(value)
        low, high = self.min_value, self.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = "〜".join(
                format_number(bound, self.decimal_places) if bound is not None else ""
                for bound in (low, high)
            )
            raise ValidationError(
                f"この指標に入力できる値の範囲は {bounds}{self.unit} です。", code="range"
            )
        return value

    def clean(self):
        super().clean()
        if self.predecessor_id and self.policy_id:
            earlier, plan = self.predecessor.policy.plan, self.policy.plan
            if earlier.pk == plan.pk or earlier.last_fiscal_year >= plan.first_fiscal_year:
                message = "前の計画の指標には、この計画より前の計画の指標を選んでください。"
                raise ValidationError({"predecessor": message})
        if self.policy_id and self.target_year:
            plan = self.policy.plan
            if self.target_year not in plan.fiscal_years:
                message = f"目標値の年度は計画期間({plan.period_label})の中で選んでください。"
                raise ValidationError({"target_year": message})

    def terms_revisions(self):
        """The revisions of the baseline and target, as the achievement module takes them
        (from `revisions.all()`, so a prefetch serves them)."""
        return tuple(revision.terms for revision in self.revisions.all())

    def terms(self, fiscal_year):
        """The baseline and target in force in the year (`achievement.Terms`)."""
        return terms_in_force(
            baseline=self.baseline_value,
            target=self.target_value,
            revisions=self.terms_revisions(),
            year=fiscal_year,
        )

    def yearly_target_map(self):
        """Year -> the yearly target (年度目標), from `yearly_targets.all()`."""
        return {item.fiscal_year: item.target_value for item in self.yearly_targets.all()}

    def in_force(self, fiscal_year):
        """This indicator as it stands in the year: name, unit, baseline and target of the
        revisions up to it applied to an unsaved copy, for display only."""
        shown = Indicator(
            **{f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}
        )
        shown._state.fields_cache = dict(self._state.fields_cache)  # its policy, department
        shown._prefetched_objects_cache = getattr(self, "_prefetched_objects_cache", {})
        for revision in self.revisions.all():
            if revision.kind == RevisionKind.CHANGE and revision.from_year <= fiscal_year:
                revision.apply_to(shown)
        return shown


class IndicatorRevision(Revision):
    """A revision (見直し) of an indicator from a fiscal year on: new terms (変更), or the
    indicator added mid-plan (追加) or ended (休止・廃止・終了)."""

    target_field = "indicator"
    plan_lookup = "indicator__policy__plan"

    indicator = models.ForeignKey(
        Indicator, verbose_name="成果指標", on_delete=models.CASCADE, related_name="revisions"
    )
    name = models.CharField(
        "見直し後の指標名", max_length=300, blank=True, help_text="変えない場合は空欄"
    )
    unit = models.CharField(
        "見直し後の単位", max_length=20, blank=True, help_text="変えない場合は空欄"
    )
    baseline_value = models.DecimalField(
        "見直し後の基準値", null=True, blank=True, help_text="変えない場合は空欄", **VALUE_DIGITS
    )
    target_value = models.DecimalField(
        "見直し後の目標値", null=True, blank=True, help_text="変えない場合は空欄", **VALUE_DIGITS
    )
    history = HistoricalRecords()

    CHANGED_FIELDS = ("name", "unit", "baseline_value", "target_value")

    class Meta(Revision.Meta):
        verbose_name = "成果指標の見直し"
        verbose_name_plural = "成果指標の見直し"
        constraints = [
            *one_of_each_constraints("indicator", "indicator_revision"),
            models.CheckConstraint(
                condition=Q(kind=RevisionKind.CHANGE)
                & (
                    ~Q(name="")
                    | ~Q(unit="")
                    | Q(baseline_value__isnull=False)
                    | Q(target_value__isnull=False)
                )
                | ~Q(kind=RevisionKind.CHANGE)
                & Q(name="", unit="", baseline_value__isnull=True, target_value__isnull=True),
                name="indicator_revision_change_has_new_terms",
                violation_error_message="変更の見直しには、見直し後の指標名・単位・基準値・目標値の"
                "どれかを入力してください(追加・休止・廃止・終了では空欄にしてください)。",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.from_year}年度から{self.get_kind_display()}"

    def item_plan(self):
        return self.indicator.policy.plan if self.indicator_id else None

    @property
    def terms(self):
        return TermsRevision(
            from_year=self.from_year, baseline=self.baseline_value, target=self.target_value
        )

    def apply_to(self, indicator):
        for field in self.CHANGED_FIELDS:
            value = getattr(self, field)
            if value not in ("", None):
                setattr(indicator, field, value)

    def changes(self, indicator=None):
        """What the revision changes, as a person reads it: 「目標値 50.8% → 55.0%」..."""
        indicator = indicator or self.indicator
        places, unit = indicator.decimal_places, self.unit or indicator.unit
        parts = []
        if self.name:
            parts.append(f"指標名を「{self.name}」に")
        if self.unit:
            parts.append(f"単位を「{self.unit}」に")
        for field, label in (("baseline_value", "基準値"), ("target_value", "目標値")):
            value = getattr(self, field)
            if value is not None:
                parts.append(f"{label}を{format_number(value, places)}{unit}に")
        return "、".join(parts)

    def clean(self):
        super().clean()
        indicator = self.indicator if self.indicator_id else None
        if (
            indicator is not None
            and indicator.aggregation == Aggregation.CUMULATIVE
            and self.target_value is not None
            and self.target_value <= 0
        ):
            raise ValidationError({"target_value": "累計の指標の目標値は0より大きくしてください。"})


class IndicatorYearTarget(models.Model):
    """A yearly target (年度目標): the value an indicator is expected to reach by the end of a
    fiscal year, instead of the straight line from baseline to target (a running total for a
    cumulative indicator)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="成果指標", on_delete=models.CASCADE, related_name="yearly_targets"
    )
    fiscal_year = fiscal_year_field("年度")
    target_value = models.DecimalField("年度目標値", **VALUE_DIGITS)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度目標"
        verbose_name_plural = "年度目標"
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"],
                name="one_yearly_target_per_indicator_and_year",
                violation_error_message="この成果指標のこの年度の年度目標はすでにあります。",
            ),
            models.CheckConstraint(
                condition=fiscal_year_in_range("fiscal_year"),
                name="yearly_target_year_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.fiscal_year}年度の目標"

    def clean(self):
        super().clean()
        if self.indicator_id and self.fiscal_year:
            plan = self.indicator.policy.plan
            if self.fiscal_year not in plan.fiscal_years:
                raise ValidationError(
                    {"fiscal_year": f"年度は計画期間({plan.period_label})の中で選んでください。"}
                )


# The fields the committee pages show of a counted result (IndicatorResultQuerySet.counted).
SHOWN_FIELDS = ("value", "not_measured", "analysis", "is_interim", "as_of")


class IndicatorResultQuerySet(YearlyEntryQuerySet):
    def counted(self):
        """The results the committee pages show: approved ones, and an approved 速報値 whose
        確定値 is being entered (returned after its approval), shown as the 速報値 it was until
        the 確定値 is approved. Annotates `shown_<field>` for each of SHOWN_FIELDS: the stored
        field of an approved result, the kept 速報値 of one awaiting its 確定値 (its analysis
        empty: the one being written is not approved)."""
        approved = Q(status=EntryStatus.APPROVED)
        kept = {
            "value": F("interim_shown_value"),
            "not_measured": Value(False),
            "analysis": Value(""),
            "is_interim": Value(True),
            "as_of": F("interim_shown_as_of"),
        }
        return self.filter(approved | Q(interim_shown_as_of__isnull=False)).annotate(
            **{
                f"shown_{name}": Case(
                    When(approved, then=F(name)),
                    default=kept[name],
                    output_field=self.model._meta.get_field(name),
                )
                for name in SHOWN_FIELDS
            }
        )

    def counted_as_shown(self):
        """`counted()` as instances holding what is shown in their fields (never saved)."""
        results = list(self.counted())
        for result in results:
            for name in SHOWN_FIELDS:
                setattr(result, name, getattr(result, f"shown_{name}"))
        return results


class IndicatorResult(YearlyEntry):
    """An indicator's actual value for one fiscal year, or the fact that it was not measured.

    A value may be a 速報値 (interim, `is_interim`, measured up to `as_of`, e.g. 12月末) to be
    confirmed later by the 確定値 through the same workflow: once approved it counts like any
    value, marked as 速報値 on every page and file; when the plan office returns it for the
    確定値, the approved 速報値 is kept (`interim_shown_*`) and still shown until the entry is
    approved again (plans/progress/workflow.py).
    """

    target_field = "indicator"
    plan_lookup = "indicator__policy__plan"

    indicator = models.ForeignKey(
        Indicator, verbose_name="成果指標", on_delete=models.CASCADE, related_name="results"
    )
    value = models.DecimalField("実績値", null=True, blank=True, **VALUE_DIGITS)
    not_measured = models.BooleanField(
        "今年度は測定なし", default=False, help_text="調査を行わない年度などで値がない場合"
    )
    analysis = models.TextField("要因分析", blank=True)
    is_interim = models.BooleanField(
        "速報値",
        default=False,
        help_text="年度の途中(例: 12月末)までの値です。後で確定値を入力し、承認を受けます。",
    )
    as_of = models.DateField(
        "速報値の時点", null=True, blank=True, help_text="速報値がいつまでの値か(例: 2025-12-31)"
    )
    interim_shown_value = models.DecimalField(
        "確定値の承認まで示す速報値", null=True, blank=True, editable=False, **VALUE_DIGITS
    )
    interim_shown_as_of = models.DateField(
        "確定値の承認まで示す速報値の時点", null=True, blank=True, editable=False
    )

    objects = IndicatorResultQuerySet.as_manager()

    class Meta(YearlyEntry.Meta):
        verbose_name = "成果指標の実績"
        verbose_name_plural = "成果指標の実績"
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            *YearlyEntry.Meta.constraints,
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"],
                name="one_result_per_indicator_and_year",
                violation_error_message="この成果指標のこの年度の実績はすでにあります。",
            ),
            models.CheckConstraint(
                condition=~Q(not_measured=True, value__isnull=False),
                name="result_not_measured_has_no_value",
                violation_error_message="「今年度は測定なし」のときは実績値を空にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(is_interim=False, as_of__isnull=True)
                | Q(is_interim=True, as_of__isnull=False, not_measured=False),
                name="result_interim_has_its_date",
                violation_error_message="速報値には時点(いつまでの値か)を入力してください。"
                "時点は速報値のときだけ、「測定なし」は速報値にできません。",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.fiscal_year}年度"

    @property
    def plan(self):
        return self.indicator.policy.plan if self.indicator_id else None

    def clean(self):
        super().clean()
        if self.as_of and self.fiscal_year:
            # A 速報値 of a fiscal year is measured within it, or at the latest while the next
            # year's report is being prepared.
            earliest, latest = date(self.fiscal_year, 4, 1), date(self.fiscal_year + 2, 3, 31)
            if not earliest <= self.as_of <= latest:
                message = (
                    f"{self.fiscal_year}年度の速報値の時点は、{earliest.year}年4月1日から"
                    f"{latest.year}年3月31日までの日付にしてください。"
                )
                raise ValidationError({"as_of": message})

    @property
    def interim_label(self):
        """「速報値(2025年12月末時点)」 for a 速報値, "" for a 確定値."""
        return f"速報値({as_of_label(self.as_of)})" if self.is_interim else ""
