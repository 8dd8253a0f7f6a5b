"""Read a GTFS feed (the zip a network publishes) into plain values, in bounded memory.

The standard library's ``csv`` on the zip's members, not a GTFS package: the ones on
PyPI (gtfs-kit, partridge) load ``stop_times.txt`` whole into pandas — hundreds of
megabytes for a city — where the guide needs two streamed passes over it: which lines
call at which stop, and each line's usual run. What is read is checked as it is read;
any bad row fails the feed (a timetable with holes would send people to stops no line
serves), and the error names the file, the line and the reason.
"""

import contextlib
import csv
import datetime
import io
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

REQUIRED = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
# A city's stop_times.txt is tens of megabytes; a member far beyond that is refused
# before it is read (zip bombs), as is a field longer than any real GTFS value.
MAX_MEMBER_BYTES = 2_000_000_000
MAX_FIELD_CHARS = 10_000
MAX_ERRORS = 20

# GTFS route_type, basic and extended (Google's "Extended GTFS Route Types").
BASIC_MODES = {
    0: "tram", 1: "metro", 2: "train", 3: "bus", 4: "ferry", 5: "tram", 11: "bus", 12: "metro",
}  # fmt: skip
EXTENDED_MODES = [(100, "train"), (200, "coach"), (400, "metro"), (700, "bus"), (800, "bus"),
                  (900, "tram"), (1000, "ferry"), (1200, "ferry")]  # fmt: skip
DAYTIME = (7 * 3600, 19 * 3600)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


class FeedError(Exception):
    """The feed cannot be imported; ``errors`` says why, one line each."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass
class Feed:
    agency_name: str = ""
    version: str = ""
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    routes: dict = field(default_factory=dict)  # gtfs id -> {short_name, long_name, mode, …}
    stops: dict = field(default_factory=dict)  # gtfs id -> {name, latitude, …, station}
    stop_routes: set = field(default_factory=set)  # (stop id, route id)
    patterns: list = field(default_factory=list)  # {route, direction, headsign, calls}
    warnings: list = field(default_factory=list)


def mode_for(route_type, description=""):
    if "busway" in description.lower():
        return "busway"
    if route_type in BASIC_MODES:
        return BASIC_MODES[route_type]
    mode = "other"
    for start, name in EXTENDED_MODES:
        if route_type >= start:
            mode = name
    return mode if route_type < 1300 else "other"


def seconds(value):
    """GTFS time "25:10:00" (past midnight of the service day allowed) in seconds."""
    hours, minutes, secs = value.split(":")
    total = int(hours) * 3600 + int(minutes) * 60 + int(secs)
    if not (0 <= int(minutes) < 60 and 0 <= int(secs) < 60):
        raise ValueError(value)
    return total


def _date(value):
    return datetime.datetime.strptime(value, "%Y%m%d").date()


def _colour(value):
    value = value.strip().lstrip("#")
    if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.upper()
    return ""


class Reader:
    """The members of a feed: a zip, or a folder of its .txt files (an unzipped feed)."""

    def __init__(self, path):
        path = Path(path)
        self.zip = None
        if path.is_dir():
            files = {member.name: member for member in path.glob("*.txt")}
            sizes = {name: member.stat().st_size for name, member in files.items()}
            self.names = files
        else:
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as error:
                raise FeedError([_("le fichier n'est pas une archive GTFS lisible (%(error)s).")
                                 % {"error": error}]) from error  # fmt: skip
            self.names = {info.filename.rsplit("/", 1)[-1]: info for info in self.zip.infolist()}
            sizes = {name: info.file_size for name, info in self.names.items()}
        missing = [name for name in REQUIRED if name not in self.names]
        if "calendar.txt" not in self.names and "calendar_dates.txt" not in self.names:
            missing.append("calendar.txt")
        if missing:
            self.close()
            raise FeedError(
                [_("fichier manquant dans l'archive : %(name)s") % {"name": n} for n in missing]
            )
        for name, size in sizes.items():
            if size > MAX_MEMBER_BYTES:
                self.close()
                raise FeedError([_("%(name)s est trop gros (%(size)d octets décompressés).")
                                 % {"name": name, "size": size}])  # fmt: skip
        self.errors = []

    def open(self, name):
        member = self.names[name]
        return self.zip.open(member) if self.zip else member.open("rb")

    def close(self):
        if self.zip:
            self.zip.close()

    def rows(self, name, required=()):
        """(line number, row dict) for each row of one member, checked as it streams."""
        if name not in self.names:
            return
        with self.open(name) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            try:
                header = [column.strip() for column in next(reader, [])]
                absent = [column for column in required if column not in header]
                if absent:
                    self.fail(name, 1, _("colonne(s) absente(s) : %(columns)s")
                              % {"columns": ", ".join(absent)})  # fmt: skip
                    return
                width = len(header)
                for values in reader:
                    line = reader.line_num
                    if not values:
                        continue
                    if any(len(value) > MAX_FIELD_CHARS for value in values):
                        self.fail(name, line, _("champ de plus de %(limit)d caractères")
                                  % {"limit": MAX_FIELD_CHARS})  # fmt: skip
                        continue
                    if any("\x00" in value for value in values):
                        self.fail(name, line, _("ligne illisible (caractère nul)"))
                        continue
                    if len(values) < width:
                        values = values + [""] * (width - len(values))
                    yield line, dict(zip(header, values[:width], strict=True))
            except csv.Error as error:
                reason = _("ligne illisible (%(error)s)") % {"error": error}
                self.fail(name, reader.line_num, reason)
            except UnicodeDecodeError:
                self.fail(name, reader.line_num, _("le fichier n'est pas en UTF-8"))

    def fail(self, name, line, reason):
        self.errors.append(_("%(file)s, ligne %(line)d : %(reason)s")
                           % {"file": name, "line": line, "reason": reason})  # fmt: skip
        if len(self.errors) >= MAX_ERRORS:
            raise FeedError(self.errors + [_("(lecture arrêtée après %(count)d erreurs)")
                                           % {"count": MAX_ERRORS}])  # fmt: skip


def read(path):
    """The feed at ``path`` (zip or folder) as a ``Feed``, or ``FeedError`` saying why."""
    reader = Reader(path)
    feed = Feed()
    try:
        _read_header(reader, feed)
        _read_stops(reader, feed)
        _read_routes(reader, feed)
        trips = _read_trips(reader, feed)
        weekday_services = _weekday_services(reader)
        chosen = _first_pass(reader, feed, trips, weekday_services)
        _second_pass(reader, feed, trips, chosen)
    finally:
        reader.close()
    if reader.errors:
        raise FeedError(reader.errors)
    return feed


def _read_header(reader, feed):
    for _line, row in reader.rows("agency.txt", ("agency_name",)):
        feed.agency_name = feed.agency_name or row["agency_name"].strip()
    for _line, row in reader.rows("feed_info.txt"):
        feed.version = row.get("feed_version", "").strip()[:100]
        for key, attribute in (("feed_start_date", "valid_from"), ("feed_end_date", "valid_until")):
            with contextlib.suppress(ValueError):
                setattr(feed, attribute, _date(row.get(key, "").strip()))


def _read_stops(reader, feed):
    parents = {}
    for line, row in reader.rows("stops.txt", ("stop_id", "stop_name")):
        kind = row.get("location_type", "").strip() or "0"
        if kind not in ("0", "1"):
            continue  # entrances, generic nodes, boarding areas: not where people wait
        stop_id = row["stop_id"].strip()
        name = row["stop_name"].strip()
        try:
            latitude, longitude = float(row["stop_lat"]), float(row["stop_lon"])
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError
        except (KeyError, ValueError):
            reason = _("position invalide pour l'arrêt %(id)s") % {"id": stop_id}
            reader.fail("stops.txt", line, reason)
            continue
        if not stop_id or not name:
            reader.fail("stops.txt", line, _("arrêt sans identifiant ou sans nom"))
            continue
        wheelchair = {"1": True, "2": False}.get(row.get("wheelchair_boarding", "").strip())
        feed.stops[stop_id] = {
            "name": name[:200], "latitude": latitude, "longitude": longitude,
            "station": None, "is_station": kind == "1", "wheelchair": wheelchair,
        }  # fmt: skip
        parent = row.get("parent_station", "").strip()
        if parent and kind == "0":
            parents[stop_id] = parent
    for stop_id, parent in parents.items():
        if parent in feed.stops and feed.stops[parent]["is_station"]:
            feed.stops[stop_id]["station"] = parent
        else:
            feed.warnings.append(
                _("l'arrêt %(id)s renvoie à une station inconnue (%(parent)s) : gardé seul.")
                % {"id": stop_id, "parent": parent}
            )


def _read_routes(reader, feed):
    for line, row in reader.rows("routes.txt", ("route_id", "route_type")):
        route_id = row["route_id"].strip()
        try:
            route_type = int(row["route_type"])
        except ValueError:
            reader.fail("routes.txt", line, _("type de ligne invalide : %(value)s")
                        % {"value": row["route_type"]})  # fmt: skip
            continue
        short_name = row.get("route_short_name", "").strip()[:50]
        long_name = row.get("route_long_name", "").strip()[:200]
        if not (short_name or long_name):
            reason = _("ligne sans nom ni numéro : %(id)s") % {"id": route_id}
            reader.fail("routes.txt", line, reason)
            continue
        try:
            sort_order = int(row.get("route_sort_order") or 0)
        except ValueError:
            sort_order = 0
        feed.routes[route_id] = {
            "short_name": short_name, "long_name": long_name,
            "mode": mode_for(route_type, row.get("route_desc", "")),
            "colour": _colour(row.get("route_color", "")),
            "text_colour": _colour(row.get("route_text_color", "")),
            "sort_order": sort_order,
        }  # fmt: skip


def _read_trips(reader, feed):
    trips = {}
    for line, row in reader.rows("trips.txt", ("route_id", "service_id", "trip_id")):
        route_id = row["route_id"].strip()
        if route_id not in feed.routes:
            reader.fail("trips.txt", line, _("ligne inconnue : %(id)s") % {"id": route_id})
            continue
        direction = row.get("direction_id", "").strip()
        trips[row["trip_id"].strip()] = (
            route_id,
            int(direction) if direction in ("0", "1") else 0,
            row.get("trip_headsign", "").strip()[:200],
            row["service_id"].strip(),
        )
    return trips


def _weekday_services(reader):
    """Services that run on a weekday; None when the feed does not say (all count)."""
    services = set()
    said = False
    for _line, row in reader.rows("calendar.txt", ("service_id",)):
        said = True
        if any(row.get(day, "").strip() == "1" for day in WEEKDAYS):
            services.add(row["service_id"].strip())
    for _line, row in reader.rows("calendar_dates.txt", ("service_id", "date", "exception_type")):
        said = True
        try:
            if row["exception_type"].strip() == "1" and _date(row["date"].strip()).weekday() < 5:
                services.add(row["service_id"].strip())
        except ValueError:
            continue
    return services if said else None


STOP_TIMES = ("trip_id", "stop_id", "stop_sequence")


def _first_pass(reader, feed, trips, weekday_services):
    """Lines at each stop, and for each line and direction the trip that best stands for
    it: on a weekday, in the daytime, with the most stops."""
    counts = Counter()
    first = {}  # trip -> (sequence, departure seconds) of its first call
    for line, row in reader.rows("stop_times.txt", STOP_TIMES):
        trip = trips.get(row["trip_id"].strip())
        stop_id = row["stop_id"].strip()
        if trip is None or stop_id not in feed.stops:
            what = _("course inconnue") if trip is None else _("arrêt inconnu")
            reader.fail("stop_times.txt", line, f"{what} ({row['trip_id']}, {stop_id})")
            continue
        try:
            sequence = int(row["stop_sequence"])
            time = row.get("departure_time", "").strip() or row.get("arrival_time", "").strip()
            departure = seconds(time) if time else None
        except ValueError:
            reader.fail("stop_times.txt", line, _("heure ou rang d'arrêt invalide"))
            continue
        feed.stop_routes.add((stop_id, trip[0]))
        trip_id = row["trip_id"].strip()
        counts[trip_id] += 1
        if departure is not None and (trip_id not in first or sequence < first[trip_id][0]):
            first[trip_id] = (sequence, departure)
    best = {}
    for trip_id, count in counts.items():
        route_id, direction, _headsign, service = trips[trip_id]
        departure = first.get(trip_id, (0, None))[1]
        key = (
            weekday_services is None or service in weekday_services,
            departure is not None and DAYTIME[0] <= departure <= DAYTIME[1],
            count,
            -(departure or 0),
        )
        if (route_id, direction) not in best or key > best[(route_id, direction)][0]:
            best[(route_id, direction)] = (key, trip_id)
    return {trip_id: pair for pair, (_key, trip_id) in best.items()}


def _second_pass(reader, feed, trips, chosen):
    calls = defaultdict(list)
    for _line, row in reader.rows("stop_times.txt", STOP_TIMES):
        trip_id = row["trip_id"].strip()
        if trip_id not in chosen:
            continue
        time = row.get("departure_time", "").strip() or row.get("arrival_time", "").strip()
        arrival = row.get("arrival_time", "").strip() or time
        at = seconds(arrival) if arrival else None
        calls[trip_id].append((int(row["stop_sequence"]), row["stop_id"].strip(), at))
    for trip_id, (route_id, direction) in chosen.items():
        ordered = sorted(calls[trip_id])
        known = [(seq, stop, at) for seq, stop, at in ordered if at is not None]
        if len(known) < 2:
            continue  # no times to measure a ride with
        start = known[0][2]
        feed.patterns.append({
            "route": route_id, "direction": direction, "headsign": trips[trip_id][2],
            "calls": [(stop, round((at - start) / 60)) for _seq, stop, at in known],
        })  # fmt: skip
