"""The database cache's table (settings.CACHES, without REDIS_URL), created by `migrate`.

`createcachetable` used to be a separate step: a database migrated without it
broke every command that touched the cache (no such table: guide_cache). The
command skips tables that exist, so this is safe on databases that have it.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
