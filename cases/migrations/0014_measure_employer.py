"""A measure of the action plan may name the employer, from the partners' employer contacts
(CII101 step 4: "Arbeitgeberkontakte der IIZ-Partner")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_plan_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmeasure",
            name="employer_contact",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="From the partners' employer contacts, when the measure takes place at an employer.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="cases.employercontact",
                verbose_name="employer",
            ),
        ),
        migrations.AddField(
            model_name="measure",
            name="employer_contact",
            field=models.ForeignKey(
                blank=True,
                help_text="From the partners' employer contacts, when the measure takes place at an employer.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.employercontact",
                verbose_name="employer",
            ),
        ),
    ]
