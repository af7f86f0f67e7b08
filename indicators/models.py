from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from simple_history.models import HistoricalRecords

from indicators.achievement import format_number
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

# Wide enough for page views in the hundreds of millions and shares to four decimals.
VALUE_DIGITS = {"max_digits": 18, "decimal_places": 4}


class Direction(models.TextChoices):
    INCREASE = "increase", "増加が望ましい"
    DECREASE = "decrease", "減少が望ましい"


class Aggregation(models.TextChoices):
    LEVEL = "level", "単年度値"
    CUMULATIVE = "cumulative", "累計"
    AVERAGE = "average", "期間平均"


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
