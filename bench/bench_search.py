"""Search benchmarks: never-repeated searches, side by side with a bare Django page.

    DATABASE_URL=sqlite:////tmp/guide-bench.sqlite3 python bench/bench_search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_bench python bench/bench_search.py
    … bench_search.py --count 1000000   # the figures that must stay flat to a million

Every search is asked once: its origin moves a few metres each time and the page cache
is off (SEARCH_CACHE_SECONDS=0), so each figure is the computed path. The anchor is a
bare Django page (bench/anchor_urls.py) that runs the raw proximity query and renders
its 20 rows in a trivial template, through the same client and middleware: each figure
is also given as a ratio to it, measured in the same run, which holds better than
milliseconds on a shared machine. Where PostGIS is installed, its nearest-first query
is printed as the floor; elsewhere that line is skipped.

Prints medians (and 95th percentiles) in milliseconds. Not a test: figures go
to BENCHMARKS.md by hand, with the machine they ran on.
"""

import argparse
import datetime
import itertools
import os
import time
from unittest import mock

from common import database_version, ensure_seeded, git_revision, machine, setup_django, timed

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from actors.models import Need, Neighbourhood, Structure  # noqa: E402

# A Sunday at 19:30 in Nantes: nothing is open, so "ouvert maintenant" widens to 30 km.
SUNDAY_EVENING = datetime.datetime(2026, 11, 29, 18, 30, tzinfo=datetime.UTC)  # 19:30 in Paris
# Filters that few places meet together: the widening reaches 30 km here too.
RARE = "besoin=creer-son-activite&langue=uk&accessible=1&gratuit=1&sans_rdv=1"


def postgis_floor(lat, lon, repeat):
    """The PostGIS nearest-first query, where PostGIS is installed (never required)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        if cursor.fetchone() is None:
            return None
    return None  # installed but not set up by this project: nothing comparable to time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    ensure_seeded(args.count)
    setup_test_environment()
    settings.ROOT_URLCONF = "anchor_urls"
    settings.SEARCH_CACHE_SECONDS = 0
    client = Client()

    breil = Neighbourhood.objects.get(slug="breil-barberie")
    need = Need.objects.get(slug="stage-de-3e")
    lat, lon = breil.centroid_latitude, breil.centroid_longitude
    # Each call moves the origin by about a metre (1e-5° of latitude ≈ 1.1 m).
    step = itertools.count()

    def moved():
        i = next(step) % 500
        return f"{lat + i * 1e-5:.6f}", f"{lon + (i % 7) * 1e-5:.6f}"

    def page(url, status=200):
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return response

    slugs = list(Structure.objects.published().order_by("pk").values_list("slug", flat=True)[:5000])
    slug_cycle = itertools.cycle(slugs)

    def search_url(prefix, extra="besoin=stage-de-3e"):
        def url():
            a, b = moved()
            return f"{prefix}?lat={a}&lon={b}&{extra}"

        return url

    anchor_url = lambda: "/bench-anchor/?lat={}&lon={}&need={}".format(*moved(), need.pk)  # noqa: E731
    scenarios = [
        ("anchor: bare Django page, raw proximity query + 20 rows", anchor_url, None),
        ("/recherche/ computed, need stage-de-3e", search_url("/recherche/"), None),
        ("/api/v1/structures/ computed, same", search_url("/api/v1/structures/"), None),
        (
            "structure page (a different one each time)",
            lambda: f"/structures/{next(slug_cycle)}/",
            None,
        ),
        (
            "/recherche/ ouvert=maintenant, Sunday 19:30 (nothing open)",
            search_url("/recherche/", "ouvert=maintenant"),
            SUNDAY_EVENING,
        ),
        (
            "/api/v1/structures/ ouvert=maintenant, Sunday 19:30",
            search_url("/api/v1/structures/", "ouvert=maintenant"),
            SUNDAY_EVENING,
        ),
        ("/recherche/ rare combination of filters", search_url("/recherche/", RARE), None),
    ]

    print(
        f"# {database_version()} · {Structure.objects.count()} structures · "
        f"rev {git_revision()} · load {os.getloadavg()[0]:.2f}"
    )
    print(f"# {machine()}")

    def proximity():
        # The 20 nearest, nearest first (since issue 13 with what their cards show).
        return Structure.objects.published().serving([need]).nearest(lat, lon, 1.5, 20)

    nearest = proximity()
    print(f"# proximity query returns {len(nearest)} rows, farthest {nearest[-1].distance:.0f} m")
    rows = [
        (
            "proximity query (ORM): 20 nearest ≤ 1.5 km, need stage-de-3e",
            *timed(proximity, repeat=args.repeat),
        )
    ]
    base = Structure.objects.published().serving([need])
    if hasattr(base, "nearest_ids"):  # since issue 13: the index walk alone, (pk, distance)
        rows.append(
            (
                "  its nearest-first walk alone: 20 (pk, distance) pairs",
                *timed(lambda: base.nearest_ids(lat, lon, 1.5, 20), repeat=args.repeat),
            )
        )
    floor = postgis_floor(lat, lon, args.repeat)
    if floor is None:
        print("# PostGIS floor: skipped (PostGIS is not installed here)")

    queries = {}
    for name, url, moment in scenarios:
        patch = mock.patch.object(timezone, "now", return_value=moment) if moment else None
        if patch:
            patch.start()
        try:
            with CaptureQueriesContext(connection) as captured:
                page(url())
            queries[name] = len(captured.captured_queries)
            started = time.perf_counter()
            page(url())
            slow = time.perf_counter() - started > 0.1
            repeat = max(10, args.repeat // 10) if slow else args.repeat
            rows.append((name, *timed(lambda url=url: page(url()), repeat=repeat)))
        finally:
            if patch:
                patch.stop()

    anchor = next(median for name, median, _p95 in rows if name.startswith("anchor"))
    print(
        "# SQL queries per request: "
        + ", ".join(f"{n.split(',')[0]} {q}" for n, q in queries.items())
    )
    print("| benchmark | median (ms) | p95 (ms) | × anchor |")
    print("|---|---:|---:|---:|")
    for name, median, p95 in rows:
        print(f"| {name} | {median:.2f} | {p95:.2f} | {median / anchor:.1f} |")


if __name__ == "__main__":
    main()
