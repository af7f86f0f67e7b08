"""Who may do what. Roles are groups (plans.roles); department staff are a department's members."""

from django.core.exceptions import PermissionDenied

from plans.roles import ADMINISTRATORS, COMMITTEE_CHAIR, COMMITTEE_MEMBERS


def _cached(user, name, compute):
    # Views ask these questions several times per request; the answers do not change within it.
    cache = user.__dict__.setdefault("_portal_access", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def is_plan_admin(user):
    """The plan office (協働推進課): superusers and members of the 計画管理者 group."""
    if not user.is_authenticated or not user.is_active:
        return False
    # Read with the user's other roles, in one query however many of them a page asks about.
    return user.is_superuser or ADMINISTRATORS in _group_names(user)


def _group_names(user):
    return _memberships(user)[0]


def _memberships(user):
    """The names of the user's groups and the user's departments (by name): one query for both,
    read once per request. Nearly every page asks both (the menu shows what a role may do)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset(), ()
    return _cached(user, "memberships", lambda: _memberships_read(user))


def _memberships_read(user):
    # Written out rather than built by the ORM: asked on nearly every request, and building the
    # union took three times as long as the database took to answer it.
    from django.db import connection

    from plans.models import Department

    with connection.cursor() as cursor:
        cursor.execute(_memberships_sql(user._meta.model, connection), [user.pk, user.pk])
        rows = cursor.fetchall()
    names = frozenset(name for kind, _, name, _ in rows if kind == "group")
    departments = tuple(
        Department.from_db(None, ["id", "name", "is_demo"], (pk, name, bool(is_demo)))
        for kind, pk, name, is_demo in rows
        if kind == "department"
    )
    return names, departments


def _memberships_sql(user_model, connection):
    from plans.models import Department

    quote = connection.ops.quote_name

    def columns(model, *names):
        return [quote(model._meta.get_field(name).column) for name in names]

    def link_table(field):
        """The many-to-many table: its name, the column of the field's model, the other's."""
        table = quote(field.remote_field.through._meta.db_table)
        return table, quote(field.m2m_column_name()), quote(field.m2m_reverse_name())

    groups = user_model._meta.get_field("groups")
    group_table = quote(groups.related_model._meta.db_table)
    group_id, group_name = columns(groups.related_model, "id", "name")
    user_groups, user_column, group_column = link_table(groups)
    members = Department._meta.get_field("members")
    department_table = quote(Department._meta.db_table)
    department_id, department_name, is_demo = columns(Department, "id", "name", "is_demo")
    members_table, department_column, member_column = link_table(members)
    return (
        f"SELECT 'group', g.{group_id}, g.{group_name}, 0 FROM {group_table} g"
        f" JOIN {user_groups} ug ON ug.{group_column} = g.{group_id}"
        f" WHERE ug.{user_column} = %s"
        " UNION ALL"
        f" SELECT 'department', d.{department_id}, d.{department_name},"
        f" CASE WHEN d.{is_demo} THEN 1 ELSE 0 END FROM {department_table} d"
        f" JOIN {members_table} m ON m.{department_column} = d.{department_id}"
        f" WHERE m.{member_column} = %s"
        " ORDER BY 3"
    )


def is_committee_member(user):
    """A member of the 協働推進委員会 (the chair included): writes and reads opinions."""
    return bool(_group_names(user) & {COMMITTEE_MEMBERS, COMMITTEE_CHAIR})


def is_chair(user):
    """The committee's chair (委員長): compiles and publishes the year's 意見書. Not implied by
    being a superuser or the plan office: the 意見書 is the committee's own."""
    return COMMITTEE_CHAIR in _group_names(user)


def require_committee_member(user):
    if not is_committee_member(user):
        raise PermissionDenied("意見を書けるのは協働推進委員だけです。")


def require_chair(user):
    if not is_chair(user):
        raise PermissionDenied("意見書の取りまとめと公表は委員長だけが行えます。")


def user_departments(user):
    """The departments whose indicators and projects the user enters, by name."""
    return _memberships(user)[1]


def department_ids(user):
    """The ids of `user_departments` (asked for every item a page lists: derived once)."""
    return _cached(user, "department_ids", lambda: frozenset(d.pk for d in user_departments(user)))


def can_enter(user, target):
    """Whether the user may enter values for an indicator or a project."""
    return is_plan_admin(user) or (
        target.department_id is not None and target.department_id in department_ids(user)
    )


def require_plan_admin(user):
    if not is_plan_admin(user):
        raise PermissionDenied("この操作は協働推進課(計画管理者)だけが行えます。")


def require_entry_role(user):
    """Staff of a department or the plan office; committee members and others are refused."""
    if not (is_plan_admin(user) or department_ids(user)):
        raise PermissionDenied("入力は所管課の担当者と協働推進課だけが行えます。")
