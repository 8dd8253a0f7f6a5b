"""Every quartier of the Région (issue 18): polygons at the scale of the national IRIS layer.

    cd bench && DATABASE_URL=sqlite:////tmp/guide-territories.sqlite3 \
        ../.venv/bin/python bench_territories.py
    (or DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_territories, a database of its own)

Generates 50,000 fictional polygons (40 vertices each, IRIS field names, around "Null
Island", latitude 0, longitude 0: no real place) and 200 fictional QPVs over them, then
measures, on an empty database (migrated here; its example rows are replaced):
- loading them with `load_neighbourhoods --preset iris` (goal: ≤ 120 s), and the QPVs;
- locating a search origin among them, as a search does (the process's index, once built;
  goal: ≤ 1 ms median), and building that index;
- deriving the quartier and QPV of 100,000 structures (goal: ≤ 60 s).
Each figure beside an anchor measured in the same run (reading the same file with ijson
alone; a bare `SELECT 1`; reading the structures' positions), and as a ratio to it.
"""

import argparse
import io
import json
import math
import os
import random
import statistics
import tempfile
import time

from common import database_version, git_revision, machine, setup_django

setup_django()

import ijson  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from actors import vocabulary  # noqa: E402
from actors.bulkinsert import insert_rows  # noqa: E402
from actors.models import Neighbourhood, Structure  # noqa: E402

CELL = 0.004  # degrees: about 450 m, an IRIS of a dense town
VERTICES = 40


def polygon(rng, x0, y0, size):
    """A wobbly ring of VERTICES points inside the cell [x0, x0 + size] × [y0, y0 + size]."""
    cx, cy, radius = x0 + size / 2, y0 + size / 2, size * 0.48
    ring = []
    for k in range(VERTICES):
        angle = 2 * math.pi * k / VERTICES
        r = radius * (0.85 + 0.15 * rng.random())
        ring.append([round(cx + r * math.cos(angle), 7), round(cy + r * math.sin(angle), 7)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def write_layers(folder, count, rng):
    """The IRIS-like layer (count polygons on a grid) and a QPV layer over it."""
    columns = math.ceil(math.sqrt(count * 1.25))
    iris = os.path.join(folder, "iris-fictifs.geojson")
    with open(iris, "w") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        for k in range(count):
            row, column = divmod(k, columns)
            commune = k // 500
            feature = {
                "type": "Feature",
                "properties": {
                    "code_iris": f"00{commune:03d}{k:05d}",
                    "nom_iris": f"IRIS fictif n° {k}",
                    "insee_com": f"00{commune:03d}",
                    "nom_com": f"Commune fictive n° {commune}",
                },
                "geometry": polygon(rng, column * CELL, row * CELL, CELL),
            }
            handle.write(("," if k else "") + json.dumps(feature) + "\n")
        handle.write("]}\n")
    qpv = os.path.join(folder, "qpv-fictifs.geojson")
    features = []
    rows = count // columns
    for k in range(200):
        x0, y0 = rng.uniform(0, columns * CELL), rng.uniform(0, rows * CELL)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code_qp": f"QN000{k:03d}X",
                    "lib_qp": f"QPV fictif n° {k}",
                    "insee_com": "00000",
                    "lib_com": "Commune fictive n° 0",
                },
                "geometry": polygon(rng, x0, y0, CELL * 2),
            }
        )
    with open(qpv, "w") as handle:
        json.dump({"type": "FeatureCollection", "features": features}, handle)
    return iris, qpv, (columns * CELL, rows * CELL)


def timed_once(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def median_ms(function, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def clear():
    """The benchmark's own rows from a previous run, deleted in SQL (no children)."""
    table = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table(Structure._meta.db_table)} WHERE slug LIKE 'bench-%%'")
        cursor.execute(
            f"DELETE FROM {table(Neighbourhood._meta.db_table)} WHERE layer IN ('iris', 'qpv')"
        )


def seed_structures(count, extent, rng):
    now = timezone.now()
    rows = []
    for k in range(count):
        lat, lon = rng.uniform(0, extent[1]), rng.uniform(0, extent[0])
        rows.append(
            {
                "name": f"Structure fictive n° {k} (exemple)",
                "slug": f"bench-territoire-{k}",
                "kind": "association",
                "status": "published",
                "is_example": True,
                "latitude": lat,
                "longitude": lon,
                "coordinates_source": "example",
                "search_text": f"structure fictive {k}",
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(rows) == 10_000:
            insert_rows(Structure, rows)
            rows = []
    insert_rows(Structure, rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--polygons", type=int, default=50_000)
    parser.add_argument("--structures", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    rng = random.Random(18)
    print(
        f"# {database_version()} · rev {git_revision()} · load {os.getloadavg()[0]:.2f} "
        f"(1, 5, 15 min: {', '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    print(f"# {machine()}")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        iris, qpv, extent = write_layers(folder, args.polygons, rng)
        size = os.path.getsize(iris) / 1e6
        print(f"# {args.polygons} polygons of {VERTICES} vertices: {size:.0f} MB of GeoJSON")
        clear()  # no area of these layers: the load creates every row

        def read_only():
            with open(iris, "rb") as handle:
                return sum(1 for _ in ijson.items(handle, "features.item", use_float=True))

        anchor = timed_once(read_only)
        rows.append(("anchor: read the layer with ijson, nothing else", *anchor[:2]))
        out = io.StringIO()
        wall, cpu, _ = timed_once(
            lambda: call_command("load_neighbourhoods", iris, preset="iris", stdout=out)
        )
        rows.append((f"load_neighbourhoods --preset iris: {args.polygons} polygons", wall, cpu))
        wall, cpu, _ = timed_once(
            lambda: call_command("load_neighbourhoods", iris, preset="iris", stdout=out)
        )
        rows.append(("  the same file again (every area unchanged)", wall, cpu))
        wall, cpu, _ = timed_once(
            lambda: call_command("load_neighbourhoods", qpv, preset="qpv", stdout=out)
        )
        rows.append(("load_neighbourhoods --preset qpv: 200 QPVs", wall, cpu))
        print("# " + " / ".join(line for line in out.getvalue().splitlines() if "Zones" in line))

    print("| step | wall (s) | CPU (s) | × anchor (wall) |")
    print("|---|---:|---:|---:|")
    for name, wall, cpu in rows:
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {wall / rows[0][1]:.1f} |")

    # Locating a search origin: the process's index (actors.vocabulary), as a search does.
    vocabulary.forget()
    words = vocabulary.current()
    wall, cpu, _ = timed_once(words.area_index)
    points = [(rng.uniform(0, extent[1]), rng.uniform(0, extent[0])) for _ in range(args.repeat)]
    cycle = iter(points * 3)
    located = sum(words.locate(lat, lon) is not None for lat, lon in points)

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    anchor_ms = median_ms(select_one, args.repeat)
    locate_ms = median_ms(lambda: words.locate(*next(cycle)), args.repeat)
    print()
    print(
        f"# {len(words.neighbourhoods)} quartiers in the vocabulary; {located}/{len(points)} "
        "random origins fall in one (the rest between the polygons)"
    )
    print("| search origin | median (ms) | × anchor |")
    print("|---|---:|---:|")
    print(f"| anchor: a bare SELECT 1 | {anchor_ms:.3f} | 1.0 |")
    print(f"| locate one origin (kept index) | {locate_ms:.3f} | {locate_ms / anchor_ms:.2f} |")
    print(
        f"| build the process's index (once per change of the areas) | {wall * 1000:.0f} "
        f"| CPU {cpu:.1f} s |"
    )

    # Deriving the quartier and QPV of 100,000 structures.
    seed_structures(args.structures, extent, rng)
    structures = Structure.objects.filter(slug__startswith="bench-")
    anchor = timed_once(lambda: list(structures.values_list("pk", "latitude", "longitude")))
    index = timed_once(lambda: Neighbourhood.objects.index())
    derive = timed_once(lambda: structures.relocate(index[2]))
    again = timed_once(lambda: structures.relocate(Neighbourhood.objects.index()))
    in_qpv = structures.filter(qpv_distance_m=0).count()
    near = structures.filter(qpv__isnull=False).count()
    placed = structures.filter(neighbourhood__isnull=False).count()
    print()
    print(
        f"# {args.structures} structures: {placed} in a quartier, {in_qpv} in a QPV, "
        f"{near} in or within 300 m of one; {derive[2]} changed"
    )
    print("| derive | wall (s) | CPU (s) | × anchor (wall) |")
    print("|---|---:|---:|---:|")
    print(f"| anchor: read their positions | {anchor[0]:.1f} | {anchor[1]:.1f} | 1.0 |")
    print(
        f"| index of every area from the database | {index[0]:.1f} | {index[1]:.1f} "
        f"| {index[0] / anchor[0]:.1f} |"
    )
    print(
        f"| derive quartier and QPV of all, write them | {derive[0]:.1f} | {derive[1]:.1f} "
        f"| {derive[0] / anchor[0]:.1f} |"
    )
    print(
        f"| the same again, nothing changed (index included) | {again[0]:.1f} "
        f"| {again[1]:.1f} | {again[0] / anchor[0]:.1f} |"
    )
    clear()


if __name__ == "__main__":
    main()
