"""The printable "Guide des acteurs de l'orientation du quartier".

Entries inside the quartier, then those just outside ("tout près": within
1.5 km of the boundary — people do not stop at administrative lines), each
numbered on a map drawn as SVG from our own polygon (no tile server: it prints
crisp and needs no network).
"""

import math
from dataclasses import dataclass, field

from actors import geo
from actors.models import Need, Structure
from transit import nearby as nearby_stops

NEARBY_M = 1500
# A booklet, not a database dump: the nearest entries to the quartier's centre.
MAX_INSIDE = 160
MAX_NEARBY = 40
# Candidates examined for "tout près" (nearest to the centre first): the exact
# distance to the boundary is computed in Python on these only.
NEARBY_CANDIDATES = 400

MAP_WIDTH = 800
MAP_MARGIN = 24
# The map's size on paper (static/css/print.css): the width of an A4 page inside its
# margins (210 - 2 × 14 mm), at most 150 mm high, less its 1 px border; in CSS pixels, 96
# to the inch. Its numbers are drawn large enough to print at 12 pt (16 px) whatever the
# quartier's shape.
PRINT_WIDTH_PX = 182 / 25.4 * 96 - 2
PRINT_MAX_HEIGHT_PX = 150 / 25.4 * 96 - 2
MIN_PRINT_TEXT_PX = 16


@dataclass
class Entry:
    number: int
    structure: Structure
    distance_m: float
    inside: bool
    # The nearest stops in words, for print (transit): ["Tram T9 — Arrêt …, 2 min à pied"].
    stops: list = field(default_factory=list)

    @property
    def walking_minutes(self):
        return geo.walking_minutes(self.distance_m)


@dataclass
class Guide:
    neighbourhood: object
    needs: list
    inside: list = field(default_factory=list)
    nearby: list = field(default_factory=list)
    truncated: bool = False

    @property
    def entries(self):
        return self.inside + self.nearby

    def table_of_contents(self):
        """[(need, [entry numbers])] for the needs served by at least one entry."""
        needs = self.needs or list(Need.objects.all())
        rows = []
        for need in needs:
            numbers = [e.number for e in self.entries if need.pk in served_need_ids(e.structure)]
            if numbers:
                rows.append((need, numbers))
        return rows

    def svg_map(self):
        return svg_map(self.neighbourhood, self.entries)


def served_need_ids(structure):
    """Needs served by the place itself or by a permanence it hosts (prefetched)."""
    ids = {need.pk for need in structure.needs.all()}
    for permanence in structure.hosted_permanences.all():
        ids.update(need.pk for need in permanence.needs.all())
    return ids


def _prefetched(queryset):
    return queryset.with_card_data()


def build_guide(neighbourhood, needs=()):
    needs = list(needs)
    lat, lon = neighbourhood.centroid_latitude, neighbourhood.centroid_longitude
    base = Structure.objects.published()
    if needs:
        base = base.serving(needs)
    inside_qs = (
        base.filter(neighbourhood=neighbourhood)
        .with_distance(lat, lon)
        .order_by("distance", "name")
    )
    inside = list(_prefetched(inside_qs)[: MAX_INSIDE + 1])
    guide = Guide(neighbourhood, needs, truncated=len(inside) > MAX_INSIDE)
    inside = inside[:MAX_INSIDE]

    # "Tout près": outside the polygon, within NEARBY_M of its boundary.
    reach_km = _farthest_vertex_km(neighbourhood) + NEARBY_M / 1000
    candidates = (
        base.exclude(neighbourhood=neighbourhood)
        .near(lat, lon, reach_km)
        .only("pk", "latitude", "longitude", "name")[:NEARBY_CANDIDATES]
    )
    nearby_ids = [
        s.pk
        for s in candidates
        if not neighbourhood.contains(s.latitude, s.longitude)
        and geo.distance_to_geometry_m(s.latitude, s.longitude, neighbourhood.boundary) <= NEARBY_M
    ]
    guide.truncated |= len(nearby_ids) > MAX_NEARBY
    nearby = list(
        _prefetched(base.filter(pk__in=nearby_ids[:MAX_NEARBY]).with_distance(lat, lon)).order_by(
            "distance", "name"
        )
    )
    stops = nearby_stops.stops_for([s.pk for s in inside + nearby])
    guide.inside = [
        Entry(n, s, s.distance, True, _stop_lines(stops, s)) for n, s in enumerate(inside, start=1)
    ]
    guide.nearby = [
        Entry(n, s, s.distance, False, _stop_lines(stops, s))
        for n, s in enumerate(nearby, start=len(inside) + 1)
    ]
    return guide


def _stop_lines(stops, structure):
    return [nearby_stops.stops_line(stop) for stop in stops.get(structure.pk, [])[:2]]


def _farthest_vertex_km(neighbourhood):
    lat, lon = neighbourhood.centroid_latitude, neighbourhood.centroid_longitude
    corners = [
        (neighbourhood.min_latitude, neighbourhood.min_longitude),
        (neighbourhood.min_latitude, neighbourhood.max_longitude),
        (neighbourhood.max_latitude, neighbourhood.min_longitude),
        (neighbourhood.max_latitude, neighbourhood.max_longitude),
    ]
    return max(geo.haversine_m(lat, lon, a, b) for a, b in corners) / 1000


@dataclass
class SvgMap:
    width: int
    height: int
    path: str
    markers: list  # [(x, y, number, inside)]
    centre: tuple  # (x, y) of the reference point

    @property
    def marker_size(self):
        """Font size (and circle radius) of the numbers, in the drawing's units: 16 px
        (12 pt) once the drawing is scaled to its printed size (narrower when the quartier
        is tall: the height is capped)."""
        printed_width = min(PRINT_WIDTH_PX, PRINT_MAX_HEIGHT_PX * self.width / self.height)
        return math.ceil(MIN_PRINT_TEXT_PX * self.width / printed_width)

    @property
    def centre_path(self):
        """A cross on the reference point, as SVG path data."""
        x, y = self.centre
        return f"M{x - 7:.1f},{y:.1f} h14 M{x:.1f},{y - 7:.1f} v14"


def svg_map(neighbourhood, entries):
    """The quartier's outline and numbered markers, projected to SVG coordinates.

    Local equirectangular projection (x = longitude × cos(latitude)): at the
    scale of a quartier, indistinguishable from a proper map projection.
    """
    points = [(e.structure.latitude, e.structure.longitude) for e in entries]
    min_lat = min([neighbourhood.min_latitude, *(p[0] for p in points)])
    max_lat = max([neighbourhood.max_latitude, *(p[0] for p in points)])
    min_lon = min([neighbourhood.min_longitude, *(p[1] for p in points)])
    max_lon = max([neighbourhood.max_longitude, *(p[1] for p in points)])
    k = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * k, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = (MAP_WIDTH - 2 * MAP_MARGIN) / span_x
    height = round(span_y * scale + 2 * MAP_MARGIN)

    def project(lat, lon):
        return (
            round(MAP_MARGIN + (lon - min_lon) * k * scale, 1),
            round(MAP_MARGIN + (max_lat - lat) * scale, 1),
        )

    rings = []
    geometry = neighbourhood.boundary
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for polygon in polygons:
        for ring in polygon:
            coordinates = [project(lat, lon) for lon, lat in ring]
            rings.append("M" + " L".join(f"{x},{y}" for x, y in coordinates) + " Z")
    markers = [
        (*project(e.structure.latitude, e.structure.longitude), e.number, e.inside) for e in entries
    ]
    centre = project(neighbourhood.centroid_latitude, neighbourhood.centroid_longitude)
    return SvgMap(MAP_WIDTH, height, " ".join(rings), markers, centre)
