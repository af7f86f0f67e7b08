from django import forms

from plans.forms import VersionedEntryForm
from plans.numbers import format_input
from projects.models import ProjectProgress

AMOUNT_UNIT = "千円"


def _amount_field(label):
    return forms.CharField(
        label=f"{label}({AMOUNT_UNIT})",
        required=False,
        max_length=30,
        help_text="千円単位。全角数字やカンマ区切りもそのまま入力できます(任意)。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ProjectProgressForm(VersionedEntryForm):
    """A project's progress for a fiscal year."""

    activities = forms.CharField(
        label="実施内容・実績",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="実施したことを、回数や参加人数などの数字とともに書いてください。",
    )
    grade = forms.ChoiceField(
        label="自己評価",
        required=False,
        choices=[("", "選択してください"), *ProjectProgress.Grade.choices],
    )
    issues = forms.CharField(label="課題", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outlook = forms.ChoiceField(
        label="今後の方向性",
        required=False,
        choices=[("", "選択してください"), *ProjectProgress.Outlook.choices],
    )
    budget_amount = _amount_field("予算額")
    settlement_amount = _amount_field("決算額")

    def __init__(self, *args, target, **kwargs):
        self.project = target
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, progress):
        if progress is None:
            return {"version": 0}
        return {
            "activities": progress.activities,
            "grade": progress.grade,
            "issues": progress.issues,
            "outlook": progress.outlook,
            "budget_amount": format_input(progress.budget_amount),
            "settlement_amount": format_input(progress.settlement_amount),
            "version": progress.version,
        }

    def _clean_amount(self, name):
        return ProjectProgress.parse_amount(self.cleaned_data[name])

    def clean_budget_amount(self):
        return self._clean_amount("budget_amount")

    def clean_settlement_amount(self):
        return self._clean_amount("settlement_amount")

    def entry_values(self):
        data = self.cleaned_data
        return {
            "activities": data["activities"].strip(),
            "grade": data["grade"],
            "issues": data["issues"].strip(),
            "outlook": data["outlook"],
            "budget_amount": data["budget_amount"],
            "settlement_amount": data["settlement_amount"],
        }
