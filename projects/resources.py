"""The project list (事業一覧) of a plan as a spreadsheet, both ways, with django-import-export.

Rows are matched on 事業コード where one is given, otherwise on the name within the plan, so
importing the same file twice changes nothing and a corrected file updates in place. The 基本
施策 column lists measure codes ("2-1、2-3"); an import sets the project's measures to exactly
those, keeping the position and text of the rows that stay.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Max, Value
from django.db.models.functions import Cast, Concat
from import_export import fields, resources, widgets
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from plans.models import Department, Measure
from projects.models import MeasureProject, Project

COLUMNS = ["事業コード", "事業名", "事業概要", "基本施策", "所管課"]
REQUIRED_COLUMNS = ["事業名"]
EXAMPLE_ROW = ["P-001", "区づくり推進事業", "地域の特徴をいかし…", "1-1、2-3", "市民協働企画課"]
_CODE_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


def measure_codes(text):
    """'２－１、2-3' -> ['2-1', '2-3']: full-width digits and spaces inside a code allowed."""
    normalised = unicodedata.normalize("NFKC", text or "").replace("−", "-").replace("ー", "-")
    normalised = re.sub(r"\s*-\s*", "-", normalised)
    return [code for code in _CODE_SEPARATORS.split(normalised) if code]


class DepartmentWidget(widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(Department, field="name")
        self.by_name = None

    def clean(self, value, row=None, **kwargs):
        name = (value or "").strip()
        if not name:
            return None
        if self.by_name is None:
            # Read once per import: a file of 10,000 rows names a few dozen departments.
            self.by_name = {department.name: department for department in Department.objects.all()}
        if name not in self.by_name:
            raise ValueError(
                f"所管課「{name}」が登録されていません。管理画面の所管課の名前と同じにしてください。"
            )
        return self.by_name[name]


class TextWidget(widgets.CharWidget):
    """Text with the blanks Excel leaves around it (half- and full-width) removed."""

    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


class ProjectResource(resources.ModelResource):
    code = fields.Field("code", column_name="事業コード", widget=TextWidget())
    name = fields.Field("name", column_name="事業名", widget=TextWidget())
    summary = fields.Field("summary", column_name="事業概要", widget=TextWidget())
    measures = fields.Field(column_name="基本施策")
    department = fields.Field("department", column_name="所管課", widget=DepartmentWidget())

    class Meta:
        model = Project
        fields = ["code", "name", "summary", "measures", "department"]
        import_order = export_order = fields
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        skip_html_diff = True
        # Rows are written a thousand at a time (with their history rows and measure rows):
        # one query per row made a 10,000-row list take half a minute.
        use_bulk = True
        batch_size = 1000

    def __init__(self, *, plan, user=None, progress=None):
        super().__init__()
        self.plan = plan
        self.user = user
        self.progress = progress
        self.pending_links = []
        self.measures_by_code = {
            measure.code: measure for measure in Measure.objects.filter(policy__plan=plan)
        }
        self.keys_seen = {}
        self.instances_seen = {}  # project pk -> the data row number that matched it first
        self.renamed = set()  # pks of the projects this file gives another name (see before_import)
        # Everything a row is compared with is read once, not once per row: the plan's
        # projects with their measure rows, and the last row number of each measure's table.
        projects = list(self.get_queryset())
        self.projects_by_code = {project.code: project for project in projects if project.code}
        self.projects_by_name = {project.name: project for project in projects}
        self.last_position = dict(
            MeasureProject.objects.filter(measure__policy__plan=plan)
            .values_list("measure")
            .annotate(Max("position"))
        )

    def get_queryset(self):
        return (
            Project.objects.filter(plan=self.plan)
            .order_by()
            .prefetch_related("measure_links__measure__policy")
        )

    def dehydrate_measures(self, project):
        return "、".join(link.measure.code for link in project.measure_links.all())

    @staticmethod
    def _code_and_name(row):
        return (row.get("事業コード") or "").strip(), (row.get("事業名") or "").strip()

    def get_instance(self, instance_loader, row):
        code, name = self._code_and_name(row)
        return self.projects_by_code.get(code) or self.projects_by_name.get(name)

    def before_import(self, dataset, **kwargs):
        """Free the names that projects matched on their code give up in this file.

        Two projects may exchange names, or pass them along a chain, in one file: each row is
        valid and so is the result, but the unique name would be broken halfway through the
        writes. The projects being renamed are first given a placeholder name (inside the
        import's transaction, so nobody sees it, and without history rows), then their real
        names as their rows are written.
        """
        for row in dataset.dict:
            code, name = self._code_and_name(row)
            project = self.projects_by_code.get(code)
            if project is not None and name and name != project.name:
                self.renamed.add(project.pk)
        if self.renamed:
            Project.objects.filter(pk__in=self.renamed).update(
                name=Concat(Value("(名前の変更中)"), Cast("pk", CharField()))
            )

    def _name_taken(self, instance):
        """The other project that keeps the name this row gives `instance`, if any."""
        holder = self.projects_by_name.get(instance.name)
        if holder is None or holder.pk == instance.pk or holder.pk in self.renamed:
            return None
        return holder

    def init_instance(self, row=None):
        return Project(plan=self.plan)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not instance.name:
            errors.setdefault("name", []).append(
                ValidationError("事業名がありません。", code="required")
            )
        for field_name in ("code", "name"):
            field = Project._meta.get_field(field_name)
            length = len(getattr(instance, field_name))
            if length > field.max_length:
                errors.setdefault(field_name, []).append(
                    ValidationError(
                        f"{field.verbose_name}は{field.max_length}文字以内にしてください"
                        f"(今は{length}文字)。",
                        code="max_length",
                    )
                )
        if instance.pk is not None and (holder := self._name_taken(instance)):
            errors.setdefault("name", []).append(
                ValidationError(
                    f"事業名「{instance.name}」は別の事業"
                    f"{f'(事業コード {holder.code})' if holder.code else ''}が使っています。"
                    "事業名は計画の中で重ならないようにしてください。",
                    code="unique",
                )
            )
        if instance.pk is not None:
            first = self.instances_seen.setdefault(instance.pk, kwargs.get("row_number"))
            if first != kwargs.get("row_number"):
                errors.setdefault("name", []).append(
                    ValidationError(
                        f"データの{first}件目と同じ登録済みの事業に当たります"
                        "(事業コードか事業名で見分けています)。どちらかの行を直してください。",
                        code="duplicate",
                    )
                )
        codes = measure_codes(row.get("基本施策"))
        unknown = [code for code in codes if code not in self.measures_by_code]
        if unknown:
            errors.setdefault("measures", []).append(
                ValidationError(
                    f"基本施策「{'」「'.join(unknown)}」はこの計画にありません"
                    f"(ある基本施策: {'、'.join(self.measures_by_code)})。",
                    code="invalid",
                )
            )
        instance.imported_measures = [self.measures_by_code[c] for c in codes if c not in unknown]
        for key in (f"code:{instance.code}" if instance.code else None, f"name:{instance.name}"):
            if key is None or not instance.name:
                continue
            first = self.keys_seen.setdefault(key, kwargs.get("row_number"))
            if first != kwargs.get("row_number"):
                label = "事業コード" if key.startswith("code:") else "事業名"
                errors.setdefault("name", []).append(
                    ValidationError(
                        f"{label}「{key.split(':', 1)[1]}」がファイルの中で重複しています"
                        f"(データの{first}件目と同じ)。",
                        code="duplicate",
                    )
                )
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is None or original.pk is None:
            return False
        unchanged_fields = super().skip_row(instance, original, row, import_validation_errors)
        current = [link.measure_id for link in original.measure_links.all()]
        wanted = [measure.pk for measure in instance.imported_measures]
        return unchanged_fields and sorted(current) == sorted(wanted)

    def after_save_instance(self, instance, row, **kwargs):
        # The project may not have its primary key yet (it is written in bulk): the measure
        # rows to add and remove wait until it has.
        wanted = {measure.pk: measure for measure in instance.imported_measures}
        known = getattr(instance, "_prefetched_objects_cache", {}).get("measure_links")
        links = {link.measure_id: link for link in (known if known is not None else [])}
        removed = [link.pk for measure_id, link in links.items() if measure_id not in wanted]
        added = []
        for measure_id, measure in wanted.items():
            if measure_id not in links:
                self.last_position[measure_id] = self.last_position.get(measure_id, 0) + 1
                added.append((measure, self.last_position[measure_id]))
        if removed or added:
            self.pending_links.append((instance, removed, added))

    def _write_pending_links(self):
        removed = [pk for _, gone, _ in self.pending_links for pk in gone]
        if removed:
            MeasureProject.objects.filter(pk__in=removed).delete()
        MeasureProject.objects.bulk_create(
            MeasureProject(measure=measure, project=project, position=position)
            for project, _, added in self.pending_links
            for measure, position in added
        )
        self.pending_links.clear()

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                # Its own savepoint: a failed write must not leave the import's transaction
                # unusable for the report that follows.
                with transaction.atomic():
                    bulk_create_with_history(
                        self.create_instances,
                        Project,
                        batch_size=batch_size,
                        default_user=self.user,
                    )
            except Exception as error:  # reported like import-export's own bulk errors
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                with transaction.atomic():
                    bulk_update_with_history(
                        self.update_instances,
                        Project,
                        ["code", "name", "summary", "department"],
                        batch_size=batch_size,
                        default_user=self.user,
                    )
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.update_instances.clear()
        # Written after the projects of this batch, updated and created, have their keys.
        if not self.create_instances and (using_transactions or not dry_run):
            self._write_pending_links()

    def after_import_row(self, row, row_result, **kwargs):
        if self.progress:
            self.progress(kwargs.get("row_number"))
