"""Upload → preview → confirm: the one flow of every spreadsheet import (the project list in the
admin, a year's results on the review page).

The person picks a file; it is read and imported without writing (a dry run), and the page
shows every row as 新規 / 変更 / 変更なし / エラー. The file waits in the database
(plans.uploads) under a token only the preview knows; confirming reads it again and imports it
for real, all or nothing. What was chosen with the file (the plan, what the file holds) travels
back in hidden fields and in the errors link, and is checked again like anything a request
carries.

An import is a subclass of SpreadsheetImport naming its parts: the form, the columns, the import
function, where its page sits (template, context, addresses) and what to say once imported.
"""

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from plans.downloads import download_response
from plans.spreadsheet_cells import CsvWriter
from plans.spreadsheets import MAX_BYTES, SpreadsheetError, read_table
from plans.uploads import discard_upload, keep_upload, stored_upload

NOTHING_WRITTEN = "エラーがあるため、何も取り込んでいません。"


def errors_csv(report):
    """An import's row errors as a CSV (UTF-8 with BOM, for Excel) to hand back to a department."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, lineterminator="\r\n")
    # A spreadsheet's rows are found by sheet and row; the row stays a number, to sort by.
    sheet = [report.sheet] if report.sheet else []
    writer.writerow(["シート"] * bool(sheet) + ["行", "名称", "エラーの内容"])
    for row in report.errors:
        writer.writerow([*sheet, row.number, row.name, " ".join(row.messages)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class SpreadsheetImport:
    """One import on the flow; a view makes one per request and returns `page()` or
    `errors_download()`."""

    form_class = None  # a Form with `file` and `encoding`, plus the fields named in `carried`
    carried = ()  # those other fields: sent back with the confirmation and the errors link
    refusals = (SpreadsheetError,)  # what refuses the whole file; its message is shown
    template_name = None
    row_heading = "名称"  # the preview table's column of row names

    def __init__(self, request):
        self.request = request

    # What each import supplies. `choices` are the cleaned values of the `carried` fields.

    def columns(self, **choices):
        """(columns, required): the column titles of the sheet, and those it must have (for the
        default `read`)."""
        raise NotImplementedError

    def read(self, data, filename, *, encoding, **choices):
        """The file as a Table (plans.spreadsheets.read_table); an import may read it its way."""
        columns, required = self.columns(**choices)
        return read_table(data, filename, columns=columns, required=required, encoding=encoding)

    def run(self, table, *, dry_run, **choices):
        """Import the table (written only without `dry_run`); returns an ImportReport."""
        raise NotImplementedError

    def subject(self, filename, **choices):
        """What the preview shows, in a few words before its counts."""
        raise NotImplementedError

    def context(self):
        """What the page template needs besides the flow's own (title, plan, year...)."""
        return {}

    def page_url(self):
        raise NotImplementedError

    def errors_url(self):
        """The errors CSV's address; the flow adds the token and the choices as its query."""
        raise NotImplementedError

    def errors_filename(self, **choices):
        return "import-errors.csv"

    def imported(self, report, **choices):
        """(message, address) once a confirmed import is written."""
        raise NotImplementedError

    # The flow.

    def page(self):
        """The upload form; the preview of a chosen file; the confirmation of a previewed one."""
        request = self.request
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm()
        form = self.form_class(request.POST or None, request.FILES or None)
        preview = {}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(MAX_BYTES + 1)
            sent = {
                "filename": upload.name,
                "encoding": form.cleaned_data["encoding"],
                # An optional choice left empty is sent back as "", never as "None".
                **{name: form[name].value() or "" for name in self.carried},
            }
            choices = {name: form.cleaned_data[name] for name in self.carried}
            try:
                report = self._report(data, sent, choices, dry_run=True)
            except self.refusals as error:
                form.add_error("file", str(error))
            else:
                sent = {"token": keep_upload(data), **sent}
                preview = {
                    "token": sent["token"],
                    "hidden": list(sent.items()),
                    "errors_url": f"{self.errors_url()}?{urlencode(sent)}",
                    **self._shown(report, sent, choices),
                }
        return self._render(form, preview)

    def errors_download(self):
        """The preview's errors as a CSV, for the department that sent the file."""
        sent = self.request.GET
        choices = self._choices(sent)
        data = stored_upload(sent.get("token"))
        try:
            report = self._report(data, sent, choices, dry_run=True)
        except self.refusals as error:
            messages.error(self.request, str(error))
            return redirect(self.page_url())
        return download_response(errors_csv(report), filename=self.errors_filename(**choices))

    def _confirm(self):
        sent = self.request.POST
        data = stored_upload(sent.get("token"))
        choices = self._choices(sent)
        try:
            report = self._report(data, sent, choices, dry_run=False)
        except self.refusals as error:
            messages.error(self.request, str(error))
            return redirect(self.page_url())
        if not report.written:
            messages.error(self.request, NOTHING_WRITTEN)
            return self._render(self.form_class(), self._shown(report, sent, choices))
        discard_upload(sent.get("token"))
        message, url = self.imported(report, **choices)
        messages.success(self.request, message)
        return redirect(url)

    def _choices(self, sent):
        """The carried fields as sent back, cleaned by the form's own fields; 404 if wrong."""
        fields = self.form_class().fields
        choices = {}
        for name in self.carried:
            try:
                choices[name] = fields[name].clean(sent.get(name))
            except ValidationError:
                raise Http404(f"「{fields[name].label}」の指定が正しくありません。") from None
        return choices

    def _report(self, data, sent, choices, *, dry_run):
        table = self.read(
            data, sent.get("filename", ""), encoding=sent.get("encoding") or None, **choices
        )
        return self.run(table, dry_run=dry_run, **choices)

    def _shown(self, report, sent, choices):
        return {"report": report, "subject": self.subject(sent.get("filename", ""), **choices)}

    def _render(self, form, preview):
        context = self.context() | {"form": form, "row_heading": self.row_heading} | preview
        return TemplateResponse(self.request, self.template_name, context)
