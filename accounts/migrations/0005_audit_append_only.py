"""On PostgreSQL, the database itself refuses to edit or delete an audit entry.

The application never does either (the admin is read-only, no service updates one);
this trigger stops the ordinary ways of doing it by accident or on purpose. TRUNCATE
is left to the database owner (test databases are flushed with it).
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % cannot be %', TG_TABLE_NAME,
        CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;
CREATE TRIGGER accounts_auditentry_append_only BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH ROW EXECUTE FUNCTION accounts_audit_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;
DROP FUNCTION IF EXISTS accounts_audit_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_invitation_pending_message"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
