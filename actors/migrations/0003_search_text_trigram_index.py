"""On PostgreSQL, a trigram index serves the free-text search.

Free text matches `search_text LIKE '%word%'` on every database, so SQLite and
PostgreSQL return the same rows; on PostgreSQL a pg_trgm GIN index makes those
LIKEs indexable. SQLite has no such index and scans: fine at its scale.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS structure_search_text_trgm_idx "
    "ON actors_structure USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS structure_search_text_trgm_idx"]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("actors", "0002_geocoded_address")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
