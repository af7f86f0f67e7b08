from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse

from indicators.models import Indicator
from plans.admin_mixins import (
    PublishedStructureAdminMixin,
    ReadOnlyEntryAdminMixin,
    ReadOnlyHistoryAdmin,
)
from plans.admin_users import AccountAdmin, RoleGroupAdmin
from plans.models import BasicPolicy, Department, Measure, MeasureAssessment, Plan, PlanYear
from projects.models import MeasureProject

admin.site.site_header = "協働推進計画 進捗管理ポータル 管理画面"
admin.site.site_title = "協働推進計画 進捗管理ポータル"
admin.site.index_title = "計画と進捗の管理"
# The one "no value" symbol of every page, report and export (format_number), not Django's "-".
admin.site.empty_value_display = "−"

admin.site.unregister([get_user_model(), Group])
admin.site.register(get_user_model(), AccountAdmin)
admin.site.register(Group, RoleGroupAdmin)


class BasicPolicyInline(admin.StackedInline):
    # Stacked, not tabular: Django's tabular inline leaves each input without a label of its
    # own and points aria-describedby at help text it does not render (JIS X 8341-3, 1.3.1).
    model = BasicPolicy
    fields = ["number", "title"]
    extra = 0
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(PublishedStructureAdminMixin, admin.ModelAdmin):
    list_display = ["title", "municipality", "period_label", "baseline_fiscal_year", "status"]
    list_filter = ["status", "municipality"]
    search_fields = ["title", "code", "municipality"]
    fieldsets = [
        (None, {"fields": ["code", "title", "municipality", "status", "is_demo"]}),
        (
            "期間",
            {
                "fields": [
                    "first_fiscal_year",
                    "last_fiscal_year",
                    "baseline_fiscal_year",
                    "predecessor",
                ]
            },
        ),
        (
            "進行管理",
            {"fields": ["reporting_bodies", "progress_management", "midterm_fiscal_year"]},
        ),
        ("評価の基準", {"fields": ["grade_b_ratio", "grade_c_ratio"]}),
        ("確認・承認", {"fields": ["allow_self_approval"]}),
    ]
    inlines = [BasicPolicyInline]
    actions = ["start_next_plan"]

    @admin.action(description="選んだ計画から次の計画を作成する")
    def start_next_plan(self, request, queryset):
        """To the page that asks how (plans/progress/views/next_plan.py): one plan at a time."""
        if queryset.count() != 1:
            self.message_user(
                request, "次の計画を作成する計画を1つだけ選んでください。", messages.ERROR
            )
            return None
        return redirect(reverse("plans:next_plan", args=[queryset.get().code]))

    @admin.display(description="計画期間", ordering="first_fiscal_year")
    def period_label(self, plan):
        return plan.period_label


class MeasureInline(admin.StackedInline):
    model = Measure
    fields = [("number", "title"), "description", "department"]
    extra = 0
    show_change_link = True


class IndicatorInline(admin.StackedInline):
    model = Indicator
    fields = [
        ("position", "name"),
        ("baseline_value", "baseline_year", "baseline_note"),
        ("target_value", "target_year", "target_note"),
        ("unit", "decimal_places"),
        ("aggregation", "direction", "measurement_cycle"),
        "department",
    ]
    extra = 0
    show_change_link = True


@admin.register(BasicPolicy)
class BasicPolicyAdmin(PublishedStructureAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "plan"]
    list_display_links = ["number", "title"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
    search_fields = ["title", "bullets"]
    fields = ["plan", "number", "title", "bullets"]
    inlines = [MeasureInline, IndicatorInline]


class MeasureProjectInline(admin.StackedInline):
    # Stacked, as every inline here: the tabular one leaves its inputs without labels.
    model = MeasureProject
    fields = ["position", "project", "listed_summary"]
    autocomplete_fields = ["project"]
    extra = 0


class MeasureAssessmentInline(ReadOnlyEntryAdminMixin, admin.StackedInline):
    model = MeasureAssessment
    fields = [("fiscal_year", "status"), "assessment", "direction"]
    extra = 0


@admin.register(Measure)
class MeasureAdmin(PublishedStructureAdminMixin, admin.ModelAdmin):
    list_display = ["code", "title", "policy", "department"]
    list_display_links = ["code", "title"]
    list_filter = ["policy__plan", "policy", "department"]
    list_select_related = ["policy", "department"]
    search_fields = ["title", "description"]
    fields = ["policy", "number", "title", "description", "department"]
    inlines = [MeasureProjectInline, MeasureAssessmentInline]

    @admin.display(description="コード", ordering="policy__number")
    def code(self, measure):
        return measure.code


@admin.register(Department)
class DepartmentAdmin(PublishedStructureAdminMixin, admin.ModelAdmin):
    list_display = ["name", "member_count", "is_demo"]
    list_filter = ["is_demo"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="担当者数", ordering="member_count")
    def member_count(self, department):
        return department.member_count


@admin.register(PlanYear)
class PlanYearAdmin(ReadOnlyEntryAdminMixin, ReadOnlyHistoryAdmin):
    """Shown for reference: deadlines and locks are set on the review page, where they are
    recorded with who did it."""

    list_display = ["plan", "fiscal_year", "entry_deadline", "is_locked", "locked_at", "locked_by"]
    list_filter = ["plan", "is_locked"]
    list_select_related = ["plan", "locked_by"]


@admin.register(MeasureAssessment)
class MeasureAssessmentAdmin(ReadOnlyEntryAdminMixin, ReadOnlyHistoryAdmin):
    """Shown for reference: assessments are written and approved through the entry pages."""

    list_display = ["measure", "fiscal_year", "status", "updated_at"]
    list_filter = ["fiscal_year", "status", "measure__policy__plan", "measure__department"]
    list_select_related = ["measure__policy"]
    search_fields = ["measure__title", "assessment", "direction"]
    readonly_fields = ["created_at", "updated_at"]
