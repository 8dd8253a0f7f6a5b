"""A one-seat ride: one line from a stop near the person to a stop near the place.

Read from each line's usual weekday run (``Pattern``): the line must call at a station
a short walk from the origin and, later on the same run, at a station a short walk from
the place. The ride's minutes are the run's own (its stop_times); the whole trip adds
the two walks. Nothing is said when there is no such line: never an invented ride.
"""

from dataclasses import dataclass

from django.db.models import F
from django.db.models.functions import Coalesce

from . import nearby
from .models import Mode, NearbyStop, PatternStop


@dataclass(frozen=True)
class Ride:
    line: str  # « Tram T9 »
    route_pk: int
    headsign: str
    board: str  # the station where to get on
    alight: str  # … and off
    stops: int  # stops ridden
    ride_minutes: int
    walk_to_minutes: int  # origin → boarding station
    walk_from_minutes: int  # alighting station → the place

    @property
    def total_minutes(self):
        return self.walk_to_minutes + self.ride_minutes + self.walk_from_minutes


def rides_for(latitude, longitude, structure_ids, stop_index=None):
    """{structure id: the quickest one-seat Ride} for places that have one, in three
    queries for a whole page."""
    from actors import geo

    stop_index = stop_index or nearby.kept_index()
    origin = {
        station: geo.walking_minutes(metres)
        for station, metres in stop_index.near(latitude, longitude)
    }
    if not origin or not structure_ids:
        return {}
    arrivals = {}  # structure -> {station: walking minutes}
    for structure_id, station, minutes in NearbyStop.objects.filter(
        structure_id__in=structure_ids
    ).values_list("structure_id", "stop_id", "walking_minutes"):
        arrivals.setdefault(structure_id, {})[station] = minutes
    wanted = set(origin) | {s for stations in arrivals.values() for s in stations}
    # The boarding stops of those stations, from the index: the query uses its stop index.
    boarding = [stop for station in wanted for stop in stop_index.platforms.get(station, ())]
    calls = (
        PatternStop.objects.annotate(station=Coalesce(F("stop__station_id"), F("stop_id")))
        .filter(stop_id__in=boarding)
        .order_by("pattern_id", "sequence")
        .values_list(
            "pattern_id",
            "sequence",
            "station",
            "minutes",
            "stop__station__name",
            "stop__name",
            "pattern__headsign",
            "pattern__route_id",
            "pattern__route__mode",
            "pattern__route__short_name",
            "pattern__route__long_name",
        )  # fmt: skip
    )
    modes = {mode.value: str(mode.label) for mode in Mode}
    patterns = {}
    for pattern, sequence, station, minutes, station_name, stop_name, *route in calls:
        patterns.setdefault(pattern, []).append(
            (sequence, station, minutes, station_name or stop_name, route)
        )
    found = {}
    for structure_id, destinations in arrivals.items():
        best = None
        for pattern_calls in patterns.values():
            for i, (seq_on, on, at_on, name_on, route) in enumerate(pattern_calls):
                if on not in origin:
                    continue
                for seq_off, off, at_off, name_off, _route in pattern_calls[i + 1 :]:
                    if off not in destinations or off == on:
                        continue
                    headsign, route_pk, mode, short_name, long_name = route
                    ride = Ride(
                        line=f"{modes[mode]} {short_name or long_name}".strip(),
                        route_pk=route_pk,
                        headsign=headsign,
                        board=name_on,
                        alight=name_off,
                        stops=seq_off - seq_on,
                        ride_minutes=max(1, at_off - at_on),
                        walk_to_minutes=origin[on],
                        walk_from_minutes=destinations[off],
                    )
                    if best is None or ride.total_minutes < best.total_minutes:
                        best = ride
        if best is not None:
            found[structure_id] = best
    return found
