"""The report summaries now belong to assessments (its 0002): forget them here, keep the
tables and their rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_report_file_queued_at"),
        ("assessments", "0002_report_summaries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ItemSummary"),
                migrations.DeleteModel(name="ParticipationSummary"),
            ],
        ),
    ]
