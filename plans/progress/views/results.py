"""The plan office imports a year's results from the departments' spreadsheets (the flow is
plans.imports) and downloads the fill-in files it hands them."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import reverse

from plans.access import require_plan_admin
from plans.downloads import download_response
from plans.imports import SpreadsheetImport
from plans.progress.results_import import RESULT_KINDS, results_export, results_import
from plans.progress.workflow import WorkflowError
from plans.spreadsheet_cells import dataset_xlsx
from plans.spreadsheets import ENCODING_CHOICES, MAX_BYTES, SpreadsheetError
from plans.views.common import get_plan_for_year

KIND_LABELS = {"indicators": "成果指標の実績", "projects": "事業の進捗"}


class ResultsImportForm(forms.Form):
    kind = forms.ChoiceField(label="取り込むもの", choices=list(KIND_LABELS.items()))
    file = forms.FileField(
        label="ファイル",
        help_text=f".xlsx または .csv({MAX_BYTES // 1024 // 1024}MB まで)。"
        "下の「記入用ファイル」を所管課に配って記入してもらうと、そのまま取り込めます。",
    )
    encoding = forms.ChoiceField(label="CSV の文字コード", choices=ENCODING_CHOICES, required=False)


class ResultsImport(SpreadsheetImport):
    form_class = ResultsImportForm
    carried = ("kind",)
    refusals = (SpreadsheetError, WorkflowError)  # e.g. a locked year refuses the file
    template_name = "progress/results_import.html"

    def __init__(self, request, plan, year):
        super().__init__(request)
        self.plan, self.year = plan, year

    def columns(self, *, kind):
        return RESULT_KINDS[kind].columns, RESULT_KINDS[kind].required

    def run(self, table, *, dry_run, kind):
        return results_import(
            plan=self.plan, fiscal_year=self.year, kind=kind, table=table,
            user=self.request.user, dry_run=dry_run,
        )  # fmt: skip

    def subject(self, filename, *, kind):
        return f"{KIND_LABELS[kind]}・ファイル「{filename}」"

    def context(self):
        return {"plan": self.plan, "year": self.year}

    def page_url(self):
        return reverse("plans:results_import", args=[self.plan.code, self.year])

    def errors_url(self):
        return reverse("plans:results_import_errors", args=[self.plan.code, self.year])

    def errors_filename(self, *, kind):
        return f"{self.plan.code}-{self.year}-{kind}-errors.csv"

    def imported(self, report, *, kind):
        summary = "、".join(f"{action} {count}件" for action, count in report.summary)
        return (
            f"{KIND_LABELS[kind]}を取り込みました({summary})。状態は「提出済」です。",
            reverse("plans:review", args=[self.plan.code, self.year]),
        )


@login_required
def import_page(request, code, year):
    require_plan_admin(request.user)
    return ResultsImport(request, get_plan_for_year(code, year), year).page()


@login_required
def import_errors(request, code, year):
    require_plan_admin(request.user)
    return ResultsImport(request, get_plan_for_year(code, year), year).errors_download()


@login_required
def export_file(request, code, year, kind):
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    if kind not in RESULT_KINDS:
        raise Http404("種類が正しくありません。")
    dataset = results_export(plan=plan, fiscal_year=year, kind=kind)
    return download_response(dataset_xlsx(dataset), filename=f"{plan.code}-{year}-{kind}.xlsx")
