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
        for stop_id, station_id, latitude, longitude in stops:
            self.cells[self._cell(latitude, longitude)].append(
                (latitude, longitude, station_id or stop_id)
            )

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
    """{structure id: [{name, minutes, metres, lines: [{label, pk}]}]}, in two plain
    queries whatever the number of places (no model instances: a results page pays
    for the stops of its cards well under a millisecond)."""
    from .models import Mode, NearbyStop, Stop

    rows = list(
        NearbyStop.objects.filter(structure_id__in=structure_ids)
        .order_by("structure_id", "distance_m")
        .values_list(
            "structure_id",
            "stop_id",
            "stop__name",
            "walking_minutes",
            "distance_m",
            "stop__wheelchair",
            "stop__feed__is_example",
        )  # fmt: skip
    )
    if not rows:
        return {}
    lines = {}
    modes = {mode.value: str(mode.label) for mode in Mode}
    served = (
        Stop.routes.through.objects.filter(stop_id__in={row[1] for row in rows})
        .order_by("route__sort_order", "route__mode", "route__short_name")
        .values_list("stop_id", "route_id", "route__mode", "route__short_name", "route__long_name")
    )
    for stop_id, route_id, mode, short_name, long_name in served:
        lines.setdefault(stop_id, []).append(
            {"pk": route_id, "label": f"{modes[mode]} {short_name or long_name}".strip()}
        )
    found = {}
    for structure_id, stop_id, name, minutes, metres, wheelchair, is_example in rows:
        found.setdefault(structure_id, []).append(
            {
                "name": name,
                "minutes": minutes,
                "metres": metres,
                "wheelchair": wheelchair,
                "is_example": is_example,
                "lines": lines.get(stop_id, []),
            }
        )
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
