"""The plan office's project-list import in the admin: upload, preview every row, confirm."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from plans.models import Plan
from plans.spreadsheets import ENCODING_CHOICES, MAX_BYTES, SpreadsheetError, read_table
from plans.uploads import (
    discard_upload,
    errors_csv_response,
    keep_upload,
    stored_upload,
    xlsx_response,
)
from projects.imports import projects_export, projects_import, projects_template
from projects.resources import COLUMNS, REQUIRED_COLUMNS


class ProjectImportForm(forms.Form):
    plan = forms.ModelChoiceField(Plan.objects.all(), label="計画", empty_label=None)
    file = forms.FileField(
        label="ファイル",
        help_text=f".xlsx または .csv({MAX_BYTES // 1024 // 1024}MB まで)。"
        f"見出しは「{'」「'.join(COLUMNS)}」です(順番は自由)。",
    )
    encoding = forms.ChoiceField(label="CSV の文字コード", choices=ENCODING_CHOICES, required=False)


def _read(data, filename, encoding):
    return read_table(
        data, filename, columns=COLUMNS, required=REQUIRED_COLUMNS, encoding=encoding or None
    )


def import_view(model_admin, request):
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(model_admin, request, context)
    form = ProjectImportForm(request.POST or None, request.FILES or None)
    report = table = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_BYTES + 1)
        try:
            table = _read(data, upload.name, form.cleaned_data["encoding"])
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            report = projects_import(plan=form.cleaned_data["plan"], table=table, dry_run=True)
            token = keep_upload(data)
            context |= {
                "token": token,
                "filename": upload.name,
                "plan": form.cleaned_data["plan"],
                "encoding": form.cleaned_data["encoding"],
            }
    context |= {"form": form, "report": report, "title": "事業一覧の取込", "table": table}
    return TemplateResponse(request, "admin/projects/project/import.html", context)


def _confirm(model_admin, request, context):
    data = stored_upload(request.POST.get("token"))
    plan = Plan.objects.filter(pk=request.POST.get("plan")).first()
    if plan is None:
        raise Http404("計画が見つかりません。")
    try:
        table = _read(data, request.POST.get("filename", ""), request.POST.get("encoding"))
    except SpreadsheetError as error:
        messages.error(request, str(error))
        return redirect("admin:projects_project_import")
    report = projects_import(plan=plan, table=table, dry_run=False, user=request.user)
    if not report.written:
        messages.error(request, "エラーがあるため、何も取り込んでいません。")
        context |= {"form": ProjectImportForm(), "report": report, "title": "事業一覧の取込"}
        return TemplateResponse(request, "admin/projects/project/import.html", context)
    discard_upload(request.POST.get("token"))
    counts = report.counts
    messages.success(
        request,
        f"計画「{plan}」に取り込みました: 新規 {counts['新規']}件、変更 {counts['変更']}件、"
        f"変更なし {counts['変更なし']}件。",
    )
    return redirect("admin:projects_project_changelist")


def errors_view(model_admin, request, token):
    """The preview's errors as a CSV (UTF-8 with BOM) to hand back to the department."""
    data = stored_upload(token)
    plan = Plan.objects.filter(pk=request.GET.get("plan")).first()
    if plan is None:
        raise Http404("計画が見つかりません。")
    table = _read(data, request.GET.get("filename", ""), request.GET.get("encoding"))
    return errors_csv_response(projects_import(plan=plan, table=table, dry_run=True))


def export_view(model_admin, request, plan_code):
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None:
        raise Http404("計画が見つかりません。")
    return xlsx_response(projects_export(plan), f"{plan.code}-projects.xlsx")


def template_view(model_admin, request):
    return xlsx_response(projects_template(), "projects-template.xlsx")
