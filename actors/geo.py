"""Distances, bounding boxes and polygons at walking scale.

Pure functions on WGS84 (latitude, longitude) pairs and GeoJSON geometries (their
geometry done by shapely), plus the SQL expression that computes the same haversine
distance in the database.
GeoJSON stores positions as [longitude, latitude]: every function here takes
and returns (latitude, longitude) and converts at the boundary.
"""

import json
import math
from urllib.parse import urlencode

import numpy
import shapely
import shapely.errors
import shapely.geometry
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


# --- Polygons (shapely) -------------------------------------------------------------------
# Quartier boundaries are GeoJSON (Multi)Polygons in WGS84, [longitude, latitude]. shapely
# (GEOS) does the geometry: containment, centroids, areas, simplification, and the STRtree
# of `Locator`. Planar on degrees is accurate enough at the scale of a quartier a few km
# across; areas and distances are scaled to metres at the polygon's latitude.

_POLYGONAL = ("Polygon", "MultiPolygon")


def parse_polygon(geometry):
    """The shapely (Multi)Polygon of a GeoJSON geometry, as written (perhaps invalid);
    ValueError for anything else (another type, no or unreadable coordinates)."""
    if not geometry or not isinstance(geometry, dict):
        raise ValueError("Empty geometry")
    kind = geometry.get("type")
    if kind not in _POLYGONAL:
        raise ValueError(f"Unsupported geometry type: {kind!r}")
    try:
        polygon = shapely.geometry.shape(geometry)
    except (KeyError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as e:
        raise ValueError(f"Invalid coordinates: {e}") from e
    if polygon.is_empty:
        raise ValueError("Empty geometry")
    return polygon


def geometry_shape(geometry):
    """The valid shapely (Multi)Polygon of a GeoJSON geometry (see valid_polygons);
    ValueError for anything else, or a shape without area."""
    polygon = valid_polygons(parse_polygon(geometry))
    if polygon.area == 0:
        raise ValueError("Degenerate geometry")
    return polygon


def valid_polygons(polygon):
    """A valid (Multi)Polygon covering the same area: a self-touching ring, as official
    layers have, made valid by GEOS; lines and points it leaves behind are dropped."""
    if polygon.is_valid:
        return polygon
    fixed = shapely.make_valid(polygon)
    parts = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in _POLYGONAL]
    pieces = [p for part in parts for p in getattr(part, "geoms", [part])]
    if not pieces:
        raise ValueError("Degenerate geometry")
    return pieces[0] if len(pieces) == 1 else shapely.MultiPolygon(pieces)


def shapes_from_geojson(texts):
    """Valid shapely polygons of GeoJSON geometries given as JSON text, parsed in C at once
    (ten times faster than dicts one by one); None for text that is not a polygon."""
    shapes = shapely.from_geojson(numpy.asarray(texts, dtype=object), on_invalid="ignore")
    result = []
    for shape in shapes.tolist():
        if shape is None or shape.is_empty or shape.geom_type not in _POLYGONAL:
            result.append(None)
            continue
        try:
            result.append(shape if shape.is_valid else valid_polygons(shape))
        except ValueError:
            result.append(None)
    return result


def as_geojson(polygon):
    """The GeoJSON geometry (a dict of lists) of a shapely polygon."""
    return json.loads(shapely.to_geojson(polygon))


def point_in_geometry(lat, lon, geometry):
    """True when the point lies inside the (Multi)Polygon (or on its boundary), holes
    excluded."""
    return bool(shapely.intersects_xy(geometry_shape(geometry), lon, lat))


def geometry_bbox(geometry):
    """(min_lat, max_lat, min_lon, max_lon) of a geometry."""
    min_lon, min_lat, max_lon, max_lat = geometry_shape(geometry).bounds
    return min_lat, max_lat, min_lon, max_lon


def geometry_centroid(geometry):
    """Area-weighted centroid (lat, lon), computed in the lon/lat plane."""
    centroid = geometry_shape(geometry).centroid
    return centroid.y, centroid.x


def area_m2(polygon):
    """Approximate area of a shapely polygon in square metres (equirectangular at its
    middle latitude)."""
    _, min_lat, _, max_lat = polygon.bounds
    cos_lat = math.cos(math.radians((min_lat + max_lat) / 2))
    return polygon.area * METRES_PER_DEGREE_LATITUDE**2 * cos_lat


def geometry_area_m2(geometry):
    return area_m2(geometry_shape(geometry))


def simplified(polygon, tolerance_m):
    """The polygon with the vertices that move it less than `tolerance_m` dropped, for
    display (maps, the API): topology kept, never empty (the exact one if it would be)."""
    tolerance = tolerance_m / METRES_PER_DEGREE_LATITUDE
    simple = shapely.simplify(polygon, tolerance, preserve_topology=True)
    return polygon if simple.is_empty or not simple.is_valid else simple


def _to_metres(lat):
    """Scale factors (x, y) from degrees to metres around latitude `lat`."""
    return METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(lat)), METRES_PER_DEGREE_LATITUDE


def distance_m(lat, lon, polygon):
    """0 inside a shapely polygon, otherwise the distance in metres to its boundary
    (planar, scaled at the point's latitude: right to a few metres at walking range)."""
    if shapely.intersects_xy(polygon, lon, lat):
        return 0.0
    kx, ky = _to_metres(lat)
    local = shapely.transform(polygon, lambda xy: (xy - (lon, lat)) * (kx, ky))
    return float(shapely.distance(local, shapely.Point(0, 0)))


def distance_to_geometry_m(lat, lon, geometry):
    """distance_m() for a GeoJSON geometry."""
    return distance_m(lat, lon, geometry_shape(geometry))


class Locator:
    """Which of many polygons hold a point: the one point-in-polygon of the code base.

    `items` are (key, polygon) pairs, a polygon being a shapely geometry or a GeoJSON
    one, in order of preference: when several hold a point, the first one wins. An
    STRtree on their bounding boxes gives a point's few candidates, then GEOS tests them
    on prepared geometries. 50,000 polygons take about a second to index; a point is then
    located in some tens of microseconds, 100,000 points at once in about a second.
    """

    def __init__(self, items):
        keys, polygons = [], []
        for key, polygon in items:
            keys.append(key)
            polygons.append(polygon if hasattr(polygon, "geom_type") else geometry_shape(polygon))
        self.keys = keys
        self.polygons = numpy.array(polygons, dtype=object)
        shapely.prepare(self.polygons)
        self.tree = shapely.STRtree(self.polygons)

    def __len__(self):
        return len(self.keys)

    def _holding(self, lat, lon):
        """Positions (in preference order) of the polygons holding the point."""
        candidates = self.tree.query(shapely.Point(lon, lat))
        if not len(candidates):
            return candidates
        candidates.sort()
        return candidates[shapely.intersects_xy(self.polygons[candidates], lon, lat)]

    def locate(self, lat, lon):
        """The key of the first polygon holding the point, or None."""
        if lat is None or lon is None:
            return None
        holding = self._holding(lat, lon)
        return self.keys[holding[0]] if len(holding) else None

    def locate_many(self, lats, lons):
        """locate() for sequences of points at once (in C): a list of keys or None."""
        found = [None] * len(lats)
        if not len(self.keys) or not len(lats):
            return found
        points = shapely.points(numpy.column_stack([lons, lats]))
        # Bounding boxes first (the tree), then the exact test on prepared polygons.
        point_at, polygon_at = self.tree.query(points)
        inside = shapely.intersects_xy(
            self.polygons[polygon_at], numpy.asarray(lons)[point_at], numpy.asarray(lats)[point_at]
        )
        point_at, polygon_at = point_at[inside], polygon_at[inside]
        # The first polygon of each point: pairs sorted by polygon, then by point.
        order = numpy.lexsort((polygon_at, point_at))
        point_at, polygon_at = point_at[order], polygon_at[order]
        first = numpy.ones(len(point_at), dtype=bool)
        first[1:] = point_at[1:] != point_at[:-1]
        for point, polygon in zip(
            point_at[first].tolist(), polygon_at[first].tolist(), strict=True
        ):
            found[point] = self.keys[polygon]
        return found

    def nearest_within(self, lat, lon, metres):
        """(key, distance in metres) of the nearest polygon within `metres` (0 inside; the
        first in order among those at the same distance), or (None, None)."""
        if lat is None or lon is None or not len(self.keys):
            return None, None
        dlat = metres / METRES_PER_DEGREE_LATITUDE
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        box = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        candidates = sorted(self.tree.query(box).tolist())
        best = (None, None)
        for position in candidates:
            distance = distance_m(lat, lon, self.polygons[position])
            if distance <= metres and (best[1] is None or distance < best[1]):
                best = (self.keys[position], distance)
        return best


def walking_directions_url(destination, origin=None):
    """OpenStreetMap's walking directions (its foot routing engine) to `destination`, from
    `origin` when known (else the visitor types a start there); (lat, lon) pairs."""

    def point(lat_lon):
        return f"{lat_lon[0]:.5f},{lat_lon[1]:.5f}"

    route = f"{point(origin) if origin else ''};{point(destination)}"
    return "https://www.openstreetmap.org/directions?" + urlencode(
        {"engine": "fossgis_osrm_foot", "route": route}
    )
