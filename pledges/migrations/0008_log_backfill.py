"""Existing pledges and withdrawals join the public log, in chain order."""

from django.db import migrations


def backfill(apps, schema_editor):
    from pledges import transparency

    transparency.catch_up(
        models=transparency.LogModels(
            pledge=apps.get_model("pledges", "Pledge"),
            withdrawal=apps.get_model("pledges", "PledgeWithdrawal"),
            leaf=apps.get_model("pledges", "LogLeaf"),
            node=apps.get_model("pledges", "LogNode"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0007_transparency_log"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
