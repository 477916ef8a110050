"""A database as the portal left it before its apps moved, migrated forward.

Run by `test_moved_apps.py` in a process of its own (settings from the environment: a
fresh SQLite file, or a fresh PostgreSQL database). Before the move, `reports` lived
inside `assessments` and kept the report summaries, and a page cache kept a one-row
table. The script migrates an empty database to where the migrations stood then, writes
records with the models as they were (Django's historical models), migrates to the end
and prints what the current models read back, as JSON.
"""

import json
import sys

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402
from django.utils import timezone  # noqa: E402

# The newest migration of each of the portal's apps before the move.
BEFORE = [
    ("accounts", "0006_user_welcomed_at"),
    ("pledges", "0004_append_only_guard"),
    ("assessments", "0001_initial"),
    ("reports", "0003_report_file_queued_at"),
]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees what was applied


def write_old_records(apps) -> None:
    """What the old code would have written: people, an office, a cycle, summaries, a PDF."""
    now = timezone.now()
    user = apps.get_model("accounts", "User").objects.create(
        email="before@example.org", full_name="Before Move", password="!"
    )
    office = apps.get_model("accounts", "Office").objects.create(name="Old County", state="CO")
    association = apps.get_model("accounts", "Association").objects.create(name="Old Assoc")
    association.offices.add(office)
    edition = apps.get_model("pledges", "Edition").objects.create(
        code="before", title="Before", publisher="P", year=2024, preamble="x",
        pledge_heading="h", source_sha256="0" * 64, published_at=now,
    )  # fmt: skip
    standard = apps.get_model("pledges", "Standard").objects.create(
        edition=edition, number=1, short_title="One", statement="I do."
    )
    item = apps.get_model("pledges", "ApplicationItem").objects.create(
        standard=standard, number=1, position=1, title="First", text="Text."
    )
    cycle = apps.get_model("pledges", "Cycle").objects.create(
        name="Before", edition=edition, opens_on=now.date(), closes_on=now.date()
    )
    apps.get_model("reports", "ItemSummary").objects.create(
        office=office, cycle=cycle, item=item, count_2=3, count_4=4, respondents=7
    )
    apps.get_model("reports", "ParticipationSummary").objects.create(
        office=office, cycle=cycle, submitted=7, accepted=5
    )
    apps.get_model("reports", "ReportFile").objects.create(
        kind="office", office=office, cycle=cycle, requested_by=user, status="ready",
        filename="old.pdf", content=b"%PDF-old",
    )  # fmt: skip


def add_page_cache_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE pagecache_generation (id bigint PRIMARY KEY, value bigint)")
        cursor.execute("INSERT INTO pagecache_generation (id, value) VALUES (1, 28)")
    MigrationRecorder(connection).record_applied("pagecache", "0001_initial")


def read_back() -> dict:
    from accounts.models import Association
    from assessments.models import ItemSummary, ParticipationSummary
    from reports.models import ReportFile

    summary = ItemSummary.objects.get()
    participation = ParticipationSummary.objects.get()
    report_file = ReportFile.objects.get()
    return {
        "item_summary": [summary.count_2, summary.count_4, summary.respondents],
        "participation": [participation.submitted, participation.accepted, participation.version],
        "report_file": [report_file.filename, bytes(report_file.content).decode()],
        "members_version": Association.objects.get().members_version,
        "tables": sorted(
            t
            for t in connection.introspection.table_names()
            if t.startswith(("reports_", "pagecache"))
        ),
        "unapplied": [
            f"{app}.{name}"
            for (app, name) in MigrationExecutor(connection).loader.graph.leaf_nodes()
            if (app, name) not in MigrationRecorder(connection).applied_migrations()
        ],
    }


def main() -> None:
    executor = migrate(BEFORE)
    write_old_records(executor.loader.project_state(BEFORE).apps)
    add_page_cache_table()
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())
    json.dump(read_back(), sys.stdout)


if __name__ == "__main__":
    main()
