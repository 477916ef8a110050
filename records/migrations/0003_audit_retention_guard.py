"""On PostgreSQL, let the retention run, and nothing else, erase old audit entries.

accounts.0005 makes the database refuse any UPDATE or DELETE of an audit entry. The
retention run (`records.retention.retention_apply`) sets `portal.retention` for its own
transaction only; with it set, the database still allows no more than two things:
removing an entry's address and browser (nothing else may change), and deleting an entry
more than 22 months old (the federal floor, 52 U.S.C. 20701). Everything else is refused
as before.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
DECLARE
    erased accounts_auditentry;
BEGIN
    IF coalesce(current_setting('portal.retention', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' AND OLD.at < now() - interval '22 months' THEN
            RETURN OLD;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            erased := OLD;
            erased.ip_address := NULL;
            erased.details := OLD.details - 'user_agent';
            IF NEW IS NOT DISTINCT FROM erased THEN
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % cannot be %', TG_TABLE_NAME,
        CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END;
END;
$$ LANGUAGE plpgsql;
"""

# accounts.0005's function, as it was.
REMOVE = """
CREATE OR REPLACE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % cannot be %', TG_TABLE_NAME,
        CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END;
END;
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_audit_append_only"),
        ("records", "0002_retention_policy_defaults"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
