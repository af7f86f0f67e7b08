"""The plan office imports a year's results from the departments' spreadsheets."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from plans.access import require_plan_admin
from plans.progress.results_import import RESULT_KINDS, results_export, results_import
from plans.progress.workflow import WorkflowError
from plans.spreadsheets import ENCODING_CHOICES, MAX_BYTES, SpreadsheetError, read_table
from plans.uploads import (
    discard_upload,
    errors_csv_response,
    keep_upload,
    stored_upload,
    xlsx_response,
)
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


def _read(data, filename, kind, encoding):
    spec = RESULT_KINDS[kind]
    return read_table(
        data, filename, columns=spec.columns, required=spec.required, encoding=encoding or None
    )


@login_required
def import_page(request, code, year):
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    context = {"plan": plan, "year": year, "kinds": KIND_LABELS}
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, plan, year, context)
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
        data = upload.read(MAX_BYTES + 1)
        try:
            table = _read(data, upload.name, kind, form.cleaned_data["encoding"])
            report = results_import(
                plan=plan, fiscal_year=year, kind=kind, table=table, user=request.user,
                dry_run=True,
            )  # fmt: skip
        except (SpreadsheetError, WorkflowError) as error:
            form.add_error("file", str(error))
        else:
            context |= {
                "report": report,
                "token": keep_upload(data),
                "filename": upload.name,
                "kind": kind,
                "kind_label": KIND_LABELS[kind],
                "encoding": form.cleaned_data["encoding"],
            }
    context["form"] = form
    return render(request, "progress/results_import.html", context)


def _confirm(request, plan, year, context):
    kind = request.POST.get("kind")
    if kind not in RESULT_KINDS:
        raise Http404("取り込むものの種類が正しくありません。")
    data = stored_upload(request.POST.get("token"))
    try:
        table = _read(data, request.POST.get("filename", ""), kind,
                      request.POST.get("encoding"))  # fmt: skip
        report = results_import(
            plan=plan, fiscal_year=year, kind=kind, table=table, user=request.user, dry_run=False
        )
    except (SpreadsheetError, WorkflowError) as error:
        messages.error(request, str(error))
        return redirect("plans:results_import", code=plan.code, year=year)
    if not report.written:
        messages.error(request, "エラーがあるため、何も取り込んでいません。")
        return render(
            request,
            "progress/results_import.html",
            context
            | {"form": ResultsImportForm(), "report": report, "kind_label": KIND_LABELS[kind]},
        )
    discard_upload(request.POST.get("token"))
    summary = "、".join(f"{action} {count}件" for action, count in report.summary)
    messages.success(
        request, f"{KIND_LABELS[kind]}を取り込みました({summary})。状態は「提出済」です。"
    )
    return redirect("plans:review", code=plan.code, year=year)


@login_required
def import_errors(request, code, year):
    """The preview's errors as a CSV, to hand back to the department that sent the file."""
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    kind = request.GET.get("kind")
    if kind not in RESULT_KINDS:
        raise Http404("取り込むものの種類が正しくありません。")
    data = stored_upload(request.GET.get("token"))
    table = _read(data, request.GET.get("filename", ""), kind, request.GET.get("encoding"))
    report = results_import(
        plan=plan, fiscal_year=year, kind=kind, table=table, user=request.user, dry_run=True
    )
    return errors_csv_response(report, f"{plan.code}-{year}-{kind}-errors.csv")


@login_required
def export_file(request, code, year, kind):
    require_plan_admin(request.user)
    plan = get_plan_for_year(code, year)
    if kind not in RESULT_KINDS:
        raise Http404("種類が正しくありません。")
    dataset = results_export(plan=plan, fiscal_year=year, kind=kind)
    return xlsx_response(dataset, f"{plan.code}-{year}-{kind}.xlsx")
