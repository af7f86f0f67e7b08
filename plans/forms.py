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
