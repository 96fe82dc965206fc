from django.db import migrations, models


def addresses(apps, schema_editor):
    from roles.reference import load_institution_addresses

    load_institution_addresses(apps.get_model("roles", "Institution"))


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0004_notification_preferences"),
    ]

    operations = [
        migrations.AddField(
            model_name="institution",
            name="language",
            field=models.CharField(
                choices=[("de", "German"), ("fr", "French")],
                default="de",
                max_length=2,
                verbose_name="language of correspondence",
            ),
        ),
        migrations.AddField(
            model_name="institution",
            name="postcode",
            field=models.CharField(blank=True, max_length=16, verbose_name="postcode"),
        ),
        migrations.AddField(
            model_name="institution",
            name="street",
            field=models.CharField(blank=True, max_length=70, verbose_name="street and number"),
        ),
        migrations.AddField(
            model_name="institution",
            name="town",
            field=models.CharField(blank=True, max_length=35, verbose_name="town"),
        ),
        migrations.RunPython(addresses, migrations.RunPython.noop),
    ]
