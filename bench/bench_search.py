"""Search benchmarks at 100,000 structures: the proximity query, the results page, the API.

    DATABASE_URL=sqlite:////tmp/guide-bench.sqlite3 python bench/bench_search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_bench python bench/bench_search.py

Prints medians (and 95th percentiles) in milliseconds. Not a test: figures go
to BENCHMARKS.md by hand, with the machine they ran on.
"""

import argparse

from common import database_version, ensure_seeded, git_revision, machine, setup_django, timed

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from actors.models import Need, Neighbourhood, Structure  # noqa: E402

# A realistic mix for the page benchmarks: different needs, quartiers and origins.
MIX = [
    "quartier=breil-barberie&besoin=stage-de-3e",
    "quartier=nantes-nord&besoin=trouver-un-emploi",
    "quartier=bellevue-chantenay-sainte-anne&besoin=parcoursup-etudes-superieures",
    "quartier=malakoff-saint-donatien&besoin=decrochage-scolaire&sans_rdv=1",
    "lat=47.2184&lon=-1.5536&besoin=cv-lettre-de-motivation",
    "quartier=doulon-bottiere&q=stage+3e",
    "quartier=ile-de-nantes&besoin=handicap-et-orientation&rayon=0.5",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    ensure_seeded(args.count)
    setup_test_environment()
    client = Client()

    breil = Neighbourhood.objects.get(slug="breil-barberie")
    need = Need.objects.get(slug="stage-de-3e")
    lat, lon = breil.centroid_latitude, breil.centroid_longitude

    def proximity():
        # What the results page runs: the 20 nearest, small circles first.
        return Structure.objects.published().serving([need]).nearest(lat, lon, 1.5, 20)

    nearest = proximity()
    print(f"# {database_version()} · {Structure.objects.count()} structures · rev {git_revision()}")
    print(f"# {machine()}")
    print(f"# proximity query returns {len(nearest)} rows, farthest {nearest[-1].distance:.0f} m")

    rows = []
    median, p95 = timed(proximity, repeat=args.repeat)
    rows.append(
        ("proximity query (ORM): 20 nearest ≤1.5 km of Breil, need stage-de-3e", median, p95)
    )
    sql, params = (
        Structure.objects.published()
        .serving([need])
        .near(lat, lon, 0.25)[:20]
        .query.sql_with_params()
    )

    def proximity_sql():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    rows.append(
        (
            "  the same, SQL execution only (first circle, 250 m)",
            *timed(proximity_sql, repeat=args.repeat),
        )
    )

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    breil_page = "/recherche/?quartier=breil-barberie&besoin=stage-de-3e"
    breil_api = "/api/v1/structures/?quartier=breil-barberie&besoin=stage-de-3e"
    queries = {}
    for cached in (False, True):
        settings.SEARCH_CACHE_SECONDS = 60 if cached else 0
        state = "cached (second visit within a minute)" if cached else "computed (cache off)"
        for name, url in [("/recherche/", breil_page), ("/api/v1/structures/", breil_api)]:
            page(url)  # fills the cache when it is on
            with CaptureQueriesContext(connection) as captured:
                page(url)
            queries[(name, cached)] = len(captured.captured_queries)
            rows.append(
                (
                    f"{name} Breil + stage-de-3e, {state}",
                    *timed(lambda url=url: page(url), repeat=args.repeat),
                )
            )
        for name, prefix in [
            ("/recherche/", "/recherche/?"),
            ("/api/v1/structures/", "/api/v1/structures/?"),
        ]:
            state_mix = {"i": 0}

            def mixed(prefix=prefix, state_mix=state_mix):
                url = prefix + MIX[state_mix["i"] % len(MIX)]
                state_mix["i"] += 1
                page(url)

            rows.append(
                (
                    f"{name} mix of {len(MIX)} realistic queries, {state}",
                    *timed(mixed, repeat=args.repeat),
                )
            )

    print(
        "# SQL queries per request, computed / cached: "
        + ", ".join(
            f"{name} {queries[(name, False)]} / {queries[(name, True)]}"
            for name in ("/recherche/", "/api/v1/structures/")
        )
    )
    print("| benchmark | median (ms) | p95 (ms) |")
    print("|---|---:|---:|")
    for name, median, p95 in rows:
        print(f"| {name} | {median:.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
