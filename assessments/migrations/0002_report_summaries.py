"""The report summaries move from the reports app to assessments, which writes them with
every answer. Their tables stay as they are: only Django's record of who owns them changes
(reports 0004 lets go of them)."""

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_welcomed_at"),
        ("assessments", "0001_initial"),
        ("pledges", "0004_append_only_guard"),
        ("reports", "0003_report_file_queued_at"),  # the tables exist
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ItemSummary",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("count_1", models.PositiveIntegerField(default=0, verbose_name="rated 1")),
                        ("count_2", models.PositiveIntegerField(default=0, verbose_name="rated 2")),
                        ("count_3", models.PositiveIntegerField(default=0, verbose_name="rated 3")),
                        ("count_4", models.PositiveIntegerField(default=0, verbose_name="rated 4")),
                        ("count_na", models.PositiveIntegerField(default=0, verbose_name="not applicable")),
                        ("respondents", models.PositiveIntegerField(default=0, verbose_name="respondents")),
                        ("cycle", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pledges.cycle")),
                        ("item", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pledges.applicationitem")),
                        ("office", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.office")),
                    ],
                    options={
                        "verbose_name": "item summary",
                        "verbose_name_plural": "item summaries",
                        "db_table": "reports_itemsummary",
                        "indexes": [models.Index(fields=["cycle", "office"], name="item_summary_cycle_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("office", "cycle", "item"), name="item_summary_unique"),
                            models.CheckConstraint(
                                condition=models.Q(("respondents__gte", django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F("count_1"), "+", models.F("count_2")), "+", models.F("count_3")), "+", models.F("count_4")), "+", models.F("count_na")))),
                                name="item_summary_counts_within_respondents",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ParticipationSummary",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("submitted", models.PositiveIntegerField(default=0, verbose_name="submitted or accepted")),
                        ("accepted", models.PositiveIntegerField(default=0, verbose_name="accepted")),
                        ("cycle", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pledges.cycle")),
                        ("office", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.office")),
                    ],
                    options={
                        "verbose_name": "participation summary",
                        "verbose_name_plural": "participation summaries",
                        "db_table": "reports_participationsummary",
                        "indexes": [models.Index(fields=["cycle", "office"], name="participation_cycle_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("office", "cycle"), name="participation_summary_unique"),
                            models.CheckConstraint(condition=models.Q(("submitted__gte", models.F("accepted"))), name="participation_accepted_within_submitted"),
                        ],
                    },
                ),
            ],
        ),
    ]
