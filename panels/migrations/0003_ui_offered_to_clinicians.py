from django.db import migrations, models


def offer_default_panels(apps, schema_editor):
    # Existing default panels stay offered; every other panel waits for an administrator.
    Panel = apps.get_model("panels", "Panel")
    Panel.objects.filter(is_default=True).update(offered_to_clinicians=True)


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0002_confidence_audit_dissent"),
    ]

    operations = [
        migrations.AddField(
            model_name="panel",
            name="offered_to_clinicians",
            field=models.BooleanField(
                default=False,
                help_text="Clinicians may choose this panel for a new case (the default panel always is).",
            ),
        ),
        migrations.RunPython(offer_default_panels, migrations.RunPython.noop),
    ]
