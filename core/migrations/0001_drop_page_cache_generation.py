"""The page cache is gone: drop the one-row table its generation counter lived in.

Databases made before it was removed have the table (from the old `pagecache` app, whose
record in django_migrations stays as history); new databases never had it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS pagecache_generation", reverse_sql=migrations.RunSQL.noop
        ),
    ]
