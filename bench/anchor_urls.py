"""The project's URLs plus the benchmark's anchor: a bare Django page that runs the raw
proximity query and renders its 20 rows in a trivial template (bench/bench_search.py)."""

import math

from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from actors import geo
from guide.urls import handler404  # noqa: F401
from guide.urls import urlpatterns as project_urls

TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>{{ rows|length }}</title><ul>"
    "{% for name, slug, distance in rows %}"
    '<li><a href="/structures/{{ slug }}/">{{ name }}</a> {{ distance|floatformat:0 }} m</li>'
    "{% endfor %}</ul>"
)


def nearest_sql(lat, lon, radius_km):
    """The 20 nearest published structures serving a need within the box of radius_km,
    written by hand so that it stays the same whatever the project's own code does."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius_km)
    bands = geo.latitude_bands(min_lat, max_lat)
    phi0, lambda0 = math.radians(lat), math.radians(lon)
    distance = (
        "2 * 6371008.8 * ASIN(SQRT(POWER(SIN((RADIANS(s.latitude) - %s) / 2.0), 2)"
        " + %s * COS(RADIANS(s.latitude)) * POWER(SIN((RADIANS(s.longitude) - %s) / 2.0), 2)))"
    )
    sql = (
        f"SELECT s.name, s.slug, {distance} AS d FROM actors_structure s "
        "WHERE s.status = 'published' "
        f"AND s.latitude_band IN ({', '.join(['%s'] * len(bands))}) "
        "AND s.longitude BETWEEN %s AND %s AND s.latitude BETWEEN %s AND %s "
        "AND EXISTS (SELECT 1 FROM actors_structure_needs n WHERE n.structure_id = s.id "
        "AND n.need_id = %s) "
        "ORDER BY d LIMIT 20"
    )
    return sql, [phi0, math.cos(phi0), lambda0, *bands, min_lon, max_lon, min_lat, max_lat]


def anchor(request):
    lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    sql, params = nearest_sql(lat, lon, 0.5)
    params.append(int(request.GET["need"]))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return HttpResponse(TEMPLATE.render({"rows": rows}))


urlpatterns = [path("bench-anchor/", anchor), *project_urls]
