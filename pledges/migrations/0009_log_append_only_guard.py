"""On PostgreSQL, the database refuses to edit or delete the public log's leaves, subtree
hashes and checkpoints. A consistency proof against an earlier checkpoint detects any such
change; these triggers prevent the ordinary ones.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION pledges_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the pledge log is append-only: % cannot be changed', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pledges_logleaf_append_only ON pledges_logleaf;
CREATE TRIGGER pledges_logleaf_append_only BEFORE UPDATE OR DELETE ON pledges_logleaf
    FOR EACH ROW EXECUTE FUNCTION pledges_log_append_only();
DROP TRIGGER IF EXISTS pledges_lognode_append_only ON pledges_lognode;
CREATE TRIGGER pledges_lognode_append_only BEFORE UPDATE OR DELETE ON pledges_lognode
    FOR EACH ROW EXECUTE FUNCTION pledges_log_append_only();
DROP TRIGGER IF EXISTS pledges_logcheckpoint_append_only ON pledges_logcheckpoint;
CREATE TRIGGER pledges_logcheckpoint_append_only BEFORE UPDATE OR DELETE ON pledges_logcheckpoint
    FOR EACH ROW EXECUTE FUNCTION pledges_log_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS pledges_logleaf_append_only ON pledges_logleaf;
DROP TRIGGER IF EXISTS pledges_lognode_append_only ON pledges_lognode;
DROP TRIGGER IF EXISTS pledges_logcheckpoint_append_only ON pledges_logcheckpoint;
DROP FUNCTION IF EXISTS pledges_log_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0008_log_backfill"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
