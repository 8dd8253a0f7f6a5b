"""The nearest places of a search, in fixed SQL.

A front desk asks the same few filters (a need, "sans rendez-vous"…) from ever-new
origins: a new desk, a resident's own address. Built and compiled through the ORM,
the filters and the proximity query cost several times the query itself on every
such search. Here the filters' WHERE clause is compiled by the ORM once per
combination of filter values and kept by the process (`compiled_filters`), and the
proximity part, the same for every search, is written out (`nearest_pairs`), with
the same distance as everywhere else (actors.geo.Haversine) and the same indexes
(StructureQuerySet.within_box, and `nearest` below, say which).
"""

import threading
from dataclasses import dataclass

from django.db import connections

from actors import geo

# Combinations of filter values kept compiled by each process.
KEPT_FILTERS = 512


@dataclass(frozen=True)
class Filters:
    """A WHERE clause over the structure table alone (no join), and its parameters."""

    sql: str
    params: tuple
    db: str


_kept = {}
_lock = threading.Lock()


def compiled_filters(key, queryset, db="default"):
    """The WHERE clause of the queryset `queryset()` gives (structures filtered without
    joins), compiled once per `key` (the filter values; None: every time): building and
    compiling the filters is then skipped for a search asked again from elsewhere."""
    if key is not None:
        found = _kept.get((db, key))
        if found is not None:
            return found
    filters = filters_of(queryset())
    if key is not None:
        with _lock:
            if len(_kept) >= KEPT_FILTERS:
                _kept.clear()
            _kept[(db, key)] = filters
    return filters


def filters_of(queryset):
    """The WHERE clause of `queryset`, compiled now; TypeError if it has joins."""
    filters = _compile(queryset)
    if filters is None:
        raise TypeError("Only structures filtered without joins are searched nearest first.")
    return filters


def forget():
    with _lock:
        _kept.clear()


def _compile(queryset):
    query = queryset.query
    if len(query.alias_map) != 1 or query.combinator or query.extra or query.group_by:
        return None  # joins, unions, extra SQL, grouping: not a plain WHERE over the table
    if query.low_mark or query.high_mark:
        return None
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.compile(query.where)
    if not sql:
        sql = "1 = 1"
    return Filters(sql, tuple(params), queryset.db)


def nearest(filters, lat, lon, radius_km, cap):
    """(count, pairs): how many rows match `filters` within radius_km (at most `cap`), and
    `pairs(stop)`, the first `stop` of them as (pk, distance in metres), nearest first
    (ties by name): StructureQuerySet.near()'s rows, counted and cut.

    On PostgreSQL a capped count in the bounding box, then a walk of the GiST index on
    each published place's point on the unit sphere (migration 0008; `cube` from
    contrib), which returns rows nearest first and stops at the page's last row, so its
    cost is the rows returned, not the density of the circle: straight-line distance
    through the sphere grows with the great-circle one, so its order is the haversine
    order. They are two queries: with the bounding box in the walk, the planner, which
    cannot estimate a box of cubes, would fetch and sort the whole box instead; the
    count bounds the walk (it never goes past what the circle holds). On SQLite, small
    circles first, each sorted and cut at `cap`: the first that
    holds `cap` rows gives both the count and the rows (anything outside is farther), so
    a dense place answers from a small circle in one query.
    """
    connection = connections[filters.db]
    if geo.sphere_index_available(filters.db):
        count = _count(connection, filters, lat, lon, radius_km, cap)
        walked = {}

        def pairs(stop):
            stop = min(stop, count)
            if stop not in walked:
                walked[stop] = _walk(connection, filters, lat, lon, radius_km, stop)
            return walked[stop]

        return count, pairs
    rows = []
    for radius in geo.growing_radii(radius_km):
        rows = circle(filters, lat, lon, radius, cap)
        if len(rows) >= cap or radius == radius_km:
            break
        if len(rows) * 8 < cap:
            # A circle twice as wide would hold about four times as many rows, still too
            # few: straight to the whole circle.
            rows = circle(filters, lat, lon, radius_km, cap)
            break
    return len(rows), lambda stop: rows[:stop]


def circle(filters, lat, lon, radius_km, limit):
    """[(pk, distance)] of the `limit` nearest rows within radius_km, through the bounding
    box's index (StructureQuerySet.within_box), sorted: StructureQuerySet.near()'s rows."""
    connection = connections[filters.db]
    table, distance, distance_params = _distance(connection, lat, lon)
    box, box_params = _box(connection, table, lat, lon, radius_km)
    sql = (
        f"SELECT {table}.{connection.ops.quote_name('id')}, {distance} AS d FROM {table} "
        f"WHERE ({filters.sql}) AND {box} AND {distance} <= %s "
        f"ORDER BY d, {table}.{connection.ops.quote_name('name')} LIMIT %s"
    )
    params = [
        *distance_params,
        *filters.params,
        *box_params,
        *distance_params,
        radius_km * 1000,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _count(connection, filters, lat, lon, radius_km, cap):
    table, distance, distance_params = _distance(connection, lat, lon)
    box, box_params = _box(connection, table, lat, lon, radius_km)
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} "
        f"WHERE ({filters.sql}) AND {box} AND {distance} <= %s LIMIT %s) AS found"
    )
    params = [*filters.params, *box_params, *distance_params, radius_km * 1000, cap]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _walk(connection, filters, lat, lon, radius_km, limit):
    if limit <= 0:
        return []
    quote = connection.ops.quote_name
    table, distance, distance_params = _distance(connection, lat, lon)
    point = geo.SPHERE_POINT_SQL.format(
        lat=f"{table}.{quote('latitude')}", lon=f"{table}.{quote('longitude')}"
    )
    # Ordered by the index alone (a second key would make the planner sort the circle):
    # equal distances, the same point, are put in name order below.
    sql = (
        f"SELECT {table}.{quote('id')}, {distance}, {table}.{quote('name')} FROM {table} "
        f"WHERE ({filters.sql}) AND {distance} <= %s "
        f"ORDER BY {point} <-> cube(ARRAY[%s, %s, %s]::float8[]) LIMIT %s"
    )
    params = [
        *distance_params,
        *filters.params,
        *distance_params,
        radius_km * 1000,
        *geo.unit_sphere(lat, lon),
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall(), key=lambda row: (row[1], row[2]))
    return [(pk, distance) for pk, distance, _name in rows]


def _distance(connection, lat, lon):
    from actors.models import Structure

    quote = connection.ops.quote_name
    table = quote(Structure._meta.db_table)
    sql, params = geo.haversine_sql(
        f"{table}.{quote('latitude')}",
        f"{table}.{quote('longitude')}",
        *geo.radians_of(lat, lon),
    )
    return table, sql, params


def _box(connection, table, lat, lon, radius_km):
    """StructureQuerySet.within_box's conditions."""
    quote = connection.ops.quote_name
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius_km)
    bands = geo.latitude_bands(min_lat, max_lat)
    sql = (
        f"{table}.{quote('latitude_band')} IN ({', '.join(['%s'] * len(bands))}) "
        f"AND {table}.{quote('longitude')} >= %s AND {table}.{quote('longitude')} <= %s "
        f"AND {table}.{quote('latitude')} >= %s AND {table}.{quote('latitude')} <= %s"
    )
    return sql, [*bands, min_lon, max_lon, min_lat, max_lat]
