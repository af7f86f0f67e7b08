from django.core.exceptions import PermissionDenied
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from plans.publication import plans_published_version_bump


class ReadOnlyEntryAdminMixin:
    """Yearly entries and the plan years (lock, deadline) change only through the portal's
    workflow (versions, lock, history).

    The admin shows them but cannot add, change or delete them, so that no edit bypasses the
    year lock or a review.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PublishedStructureAdminMixin:
    """The plan's structure (plan, policies, measures, indicators, projects, departments) is
    what the committee pages show: each save or delete here bumps the published version, in the
    admin's transaction. Every plan's, since an edit may move a row from one plan to another,
    and such edits are rare."""

    def save_related(self, request, form, formsets, change):
        # Called after save_model, once the inlines are saved too.
        super().save_related(request, form, formsets, change)
        plans_published_version_bump()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        plans_published_version_bump()

    def delete_queryset(self, request, queryset):
        # The "delete selected" action runs outside the admin's form transaction.
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            plans_published_version_bump()


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The change history, listed and each past version shown, but never reverted to.

    django-simple-history's "revert" form saves an old version straight through the model, past
    the workflow's version check, the year lock and the audit line, whatever the model admin's
    own change permission says. Every admin with history uses this class instead.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(
                "管理画面では変更できません。値は入力画面、確定や期限は確認・承認の画面で変更してください。"
            )
        # Read by get_readonly_fields: the page shows the version's values, with no input.
        request.showing_past_version = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not getattr(request, "showing_past_version", False):
            return readonly
        opts = self.model._meta
        fields = [
            field.name
            for field in [*opts.fields, *opts.many_to_many]
            if field.editable and not field.primary_key
        ]
        return fields + [name for name in readonly if name not in fields]
