"""The resources data sheet (cases.models.ResourcesSheet): one structured sheet per case
replaces the free text ``ActionPlan.resources`` of each plan version.

The old field is removed. Its text moves to the new sheet's "other resources" field: for
each case, the text of its latest plan version (a new version started as a copy of the one
before, so the latest holds the text in force); a case whose latest version has no text
gets no sheet. The sheet records who wrote that text last and when (from the plan's change
history), and its own change history starts with a "created" row saying where the text
came from. The texts of earlier versions leave the database with the old column (the
signed scans filed for those versions keep them).

Backwards, the sheet's fields go back into the free text of each case's latest plan
version, one "label: value" line per filled field.
"""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from cases.migrations._constraints import immediate


def _last_written(history_rows: list) -> tuple | None:
    """(moment, user id) of the last history row of one plan that changed its free text."""
    found, before = None, None
    for row in history_rows:
        if row.resources != before:
            found = (row.history_date, row.history_user_id)
        before = row.resources
    return found


def move_free_texts(apps, schema_editor):
    ActionPlan = apps.get_model("cases", "ActionPlan")
    HistoricalActionPlan = apps.get_model("cases", "HistoricalActionPlan")
    ResourcesSheet = apps.get_model("cases", "ResourcesSheet")
    HistoricalResourcesSheet = apps.get_model("cases", "HistoricalResourcesSheet")
    latest = {}
    for plan in ActionPlan.objects.order_by("case_id", "version"):
        latest[plan.case_id] = plan
    plans = [plan for plan in latest.values() if plan.resources.strip()]
    rows: dict[int, list] = {}
    for row in HistoricalActionPlan.objects.filter(id__in=[p.pk for p in plans]).order_by("id", "history_date", "history_id"):
        rows.setdefault(row.id, []).append(row)
    for plan in plans:
        moment, user_id = _last_written(rows.get(plan.pk, [])) or (plan.created_at, plan.author_id)
        user_id = user_id or plan.author_id
        text = plan.resources.strip()
        sheet = ResourcesSheet.objects.create(case_id=plan.case_id, other=text, updated_by_id=user_id)
        ResourcesSheet.objects.filter(pk=sheet.pk).update(updated_at=moment)  # not the time of the migration
        HistoricalResourcesSheet.objects.create(
            id=sheet.pk,
            case_id=plan.case_id,
            other=text,
            updated_at=moment,
            updated_by_id=user_id,
            history_date=moment,
            history_type="+",
            history_user_id=user_id,
            history_change_reason=f"free text of action plan v{plan.version}",
        )


CONTENT = (
    "education",
    "work_experience",
    "languages",
    "work_capacity",
    "constraints",
    "driving_licence",
    "has_car",
    "childcare",
    "other",
)


def move_back(apps, schema_editor):
    ActionPlan = apps.get_model("cases", "ActionPlan")
    ResourcesSheet = apps.get_model("cases", "ResourcesSheet")
    for sheet in ResourcesSheet.objects.all():
        plan = ActionPlan.objects.filter(case_id=sheet.case_id).order_by("-version").first()
        if plan is None:
            continue
        lines = []
        for name in CONTENT:
            value = getattr(sheet, name)
            if value is None or value == "":
                continue
            if name == "other":
                lines.append(value)
            else:
                label = str(ResourcesSheet._meta.get_field(name).verbose_name)
                shown = ("yes" if value else "no") if isinstance(value, bool) else value
                lines.append(f"{label}: {shown}")
        ActionPlan.objects.filter(pk=plan.pk).update(resources="\n".join(lines))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_measure_employer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalResourcesSheet",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("education", models.TextField(blank=True, verbose_name="education and qualifications")),
                ("work_experience", models.TextField(blank=True, verbose_name="work experience")),
                ("languages", models.CharField(blank=True, max_length=300, verbose_name="languages")),
                (
                    "work_capacity",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(100)],
                        verbose_name="work capacity stated by the person (%)",
                    ),
                ),
                ("constraints", models.TextField(blank=True, verbose_name="constraints stated by the person")),
                ("driving_licence", models.BooleanField(blank=True, null=True, verbose_name="driving licence")),
                ("has_car", models.BooleanField(blank=True, null=True, verbose_name="car available")),
                ("childcare", models.TextField(blank=True, verbose_name="childcare")),
                ("other", models.TextField(blank=True, verbose_name="other resources")),
                ("updated_at", models.DateTimeField(blank=True, editable=False, verbose_name="updated at")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1)),
                (
                    "case",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="updated by",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical resources data sheet",
                "verbose_name_plural": "historical resources data sheets",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ResourcesSheet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("education", models.TextField(blank=True, verbose_name="education and qualifications")),
                ("work_experience", models.TextField(blank=True, verbose_name="work experience")),
                ("languages", models.CharField(blank=True, max_length=300, verbose_name="languages")),
                (
                    "work_capacity",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(100)],
                        verbose_name="work capacity stated by the person (%)",
                    ),
                ),
                ("constraints", models.TextField(blank=True, verbose_name="constraints stated by the person")),
                ("driving_licence", models.BooleanField(blank=True, null=True, verbose_name="driving licence")),
                ("has_car", models.BooleanField(blank=True, null=True, verbose_name="car available")),
                ("childcare", models.TextField(blank=True, verbose_name="childcare")),
                ("other", models.TextField(blank=True, verbose_name="other resources")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="resources_sheet",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="updated by",
                    ),
                ),
            ],
            options={
                "verbose_name": "resources data sheet",
                "verbose_name_plural": "resources data sheets",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("work_capacity__isnull", True), ("work_capacity__lte", 100), _connector="OR"),
                        name="resources_work_capacity_percent",
                    )
                ],
            },
        ),
        migrations.RunPython(immediate(move_free_texts), immediate(move_back)),
        migrations.RemoveField(
            model_name="actionplan",
            name="resources",
        ),
        migrations.RemoveField(
            model_name="historicalactionplan",
            name="resources",
        ),
    ]
