"""Project names on one line, and project codes stored normalised (Ｋ－０３ as K-03), as every
door now stores them: a code typed full-width before would otherwise never match again."""

from django.db import migrations, models

import projects.models
from plans.codes import normalize_code


def normalize_stored_codes(apps, schema_editor):
    """Normalise each stored code, unless its normal form is another project's code in the same
    plan (two projects the office told apart only by the width of a character): those are left
    as they are, for a person to settle in the admin."""
    Project = apps.get_model("projects", "Project")
    projects = list(Project.objects.exclude(code="").order_by("pk").values_list("pk", "plan", "code"))
    taken = {}
    for pk, plan, code in projects:
        taken.setdefault((plan, normalize_code(code)), []).append((pk, code))
    for (plan, normal), holders in taken.items():
        if len(holders) != 1:
            continue
        pk, code = holders[0]
        if code != normal:
            Project.objects.filter(pk=pk).update(code=normal)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_entry_demo_flag"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalproject",
            name="name",
            field=models.CharField(
                max_length=200,
                validators=[projects.models.validate_one_line],
                verbose_name="事業名",
            ),
        ),
        migrations.AlterField(
            model_name="project",
            name="name",
            field=models.CharField(
                max_length=200,
                validators=[projects.models.validate_one_line],
                verbose_name="事業名",
            ),
        ),
        migrations.RunPython(normalize_stored_codes, migrations.RunPython.noop),
    ]
