"""Accounts and groups in the admin: the plan office manages the four roles, nothing above them.

Django's own user admin lets anyone holding auth.change_user tick is_superuser, hand out raw
permissions and set any account's password, a superuser's included. Here a person who is not a
superuser sees and changes only the accounts that hold nothing beyond the four roles, can give
them only those roles, and cannot edit what a group may do. A superuser keeps Django's full admin.
"""

from django import forms
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group

from plans.roles import ADMINISTRATORS, COMMITTEE_CHAIR, COMMITTEE_MEMBERS, DEPARTMENT_STAFF

ROLE_GROUPS = [ADMINISTRATORS, DEPARTMENT_STAFF, COMMITTEE_MEMBERS, COMMITTEE_CHAIR]

# Rights only a superuser may give; the form of anyone else does not have these fields.
ABOVE_THE_ROLES = {"is_superuser", "user_permissions"}


def role_accounts(users):
    """The users that hold no right beyond the four roles: not a superuser, no permission of
    their own, no group other than a role. Setting the password of any other account would hand
    over whatever it holds."""
    return (
        users.filter(is_superuser=False)
        .exclude(user_permissions__isnull=False)
        .exclude(groups__in=Group.objects.exclude(name__in=ROLE_GROUPS))
    )


class AccountChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            # The read-only hash has no element for its help text, which the field's
            # aria-describedby would point at (axe: aria-valid-attr-value); the widget itself
            # says how to change the password.
            self.fields["password"].help_text = ""


class AccountAdmin(UserAdmin):
    form = AccountChangeForm
    # Set by Django, never typed: shown as text rather than as date and time inputs without
    # labels of their own (JIS X 8341-3 1.3.1).
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        # The one gate for the list, the change, password, history and delete pages and actions:
        # an account outside it is "not found" for a person who is not a superuser.
        users = super().get_queryset(request)
        return users if request.user.is_superuser else role_accounts(users)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f not in ABOVE_THE_ROLES]},
            )
            for name, options in fieldsets
        ]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [name for name in filters if name not in ABOVE_THE_ROLES]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_GROUPS)
            # Three roles are three checkboxes; the two-box filter's search icons carry an
            # aria-label on a span without a role (axe: aria-prohibited-attr).
            kwargs["widget"] = forms.CheckboxSelectMultiple
            # Django's admin renders no element for the help text of a group of checkboxes,
            # which each box's aria-describedby would point at (axe: aria-valid-attr-value).
            kwargs["help_text"] = ""
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RoleGroupAdmin(GroupAdmin):
    """The roles' permissions are set in code (plans.roles.role_groups_sync); only a superuser
    edits groups here, so that no one can widen his own role, whatever rights he was given."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
