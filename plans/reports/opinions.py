"""The committee's opinions as each reader may see them, for the dashboards, the committee's
page, the print report and the .xlsx.

A committee member sees every member's shared opinions and their own drafts; everyone else who
logs in sees only the items of a published 意見書. The city's responses are shown once approved.
The public sees them once the plan office has published the year's report, that is locked
(確定) the year (`public_letter`).
"""

from dataclasses import dataclass, field

from plans.access import is_committee_member
from plans.fiscal_years import format_fiscal_year
from plans.models import CommitteeOpinion, OpinionLetter, OpinionResponse, PlanYear
from plans.reports.exports import PLAIN, report_sheet
from plans.reports.parts import value_digest
from plans.reports.small_sheets import write_wrapped_rows
from plans.spreadsheet_cells import xlsx_write_row


@dataclass
class OpinionRow:
    opinion: CommitteeOpinion
    in_letter: bool  # an item of the published 意見書 (numbered, in the chair's wording)
    response: OpinionResponse | None  # the approved 市の対応
    merged: list = field(default_factory=list)  # opinions merged into this one (members only)

    @property
    def wording(self):
        return self.opinion.letter_wording if self.in_letter else self.opinion.body

    @property
    def shows_demo(self):
        """Whether the opinion or its response was made up by the demo command (デモ用データ)."""
        return self.opinion.is_demo or bool(self.response and self.response.is_demo)


@dataclass
class CommitteeView:
    """The year's opinions one reader sees, and the published 意見書 (None before)."""

    letter: OpinionLetter | None
    rows: list
    member: bool

    def about_plan(self):
        return [row for row in self.rows if row.opinion.subject is None]

    def about_policy(self, policy):
        return [row for row in self.rows if row.opinion.policy_id == policy.pk]

    def about_measure(self, measure):
        return [row for row in self.rows if row.opinion.measure_id == measure.pk]

    def about_indicator(self, indicator):
        return [row for row in self.rows if row.opinion.indicator_id == indicator.pk]

    def by_policy(self, policies):
        """(policy, the rows about it, its measures or its indicators) for each policy with any."""
        grouped = []
        for policy in policies:
            rows = [row for row in self.rows if row.opinion.subject_policy_id == policy.pk]
            if rows:
                grouped.append((policy, rows))
        return grouped


def letter_shows_demo(letter, rows):
    """Whether the published 意見書 or one of its items (an opinion, a response) is demo data:
    what makes a report say that it contains made-up values."""
    return bool(letter) and (letter.is_demo or any(row.shows_demo for row in rows))


def published_letter(plan, fiscal_year):
    return OpinionLetter.objects.filter(
        plan=plan, fiscal_year=fiscal_year, status=OpinionLetter.Status.PUBLISHED
    ).first()


def public_letter(plan, fiscal_year):
    """The published 意見書 of a year whose report the plan office has published (the year is
    locked), or None: what a visitor without a login may read."""
    if not PlanYear.objects.filter(plan=plan, fiscal_year=fiscal_year, is_locked=True).exists():
        return None
    return published_letter(plan, fiscal_year)


def _approved_responses(opinions):
    return {
        response.opinion_id: response
        for response in OpinionResponse.objects.approved().for_targets(opinions)
    }


def letter_rows(plan, fiscal_year, letter):
    """The published 意見書's items in order, each with its approved response. Four queries."""
    if letter is None:
        return []
    opinions = list(CommitteeOpinion.objects.for_year(plan, fiscal_year).in_letter())
    responses = _approved_responses(opinions)
    return [OpinionRow(opinion, True, responses.get(opinion.pk)) for opinion in opinions]


def letter_digest(letter, rows):
    """A digest of what the sheet 委員会の意見 shows of `letter` and its `rows` (letter_rows): the
    .xlsx assembled from unchanged parts is taken again only while this is the same."""
    shown = None
    if letter is not None:
        shown = (
            letter.preface,
            letter.published_at,
            letter.is_demo,
            [
                (
                    row.opinion.letter_position,
                    row.opinion.subject_label,
                    row.wording,
                    row.response.response if row.response else None,
                    row.shows_demo,
                )
                for row in rows
            ],
        )
    return value_digest(shown)


def committee_view(user, plan, fiscal_year):
    """What `user` sees of the year's opinions. A constant number of queries."""
    letter = published_letter(plan, fiscal_year)
    if not is_committee_member(user):
        return CommitteeView(letter, letter_rows(plan, fiscal_year, letter), member=False)
    opinions = list(CommitteeOpinion.objects.for_year(plan, fiscal_year).seen_by_member(user))
    responses = _approved_responses(opinions) if letter else {}
    rows = {
        opinion.pk: OpinionRow(
            opinion,
            bool(letter) and opinion.letter_position is not None and not opinion.merged_into_id,
            responses.get(opinion.pk),
        )
        for opinion in opinions
    }
    for opinion in opinions:
        if letter and opinion.merged_into_id in rows:
            rows[opinion.merged_into_id].merged.append(opinion)
    ordered = sorted(
        rows.values(),
        key=lambda row: (
            not row.in_letter,
            row.opinion.letter_position or 0 if row.in_letter else 0,
            row.opinion.created_at,
        ),
    )
    return CommitteeView(letter, ordered, member=True)


SHEET_TITLE = "委員会の意見"
SHEET_HEADERS = ["番号", "対象", "委員会の意見", "市の対応・対応方針", "デモ用データ"]
SHEET_WIDTHS = [6, 30, 60, 60, 12]


def opinions_sheet(plan, fiscal_year, letter, rows):
    """A writer of the .xlsx report's sheet 委員会の意見 (for `exports.report_skeleton`): the
    published 意見書's items with the city's approved responses, or a line saying there is none
    yet. Text is written as text (never a formula), rows tall enough for their wrapped text."""

    def write(workbook, styles):
        sheet = report_sheet(
            workbook, styles, SHEET_TITLE, plan, fiscal_year, SHEET_HEADERS, SHEET_WIDTHS,
            len(rows),
        )  # fmt: skip
        if letter is None:
            note = f"{format_fiscal_year(fiscal_year)}の意見書はまだ公表されていません。"
        else:
            note = "公表された意見書の意見と、承認済の市の対応" + (
                "(デモ用データ: 動作確認用の架空の意見書です)" if letter.is_demo else ""
            )
        xlsx_write_row(sheet, 1, [note], [styles(PLAIN)])
        values = [
            [
                row.opinion.letter_position,
                row.opinion.subject_label,
                row.wording,
                row.response.response if row.response else "対応を検討中です。",
                "はい" if row.shows_demo else "",
            ]
            for row in rows
        ]
        write_wrapped_rows(sheet, styles, values, SHEET_WIDTHS)

    return write
