"""What a case keeps for its statistics, filled in for the existing cases:

- the dates for counting its deadlines in SQL (cases.deadlines.kept_dates): the start of
  each review period and the end of the latest power of attorney;
- the outcome of its exit report, recorded at closure.

Indexes for the statistics (cases/statistics/stats.py), so that they are read from indexes alone
whatever the user's scope: each step's date with the previous step's date and the scope
columns (the durations), the open cases with what the deadline rules read, and the cases
in which an institution is involved (the scope of its contact persons).

The fill is this migration's own copy of the rule as it stands (migrations run with the
models of their time); tests/cases/test_deadlines_kept_dates.py checks it against kept_dates.
"""

from collections import defaultdict

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

BATCH = 2000
# The database-only indexes of 0007: the step dates now lead the indexes below, and the
# recently validated plans are no longer looked up per case (the case keeps the date).
OLD_INDEXES = {
    "case_cm_designated_at_idx": "cases_case (cm_designated_at)",
    "case_plan_validated_at_idx": "cases_case (plan_validated_at)",
    "case_exit_reported_at_idx": "cases_case (exit_reported_at)",
    "case_closed_at_idx": "cases_case (closed_at)",
    "plan_case_status_decided_idx": "cases_actionplan (case_id, status, decided_at)",
}
# The cases in which an institution is involved (Case.institutions is Django's own table).
INVOLVED_INDEX = "case_institutions_involved_idx"


def fill_kept_dates(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Review = apps.get_model("cases", "Review")
    ActionPlan = apps.get_model("cases", "ActionPlan")
    PowerOfAttorney = apps.get_model("cases", "PowerOfAttorney")

    def local(moment):
        return timezone.localdate(moment) if moment else None

    def latest(*days):
        known = [day for day in days if day]
        return max(known) if known else None

    connection = schema_editor.connection
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    sql = f"UPDATE {quote(Case._meta.db_table)} SET review_since = %s, team_review_since = %s, poa_valid_until = %s WHERE id = %s"
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        reviews = defaultdict(dict)
        for row in Review.objects.filter(case_id__in=chunk).values("case_id", "kind").annotate(last=Max("held_on")).order_by():
            reviews[row["case_id"]][row["kind"]] = row["last"]
        current = {}
        for plan in (
            ActionPlan.objects.filter(case_id__in=chunk).order_by("case_id", "-version").values("case_id", "status", "decided_at")
        ):
            current.setdefault(plan["case_id"], plan)
        poa_until = {}
        for poa in (
            PowerOfAttorney.objects.filter(case_id__in=chunk)
            .order_by("case_id", "signed_on", "pk")
            .values("case_id", "valid_until")
        ):
            poa_until[poa["case_id"]] = poa["valid_until"]  # the latest signed comes last
        rows = []
        for pk, plan_validated_at in Case.objects.filter(pk__in=chunk).values_list("pk", "plan_validated_at"):
            plan = current.get(pk)
            validated = latest(
                local(plan_validated_at), local(plan["decided_at"]) if plan and plan["status"] == "validated" else None
            )
            dates = [
                latest(validated, reviews[pk].get("with_person")),
                latest(validated, reviews[pk].get("team")),
                poa_until.get(pk),
            ]
            if any(dates):
                rows.append([adapt(day) for day in dates] + [pk])
        with connection.cursor() as cursor:  # one prepared UPDATE per case (bulk_update is far slower)
            cursor.executemany(sql, rows)


def fill_outcomes(apps, schema_editor):
    """The closed cases take the outcome of their exit report."""
    Case = apps.get_model("cases", "Case")
    ExitReport = apps.get_model("cases", "ExitReport")
    report = ExitReport.objects.filter(case=OuterRef("pk")).values("outcome")[:1]
    Case.objects.filter(state="closed").update(outcome=Coalesce(Subquery(report), Value("")))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_dashboard_indexes"),
        ("roles", "0003_reminder_delivery"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("placed", "Placed in the first labour market"),
                    ("other_service", "Taken over by another service"),
                    ("interrupted", "Interrupted"),
                ],
                editable=False,
                max_length=16,
                verbose_name="outcome",
            ),
        ),
        migrations.AddField(
            model_name="historicalcase",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("placed", "Placed in the first labour market"),
                    ("other_service", "Taken over by another service"),
                    ("interrupted", "Interrupted"),
                ],
                editable=False,
                max_length=16,
                verbose_name="outcome",
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="poa_valid_until",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="power of attorney valid until"),
        ),
        migrations.AddField(
            model_name="case",
            name="review_since",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="review period runs from"),
        ),
        migrations.AddField(
            model_name="case",
            name="team_review_since",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="team review period runs from"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["reported_at", "region_id", "theme_id", "case_manager_id", "id"], name="case_reported_flow_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["cm_designated_at", "reported_at", "region_id", "theme_id", "case_manager_id", "id"],
                name="case_designated_flow_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["plan_validated_at", "cm_designated_at", "region_id", "theme_id", "case_manager_id", "id"],
                name="case_validated_flow_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["exit_reported_at", "plan_validated_at", "region_id", "theme_id", "case_manager_id", "id"],
                name="case_exit_flow_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["closed_at", "exit_reported_at", "outcome", "region_id", "theme_id", "case_manager_id", "id"],
                name="case_closed_flow_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state__in", ["no_case_management", "closed"]), _negated=True),
                fields=[
                    "state",
                    "region_id",
                    "theme_id",
                    "case_manager_id",
                    "id",
                    "cm_designated_at",
                    "first_meeting_on",
                    "plan_submitted_at",
                    "review_since",
                    "team_review_since",
                    "poa_valid_until",
                ],
                name="case_open_idx",
            ),
        ),
        migrations.RunSQL(
            [f"DROP INDEX IF EXISTS {name}" for name in OLD_INDEXES]
            + [f"CREATE INDEX {INVOLVED_INDEX} ON cases_case_institutions (institution_id, case_id)"],
            [f"CREATE INDEX {name} ON {columns}" for name, columns in OLD_INDEXES.items()] + [f"DROP INDEX {INVOLVED_INDEX}"],
        ),
        migrations.RunPython(fill_kept_dates, migrations.RunPython.noop),
        migrations.RunPython(fill_outcomes, migrations.RunPython.noop),
    ]
