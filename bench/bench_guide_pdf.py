"""The printable neighbourhood guide as PDF, with 200 entries (160 inside, 40 "tout près").

    DATABASE_URL=sqlite:////tmp/guide-bench.sqlite3 python bench/bench_guide_pdf.py

Needs the 100,000-structure benchmark database (the guide then holds its
maximum of 200 entries). Prints the median of a few renders: WeasyPrint is
the bulk of it.
"""

import argparse
import io
import statistics
import time

from common import database_version, ensure_seeded, git_revision, machine, setup_django

setup_django()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from pypdf import PdfReader  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quartier", default="breil-barberie")
    args = parser.parse_args()
    ensure_seeded(100_000)
    setup_test_environment()
    client = Client()
    url = f"/quartiers/{args.quartier}/guide/?format=pdf"
    html = client.get(url.replace("?format=pdf", "")).content.decode()
    entries = html.count('class="guide-entry"')
    samples, pages = [], 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        pages = len(PdfReader(io.BytesIO(response.content)).pages)
    print(f"# {database_version()} · rev {git_revision()} · {machine()}")
    print(
        f"guide PDF for {args.quartier}: {entries} entries, {pages} pages, "
        f"median {statistics.median(samples):.2f} s over {args.repeat} renders "
        f"(min {min(samples):.2f} s, max {max(samples):.2f} s)"
    )


if __name__ == "__main__":
    main()
