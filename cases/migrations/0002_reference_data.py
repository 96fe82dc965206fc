"""The partners' catalogue of measures and employer contacts: a starter set (cases/demo/reference.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from cases.demo.reference import load_case_reference_data

    load_case_reference_data(
        apps.get_model("cases", "CatalogueMeasure"),
        apps.get_model("cases", "EmployerContact"),
        apps.get_model("roles", "Institution"),
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("roles", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
