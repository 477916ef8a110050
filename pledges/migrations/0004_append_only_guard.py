"""On PostgreSQL, the database itself refuses to edit or delete signed records.

The only change allowed is the one a withdrawal makes: setting a pledge's withdrawn_at once.
The hash chain detects any change; these triggers prevent the ordinary ones.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION pledges_append_only() RETURNS trigger AS $$
DECLARE
    candidate pledges_pledge;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'pledge records are append-only: % cannot be deleted', TG_TABLE_NAME;
    END IF;
    IF TG_TABLE_NAME = 'pledges_pledge' THEN
        candidate := NEW;
        candidate.withdrawn_at := OLD.withdrawn_at;
        IF OLD.withdrawn_at IS NULL AND candidate IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'pledge records are append-only: % cannot be changed', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pledges_pledge_append_only ON pledges_pledge;
CREATE TRIGGER pledges_pledge_append_only BEFORE UPDATE OR DELETE ON pledges_pledge
    FOR EACH ROW EXECUTE FUNCTION pledges_append_only();
DROP TRIGGER IF EXISTS pledges_withdrawal_append_only ON pledges_pledgewithdrawal;
CREATE TRIGGER pledges_withdrawal_append_only BEFORE UPDATE OR DELETE ON pledges_pledgewithdrawal
    FOR EACH ROW EXECUTE FUNCTION pledges_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS pledges_pledge_append_only ON pledges_pledge;
DROP TRIGGER IF EXISTS pledges_withdrawal_append_only ON pledges_pledgewithdrawal;
DROP FUNCTION IF EXISTS pledges_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("pledges", "0003_pledge_withdrawal_chain_reminders"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
