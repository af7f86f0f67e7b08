from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.urls import path

from plans.admin_mixins import (
    PublishedStructureAdminMixin,
    ReadOnlyEntryAdminMixin,
    ReadOnlyHistoryAdmin,
)
from plans.models import Plan
from projects.admin_import import errors_view, export_view, import_view, template_view
from projects.models import MeasureProject, Project, ProjectProgress, ProjectRevision


class MeasureLinkInline(admin.StackedInline):
    # Stacked, not tabular: Django's tabular inline leaves each input without a label of its
    # own and points aria-describedby at help text it does not render (JIS X 8341-3, 1.3.1).
    model = MeasureProject
    fields = ["measure", "position", "listed_summary"]
    extra = 0


PROJECT_REVISION_FIELDS = [("kind", "from_year"), "reason", ("decided_by", "decided_on")]


class ProjectRevisionInline(admin.StackedInline):
    """The project added mid-plan or ended (見直し), with its history (管理画面 → 事業の見直し)."""

    model = ProjectRevision
    fields = PROJECT_REVISION_FIELDS
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
class ProjectAdmin(PublishedStructureAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["name", "code", "measure_codes", "department", "plan"]
    list_filter = ["plan", "measures__policy", "department"]
    list_select_related = ["plan", "department"]
    search_fields = ["name", "code", "summary"]
    fields = ["plan", "code", "name", "summary", "department"]
    inlines = [MeasureLinkInline, ProjectRevisionInline, ProjectProgressInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_plan_order()
            .prefetch_related("measure_links__measure__policy")
        )

    change_list_template = "admin/projects/project/change_list.html"

    def get_changelist(self, request, **kwargs):
        return ProjectChangeList

    def get_urls(self):
        def guarded(view, permission):
            def wrapped(request, *args, **kwargs):
                if not permission(request):
                    raise PermissionDenied
                return view(self, request, *args, **kwargs)

            return self.admin_site.admin_view(wrapped)

        can_import = self.has_add_permission
        return [
            path("import/", guarded(import_view, can_import), name="projects_project_import"),
            path(
                "import/errors.csv",
                guarded(errors_view, can_import),
                name="projects_project_import_errors",
            ),
            path(
                "export/<slug:plan_code>.xlsx",
                guarded(export_view, self.has_view_permission),
                name="projects_project_export",
            ),
            path(
                "template.xlsx",
                guarded(template_view, self.has_view_permission),
                name="projects_project_template",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "plans": Plan.objects.all()}
        return super().changelist_view(request, extra_context)

    @admin.display(description="基本施策", ordering="plan_order")
    def measure_codes(self, project):
        return "、".join(link.measure.code for link in project.measure_links.all())


@admin.register(ProjectProgress)
class ProjectProgressAdmin(ReadOnlyEntryAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["project", "fiscal_year", "grade", "outlook", "status", "updated_at"]
    list_filter = ["fiscal_year", "status", "grade", "outlook", "project__department"]
    list_select_related = ["project"]
    search_fields = ["project__name", "activities", "issues"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ProjectRevision)
class ProjectRevisionAdmin(PublishedStructureAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["project", "kind", "from_year", "decided_by", "decided_on"]
    list_filter = ["project__plan", "kind", "from_year"]
    list_select_related = ["project"]
    search_fields = ["project__name", "reason", "decided_by"]
    fields = ["project", *PROJECT_REVISION_FIELDS]
