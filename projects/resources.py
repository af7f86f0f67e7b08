"""The project list (事業一覧) of a plan as a spreadsheet: its columns, the usual variants of
their titles, and the export (django-import-export). The import is projects.imports.

The export carries each project's ID (the portal's own key): a list exported, edited and
imported back matches its rows on it, so a project renamed in the file is renamed, even in a
plan whose projects have no 事業コード. A list without the ID column is matched on 事業コード,
then on the name.
"""

from import_export import fields, resources

from projects.models import Project

ID_COLUMN = "ID"
COLUMNS = [ID_COLUMN, "事業コード", "事業名", "事業概要", "基本施策", "所管課"]
REQUIRED_COLUMNS = ["事業名"]
# The titles offices give these columns (compared after NFKC and without blanks).
ALIASES = {
    ID_COLUMN: ["ポータルID"],
    "事業コード": ["事業番号", "事業No", "事業No.", "事業CD", "コード"],
    "事業名": ["事業名称", "事業の名称", "名称"],
    "事業概要": ["概要", "事業の概要", "事業内容", "事業の内容", "内容"],
    "基本施策": [
        "基本施策番号",
        "基本施策コード",
        "施策番号",
        "施策コード",
        "施策",
        "施策No",
        "施策No.",
    ],
    "所管課": [
        "所管課名",
        "担当課",
        "担当課名",
        "所管",
        "担当",
        "担当部署",
        "所管部署",
        "所管部局",
    ],
}
TEMPLATE_COLUMNS = COLUMNS[1:]  # a new list has no IDs yet
EXAMPLE_ROW = ["P-001", "区づくり推進事業", "地域の特徴をいかし…", "1-1、2-3", "市民協働企画課"]


class ProjectResource(resources.ModelResource):
    id = fields.Field("id", column_name=ID_COLUMN)
    code = fields.Field("code", column_name="事業コード")
    name = fields.Field("name", column_name="事業名")
    summary = fields.Field("summary", column_name="事業概要")
    measures = fields.Field(column_name="基本施策")
    department = fields.Field("department__name", column_name="所管課")

    class Meta:
        model = Project
        fields = ["id", "code", "name", "summary", "measures", "department"]
        export_order = fields

    def __init__(self, *, plan):
        super().__init__()
        self.plan = plan

    def get_queryset(self):
        return (
            Project.objects.filter(plan=self.plan)
            .select_related("department")
            .prefetch_related("measure_links__measure__policy")
        )

    def dehydrate_measures(self, project):
        return "、".join(link.measure.code for link in project.measure_links.all())
