"""On PostgreSQL, a GiST index walks published places nearest first (StructureQuerySet.nearest_ids).

Each published place's point on the unit sphere, as a `cube` (contrib, trusted: the
database owner may create it; no PostGIS). The expression is actors.geo.SPHERE_POINT_SQL
on the latitude and longitude columns: the queries must write it the same way for the
planner to use the index. SQLite has no such index and keeps the bounding-box path.
"""

from django.db import migrations

SPHERE_POINT = (
    "cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)), "
    "cos(radians(latitude)) * sin(radians(longitude)), sin(radians(latitude))])"
)
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS cube",
    "CREATE INDEX IF NOT EXISTS structure_published_sphere_idx ON actors_structure "
    f"USING gist ({SPHERE_POINT}) WHERE status = 'published'",
]
DROP = ["DROP INDEX IF EXISTS structure_published_sphere_idx"]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("actors", "0007_sources_services_phones")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
