"""Regions, themes and partner institutions of IIZ Valais (roles/reference.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from roles.reference import load_reference_data

    load_reference_data(
        apps.get_model("roles", "Region"), apps.get_model("roles", "Theme"), apps.get_model("roles", "Institution")
    )


class Migration(migrations.Migration):
    dependencies = [("roles", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
