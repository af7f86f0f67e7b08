"""The admin is no way around the workflow or the roles (issue 14, findings 2 and 3).

History is a record: it can be read in the admin, never reverted to. The plan office manages the
accounts of the three roles and nothing above them: no superuser flag, no raw permissions, no
change to a superuser's account, no editing of the groups' permissions.
"""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from indicators.models import IndicatorRevision, IndicatorYearTarget
from plans.models import EntryStatus
from plans.progress.kinds import INDICATORS, MEASURES, PROJECTS
from plans.progress.workflow import (
    entry_approve,
    entry_save,
    plan_year_lock,
    plan_year_set_deadline,
)
from plans.roles import ADMINISTRATORS, COMMITTEE_CHAIR, COMMITTEE_MEMBERS, DEPARTMENT_STAFF
from projects.models import ProjectRevision
from tests.factories import (
    PASSWORD,
    IndicatorFactory,
    MeasureFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

YEAR = 2024

# Every model in the admin whose changes django-simple-history records, found rather than listed,
# so that a model added later is covered without anyone remembering this file.
HISTORY_MODELS = [
    model
    for model in admin.site._registry
    if getattr(model._meta, "simple_history_manager_attribute", None)
]


def test_the_history_models_are_found():
    names = {model.__name__ for model in HISTORY_MODELS}
    # The ones the issue reproduced the revert on; the test covers whatever else has history.
    assert {"IndicatorResult", "PlanYear"} <= names


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def locked_year(personas):
    """An approved indicator value, project progress and measure assessment in a locked year,
    each with an older version in its history; the indicator and project themselves renamed
    once."""
    staff, office = personas["staff_a"], personas["admin"]
    indicator = IndicatorFactory(department=personas["department_a"])
    project = ProjectFactory(plan=indicator.policy.plan, department=personas["department_a"])
    plan = indicator.policy.plan
    measure = MeasureFactory(policy=indicator.policy, department=personas["department_a"])
    for target in (indicator, project):
        target.name += "(改称)"
        target._history_user = office
        target.save()
    plan_year_set_deadline(plan=plan, fiscal_year=YEAR, user=office, deadline=None)
    values = {
        INDICATORS: {"value": Decimal("45.0"), "not_measured": False, "analysis": "順調"},
        PROJECTS: {"activities": "講座を3回開催した。", "grade": "B", "outlook": "continue"},
        MEASURES: {"assessment": "おおむね順調。", "direction": "周知を強める。"},
    }
    for kind, target in ((INDICATORS, indicator), (PROJECTS, project), (MEASURES, measure)):
        entry = entry_save(
            kind=kind,
            target=target,
            fiscal_year=YEAR,
            user=staff,
            values=values[kind],
            version=0,
            submit=True,
        )
        entry_approve(entry=entry, user=office, version=entry.version)
    plan_year_lock(plan=plan, fiscal_year=YEAR, user=office)
    decided = {"reason": "見直し", "decided_by": "協働推進委員会", "decided_on": "2025-02-15"}
    for revision in (
        IndicatorRevision(
            indicator=indicator, from_year=YEAR + 1, target_value=Decimal("60"), **decided
        ),
        IndicatorYearTarget(indicator=indicator, fiscal_year=YEAR + 1, target_value=Decimal("55")),
        ProjectRevision(project=project, kind="ended", from_year=YEAR + 1, **decided),
    ):
        revision._history_user = office
        revision.save()
    return plan


def database_state():
    """Every row of every model with history, and how many history and admin log rows exist."""
    return {
        model._meta.label: (
            list(model.objects.order_by("pk").values()),
            model.history.count(),
        )
        for model in HISTORY_MODELS
    } | {"admin log": LogEntry.objects.count()}


def oldest_version(model):
    record = model.history.order_by("history_id").first()
    assert record is not None, f"{model.__name__}: the fixture made no history; extend it"
    return record


def version_url(record):
    """/admin/<app>/<model>/<id>/history/<history id>/: where django-simple-history reverts."""
    opts = record.instance._meta
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.instance.pk])
    return change.removesuffix("change/") + f"history/{record.history_id}/"


def crafted_revert(record, forger):
    """The old version as its form would post it, with the values the issue forged."""
    data = {"_save": "Revert"}
    for name, value in model_to_dict(record.instance).items():
        if value is True:
            data[name] = "on"
        elif value is False:
            continue
        elif value is None:
            data[name] = ""
        elif isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = str(value)
    field_names = {field.name for field in record.instance._meta.fields}
    forged = {"value": "99.9", "status": EntryStatus.APPROVED, "approved_by": forger.pk}
    data |= {name: value for name, value in forged.items() if name in field_names}
    data.pop("is_locked", None)  # an empty checkbox: the year unlocked
    return data


@pytest.mark.parametrize("who", ["plan administrator", "superuser"])
@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model.__name__)
def test_a_revert_posted_to_a_history_page_changes_nothing(
    client, locked_year, personas, superuser, model, who
):
    client.force_login(personas["admin"] if who == "plan administrator" else superuser)
    record = oldest_version(model)
    before = database_state()

    response = client.post(version_url(record), crafted_revert(record, personas["staff_b"]))

    assert database_state() == before
    assert response.status_code in (403, 404, 405), response.status_code


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model.__name__)
def test_a_history_version_is_shown_read_only(client, locked_year, superuser, model):
    client.force_login(superuser)
    response = client.get(version_url(oldest_version(model)))

    if response.status_code == 200:
        html = response.content.decode()
        assert 'name="_save"' not in html
        assert response.context["adminform"].form.fields == {}
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model.__name__)
def test_the_history_list_still_shows_who_changed_what(client, locked_year, personas, model):
    client.force_login(personas["admin"])
    # The newest change someone made (the loaded plan's own rows have no user).
    record = model.history.filter(history_user__isnull=False).order_by("-history_id").first()
    assert record is not None, f"{model.__name__}: the fixture made no history; extend it"
    opts = model._meta
    response = client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.instance.pk])
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert record.history_user.get_username() in html
    assert "revert" not in html.lower()


# Accounts --------------------------------------------------------------------------------------


def user_form_data(user, **changes):
    """What the admin's user change form posts for `user` as it stands, with `changes`."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    return data | changes


def change_url(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def password_url(user):
    return reverse("admin:auth_user_password_change", args=[user.pk])


@pytest.fixture
def office(client, personas):
    client.force_login(personas["admin"])
    return client


def test_the_user_form_offers_no_superuser_flag_and_no_raw_permissions(office, personas):
    for user in (personas["admin"], personas["staff_a"]):
        html = office.get(change_url(user)).content.decode()
        assert 'name="first_name"' in html
        assert 'name="is_superuser"' not in html
        assert 'name="user_permissions"' not in html


@pytest.mark.parametrize("target", ["admin", "staff_a"])
def test_a_crafted_post_grants_neither_superuser_nor_permissions(office, personas, target):
    user = personas[target]
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    data = user_form_data(
        user, first_name="一郎", is_superuser="on", user_permissions=every_permission
    )

    response = office.post(change_url(user), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.first_name == "一郎"  # the form was valid and saved ...
    assert not user.is_superuser  # ... without the flags it does not offer
    assert not user.user_permissions.exists()


def test_a_crafted_add_cannot_create_a_superuser(office):
    data = {
        "username": "mallory",
        "usable_password": "true",
        "password1": "kyodo-suishin-2025",
        "password2": "kyodo-suishin-2025",
        "is_superuser": "on",
        "is_staff": "on",
        "user_permissions": list(Permission.objects.values_list("pk", flat=True)),
    }
    office.post(reverse("admin:auth_user_add"), data)

    mallory = get_user_model().objects.get(username="mallory")
    assert not mallory.is_superuser and not mallory.user_permissions.exists()


def test_groups_offered_are_the_four_roles(office, personas):
    Group.objects.create(name="システム管理")
    response = office.get(change_url(personas["staff_a"]))
    choices = response.context["adminform"].form.fields["groups"].queryset
    assert sorted(choices.values_list("name", flat=True)) == sorted(
        [ADMINISTRATORS, DEPARTMENT_STAFF, COMMITTEE_MEMBERS, COMMITTEE_CHAIR]
    )


def test_a_crafted_post_cannot_join_a_group_outside_the_roles(office, personas):
    powerful = Group.objects.create(name="システム管理")
    powerful.permissions.set(Permission.objects.all())
    user = personas["admin"]
    groups = [*user.groups.values_list("pk", flat=True), powerful.pk]

    office.post(change_url(user), user_form_data(user, groups=groups))

    assert not user.groups.filter(pk=powerful.pk).exists()


def test_superusers_are_not_listed_and_their_pages_are_refused(office, superuser):
    html = office.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "alice" in html
    assert "root" not in html
    for url in (change_url(superuser), password_url(superuser)):
        assert office.get(url).status_code in (302, 403, 404), url


def test_a_superusers_account_cannot_be_changed(office, superuser):
    before = get_user_model().objects.filter(pk=superuser.pk).values().get()

    office.post(change_url(superuser), user_form_data(superuser, username="root2"))
    office.post(change_url(superuser), user_form_data(superuser, is_active=""))
    office.post(
        password_url(superuser), {"password1": "taken-over-2025", "password2": "taken-over-2025"}
    )
    office.post(reverse("admin:auth_user_delete", args=[superuser.pk]), {"post": "yes"})

    assert get_user_model().objects.filter(pk=superuser.pk).values().get() == before


def test_an_account_with_rights_beyond_the_roles_cannot_be_taken_over(office, personas):
    # A password set by the plan office would hand it whatever such an account holds.
    auditor = UserFactory(username="auditor", is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="change_group"))
    outsider = UserFactory(username="outsider", is_staff=True)
    outsider.groups.add(Group.objects.create(name="システム管理"))

    for user in (auditor, outsider):
        office.post(password_url(user), {"password1": "taken-2025-x", "password2": "taken-2025-x"})
        user.refresh_from_db()
        assert user.check_password(PASSWORD), user.username


def test_the_plan_office_still_manages_role_accounts(office, personas, roles):
    staff = personas["staff_a"]
    response = office.post(
        password_url(staff), {"password1": "kyodo-suishin-2025", "password2": "kyodo-suishin-2025"}
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("kyodo-suishin-2025")

    groups = [roles[DEPARTMENT_STAFF].pk, roles[COMMITTEE_MEMBERS].pk]
    response = office.post(change_url(staff), user_form_data(staff, groups=groups))
    assert response.status_code == 302
    assert sorted(staff.groups.values_list("name", flat=True)) == sorted(
        [DEPARTMENT_STAFF, COMMITTEE_MEMBERS]
    )


def test_a_superuser_keeps_the_full_user_admin(client, superuser, personas):
    client.force_login(superuser)
    user = personas["staff_a"]
    html = client.get(change_url(user)).content.decode()
    assert 'name="is_superuser"' in html and 'name="user_permissions"' in html
    assert "root" in client.get(reverse("admin:auth_user_changelist")).content.decode()

    response = client.post(change_url(user), user_form_data(user, is_superuser="on"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_superuser


# Groups ----------------------------------------------------------------------------------------


def test_the_plan_office_is_given_no_right_over_groups(roles):
    auth_rights = set(
        roles[ADMINISTRATORS]
        .permissions.filter(content_type__app_label="auth")
        .values_list("codename", flat=True)
    )
    assert auth_rights == {"add_user", "change_user", "view_user", "view_group"}


@pytest.mark.parametrize("granted", [False, True], ids=["role as set", "change_group granted"])
def test_the_plan_office_cannot_edit_the_groups_permissions(office, personas, roles, granted):
    group = roles[ADMINISTRATORS]
    if granted:
        # Even a right given by mistake must not let the office widen its own role.
        group.permissions.add(Permission.objects.get(codename="change_group"))
    before = set(group.permissions.values_list("pk", flat=True))
    url = reverse("admin:auth_group_change", args=[group.pk])

    response = office.post(
        url,
        {"name": group.name, "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert office.get(url).status_code == 200  # still readable
    assert 'name="_save"' not in office.get(url).content.decode()
