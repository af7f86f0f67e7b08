"""The published version of a plan: what its committee pages, reports and open data show.

Those show approved values and the plan's structure only, so they change only when a write
path calls `plan_published_version_bump` inside its transaction: an approval, the return of an
approved entry, a year's lock or reopening, the project list import, the plan file loader,
a restore, the demo data and an edit of the plan's structure in the admin. The cached pages
are keyed by `PublishedVersion.key`; no signal or save() does this behind the writer's back.

Each policy has a published version too (`PolicyPublication`), for the per-policy parts of
the overview, the print report and the .xlsx: a write that concerns one indicator or project
(an approval, a return) names the policies showing it, and only their parts are built anew;
every other write bumps every policy of the plan (`policies` left out).

Read the version before reading the data it stands for: a page built meanwhile then holds
data at least as new as its key, never older.

Once the writer's transaction commits, a change of policies calls the functions named in
settings.PUBLISHED_CHANGE_HOOKS with the plan's pk: the reports build there the pages read
recently (plans/reports/pages.py), so that the first reader after a change does not wait for
them. A change of several policies (a plan-wide change, a few times a year) builds them before
the writer's response; a change of one policy (an approval, a return: the office's everyday
write) after it, once the response has gone (`after_response`): neither the office nor the
next reader waits. A change of no policy (a year's lock) is assembled by its next reader from
the parts kept.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from plans.models import BasicPolicy, Plan, PlanPublication, PolicyPublication

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishedVersion:
    code: str
    version: int
    changed_at: datetime

    @property
    def key(self):
        """Unique to this version of this plan, even after the plan is deleted and restored
        (a restored plan starts again at version 1, at a later time)."""
        return f"{self.code}.{self.version}.{self.changed_at.timestamp():.6f}"


def plan_published_version(plan):
    """The plan's published version; recorded now if nothing was ever published."""
    publication = PlanPublication.objects.filter(plan=plan).first()
    if publication is None:
        _publication_ensure(plan)
        publication = PlanPublication.objects.get(plan=plan)
    return PublishedVersion(plan.code, publication.version, publication.changed_at)


def plan_published_version_bump(*, plan, policies=None):
    """Mark what is shown of `plan` as changed: its cached pages are built anew, and of the
    per-policy parts those of `policies` (pks; every policy of the plan when left out, the
    safe choice for any write that is not about one indicator or project; none, `()`, for a
    change shown only around the parts: a year's lock, the published 意見書).

    Called inside the writer's transaction: the rows stay locked until it commits, so two
    writers bump one after the other and a reader never sees the new version with old data.
    """
    now = timezone.now()
    changed = {"version": F("version") + 1, "changed_at": now}
    if not PlanPublication.objects.filter(plan=plan).update(**changed):
        _publication_ensure(plan)
        PlanPublication.objects.filter(plan=plan).update(**changed)
    if policies is None:
        policies = list(BasicPolicy.objects.filter(plan=plan).values_list("pk", flat=True))
    else:
        policies = sorted(set(policies))  # locked in one order by every writer
    PolicyPublication.objects.bulk_create(
        [PolicyPublication(policy_id=pk, version=0, changed_at=now) for pk in policies],
        ignore_conflicts=True,
    )
    PolicyPublication.objects.filter(policy__in=policies).update(**changed)
    _changed_after_commit(plan, policies)


def _changed_after_commit(plan, policies):
    """Call the hooks once the writer's transaction commits (at once outside one), if it
    changed more than one policy of the plan: one callback per plan and transaction gathers
    the policies of every bump (one approval after another in a bulk approval bumps one policy
    each). A rolled-back transaction's callbacks are dropped with it."""
    for _, callback, _ in transaction.get_connection().run_on_commit:
        if getattr(callback, "plan_pk", None) == plan.pk:
            callback.policies.update(policies)
            return
    changed = set(policies)

    def after_commit():
        if len(changed) > 1:
            _hooks_call(plan.pk)
        elif changed:
            after_response(_hooks_call, plan.pk)

    after_commit.plan_pk, after_commit.policies = plan.pk, changed
    transaction.on_commit(after_commit, robust=True)


def _hooks_call(plan_pk):
    for hook in settings.PUBLISHED_CHANGE_HOOKS:
        import_string(hook)(plan_pk)


# --- After the response ----------------------------------------------------------------------

_request = threading.local()


def after_response(function, *args):
    """Call `function(*args)` once the current request's response has been handed to the
    server, or at once outside a request (a command, a script).

    The worker does it before it takes the next request; the client has its whole answer by
    then (its length is in the headers). A failure is logged: the response is gone, and what
    the function would have made is made later by whoever needs it.
    """
    pending = getattr(_request, "pending", None)
    if pending is None:
        function(*args)
    else:
        pending.append((function, args))


def request_started_receiver(**kwargs):
    _request.pending = []


def request_finished_receiver(**kwargs):
    """Also for a request that raised (Django's test client re-raises without finishing it):
    what it left is done now, and nothing waits for a response that never comes."""
    pending, _request.pending = getattr(_request, "pending", None) or [], None
    for function, args in pending:
        try:
            function(*args)
        except Exception:
            logger.exception("応答の後の処理に失敗しました: %s", getattr(function, "__name__", ""))


@dataclass(frozen=True)
class PolicyVersion:
    policy: BasicPolicy
    key: str  # unique to this version of this policy (pks are never reused)


def policy_published_versions(plan):
    """The plan's policies in order, each with its published version, in one query."""
    policies = BasicPolicy.objects.filter(plan=plan).select_related("publication")
    return [PolicyVersion(policy, _policy_key(policy)) for policy in policies.order_by("number")]


def _policy_key(policy):
    try:
        publication = policy.publication
    except PolicyPublication.DoesNotExist:
        return f"{policy.pk}.0"
    return f"{policy.pk}.{publication.version}.{publication.changed_at.timestamp():.6f}"


def plans_published_version_bump():
    """Bump every plan: for a change any of them may show (a department's name, an admin edit
    that may move a row from one plan to another)."""
    for plan in Plan.objects.order_by("pk"):
        plan_published_version_bump(plan=plan)


def _publication_ensure(plan):
    """Record version 0 of a plan that has none (unless another request just did)."""
    try:
        with transaction.atomic():
            PlanPublication.objects.create(plan=plan, version=0, changed_at=timezone.now())
    except IntegrityError:
        pass
