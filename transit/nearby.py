"""The stops a short walk from each place: computed when a feed is imported and when a
structure is saved, never typed by hand.

"A short walk" is ``settings.TRANSIT_WALK_M`` of walking (400 m), with the walking
estimate the whole guide uses (straight line × detour factor, ``actors.geo``). Stops
are grouped by station — the two platforms of « Arrêt Exemple » are one stop for the
person who walks there — and the nearest ``TRANSIT_STOPS_PER_PLACE`` are kept.
"""

import math
from collections import defaultdict

from django.conf import settings
from django.db import transaction

from actors import geo

# Grid cells of about 550 m (north–south) for locating stops near a point.
CELL_DEGREES = 0.005


class StopIndex:
    """Every boarding stop of the imported feeds, in grid cells, with its station."""

    def __init__(self, stops):
        self.cells = defaultdict(list)
        self.platforms = defaultdict(list)  # station (or lone stop) -> its boarding stops
        for stop_id, station_id, latitude, longitude in stops:
            self.cells[self._cell(latitude, longitude)].append(
                (latitude, longitude, station_id or stop_id)
            )
            self.platforms[station_id or stop_id].append(stop_id)

    @staticmethod
    def _cell(latitude, longitude):
        return (math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES))

    def near(self, latitude, longitude):
        """[(station id, metres)] within the walk, nearest first, one per station."""
        reach = settings.TRANSIT_WALK_M / settings.WALKING_DETOUR_FACTOR
        row, column = self._cell(latitude, longitude)
        span = math.ceil(reach / (geo.METRES_PER_DEGREE_LATITUDE * CELL_DEGREES))
        wide = math.ceil(span / max(0.2, math.cos(math.radians(latitude))))
        best = {}
        for r in range(row - span, row + span + 1):
            for c in range(column - wide, column + wide + 1):
                for stop_lat, stop_lon, station in self.cells.get((r, c), ()):
                    metres = geo.haversine_m(latitude, longitude, stop_lat, stop_lon)
                    if metres <= reach and metres < best.get(station, math.inf):
                        best[station] = metres
        ordered = sorted(best.items(), key=lambda pair: pair[1])
        return ordered[: settings.TRANSIT_STOPS_PER_PLACE]


def index():
    from .models import Stop

    return StopIndex(
        Stop.objects.filter(is_station=False).values_list(
            "id", "station_id", "latitude", "longitude"
        )
    )


# The index a web process keeps between searches (the one-seat rides locate the origin's
# stops in it): checked against the feeds' last import at most once a minute.
_KEPT = {"index": None, "key": None, "checked": 0.0}
KEEP_SECONDS = 60


def kept_index():
    import time

    from django.db.models import Count, Max

    from .models import Feed

    now = time.monotonic()
    if _KEPT["index"] is None or now - _KEPT["checked"] > KEEP_SECONDS:
        key = tuple(Feed.objects.aggregate(n=Count("id"), last=Max("imported_at")).values())
        if key != _KEPT["key"] or _KEPT["index"] is None:
            _KEPT["index"], _KEPT["key"] = index(), key
        _KEPT["checked"] = now
    return _KEPT["index"]


def forget_kept_index():
    """After an import in this process (and between tests): the next search reloads it."""
    _KEPT["index"] = None


def refresh(structures=None, stop_index=None):
    """Recompute the nearby stops of ``structures`` (a queryset; all when None)."""
    from actors.models import Structure

    from .models import NearbyStop

    stop_index = stop_index or index()
    if structures is None:
        structures = Structure.objects.all()
    rows = []
    with transaction.atomic():
        NearbyStop.objects.filter(structure__in=structures.values("pk")).delete()
        located = structures.filter(latitude__isnull=False, longitude__isnull=False)
        for pk, latitude, longitude in located.values_list("pk", "latitude", "longitude").iterator(
            chunk_size=5000
        ):
            for station, metres in stop_index.near(latitude, longitude):
                rows.append(
                    NearbyStop(
                        structure_id=pk,
                        stop_id=station,
                        distance_m=round(metres),
                        walking_minutes=geo.walking_minutes(metres),
                    )
                )
            if len(rows) >= 5000:
                NearbyStop.objects.bulk_create(rows)
                rows = []
        NearbyStop.objects.bulk_create(rows)


def refresh_written(pks, chunk=5000):
    """After a bulk write of places (opendata's import): the stops of those places, in
    chunks (SQLite caps the parameters of one query); nothing to do without a feed."""
    from actors.models import Structure

    from .models import Feed

    if not pks or not Feed.objects.exists():
        return
    stop_index = index()
    pks = sorted(pks)
    for start in range(0, len(pks), chunk):
        refresh(Structure.objects.filter(pk__in=pks[start : start + chunk]), stop_index)


def structure_saved(sender, instance, raw=False, **kwargs):
    """post_save of a structure: its stops follow its position (nothing without a feed)."""
    from .models import Feed

    if raw or not Feed.objects.exists():
        return
    refresh(type(instance).objects.filter(pk=instance.pk))


def stops_for(structure_ids):
    """{structure id: [{name, minutes, metres, wheelchair, is_example, lines: [{label,
    pk}]}]}, nearest stop first, in one query whatever the number of places.

    Written in SQL, on purpose: the same two ORM queries cost more to build than to run,
    and this is on every computed results page (bench/bench_transit.py).
    """
    from django.db import connection

    from .models import Feed, Mode, NearbyStop, Route, Stop

    structure_ids = [int(pk) for pk in structure_ids]
    if not structure_ids:
        return {}
    tables = {
        "nearby": NearbyStop._meta.db_table,
        "stop": Stop._meta.db_table,
        "feed": Feed._meta.db_table,
        "served": Stop.routes.through._meta.db_table,
        "route": Route._meta.db_table,
    }
    marks = ", ".join(["%s"] * len(structure_ids))
    sql = (
        "SELECT n.structure_id, n.stop_id, s.name, n.walking_minutes, n.distance_m,"
        " s.wheelchair, f.is_example, r.id, r.mode, r.short_name, r.long_name"
        " FROM {nearby} n JOIN {stop} s ON s.id = n.stop_id JOIN {feed} f ON f.id = s.feed_id"
        " LEFT JOIN {served} sr ON sr.stop_id = s.id LEFT JOIN {route} r ON r.id = sr.route_id"
        " WHERE n.structure_id IN ({marks})"
        " ORDER BY n.structure_id, n.distance_m, n.stop_id, r.sort_order, r.mode, r.short_name"
    ).format(marks=marks, **tables)
    modes = {mode.value: str(mode.label) for mode in Mode}
    found = {}
    last = None
    with connection.cursor() as cursor:
        cursor.execute(sql, structure_ids)
        for row in cursor.fetchall():
            structure_id, stop_id, name, minutes, metres, wheelchair, is_example = row[:7]
            route_id, mode, short_name, long_name = row[7:]
            if (structure_id, stop_id) != last:
                last = (structure_id, stop_id)
                stop = {
                    "name": name,
                    "minutes": minutes,
                    "metres": metres,
                    "wheelchair": None if wheelchair is None else bool(wheelchair),
                    "is_example": bool(is_example),
                    "lines": [],
                }
                found.setdefault(structure_id, []).append(stop)
            if route_id is not None:
                label = f"{modes[mode]} {short_name or long_name}".strip()
                stop["lines"].append({"pk": route_id, "label": label})
    return found


def stops_line(stop):
    """A stop in words, for print: « Tram T9, Bus B99 — Station Fictive Breil, 2 min à pied »."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    walk = ngettext("%(minutes)s min à pied", "%(minutes)s min à pied", stop["minutes"]) % {
        "minutes": stop["minutes"]
    }
    lines = ", ".join(line["label"] for line in stop["lines"])
    where = f"{stop['name']}, {walk}"
    if stop["is_example"]:
        where += " " + _("(réseau fictif)")
    return f"{lines} — {where}" if lines else where
