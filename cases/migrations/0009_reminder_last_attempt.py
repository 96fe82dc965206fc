"""When a reminder last failed to be sent: the next try waits from then (cases.deadlines.reminders.ready)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_statistics_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last failed attempt at"),
        ),
    ]
