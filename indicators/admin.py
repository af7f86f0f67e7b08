from django.contrib import admin

from indicators.achievement import format_number
from indicators.models import Indicator, IndicatorResult, IndicatorRevision, IndicatorYearTarget
from plans.admin_mixins import (
    PublishedStructureAdminMixin,
    ReadOnlyEntryAdminMixin,
    ReadOnlyHistoryAdmin,
)


class IndicatorResultInline(ReadOnlyEntryAdminMixin, admin.StackedInline):
    # Stacked: the read-only tabular inline has header cells without text (JIS X 8341-3 1.3.1).
    model = IndicatorResult
    fields = [("fiscal_year", "status"), "value_shown", "analysis"]
    readonly_fields = ["value_shown"]
    extra = 0

    @admin.display(description="実績値")
    def value_shown(self, result):
        return result_value_shown(result)


REVISION_FIELDS = [
    ("kind", "from_year"),
    ("name", "unit"),
    ("baseline_value", "target_value"),
    "reason",
    ("decided_by", "decided_on"),
]


class IndicatorRevisionInline(admin.StackedInline):
    """The indicator's revisions (見直し), added here beside it; each is kept with its history
    (管理画面 → 成果指標の見直し)."""

    model = IndicatorRevision
    fields = REVISION_FIELDS
    extra = 0


class IndicatorYearTargetInline(admin.StackedInline):
    model = IndicatorYearTarget
    fields = [("fiscal_year", "target_value")]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(PublishedStructureAdminMixin, ReadOnlyHistoryAdmin):
    list_display = [
        "name",
        "policy_number",
        "baseline",
        "target",
        "aggregation",
        "department",
    ]
    list_filter = ["policy__plan", "policy", "department", "aggregation", "direction"]
    list_select_related = ["policy", "department"]
    search_fields = ["name", "notes", "data_source"]
    fieldsets = [
        (None, {"fields": ["policy", "position", "name", "unit", "decimal_places"]}),
        ("基準値", {"fields": ["baseline_value", "baseline_year", "baseline_note"]}),
        ("目標値", {"fields": ["target_value", "target_year", "target_note"]}),
        (
            "評価の方法",
            {"fields": ["direction", "aggregation", "measurement_cycle", "data_source"]},
        ),
        ("入力の範囲", {"fields": ["min_value", "max_value"]}),
        ("担当", {"fields": ["department", "notes"]}),
        ("前の計画との関係", {"fields": ["predecessor"]}),
    ]
    inlines = [IndicatorRevisionInline, IndicatorYearTargetInline, IndicatorResultInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """前の計画の指標: a plain list (a labelled select, unlike the autocomplete widget) of
        the indicators of the other plans, each named with its plan; the model's clean refuses
        one that is not of an earlier plan."""
        if db_field.name == "predecessor":
            indicators = Indicator.objects.select_related("policy__plan").order_by(
                "-policy__plan__first_fiscal_year", "policy__number", "position"
            )
            object_id = request.resolver_match.kwargs.get("object_id")
            if object_id and str(object_id).isdigit():
                indicators = indicators.exclude(
                    policy__plan__in=Indicator.objects.filter(pk=object_id).values("policy__plan")
                )
            kwargs["queryset"] = indicators
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda indicator: (
                f"{indicator.policy.plan.title}({indicator.policy.plan.period_label}): "
                f"{indicator.name}"
            )
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="基本方針", ordering="policy__number")
    def policy_number(self, indicator):
        return indicator.policy.number

    @admin.display(description="現状値")
    def baseline(self, indicator):
        return _value_with_unit(indicator.baseline_value, indicator)

    @admin.display(description="目標値")
    def target(self, indicator):
        return _value_with_unit(indicator.target_value, indicator)


def _value_with_unit(value, indicator):
    return format_number(value, indicator.decimal_places) + indicator.unit


def result_value_shown(result):
    """46.6% rather than the stored 46.6000; 測定なし when the year was not measured."""
    if result.not_measured:
        return "測定なし"
    return _value_with_unit(result.value, result.indicator)


@admin.register(IndicatorResult)
class IndicatorResultAdmin(ReadOnlyEntryAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["indicator", "fiscal_year", "value_shown", "status", "updated_at"]
    list_filter = ["fiscal_year", "status", "indicator__policy__plan", "indicator__department"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name", "analysis"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="実績値", ordering="value")
    def value_shown(self, result):
        return result_value_shown(result)


@admin.register(IndicatorRevision)
class IndicatorRevisionAdmin(PublishedStructureAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["indicator", "kind", "from_year", "changes_shown", "decided_by", "decided_on"]
    list_filter = ["indicator__policy__plan", "kind", "from_year"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name", "reason", "decided_by"]
    fields = ["indicator", *REVISION_FIELDS]

    @admin.display(description="見直しの内容")
    def changes_shown(self, revision):
        return revision.changes() or revision.get_kind_display()


@admin.register(IndicatorYearTarget)
class IndicatorYearTargetAdmin(PublishedStructureAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["indicator", "fiscal_year", "target_shown"]
    list_filter = ["indicator__policy__plan", "fiscal_year"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name"]

    @admin.display(description="年度目標値", ordering="target_value")
    def target_shown(self, item):
        return _value_with_unit(item.target_value, item.indicator)
