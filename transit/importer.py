"""A GTFS feed into the guide: read and checked whole first, then written in one
transaction that replaces the network's previous rows; then every place's stops."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import gtfs, nearby
from .models import Feed, Mode, Pattern, PatternStop, Route, Stop

BATCH = 2000


def import_feed(path, key, *, name="", licence="", source_url="", is_example=False):
    """Replace network ``key`` with the feed at ``path``; the Feed and what was read.

    Raises ``gtfs.FeedError`` (nothing changed) when the feed cannot be used.
    """
    parsed = gtfs.read(path)
    with transaction.atomic():
        feed, _created = Feed.objects.select_for_update().update_or_create(
            key=key,
            defaults={
                "name": name or parsed.agency_name or key,
                "licence": licence,
                "source_url": source_url,
                "version": parsed.version,
                "valid_from": parsed.valid_from,
                "valid_until": parsed.valid_until,
                "imported_at": timezone.now(),
                "is_example": is_example,
            },
        )
        _clear(feed)
        routes = _write_routes(feed, parsed)
        stops = _write_stops(feed, parsed)
        _write_stop_routes(parsed, stops, routes)
        _write_patterns(parsed, stops, routes)
        nearby.refresh()
    nearby.forget_kept_index()
    return feed, parsed


def _clear(feed):
    # Children first, each in one DELETE (nothing else hangs on them).
    from .models import NearbyStop

    NearbyStop.objects.filter(stop__feed=feed).delete()
    PatternStop.objects.filter(pattern__route__feed=feed).delete()
    Pattern.objects.filter(route__feed=feed).delete()
    Stop.routes.through.objects.filter(stop__feed=feed).delete()
    Stop.objects.filter(feed=feed, station__isnull=False).delete()
    Stop.objects.filter(feed=feed).delete()
    Route.objects.filter(feed=feed).delete()


def _write_routes(feed, parsed):
    Route.objects.bulk_create(
        [
            Route(feed=feed, gtfs_id=gtfs_id, **{**values, "mode": Mode(values["mode"])})
            for gtfs_id, values in parsed.routes.items()
        ],
        batch_size=BATCH,
    )
    return dict(Route.objects.filter(feed=feed).values_list("gtfs_id", "pk"))


def _write_stops(feed, parsed):
    def build(gtfs_id, values, station_pk=None):
        return Stop(
            feed=feed,
            gtfs_id=gtfs_id,
            name=values["name"],
            latitude=values["latitude"],
            longitude=values["longitude"],
            wheelchair=values["wheelchair"],
            is_station=values["is_station"],
            station_id=station_pk,
        )

    # Stations first: their platforms point at them.
    Stop.objects.bulk_create(
        [build(i, v) for i, v in parsed.stops.items() if v["station"] is None], batch_size=BATCH
    )
    pks = dict(Stop.objects.filter(feed=feed).values_list("gtfs_id", "pk"))
    Stop.objects.bulk_create(
        [build(i, v, pks[v["station"]]) for i, v in parsed.stops.items() if v["station"]],
        batch_size=BATCH,
    )
    return dict(Stop.objects.filter(feed=feed).values_list("gtfs_id", "pk"))


def _write_stop_routes(parsed, stops, routes):
    # A station is served by every line calling at one of its platforms.
    pairs = set()
    for stop_id, route_id in parsed.stop_routes:
        pairs.add((stops[stop_id], routes[route_id]))
        station = parsed.stops[stop_id]["station"]
        if station:
            pairs.add((stops[station], routes[route_id]))
    Through = Stop.routes.through
    Through.objects.bulk_create(
        [Through(stop_id=s, route_id=r) for s, r in sorted(pairs)], batch_size=BATCH
    )


def _write_patterns(parsed, stops, routes):
    for pattern in parsed.patterns:
        row = Pattern.objects.create(
            route_id=routes[pattern["route"]],
            direction=pattern["direction"],
            headsign=pattern["headsign"],
        )
        PatternStop.objects.bulk_create(
            [
                PatternStop(pattern=row, sequence=n, stop_id=stops[stop], minutes=minutes)
                for n, (stop, minutes) in enumerate(pattern["calls"])
            ],
            batch_size=BATCH,
        )


def summary(feed, parsed):
    """What an import read, in one line for the agent."""
    return _("%(name)s : %(routes)d lignes, %(stops)d arrêts, %(patterns)d parcours types.") % {
        "name": feed.name,
        "routes": len(parsed.routes),
        "stops": len(parsed.stops),
        "patterns": len(parsed.patterns),
    }
