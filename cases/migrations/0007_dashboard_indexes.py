"""Indexes for the statistics (cases/statistics/stats.py): the step dates that the dashboards count
per period (each figure reads the range of one date column), and a case's recently
validated plans, which the review deadlines look up for each case in implementation (the
case first: an index led by the status would make SQLite scan every validated plan for
every case).

Database-only: the models do not declare these indexes, so they are created here and the
migration state is left unchanged (makemigrations sees nothing to do).
"""

from django.db import migrations, models

INDEXES = [
    ("case", models.Index(fields=["cm_designated_at"], name="case_cm_designated_at_idx")),
    ("case", models.Index(fields=["plan_validated_at"], name="case_plan_validated_at_idx")),
    ("case", models.Index(fields=["exit_reported_at"], name="case_exit_reported_at_idx")),
    ("case", models.Index(fields=["closed_at"], name="case_closed_at_idx")),
    ("actionplan", models.Index(fields=["case", "status", "decided_at"], name="plan_case_status_decided_idx")),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_documents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AddIndex(model_name=model, index=index) for model, index in INDEXES],
            state_operations=[],
        ),
    ]
