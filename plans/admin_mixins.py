class ReadOnlyEntryAdminMixin:
    """Yearly entries change only through the portal's workflow (versions, lock, history).

    The admin shows them but cannot add, change or delete them, so that no edit bypasses the
    year lock or a review.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
