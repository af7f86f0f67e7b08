"""The published version of a plan: what its committee pages, reports and open data show.

Those show approved values and the plan's structure only, so they change only when a write
path calls `plan_published_version_bump` inside its transaction: an approval, the return of an
approved entry, a year's lock or reopening, the project list import, the plan file loader,
a restore, the demo data and an edit of the plan's structure in the admin. The cached pages
are keyed by `PublishedVersion.key`; no signal or save() does this behind the writer's back.

Read the version before reading the data it stands for: a page built meanwhile then holds
data at least as new as its key, never older.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from plans.models import Plan, PlanPublication


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


def plan_published_version_bump(*, plan):
    """Mark everything shown of `plan` as changed: its cached pages are built anew.

    Called inside the writer's transaction: the row stays locked until it commits, so two
    writers bump one after the other and a reader never sees the new version with old data.
    """
    changed = {"version": F("version") + 1, "changed_at": timezone.now()}
    if not PlanPublication.objects.filter(plan=plan).update(**changed):
        _publication_ensure(plan)
        PlanPublication.objects.filter(plan=plan).update(**changed)


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
