"""Fast writes for imports: history-aware bulk helpers, raw inserts, an in-memory locator.

Imported rows go through the same history as any edit: when a model is
registered with django-simple-history (it then has a `history` attribute),
its rows are written with simple_history's bulk helpers, which record one
historical row each. Models without history (opening slots, many-to-many
rows) are written with multi-row INSERTs, or COPY on PostgreSQL: the ~1.5
million child rows of a 100,000-structure import would take minutes as
model instances.
"""

import io

from django.db import connection
from django.utils.translation import gettext as _

from actors import geo
from actors.management.commands.seed_demo import copy_text

BATCH = 1000


def has_history(model):
    return hasattr(model, "history")


def create(model, objects, *, user=None):
    if not objects:
        return
    if has_history(model):
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(
            objects,
            model,
            batch_size=BATCH,
            default_user=user,
            default_change_reason=_("Import de données"),
        )
    else:
        model.objects.bulk_create(objects, batch_size=BATCH)


def update(model, objects, fields, *, user=None):
    if not objects:
        return
    if has_history(model):
        from simple_history.utils import bulk_update_with_history

        bulk_update_with_history(
            objects,
            model,
            fields,
            batch_size=BATCH,
            default_user=user,
            default_change_reason=_("Import de données"),
        )
    else:
        model.objects.bulk_update(objects, fields, batch_size=BATCH)


def insert_rows(model, rows, *, user=None):
    """Insert plain dicts of attname → value; through model instances if history is on."""
    if not rows:
        return
    if has_history(model):
        create(model, [model(**row) for row in rows], user=user)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    defaults = {f.attname: f.get_default() for f in fields}
    # Dates and times need the backend's adaptation (memoised: they repeat a lot).
    adapted = {
        f.attname: {}
        for f in fields
        if f.get_internal_type() in {"DateField", "TimeField", "DateTimeField"}
    }

    def prepared(row):
        values = {**defaults, **row}
        for f in fields:
            value = values[f.attname]
            memo = adapted.get(f.attname)
            if value is not None and memo is not None:
                if value not in memo:
                    memo[value] = f.get_db_prep_save(value, connection)
                value = memo[value]
            yield value

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(copy_text(value) for value in prepared(row)) + "\n")
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
            return
        per_statement = max(1, min(BATCH, 30_000 // len(fields)))
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))}",
                [value for row in chunk for value in prepared(row)],
            )


class NeighbourhoodIndex:
    """Neighbourhood.objects.locate() in memory, for 100,000 points.

    The database version runs a query and a ray-casting test over every
    vertex of each candidate polygon (~200 µs). Here each polygon's edges are
    bucketed by latitude band once; a point's horizontal ray is only tested
    against the few edges of its band. Same answer: the first neighbourhood by
    primary key whose (Multi)Polygon holds the point, holes excluded (the
    crossing parity over every ring of a polygon handles them).
    """

    BANDS = 64

    def __init__(self, neighbourhoods):
        self.entries = []
        for neighbourhood in sorted(neighbourhoods, key=lambda n: n.pk):
            min_lat, max_lat, min_lon, max_lon = geo.geometry_bbox(neighbourhood.boundary)
            height = (max_lat - min_lat) / self.BANDS or 1.0
            bands = [[] for _ in range(self.BANDS)]
            for rings in geo._polygons(neighbourhood.boundary):
                for ring in rings:
                    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
                        if y0 == y1:
                            continue
                        first = self._band(min(y0, y1), min_lat, height)
                        last = self._band(max(y0, y1), min_lat, height)
                        for band in range(first, last + 1):
                            bands[band].append((x0, y0, x1, y1))
            self.entries.append(
                (neighbourhood.pk, min_lat, max_lat, min_lon, max_lon, height, bands)
            )

    def _band(self, lat, min_lat, height):
        return max(0, min(self.BANDS - 1, int((lat - min_lat) / height)))

    def locate(self, lat, lon):
        """The id of the neighbourhood containing the point, or None."""
        if lat is None or lon is None:
            return None
        for pk, min_lat, max_lat, min_lon, max_lon, height, bands in self.entries:
            if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
                continue
            inside = False
            for x0, y0, x1, y1 in bands[self._band(lat, min_lat, height)]:
                if (y0 > lat) != (y1 > lat) and lon < (x1 - x0) * (lat - y0) / (y1 - y0) + x0:
                    inside = not inside
            if inside:
                return pk
        return None
