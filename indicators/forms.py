from django import forms
from django.utils.html import format_html

from plans.forms import VersionedEntryForm
from plans.numbers import format_input


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
            "analysis": result.analysis,
            "version": result.version,
        }

    def clean_value(self):
        return self.indicator.parse_value(self.cleaned_data["value"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("not_measured") and cleaned.get("value") is not None:
            self.add_error(
                "not_measured", "「今年度は測定なし」を選ぶときは、実績値を空欄にしてください。"
            )
        return cleaned

    def entry_values(self):
        return {
            "value": self.cleaned_data["value"],
            "not_measured": self.cleaned_data["not_measured"],
            "analysis": self.cleaned_data["analysis"].strip(),
        }
