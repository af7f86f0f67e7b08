from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from simple_history.admin import SimpleHistoryAdmin

from plans.admin_mixins import ReadOnlyEntryAdminMixin
from projects.models import MeasureProject, Project, ProjectProgress


class MeasureLinkInline(admin.TabularInline):
    model = MeasureProject
    fields = ["measure", "position", "listed_summary"]
    extra = 0


class ProjectProgressInline(ReadOnlyEntryAdminMixin, admin.StackedInline):
    model = ProjectProgress
    fields = [
        ("fiscal_year", "status"),
        "activities",
        ("grade", "outlook"),
        "issues",
        ("budget_amount", "settlement_amount"),
    ]
    extra = 0


class ProjectChangeList(ChangeList):
    def _get_default_ordering(self):
        # The order in which the plan lists its projects, measure by measure. Kept off
        # ModelAdmin.ordering, which also orders the project choices in other forms, where the
        # queryset has no plan_order annotation.
        return ["plan", "code", "plan_order", "name"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "measure_codes", "department", "plan"]
    list_filter = ["plan", "measures__policy", "department"]
    list_select_related = ["plan", "department"]
    search_fields = ["name", "code", "summary"]
    fields = ["plan", "code", "name", "summary", "department"]
    inlines = [MeasureLinkInline, ProjectProgressInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_plan_order()
            .prefetch_related("measure_links__measure__policy")
        )

    def get_changelist(self, request, **kwargs):
        return ProjectChangeList

    @admin.display(description="基本施策", ordering="plan_order")
    def measure_codes(self, project):
        return "、".join(link.measure.code for link in project.measure_links.all())


@admin.register(ProjectProgress)
class ProjectProgressAdmin(ReadOnlyEntryAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "fiscal_year", "grade", "outlook", "status", "updated_at"]
    list_filter = ["fiscal_year", "status", "grade", "outlook", "project__department"]
    list_select_related = ["project"]
    search_fields = ["project__name", "activities", "issues"]
    readonly_fields = ["created_at", "updated_at"]
