from django.core.exceptions import PermissionDenied


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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history's page for an old version saves what is posted to it ("revert")
        # whenever history may be viewed; without the change permission it only hides the button.
        if request.method == "POST":
            raise PermissionDenied(
                "管理画面では変更できません。値は入力画面、確定や期限は確認・承認の画面で変更してください。"
            )
        return super().history_form_view(request, object_id, version_id, extra_context)
