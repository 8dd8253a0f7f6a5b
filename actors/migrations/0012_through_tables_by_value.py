"""Indexes on the taxonomy's through tables by value, then place: (need, structure), etc.

A rare search starts from the places of its smallest set ("parle ukrainien", actors.search
._driver) and checks the other sets place by place: both are read from these indexes
alone (an index-only scan), where the one-column indexes Django creates made the database
fetch every row of the through table. At a million places a rare combination went from
1,013 ms to 220 ms of execution on PostgreSQL (measured). The tables are Django's own
many-to-many tables, hence SQL rather than Meta.indexes.
"""

from django.db import migrations

THROUGH = [
    ("actors_structure_needs", "need_id", "structure_needs_by_need_idx"),
    ("actors_structure_publics", "public_id", "structure_publics_by_public_idx"),
    ("actors_structure_languages", "language_id", "structure_languages_by_language_idx"),
    ("actors_permanence_needs", "need_id", "permanence_needs_by_need_idx"),
    ("actors_permanence_publics", "public_id", "permanence_publics_by_public_idx"),
]
OWNER = {"actors_permanence_needs": "permanence_id", "actors_permanence_publics": "permanence_id"}


class Migration(migrations.Migration):
    dependencies = [("actors", "0011_age_ranges")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column}, "
            f"{OWNER.get(table, 'structure_id')})",
            f"DROP INDEX IF EXISTS {name}",
        )
        for table, column, name in THROUGH
    ]
