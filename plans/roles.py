"""The portal's roles, kept as Django groups so that the admin can give and take them."""

from django.contrib.auth.models import Group, Permission

ADMINISTRATORS = "計画管理者"
DEPARTMENT_STAFF = "所管課担当者"
COMMITTEE_MEMBERS = "協働推進委員"
# The committee's chair: compiles the members' opinions into the year's 意見書 and publishes it.
# Given beside 協働推進委員 (a chair without it is a member all the same).
COMMITTEE_CHAIR = "委員長"

PLAN_APPS = ["plans", "indicators", "projects"]


def _role_permissions():
    plan_data = Permission.objects.filter(content_type__app_label__in=PLAN_APPS)
    accounts = Permission.objects.filter(
        content_type__app_label="auth",
        codename__in=["add_user", "change_user", "view_user", "view_group"],
    )
    return {
        # The plan office manages the plan structure, the entries and the accounts.
        ADMINISTRATORS: list(plan_data) + list(accounts),
        # Staff and committee members work in the portal's own pages, not in the admin; what
        # they may see and change there is decided by their department and role.
        DEPARTMENT_STAFF: [],
        COMMITTEE_MEMBERS: [],
        COMMITTEE_CHAIR: [],
    }


def role_groups_sync():
    """Create the role groups if missing and give each exactly its permissions."""
    groups = {}
    for name, permissions in _role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        groups[name] = group
    return groups
