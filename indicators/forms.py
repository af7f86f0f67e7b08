from django import forms
from django.utils.html import format_html

from plans.forms import VersionedEntryForm
from plans.numbers import format_input, parse_date_input


class IndicatorResultForm(VersionedEntryForm):
    """A fiscal year's value of an indicator, typed the way offices type numbers."""

    value = forms.CharField(
        label="実績値",
        required=False,
        max_length=40,
        help_text="全角の数字やカンマ区切り(4,000)、末尾の単位もそのまま入力できます。",
    )
    not_measured = forms.BooleanField(
        label="今年度は測定なし",
        required=False,
        help_text="調査を行わない年度などで値がない場合に選びます。要因分析に理由を書いてください。",
    )
    is_interim = forms.BooleanField(
        label="速報値として入力する",
        required=False,
        help_text="年度の途中までの値(例: 12月末時点)のときに選び、時点を入力します。"
        "確定値が出たら、協働推進課に差し戻してもらって確定値を入力します"
        "(確定値が承認されるまで、委員会の資料には速報値と明記して示されます)。",
    )
    as_of = forms.CharField(
        label="速報値の時点",
        required=False,
        max_length=40,
        help_text="いつまでの値か(例: 2025-12-31、2025年12月31日)。速報値のときだけ入力します。",
    )
    analysis = forms.CharField(
        label="要因分析",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="値が増えた・減った理由、取組の成果や課題を書いてください。",
    )

    def __init__(self, *args, target, **kwargs):
        self.indicator = indicator = target
        super().__init__(*args, **kwargs)
        # crispy-forms prints help texts unescaped (|safe): the unit is typed in the admin.
        self.fields["value"].help_text = format_html(
            "単位: {}。{}", indicator.unit or "なし", self.fields["value"].help_text
        )
        self.fields["value"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    @classmethod
    def initial_for(cls, result):
        if result is None:
            return {"version": 0}
        return {
            "value": format_input(result.value),
            "not_measured": result.not_measured,
            "is_interim": result.is_interim,
            "as_of": result.as_of.isoformat() if result.as_of else "",
            "analysis": result.analysis,
            "version": result.version,
        }

    def clean_value(self):
        return self.indicator.parse_value(self.cleaned_data["value"])

    def clean_as_of(self):
        try:
            return parse_date_input(self.cleaned_data["as_of"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("not_measured") and cleaned.get("value") is not None:
            self.add_error(
                "not_measured", "「今年度は測定なし」を選ぶときは、実績値を空欄にしてください。"
            )
        self.interim_problem(cleaned)
        return cleaned

    def interim_problem(self, cleaned):
        """A 速報値 needs its date, within or just after the fiscal year; a date needs 速報値."""
        interim, as_of = cleaned.get("is_interim"), cleaned.get("as_of")
        if "as_of" in self.errors:
            return
        if interim and cleaned.get("not_measured"):
            self.add_error("is_interim", "「今年度は測定なし」は速報値にできません。")
        elif interim and as_of is None:
            self.add_error(
                "as_of", "速報値の時点(いつまでの値か)を入力してください(例: 2025-12-31)。"
            )
        elif as_of is not None and not interim:
            self.add_error(
                "as_of",
                "時点は速報値のときだけ入力します。「速報値として入力する」を選ぶか、"
                "時点を空欄にしてください。",
            )

    def entry_values(self):
        return {
            "value": self.cleaned_data["value"],
            "not_measured": self.cleaned_data["not_measured"],
            "is_interim": self.cleaned_data["is_interim"],
            "as_of": self.cleaned_data["as_of"] if self.cleaned_data["is_interim"] else None,
            "analysis": self.cleaned_data["analysis"].strip(),
        }
