"""Shared helpers for the benchmarks: Django set-up, a seeded database, medians."""

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings

    # Query logging under DEBUG would distort every figure.
    settings.DEBUG = False


def ensure_seeded(count):
    """Migrate and seed the benchmark database once (seed_demo is deterministic)."""
    from django.core.management import call_command

    from actors.models import Need, Neighbourhood, Structure

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not Neighbourhood.objects.exists():
        with open(os.devnull, "w") as devnull:
            call_command("load_neighbourhoods", stdout=devnull, stderr=devnull)
    if not Need.objects.exists():
        call_command("loaddata", "needs", "publics", "languages", "kind_defaults", verbosity=0)
    existing = Structure.objects.filter(is_example=True).count()
    if existing != count:
        started = time.monotonic()
        call_command("seed_demo", count=count, replace=existing > 0, verbosity=0)
        print(f"seeded {count} structures in {time.monotonic() - started:.1f} s", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE") if connection.get_autocommit() else None
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(function, *, repeat, warmup=5):
    """Median and 95th percentile in milliseconds of `repeat` calls."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores ({cpu}){memory}, {system}"


def database_version():
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def git_revision():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
