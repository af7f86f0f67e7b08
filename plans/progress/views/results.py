"""The plan office imports a year's results from the departments' spreadsheets (the flow is
plans.imports) and downloads the fill-in files it hands them."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from plans.access import require_plan_admin
from plans.downloads import download_response
from plans.imports import SpreadsheetImport
from plans.models import Department
from plans.progress.fill_in import (
    KIND_LABELS,
    NO_DEPARTMENT,
    department_label,
    fill_in_filename,
    fill_in_offer,
    fill_in_targets,
    fill_in_workbook,
    fill_in_zip,
    fill_in_zip_filename,
)
from plans.progress.results_import import read_results_table, results_import
from plans.progress.workflow import WorkflowError
from plans.spreadsheets import ENCODING_CHOICES, MAX_BYTES, SpreadsheetError
from plans.views.common import get_plan_for_year


class ResultsImportForm(forms.Form):
    kind = forms.ChoiceField(label="取り込むもの", choices=list(KIND_LABELS.items()))
    department = forms.ModelChoiceField(
        label="どの所管課のファイルか",
        queryset=Department.objects.all(),
        required=False,
        empty_label="指定しない",
        help_text="選ぶと、ほかの所管課の記入用ファイルや、ほかの所管課の項目の行を取り込みません。",
    )
    file = forms.FileField(
        label="ファイル",
        help_text=f".xlsx または .csv({MAX_BYTES // 1024 // 1024}MB まで)。"
        "上の「記入用ファイル」を所管課に配って記入してもらうと、そのまま取り込めます。",
    )
    encoding = forms.ChoiceField(label="CSV の文字コード", choices=ENCODING_CHOICES, required=False)


class ResultsImport(SpreadsheetImport):
    form_class = ResultsImportForm
    carried = ("kind", "department")
    refusals = (SpreadsheetError, WorkflowError)  # e.g. a locked year refuses the file
    template_name = "progress/results_import.html"

    def __init__(self, request, plan, year):
        super().__init__(request)
        self.plan, self.year = plan, year

    def read(self, data, filename, *, encoding, kind, department):
        return read_results_table(data, filename, kind=kind, encoding=encoding)

    def run(self, table, *, dry_run, kind, department):
        return results_import(
            plan=self.plan, fiscal_year=self.year, kind=kind, table=table,
            user=self.request.user, dry_run=dry_run, department=department,
        )  # fmt: skip

    def subject(self, filename, *, kind, department):
        whose = f"{department}の" if department else ""
        return f"{whose}{KIND_LABELS[kind]}・ファイル「{filename}」"

    def context(self):
        return {"plan": self.plan, "year": self.year, "fill_in_offer": fill_in_offer(self.plan)}

    def page_url(self):
        return reverse("plans:results_import", args=[self.plan.code, self.year])

    def errors_url(self):
        return reverse("plans:results_import_errors", args=[self.plan.code, self.year])

    def errors_filename(self, *, kind, department):
        return f"{self.plan.code}-{self.year}-{kind}-errors.csv"

    def imported(self, report, *, kind, department):
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


def _department(key):
    """The department of an address: its id, or NO_DEPARTMENT for the items of none."""
    if key == NO_DEPARTMENT:
        return None
    if not key.isdigit():
        raise Http404("所管課の指定が正しくありません。")
    return get_object_or_404(Department, pk=int(key))


@login_required
def fill_in_file(request, code, year, kind, department):
    """One department's fill-in file of one kind; only the plan office hands them out."""
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    department = _department(department)
    targets = list(fill_in_targets(plan, kind, department, year))
    if not targets:
        raise Http404(
            f"この計画には{department_label(department)}の{KIND_LABELS[kind]}の項目がありません。"
        )
    content = fill_in_workbook(
        plan=plan, fiscal_year=year, kind=kind, department=department, targets=targets
    )
    filename = fill_in_filename(department=department, fiscal_year=year, kind=kind)
    return download_response(content, filename=filename)


@login_required
def fill_in_all(request, code, year):
    """Every department's fill-in files of both kinds, in one .zip."""
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    content = fill_in_zip(plan=plan, fiscal_year=year)
    return download_response(content, filename=fill_in_zip_filename(fiscal_year=year))
