"""The retention schedule's documented defaults (docs/records.md), one row per kind of
record, for the site administrator to change in the admin. Rows already there are kept."""

from django.db import migrations

DEFAULTS = {
    "sign_in_evidence": (36, "months"),
    "audit_entries": (84, "months"),
    "invitations": (90, "days"),
    "report_files": (30, "days"),
    "leavers_assessments": (24, "months"),
}


def seed(apps, schema_editor):
    RetentionPolicy = apps.get_model("records", "RetentionPolicy")
    for record_type, (period, unit) in DEFAULTS.items():
        RetentionPolicy.objects.get_or_create(
            record_type=record_type, defaults={"period": period, "unit": unit}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_retention_policy_legal_hold"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
