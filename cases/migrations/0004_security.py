"""Issue 15. The keyed audit chain: a gap-free sequence number and the key id per event.
API tokens: an expiry and a revocation time.

Events already written keep their unkeyed SHA-256 hashes (key_id "") and are numbered in
the order they were written; the verifier accepts them only as the chain's prefix."""

from django.db import migrations, models


def number_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("cases", "AuditEvent")
    for seq, pk in enumerate(AuditEvent.objects.order_by("id").values_list("pk", flat=True), 1):
        AuditEvent.objects.filter(pk=pk).update(seq=seq)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_wiring_dissent")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(number_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["seq"]}),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, help_text="Refused from then on.", null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
