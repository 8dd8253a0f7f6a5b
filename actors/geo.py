"""Distances, bounding boxes and polygons at walking scale.

Pure functions on WGS84 (latitude, longitude) pairs and GeoJSON geometries, plus
the SQL expression that computes the same haversine distance in the database.
GeoJSON stores positions as [longitude, latitude]: every function here takes
and returns (latitude, longitude) and converts at the boundary.
"""

import bisect
import itertools
import math
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, FloatField, Func

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
METRES_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_M / 180


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def walking_minutes(distance_m):
    """Estimated walk: straight line × detour factor, at walking speed.

    Streets are not straight lines: in a dense city the walked path is about
    1.3 times the crow-flies distance, and people walk about 4.5 km/h. This is
    an estimate shown as such to users, not a routed itinerary.
    """
    if distance_m is None:
        return None
    metres_per_minute = settings.WALKING_SPEED_KMH * 1000 / 60
    return max(1, round(distance_m * settings.WALKING_DETOUR_FACTOR / metres_per_minute))


def bounding_box(lat, lon, radius_km):
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle of radius_km.

    Used as an index-friendly prefilter before the exact haversine distance.
    """
    dlat = radius_km * 1000 / METRES_PER_DEGREE_LATITUDE
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, dlat / cos_lat)
    return (max(-90.0, lat - dlat), min(90.0, lat + dlat), lon - dlon, lon + dlon)


# Latitude bands of 1/200° (about 556 m): the database stores floor(latitude × 200).
BANDS_PER_DEGREE = 200


def latitude_bands(min_lat, max_lat):
    """The band numbers covering [min_lat, max_lat], as the database computes them."""
    return list(
        range(math.floor(min_lat * BANDS_PER_DEGREE), math.floor(max_lat * BANDS_PER_DEGREE) + 1)
    )


def growing_radii(radius_km):
    """Radii to try, smallest first, ending with radius_km itself."""
    return [r for r in (0.25, 0.5, 1.0) if r < radius_km] + [radius_km]


class Haversine(Func):
    """Haversine distance in metres from a fixed point to each row, as one SQL expression.

    Runs on SQLite (math functions) and PostgreSQL. The origin's trigonometry is
    computed once in Python; one flat SQL template instead of a tree of a dozen
    expression nodes keeps query compilation cheap on the hot search path.
    """

    output_field = FloatField()

    def __init__(self, lat, lon, lat_field="latitude", lon_field="longitude"):
        self.phi0, self.lambda0 = radians_of(lat, lon)
        super().__init__(F(lat_field), F(lon_field))

    def as_sql(self, compiler, connection, **extra_context):
        (lat_sql, lat_params), (lon_sql, lon_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        assert not lat_params and not lon_params  # plain columns
        return haversine_sql(lat_sql, lon_sql, self.phi0, self.lambda0)


def radians_of(lat, lon):
    return math.radians(lat), math.radians(lon)


def haversine_sql(lat_sql, lon_sql, phi0, lambda0):
    """The SQL of haversine_m() from the point (phi0, lambda0), in radians, to the columns
    `lat_sql`, `lon_sql` (degrees): (sql, params). Also written out by actors.proximity."""
    sql = (
        f"(%s * ASIN(SQRT(POWER(SIN((RADIANS({lat_sql}) - %s) / 2.0), 2)"
        f" + %s * COS(RADIANS({lat_sql})) * POWER(SIN((RADIANS({lon_sql}) - %s) / 2.0), 2))))"
    )
    return sql, [2 * EARTH_RADIUS_M, phi0, math.cos(phi0), lambda0]


def distance_expression(lat, lon, lat_field="latitude", lon_field="longitude"):
    """Haversine distance in metres from (lat, lon) to each row, as SQL."""
    return Haversine(lat, lon, lat_field, lon_field)


# --- Nearest first on PostgreSQL: points on the unit sphere, in a GiST index -------------
# Each published place's point on the unit sphere, as a `cube` (PostgreSQL contrib, no
# PostGIS): migration 0008 indexes exactly this expression, so the SQL below must stay
# the same text. The straight-line (chord) distance between two points of the sphere
# grows with the great-circle distance, so ordering by it is the haversine order.
SPHERE_POINT_SQL = (
    "cube(ARRAY[cos(radians({lat})) * cos(radians({lon})), "
    "cos(radians({lat})) * sin(radians({lon})), sin(radians({lat}))])"
)


def sphere_index_available(alias="default"):
    """PostgreSQL has the sphere index (migration 0008 creates it there, never elsewhere)."""
    from django.db import connections

    return connections[alias].vendor == "postgresql"


def unit_sphere(lat, lon):
    phi, lam = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


class _SphereExpression(Func):
    def __init__(self, lat, lon, lat_field="latitude", lon_field="longitude"):
        self.origin = unit_sphere(lat, lon)
        super().__init__(F(lat_field), F(lon_field))

    def _point_sql(self, compiler):
        (lat_sql, lat_params), (lon_sql, lon_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        assert not lat_params and not lon_params  # plain columns, as in the index
        return SPHERE_POINT_SQL.format(lat=lat_sql, lon=lon_sql)


class SphereDistance(_SphereExpression):
    """Chord distance on the unit sphere to the origin: ORDER BY it walks the GiST index."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        point = self._point_sql(compiler)
        return f"({point} <-> cube(ARRAY[%s, %s, %s]::float8[]))", list(self.origin)


# --- GeoJSON polygons ------------------------------------------------------------------


def _polygons(geometry):
    """The list of polygons (each a list of [lon, lat] rings) of a geometry."""
    if not geometry:
        return []
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"Unsupported geometry type: {kind!r}")


def _ring_contains(ring, x, y):
    # Ray casting: count crossings of a horizontal ray from (x, y).
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_geometry(lat, lon, geometry):
    """True when the point lies inside the (Multi)Polygon, holes excluded."""
    for rings in _polygons(geometry):
        inside_outer = rings and _ring_contains(rings[0], lon, lat)
        if inside_outer and not any(_ring_contains(hole, lon, lat) for hole in rings[1:]):
            return True
    return False


def geometry_bbox(geometry):
    """(min_lat, max_lat, min_lon, max_lon) of a geometry."""
    lons, lats = [], []
    for rings in _polygons(geometry):
        for ring in rings:
            for position in ring:
                lons.append(position[0])
                lats.append(position[1])
    if not lats:
        raise ValueError("Empty geometry")
    return min(lats), max(lats), min(lons), max(lons)


def _ring_area_centroid(ring):
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return area, cx / (6 * area), cy / (6 * area)


def geometry_centroid(geometry):
    """Area-weighted centroid (lat, lon), computed in the lon/lat plane.

    Planar on degrees is accurate enough for neighbourhoods a few km across.
    """
    total = sx = sy = 0.0
    for rings in _polygons(geometry):
        for index, ring in enumerate(rings):
            positions = [(p[0], p[1]) for p in ring]
            area, cx, cy = _ring_area_centroid(positions)
            area = abs(area) if index == 0 else -abs(area)  # holes subtract
            total += area
            sx += cx * area
            sy += cy * area
    if total == 0:
        raise ValueError("Degenerate geometry")
    return sy / total, sx / total


def geometry_area_m2(geometry):
    """Approximate area in square metres (local equirectangular projection)."""
    min_lat, max_lat, _, _ = geometry_bbox(geometry)
    cos_lat = math.cos(math.radians((min_lat + max_lat) / 2))
    total = 0.0
    for rings in _polygons(geometry):
        for index, ring in enumerate(rings):
            area, _, _ = _ring_area_centroid([(p[0], p[1]) for p in ring])
            total += abs(area) if index == 0 else -abs(area)
    return total * METRES_PER_DEGREE_LATITUDE**2 * cos_lat


def distance_to_geometry_m(lat, lon, geometry):
    """0 inside the polygon, otherwise the distance in metres to its boundary."""
    if point_in_geometry(lat, lon, geometry):
        return 0.0
    # Project locally to metres around the point, then point-to-segment distances.
    kx = METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(lat))
    ky = METRES_PER_DEGREE_LATITUDE
    best = math.inf
    for rings in _polygons(geometry):
        for ring in rings:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
                ax, ay = (x0 - lon) * kx, (y0 - lat) * ky
                bx, by = (x1 - lon) * kx, (y1 - lat) * ky
                dx, dy = bx - ax, by - ay
                length2 = dx * dx + dy * dy
                t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
                px, py = ax + t * dx, ay + t * dy
                best = min(best, math.hypot(px, py))
    return best


class PointSampler:
    """Draws random points inside a polygon, fast enough for 100,000 points.

    Rejection sampling would run a ray-casting test over ~1,000 vertices per
    try. Instead, `lines` horizontal scanlines are cut once against every edge;
    a point is then a scanline (weighted by its inside length) and a uniform
    position along its inside intervals: O(1) per point after set-up.
    """

    def __init__(self, geometry, rng, lines=200):
        self.rng = rng
        min_lat, max_lat, _, _ = geometry_bbox(geometry)
        span = max_lat - min_lat
        latitudes = [min_lat + span * (k + rng.random()) / lines for k in range(lines)]
        crossings = [[] for _ in latitudes]
        for rings in _polygons(geometry):
            for ring in rings:
                for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
                    if y0 == y1:
                        continue
                    # Only the scanlines between the edge's ends can cross it.
                    low, high = min(y0, y1), max(y0, y1)
                    first = bisect.bisect_left(latitudes, low)
                    last = bisect.bisect_left(latitudes, high)
                    for k in range(first, last):
                        lat = latitudes[k]
                        crossings[k].append(x0 + (lat - y0) * (x1 - x0) / (y1 - y0))
        self.scanlines = []  # (lat, [(x0, x1), ...], inside length)
        for lat, xs in zip(latitudes, crossings, strict=True):
            xs.sort()
            intervals = list(zip(xs[::2], xs[1::2], strict=False))
            length = sum(x1 - x0 for x0, x1 in intervals)
            if length > 0:
                self.scanlines.append((lat, intervals, length))
        if not self.scanlines:
            raise ValueError("Degenerate geometry")
        self.weights = list(itertools.accumulate(length for _, _, length in self.scanlines))

    def point(self):
        lat, intervals, length = self.rng.choices(self.scanlines, cum_weights=self.weights)[0]
        offset = self.rng.uniform(0, length)
        for x0, x1 in intervals:
            if offset <= x1 - x0:
                return lat, x0 + offset
            offset -= x1 - x0
        return lat, intervals[-1][1]


def walking_directions_url(destination, origin=None):
    """OpenStreetMap's walking directions (its foot routing engine) to `destination`, from
    `origin` when known (else the visitor types a start there); (lat, lon) pairs."""

    def point(lat_lon):
        return f"{lat_lon[0]:.5f},{lat_lon[1]:.5f}"

    route = f"{point(origin) if origin else ''};{point(destination)}"
    return "https://www.openstreetmap.org/directions?" + urlencode(
        {"engine": "fossgis_osrm_foot", "route": route}
    )
