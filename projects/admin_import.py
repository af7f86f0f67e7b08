"""The plan office's project-list import in the admin: upload, preview every row, confirm
(the flow is plans.imports), and the list's downloads."""

from django import forms
from django.http import Http404
from django.urls import reverse

from plans.downloads import download_response
from plans.imports import SpreadsheetImport
from plans.models import Plan
from plans.spreadsheet_cells import dataset_xlsx
from plans.spreadsheets import ENCODING_CHOICES, MAX_BYTES
from projects.imports import (
    projects_export,
    projects_import,
    projects_template,
    read_project_list,
)
from projects.resources import COLUMNS


class ProjectImportForm(forms.Form):
    plan = forms.ModelChoiceField(Plan.objects.all(), label="計画", empty_label=None)
    file = forms.FileField(
        label="ファイル",
        help_text=f".xlsx または .csv({MAX_BYTES // 1024 // 1024}MB まで)。"
        f"見出しは「{'」「'.join(COLUMNS)}」です(順番は自由、上にタイトルや日付の行があっても"
        "かまいません)。ファイルにない列は変更しません。IDは書き出したファイルにある番号です"
        "(新しい事業は空欄)。",
    )
    encoding = forms.ChoiceField(label="CSV の文字コード", choices=ENCODING_CHOICES, required=False)


class ProjectListImport(SpreadsheetImport):
    form_class = ProjectImportForm
    carried = ("plan",)
    template_name = "admin/projects/project/import.html"
    row_heading = "事業名"

    def __init__(self, request, model_admin):
        super().__init__(request)
        self.model_admin = model_admin

    def read(self, data, filename, *, encoding, plan):
        return read_project_list(data, filename, encoding=encoding)

    def run(self, table, *, dry_run, plan):
        return projects_import(plan=plan, table=table, dry_run=dry_run, user=self.request.user)

    def subject(self, filename, *, plan):
        return f"ファイル「{filename}」・計画「{plan}」"

    def context(self):
        return {
            **self.model_admin.admin_site.each_context(self.request),
            "opts": self.model_admin.model._meta,
            "title": "事業一覧の取込",
            # A list re-imported after a few edits is mostly unchanged: the table shows the
            # rows that do something (10,000 unchanged rows were megabytes of HTML).
            "hide_unchanged": True,
            "plans": Plan.objects.all(),
        }

    def page_url(self):
        return reverse("admin:projects_project_import")

    def errors_url(self):
        return reverse("admin:projects_project_import_errors")

    def imported(self, report, *, plan):
        counts = report.counts
        return (
            f"計画「{plan}」に取り込みました: 新規 {counts['新規']}件、変更 {counts['変更']}件、"
            f"変更なし {counts['変更なし']}件。",
            reverse("admin:projects_project_changelist"),
        )


def import_view(model_admin, request):
    return ProjectListImport(request, model_admin).page()


def errors_view(model_admin, request):
    return ProjectListImport(request, model_admin).errors_download()


def export_view(model_admin, request, plan_code):
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None:
        raise Http404("計画が見つかりません。")
    return download_response(
        dataset_xlsx(projects_export(plan)), filename=f"{plan.code}-projects.xlsx"
    )


def template_view(model_admin, request):
    return download_response(dataset_xlsx(projects_template()), filename="projects-template.xlsx")
