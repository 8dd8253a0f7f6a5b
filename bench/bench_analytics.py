"""What recording searches for the dashboard costs /recherche/: medians with recording on and off.

    DATABASE_URL=sqlite:////tmp/guide-bench.sqlite3 python bench/bench_analytics.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_bench python bench/bench_analytics.py

Requests alternate between recording on and off (the order flips every round) so
that a busy machine slows both sides alike; the dedup cache is emptied before
each recorded request, so every one of them inserts a row (the worst case).
The recording call alone is also timed, on searches already run. Rows written
here are deleted at the end. Prints medians and 95th percentiles in ms; the
figures go to BENCHMARKS.md by hand, with the machine they ran on.
"""

import argparse
import statistics
import time

from common import database_version, ensure_seeded, git_revision, machine, setup_django

setup_django()

from bench_search import MIX  # noqa: E402  (the same realistic searches)
from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from actors import search as search_module  # noqa: E402
from actors.models import Structure  # noqa: E402
from insights.models import RecordedSearch  # noqa: E402
from insights.recording import CACHE_ALIAS, record_search  # noqa: E402


def percentile_95(samples):
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40, help="passes over the mix")
    args = parser.parse_args()
    ensure_seeded(args.count)
    setup_test_environment()
    client = Client()
    cache = caches[CACHE_ALIAS]
    first_new_id = (RecordedSearch.objects.aggregate(last=Max("id"))["last"] or 0) + 1

    def get(query, recording):
        settings.SEARCH_ANALYTICS_ENABLED = recording
        cache.clear()
        started = time.perf_counter()
        response = client.get("/recherche/?" + query)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (query, response.status_code)
        return elapsed

    queries = {}
    for recording in (False, True):
        for query in MIX:
            get(query, recording)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            get(MIX[0], recording)
        queries[recording] = len(captured)

    samples = {False: [], True: []}
    for index in range(args.rounds):
        for query in MIX:
            order = (False, True) if index % 2 == 0 else (True, False)
            for recording in order:
                samples[recording].append(get(query, recording))

    # The recording call alone, on searches already run (what the view adds after the search).
    factory = RequestFactory()
    settings.SEARCH_ANALYTICS_ENABLED = True
    prepared = []
    for query in MIX:
        request = factory.get("/recherche/?" + query)
        search = search_module.run(QueryDict(query))
        prepared.append((request, search, search.page(1)))
    alone = []
    for _round in range(args.rounds):
        for request, search, page in prepared:
            cache.clear()
            started = time.perf_counter()
            assert record_search(request, search, page, channel="site") is not None
            alone.append((time.perf_counter() - started) * 1000)

    written = RecordedSearch.objects.filter(id__gte=first_new_id, is_example=False)
    recorded = written.count()
    written.delete()

    off, on = statistics.median(samples[False]), statistics.median(samples[True])
    print(f"# {database_version()} · {Structure.objects.count()} structures · rev {git_revision()}")
    print(f"# {machine()}")
    print(
        f"# {len(samples[True])} requests each way ({args.rounds} rounds × {len(MIX)} searches); "
        f"{recorded} rows written and deleted"
    )
    print(f"# queries for {MIX[0]}: {queries[False]} off, {queries[True]} on")
    print("| /recherche/, mix of searches | median (ms) | p95 (ms) |")
    print("|---|---:|---:|")
    print(f"| recording off | {off:.2f} | {percentile_95(samples[False]):.2f} |")
    print(f"| recording on | {on:.2f} | {percentile_95(samples[True]):.2f} |")
    print(f"| difference of the medians | {on - off:+.2f} ({100 * (on - off) / off:+.1f} %) | |")
    print(
        f"| `record_search()` alone (dedup, reduction, INSERT) | {statistics.median(alone):.2f}"
        f" | {percentile_95(alone):.2f} |"
    )


if __name__ == "__main__":
    main()
