from django.urls import path, register_converter

from plans.converters import EntryKindConverter, FillInKindConverter
from plans.progress.views import committee, entry, next_plan, results, review
from plans.reports import views as reports
from plans.views import public

register_converter(EntryKindConverter, "kind")
register_converter(FillInKindConverter, "fill_in_kind")

app_name = "plans"

year = "<slug:code>/<int:year>"
item = f"{year}/<kind:kind>/<int:pk>"

urlpatterns = [
    path("", public.plan_list, name="plan_list"),
    path("plans/<slug:code>/", public.plan_detail, name="plan_detail"),
    path(f"plans/{year}/opinions/", reports.public_opinions, name="public_opinions"),
    path("start/", entry.start, name="start"),
    path("dashboard/", reports.dashboard_default, name="dashboard"),
    path(f"dashboard/{year}/", reports.overview, name="overview"),
    path(f"dashboard/{year}/indicators/<int:pk>/", reports.indicator_page, name="indicator"),
    path(f"dashboard/{year}/measures/<int:pk>/", reports.measure_page, name="measure"),
    path(f"dashboard/{year}/projects/<int:pk>/", reports.project_page, name="project"),
    path(f"dashboard/{year}/report/", reports.report_page, name="report"),
    path(f"dashboard/{year}/report.css", reports.report_css, name="report_css"),
    path(f"dashboard/{year}/report.xlsx", reports.report_xlsx, name="report_xlsx"),
    path(f"dashboard/{year}/report.docx", reports.report_docx, name="report_docx"),
    path("open-data/<slug:code>.csv", reports.open_data, {"kind": "csv"}, name="open_csv"),
    path(
        "open-data/<slug:code>/projects.csv",
        reports.open_data,
        {"kind": "projects_csv"},
        name="open_projects_csv",
    ),
    path("open-data/<slug:code>.json", reports.open_data, {"kind": "json"}, name="open_json"),
    path("open-data/dictionary/", reports.open_data_dictionary, name="open_data_dictionary"),
    path("entry/", entry.my_work_default, name="my_work"),
    path(f"entry/{year}/", entry.my_work, name="my_work_year"),
    path(f"entry/{item}/", entry.entry_page, name="entry"),
    path(f"entry/{item}/withdraw/", entry.withdraw, name="entry_withdraw"),
    path(f"entry/{item}/history/", entry.entry_history, name="entry_history"),
    path("committee/", committee.committee_default, name="committee_default"),
    path(f"committee/{year}/", committee.committee_year, name="committee"),
    path(f"committee/{year}/opinions/new/", committee.opinion_page, name="opinion_new"),
    path(f"committee/{year}/opinions/<int:pk>/", committee.opinion_page, name="opinion"),
    path(f"committee/{year}/letter/", committee.letter_page, name="opinion_letter"),
    path("review/", review.review_default, name="review_default"),
    path(f"review/{year}/", review.review_year, name="review"),
    path(f"review/{item}/approve/", review.approve, name="entry_approve"),
    path(f"review/{item}/return/", review.send_back, name="entry_return"),
    path(f"review/{year}/approve/", review.approve_plain, name="approve_plain"),
    path(f"review/{year}/import/", results.import_page, name="results_import"),
    path(f"review/{year}/import/errors.csv", results.import_errors, name="results_import_errors"),
    path(
        f"review/{year}/fill-in/<fill_in_kind:kind>/<slug:department>.xlsx",
        results.fill_in_file,
        name="fill_in_file",
    ),
    path(f"review/{year}/fill-in/all.zip", results.fill_in_all, name="fill_in_all"),
    path("review/next-plan/<slug:code>/", next_plan.next_plan_page, name="next_plan"),
    path(f"review/{year}/lock/", review.lock, name="year_lock"),
    path(f"review/{year}/reopen/", review.reopen, name="year_reopen"),
    path(f"review/{year}/deadline/", review.deadline, name="year_deadline"),
]
