"""The plan office's review queue: a year's submitted entries with what a reviewer decides on
(the value, the grade it gives, the analysis, the plausibility flags), and the bulk approval of
the plain ones, entry by entry through the workflow's own `entry_approve`."""

from dataclasses import dataclass

from indicators.models import IndicatorResult
from plans.models import EntryStatus
from plans.progress.kinds import INDICATORS, KINDS
from plans.progress.workflow import WorkflowError, entry_approve, self_approval_refusal
from plans.reports.evaluation import indicator_achievement


@dataclass(frozen=True)
class ReviewCase:
    item: object  # a YearItem whose entry is submitted
    achievement: object | None  # what an indicator's value gives (None for a project)
    warnings: list  # plausibility flags: the reviewer should read this one
    self_approval_refused: str | None  # four eyes: why this user may not approve it

    @property
    def flagged(self):
        return bool(self.warnings)

    @property
    def anchor(self):
        return f"review-{self.item.kind.slug}-{self.item.target.pk}"

    @property
    def key(self):
        """What a bulk approval posts for it: kind, item and the version the office saw."""
        return f"{self.item.kind.slug}:{self.item.target.pk}:{self.item.entry.version}"


def review_cases(plan, fiscal_year, items, user):
    """The submitted items among `items` (year_items of the year), in plan order, each with its
    grade and flags. One query for every indicator's results, whatever their number."""
    submitted = [item for item in items if item.status == EntryStatus.SUBMITTED]
    results = {}
    indicators = [item.target for item in submitted if item.kind is INDICATORS]
    if indicators:
        for result in IndicatorResult.objects.for_targets(indicators).up_to(fiscal_year):
            results.setdefault(result.indicator_id, []).append(result)
    cases = []
    for item in submitted:
        achievement, warnings = None, []
        if item.kind is INDICATORS:
            series = results.get(item.target.pk, [])
            achievement = indicator_achievement(item.target, plan, fiscal_year, series)
            earlier = [result for result in series if result.fiscal_year < fiscal_year]
            warnings = INDICATORS.warnings(item.target, fiscal_year, item.entry.value, earlier)
        refused = self_approval_refusal(user, item.entry, plan)
        cases.append(ReviewCase(item, achievement, warnings, refused))
    return cases


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


def entries_approve_plain(*, plan, fiscal_year, items, user, chosen):
    """Approve the chosen submitted entries that carry no flag, each through `entry_approve`
    (its own transaction, with the four eyes, the lock and the version checked as on the
    entry page). `chosen` maps (kind slug, item id) to the version the office saw.

    Returns the approved names and a Refusal for each chosen entry left as it was.
    """
    cases = {
        (case.item.kind.slug, case.item.target.pk): case
        for case in review_cases(plan, fiscal_year, items, user)
    }
    approved, refused = [], []
    for item in items:  # in plan order; ids of another plan's items are ignored
        key = (item.kind.slug, item.target.pk)
        if key not in chosen:
            continue
        name, case = str(item.target), cases.get(key)
        if case is None:
            refused.append(Refusal(name, "提出済みではなくなっています。"))
        elif case.flagged:
            refused.append(Refusal(name, "確認事項があるため、個別に確認してください。"))
        else:
            try:
                entry_approve(entry=item.entry, user=user, version=chosen[key])
            except WorkflowError as error:
                refused.append(Refusal(name, str(error)))
            else:
                approved.append(name)
    return approved, refused


def parse_chosen(values):
    """{(kind slug, item id): version} from posted "indicators:12:3" strings; bad ones dropped."""
    chosen = {}
    for value in values:
        slug, _, rest = value.partition(":")
        pk, _, version = rest.partition(":")
        if slug in KINDS and pk.isdigit() and version.isdigit():
            chosen[(slug, int(pk))] = int(version)
    return chosen
