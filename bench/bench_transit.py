"""Public transport: a city-sized GTFS feed imported, every place's nearby stops, and
what the stops add to a computed results page.

    cd bench && DATABASE_URL=sqlite:////tmp/guide-bench.sqlite3 ../.venv/bin/python bench_transit.py

The feed is generated, fictional and deterministic: 3,000 stops over Nantes Métropole,
100 lines of 30 stops, 2,000,000 stop_times. The anchor, measured in the same run, is
reading that feed's members once with the csv module and nothing else.
"""

import argparse
import csv
import io
import json
import random
import resource
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

from common import database_version, ensure_seeded, git_revision, machine, setup_django

FEED = Path("/tmp/transit-bench-feed.zip")
STOPS, ROUTES, CALLS_PER_RUN = 3000, 100, 30


def write_feed(stop_times_wanted=2_000_000):
    rng = random.Random(7)
    trips_per_direction = stop_times_wanted // (ROUTES * 2 * CALLS_PER_RUN)
    with zipfile.ZipFile(FEED, "w", zipfile.ZIP_DEFLATED) as archive:

        def member(name, header, rows):
            with archive.open(name, "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(header)
                writer.writerows(rows)
                text.flush()
                text.detach()

        agency = ["B", "Réseau fictif du banc d'essai", "https://example.org", "Europe/Paris"]
        member("agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone"],
               [agency])  # fmt: skip
        stops = [
            (f"S{n}", f"Arrêt fictif {n}", 47.15 + rng.random() * 0.15, -1.70 + rng.random() * 0.25)
            for n in range(STOPS)
        ]
        member("stops.txt", ["stop_id", "stop_name", "stop_lat", "stop_lon"],
               [(i, name, f"{lat:.6f}", f"{lon:.6f}") for i, name, lat, lon in stops])  # fmt: skip
        member("routes.txt", ["route_id", "route_short_name", "route_type", "route_color"],
               [(f"R{n}", str(n), 0 if n < 5 else 3, f"{rng.randrange(1 << 24):06X}")
                for n in range(ROUTES)])  # fmt: skip
        member("calendar.txt", ["service_id", "monday", "tuesday", "wednesday", "thursday",
                                "friday", "saturday", "sunday", "start_date", "end_date"],
               [["S", 1, 1, 1, 1, 1, 0, 0, "20260901", "20270705"]])  # fmt: skip
        runs = {n: rng.sample(range(STOPS), CALLS_PER_RUN) for n in range(ROUTES)}
        trips = [
            (f"R{n}", "S", f"R{n}-{d}-{t}", d)
            for n in range(ROUTES)
            for d in (0, 1)
            for t in range(trips_per_direction)
        ]
        member("trips.txt", ["route_id", "service_id", "trip_id", "direction_id"], trips)

        def stop_times():
            for route_id, _service, trip_id, direction in trips:
                run = runs[int(route_id[1:])]
                run = run if direction == 0 else run[::-1]
                start = 5 * 3600 + zlib.crc32(trip_id.encode()) % (17 * 3600)
                for seq, stop in enumerate(run):
                    at = start + seq * 120
                    hhmmss = f"{at // 3600:02d}:{at % 3600 // 60:02d}:{at % 60:02d}"
                    yield (trip_id, hhmmss, hhmmss, f"S{stop}", seq + 1)

        member("stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id",
                                  "stop_sequence"], stop_times())  # fmt: skip
    return len(trips) * CALLS_PER_RUN


def measure(kind):
    """In a fresh process: one step, its wall and CPU seconds and peak RSS."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(kind):
    setup_django()
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    extra = {}
    if kind == "anchor":
        with zipfile.ZipFile(FEED) as archive:
            for info in archive.infolist():
                with archive.open(info) as raw:
                    for _row in csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig")):
                        pass
    elif kind == "import":
        from transit.importer import import_feed
        from transit.models import NearbyStop

        import_feed(FEED, "banc-essai", is_example=True)
        extra["nearby_rows"] = NearbyStop.objects.count()
    elif kind == "nearby":
        from transit import nearby

        nearby.refresh()
    after = resource.getrusage(resource.RUSAGE_SELF)
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report
    # the benchmark's own peak (it holds the seeded database's objects).
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    print(json.dumps({
        "seconds": round(time.perf_counter() - started, 2),
        "cpu": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1), **extra,
    }))  # fmt: skip


def page_cost(repeat=200):
    """What the stops add to a computed results page: card_stops() for the 20 cards
    nearest a point, without an origin and with one (the one-seat rides)."""
    from common import timed

    from actors.models import Structure
    from actors.search import Origin
    from transit.templatetags.transit import card_stops

    lat, lon = 47.2184, -1.5536
    results = Structure.objects.published().nearest(lat, lon, 3, 20)
    origin = Origin(lat, lon, "coordinates", "bench")
    return (
        timed(lambda: card_stops(results), repeat=repeat)[0],
        timed(lambda: card_stops(results, origin), repeat=repeat)[0],
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--stop-times", type=int, default=2_000_000)
    options = parser.parse_args()
    if options.child:
        child(options.child)
        return
    setup_django()
    ensure_seeded(options.count)
    calls = write_feed(options.stop_times)
    anchor = measure("anchor")
    rows = [("anchor: read the feed's members once with csv", anchor)]
    label = (f"import_gtfs: {STOPS} stops, {ROUTES} lines, {calls} stop_times, "
             f"with every place's stops ({options.count} places)")  # fmt: skip
    rows.append((label, measure("import")))
    rows.append((f"nearby stops alone, {options.count} places", measure("nearby")))
    cards = page_cost()
    print(f"\n{machine()}; {database_version()}; revision {git_revision()}\n")
    print("| step | wall (s) | CPU (s) | peak RSS (MB) | × anchor (wall) |")
    print("|---|---:|---:|---:|---:|")
    for label, figures in rows:
        ratio = figures["seconds"] / anchor["seconds"]
        print(f"| {label} | {figures['seconds']} | {figures['cpu']} "
              f"| {figures['peak_rss_mb']} | {ratio:.1f} |")  # fmt: skip
    print(
        f"\nStops on the 20 cards of a results page (card_stops): median {cards[0]:.2f} ms, "
        f"{cards[1]:.2f} ms with the one-seat rides from the search's origin"
    )


if __name__ == "__main__":
    main()
