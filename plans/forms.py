from django import forms

STALE_FORM = (
    "入力画面の情報が足りないため、保存できませんでした。"
    "入力した内容を控えてから画面を開き直し、もう一度保存してください。"
)


class VersionedEntryForm(forms.Form):
    """An entry form carrying the version it was opened on, in a hidden field.

    A person cannot see or fix a hidden field, so when the version is missing or broken
    (a truncated request, a page saved to disk and edited) its error is told above the form
    instead of beside an input that is not there.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self):
        cleaned = super().clean()
        if self.errors.pop("version", None):
            self.add_error(None, STALE_FORM)
        return cleaned


class TextEntryForm(VersionedEntryForm):
    """An entry of prose fields only (`TEXT_FIELDS`), kept as typed apart from the blanks
    around it."""

    TEXT_FIELDS = ()

    def __init__(self, *args, target, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, entry):
        if entry is None:
            return {"version": 0}
        return {name: getattr(entry, name) for name in cls.TEXT_FIELDS} | {"version": entry.version}

    def entry_values(self):
        return {name: self.cleaned_data[name].strip() for name in self.TEXT_FIELDS}


class MeasureAssessmentForm(TextEntryForm):
    """A measure's assessment for a fiscal year and the direction for the next."""

    TEXT_FIELDS = ("assessment", "direction")

    assessment = forms.CharField(
        label="施策の評価",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="成果指標と主な事業の状況から、この年度の施策の進み具合と成果・課題を書いてください。",
    )
    direction = forms.CharField(
        label="今後の取組方針",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="評価を受けて、次の年度にどう取り組むかを書いてください。",
    )


class OpinionResponseForm(TextEntryForm):
    """The city's response to an opinion of the committee's 意見書."""

    TEXT_FIELDS = ("response",)

    response = forms.CharField(
        label="市の対応・対応方針",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="意見を受けて、市がどう対応するか、今後どう取り組むかを書いてください。",
    )
