"""Open data benchmark: export 100,000 structures (peak RSS), import them back (wall time),
and import 100,000 data·inclusion structures with 200,000 services.

    make bench-opendata                       # SQLite and PostgreSQL
    .venv/bin/python bench/bench_import_export.py --backends sqlite --count 20000
    .venv/bin/python bench/bench_import_export.py --steps data-inclusion
    .venv/bin/python bench/bench_import_export.py --steps csv-import --backends postgresql
    (--databases NAME: databases of its own, for two runs side by side)

data·inclusion: fictional files (bench/datainclusion_files.py) are imported into
an empty database, then again (all unchanged). The anchor, measured in the same
run, is reading both files the way the import does — the whole-file check, the
stream parse and the official schema's validation of every record — with
nothing written: each import is printed with its ratio to that floor.

For each backend: a source database gets `seed_demo --count N`; every export
format is written by `export_structures --all` in a fresh process whose peak
RSS (ru_maxrss) and time are measured, and the CSV export is also streamed
through the HTTP view; then the CSV is imported into an empty database (time
of `import_structures`, in its own process) and imported again (all
unchanged), beside its anchor: reading and checking the CSV's rows, nothing written
(`csv-import` does only that, on the CSV an earlier `csv` step left). Databases are
separate from development and test ones: /tmp/opendata-bench-*.sqlite3 and
guide_opendata_bench* on PostgreSQL, dropped and recreated on each run. Prints a
Markdown table for BENCHMARKS.md.
This is a benchmark, not a test: no threshold is asserted here.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
FORMATS = ["csv", "json", "geojson", "data-inclusion-structures", "data-inclusion-services"]


# Names of the benchmark's databases (--databases): two runs side by side need two.
NAME = "opendata_bench"


def database_urls(backend):
    if backend == "sqlite":
        slug = NAME.replace("_", "-")
        return (
            f"sqlite:////tmp/{slug}-source.sqlite3",
            f"sqlite:////tmp/{slug}-import.sqlite3",
        )
    return (
        f"postgres://postgres@127.0.0.1:5432/guide_{NAME}",
        f"postgres://postgres@127.0.0.1:5432/guide_{NAME}_import",
    )


def reset_database(url):
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg2

    name = url.rsplit("/", 1)[1]
    connection = psycopg2.connect(PG_ADMIN)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def env_for(url):
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "guide.settings",
    }


def manage(url, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(url, count=None):
    reset_database(url)
    manage(url, "migrate", "--noinput")
    manage(url, "load_neighbourhoods")
    manage(url, "loaddata", "needs", "publics", "languages", "kind_defaults")
    if count:
        manage(url, "seed_demo", "--count", str(count))


def child(url, *args):
    """Run this script in --child mode in a fresh process; its JSON measurement."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=True,
        text=True,
    )
    if result.stderr.strip():
        print(result.stderr.strip().splitlines()[-1], file=sys.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_child(kind, *args):
    """In the child: set Django up, do one thing, print time and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    if kind == "export":
        format, output = args
        call_command("export_structures", "--format", format, "--all", "--output", output)
    elif kind == "export-view":
        from django.test import Client
        from django.test.utils import setup_test_environment

        setup_test_environment()
        response = Client().get("/export/structures.csv")
        size = sum(len(chunk) for chunk in response.streaming_content)
        assert response.status_code == 200 and size > 0
    elif kind == "import":
        (path,) = args
        from io import StringIO

        out = StringIO()
        call_command("import_structures", path, "--format", "csv", "--no-progress", stdout=out)
        summary = [line for line in out.getvalue().splitlines() if "créée(s)" in line][0]
        print(summary, file=sys.stderr)
    elif kind == "import-di":
        structures, services = args
        from io import StringIO

        out = StringIO()
        call_command(
            "import_structures", structures, "--format", "data-inclusion", "--services",
            services, "--no-progress", stdout=out,
        )  # fmt: skip
        lines = out.getvalue().splitlines()
        print(" / ".join(line for line in lines if "créée(s)" in line or "Services" in line),
              file=sys.stderr)  # fmt: skip
    elif kind == "read-csv":
        (path,) = args
        import io

        from opendata import formats

        with open(path, "rb") as raw:
            counted = sum(1 for _record in formats.records("csv", io.BufferedReader(raw)))
        print(f"{counted} rows read and checked", file=sys.stderr)
    elif kind == "read-di":
        import io

        from opendata import datainclusion_reader, jsonstream

        counted = 0
        for path, read in (
            (args[0], datainclusion_reader.read_structures),
            (args[1], datainclusion_reader.read_services),
        ):
            with open(path, "rb") as raw:
                stream = io.BufferedReader(raw)
                jsonstream.check(stream)
                for record in read(stream):
                    record.complete()
                    counted += 1
        print(f"{counted} records read and validated", file=sys.stderr)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    # A large import reads its files in a second process (opendata.readahead): its own
    # CPU and peak RSS, reported apart (the two peaks add up at worst).
    reader = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                "reader_cpu_seconds": round(reader.ru_utime + reader.ru_stime, 1),
                "reader_peak_rss_mb": round(reader.ru_maxrss / 1024, 1),
            }
        )
    )


def bench(backend, count):
    source, target = database_urls(backend)
    rows = []
    started = time.perf_counter()
    prepare(source, count)
    print(f"[{backend}] seeded {count} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    csv_path = f"/tmp/{NAME.replace('_', '-')}-{backend}.csv"
    for format in FORMATS:
        output = csv_path if format == "csv" else csv_path.replace(".csv", f".{format}")
        measure = child(source, "export", format, output)
        size_mb = os.path.getsize(output) / 1e6
        rows.append((backend, f"export {format} (command)", measure, f"{size_mb:.0f} MB"))
        print(f"[{backend}] {rows[-1]}", file=sys.stderr)
    measure = child(source, "export-view")
    rows.append((backend, "export csv (HTTP view, streamed)", measure, ""))
    return rows + bench_csv_import(backend)


def bench_csv_import(backend):
    """The CSV the exports wrote, imported into an empty database, then again."""
    _source, target = database_urls(backend)
    csv_path = f"/tmp/{NAME.replace('_', '-')}-{backend}.csv"
    rows = []
    prepare(target)
    with open(csv_path, encoding="utf-8") as file:
        lines = sum(1 for _ in file) - 1
    # The anchor of the CSV import, in the same run: reading and checking the file's rows
    # the way the import does (encoding, CSV parse, each cell's conversion), nothing written.
    anchor = child(target, "read-csv", csv_path)
    rows.append((backend, f"anchor: read and check the CSV's {lines} rows", anchor, "× 1.0"))
    for step in ("empty database", "again, all unchanged"):
        measure = child(target, "import", csv_path)
        ratio = f"× {measure['seconds'] / anchor['seconds']:.1f} the anchor"
        rows.append((backend, f"import csv, {lines} rows, {step}", measure, ratio))
        print(f"[{backend}] {rows[-1]}", file=sys.stderr)
    return rows


def bench_data_inclusion(backend, count, anchor):
    from datainclusion_files import write

    structures, services = write(count, f"/tmp/opendata-bench-di-{count}")
    _source, target = database_urls(backend)
    prepare(target)
    rows = []
    for step in ("empty database", "again, all unchanged"):
        measure = child(target, "import-di", str(structures), str(services))
        ratio = f"× {measure['seconds'] / anchor['seconds']:.1f} the anchor"
        rows.append((backend, f"import data·inclusion, {step}", measure, ratio))
        print(f"[{backend}] {rows[-1]}", file=sys.stderr)
    return rows


def main():
    global NAME
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--steps",
        default="csv,data-inclusion",
        help="csv: seed, export every format, import the CSV; csv-import: only import the "
        "CSV a csv step left (its seeded database kept); data-inclusion",
    )
    parser.add_argument(
        "--databases",
        default=NAME,
        help="name of the benchmark's databases (guide_NAME on PostgreSQL, /tmp/NAME-*.sqlite3)",
    )
    options = parser.parse_args()
    NAME = options.databases
    if options.child:
        run_child(*options.child)
        return
    rows = []
    steps = options.steps.split(",")
    anchor = None
    if "data-inclusion" in steps:
        sys.path.insert(0, str(Path(__file__).parent))
        from datainclusion_files import write

        structures, services = write(options.count, f"/tmp/opendata-bench-di-{options.count}")
        _source, target = database_urls("sqlite")
        prepare(target)
        anchor = child(target, "read-di", str(structures), str(services))
        rows.append(
            ("—", f"anchor: read and validate {options.count} + {2 * options.count} "
             "data·inclusion records, nothing written", anchor, "× 1.0")
        )  # fmt: skip
    for backend in options.backends.split(","):
        if "csv" in steps:
            rows.extend(bench(backend, options.count))
        elif "csv-import" in steps:
            rows.extend(bench_csv_import(backend))
        if "data-inclusion" in steps:
            rows.extend(bench_data_inclusion(backend, options.count, anchor))
    print(
        f"\nMachine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    print(
        "\n| backend | step | time (s) | CPU (s) | peak RSS (MB) "
        "| reader process: CPU (s), peak RSS (MB) | output |"
    )
    print("|---|---|---|---|---|---|---|")
    for backend, step, measure, extra in rows:
        reader = (
            f"{measure['reader_cpu_seconds']}, {measure['reader_peak_rss_mb']}"
            if measure.get("reader_cpu_seconds")
            else "—"
        )
        print(
            f"| {backend} | {step} | {measure['seconds']} | {measure['cpu_seconds']} "
            f"| {measure['peak_rss_mb']} | {reader} | {extra} |"
        )


if __name__ == "__main__":
    main()
