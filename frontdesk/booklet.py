"""The printable "Guide des acteurs de l'orientation du quartier".

Entries inside the quartier, then those just outside that are still within walking
distance of its centre ("tout près": at most NEARBY_MINUTES on foot — people do not stop
at administrative lines, but they walk), each numbered on a map drawn as SVG: the
quartier's outline over a background of streets and tram lines when map tiles are
configured (frontdesk.tiles, fetched by the server for the PDF), the outline alone
otherwise. Distances and walking times are measured from the quartier's centre, the
cross on the map.
"""

import math
from dataclasses import dataclass, field

from django.conf import settings

from actors import geo
from actors.models import Need, Structure
from actors.opening import usual_week
from actors.projection import Projection
from transit import nearby as nearby_stops

# "Tout près": outside the quartier, at most this many minutes' walk from its centre (the
# time the guide prints beside each entry).
NEARBY_MINUTES = 20
# A booklet, not a database dump: the nearest entries to the quartier's centre.
MAX_INSIDE = 160
MAX_NEARBY = 40
# Candidates examined for "tout près" (nearest to the centre first): whether each lies
# outside the polygon is computed in Python on these only.
NEARBY_CANDIDATES = 400

MAP_WIDTH = 800
# The map's size on paper (static/css/print.css): the width of an A4 page inside its
# margins (210 - 2 × 10 mm), at most 150 mm high, less its 1 px border; in CSS pixels, 96
# to the inch. Its numbers are drawn large enough to print at 12 pt (16 px) whatever the
# quartier's shape.
PRINT_WIDTH_PX = 190 / 25.4 * 96 - 2
PRINT_MAX_HEIGHT_PX = 150 / 25.4 * 96 - 2
MIN_PRINT_TEXT_PX = 16


def walking_reach_m(minutes):
    """The straight-line distance geo.walking_minutes() turns into `minutes`."""
    metres_per_minute = settings.WALKING_SPEED_KMH * 1000 / 60
    return minutes * metres_per_minute / settings.WALKING_DETOUR_FACTOR


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

    @property
    def usual_week(self):
        """ "lun.–ven. 9 h–12 h et 14 h–17 h": the handout's grouped hours."""
        return usual_week(self.structure.opening_slots.all())


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

    @property
    def nearby_minutes(self):
        return NEARBY_MINUTES

    def table_of_contents(self):
        """[(need, [entries])] for the needs served by at least one entry."""
        needs = self.needs or list(Need.objects.all())
        rows = []
        for need in needs:
            entries = [e for e in self.entries if need.pk in served_need_ids(e.structure)]
            if entries:
                rows.append((need, entries))
        return rows

    def map(self, background=None):
        """The map (GuideMap); `background(projection)` may give it tiles (frontdesk.tiles)."""
        return guide_map(self.neighbourhood, self.entries, background)


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
    # A QPV is not a place's quartier: its places are those inside its polygon.
    here = (
        {"qpv": neighbourhood, "qpv_distance_m": 0}
        if neighbourhood.is_priority_area
        else {"neighbourhood": neighbourhood}
    )
    inside_qs = base.filter(**here).with_distance(lat, lon).order_by("distance", "name")
    inside = list(_prefetched(inside_qs)[: MAX_INSIDE + 1])
    guide = Guide(neighbourhood, needs, truncated=len(inside) > MAX_INSIDE)
    inside = inside[:MAX_INSIDE]

    # "Tout près": outside the polygon, at most NEARBY_MINUTES' walk from the centre (a
    # few metres more are read, then the walking time as printed decides).
    reach_km = (walking_reach_m(NEARBY_MINUTES + 0.5) + 1) / 1000
    candidates = (
        base.exclude(**here)
        .near(lat, lon, reach_km)
        .only("pk", "latitude", "longitude", "name")[:NEARBY_CANDIDATES]
    )
    nearby_ids = [
        s.pk
        for s in candidates
        if geo.walking_minutes(s.distance) <= NEARBY_MINUTES
        and not neighbourhood.contains(s.latitude, s.longitude)
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


# --- The map -------------------------------------------------------------------------------


@dataclass
class Marker:
    number: int
    inside: bool
    x: float  # where the place is
    y: float
    label_x: float  # where its number is drawn (moved off its neighbours when they overlap)
    label_y: float
    radius: float  # of the number's circle

    @property
    def moved(self):
        """Moved far enough that its circle no longer covers the place: a line shows where."""
        return math.hypot(self.label_x - self.x, self.label_y - self.y) > self.radius


@dataclass
class ScaleBar:
    x: float  # left end of the bar, on its baseline
    y: float
    length: float  # in drawing units
    metres: int
    minutes: int
    text_size: int

    @property
    def path(self):
        return f"M{self.x:.1f},{self.y - 8:.1f} v8 h{self.length:.1f} v-8"

    @property
    def box(self):
        """(x, y, width, height) of the white box behind the bar and its words."""
        return (self.x - 6, self.y - self.text_size - 14, self.length + 12, self.text_size + 20)


@dataclass
class GuideMap:
    width: int
    height: int
    path: str
    markers: list  # [Marker]
    centre: tuple  # (x, y) of the reference point
    marker_size: int
    scale_bar: ScaleBar
    background: object = None  # frontdesk.tiles.Background, or None: the outline alone

    @property
    def printed_size(self):
        """(width, height) on paper in CSS pixels."""
        width = printed_width(self.width, self.height)
        return round(width, 1), round(width * self.height / self.width, 1)

    @property
    def moved_markers(self):
        return [marker for marker in self.markers if marker.moved]

    @property
    def centre_path(self):
        """A cross on the reference point, as SVG path data."""
        x, y = self.centre
        arm = self.marker_size * 0.6
        return f"M{x - arm:.1f},{y:.1f} h{2 * arm:.1f} M{x:.1f},{y - arm:.1f} v{2 * arm:.1f}"


def printed_width(width, height):
    """The printed width of a drawing `width` × `height`: the page's, or less for a tall
    quartier whose height is capped."""
    return min(PRINT_WIDTH_PX, PRINT_MAX_HEIGHT_PX * width / height)


def marker_size_for(width, height):
    """Font size (and circle radius) of the numbers, in the drawing's units: 16 px (12 pt)
    once the drawing is scaled to its printed size."""
    return math.ceil(MIN_PRINT_TEXT_PX * width / printed_width(width, height))


def guide_map(neighbourhood, entries, background=None):
    """The quartier's outline, the reference cross and the numbered markers, projected
    with the site's one map projection; numbers that would cover each other are moved
    apart (a line then joins each to its place)."""
    geometry = neighbourhood.boundary
    points = [(e.structure.latitude, e.structure.longitude) for e in entries]
    # A margin wide enough for a number drawn next to a place on the frame's edge.
    margin = 2 * marker_size_for(MAP_WIDTH, MAP_WIDTH * 0.75) + 4
    projection = Projection.fit_geometries(
        [geometry], width=MAP_WIDTH, margin=margin, points=points
    )
    size = marker_size_for(projection.width, projection.height)
    anchors = [projection.point(lat, lon) for lat, lon in points]
    labels = declutter(anchors, radius=size, width=projection.width, height=projection.height)
    markers = [
        Marker(e.number, e.inside, round(x, 1), round(y, 1), round(lx, 1), round(ly, 1), size)
        for e, (x, y), (lx, ly) in zip(entries, anchors, labels, strict=True)
    ]
    centre = projection.point(neighbourhood.centroid_latitude, neighbourhood.centroid_longitude)
    return GuideMap(
        width=projection.width,
        height=projection.height,
        path=projection.path(geometry, min_step=0.5),
        markers=markers,
        centre=(round(centre[0], 1), round(centre[1], 1)),
        marker_size=size,
        scale_bar=_scale_bar(projection, neighbourhood.centroid_latitude, size),
        background=background(projection) if background else None,
    )


def _scale_bar(projection, latitude, size):
    """A bar of a round length near a fifth of the map's width, bottom left."""
    per_unit = projection.metres_per_unit(latitude)
    target = projection.width / 5 * per_unit
    metres = max((m for m in (100, 200, 250, 500, 1000, 2000, 5000) if m <= target), default=100)
    return ScaleBar(
        x=size,
        y=projection.height - size,
        length=round(metres / per_unit, 1),
        metres=metres,
        minutes=geo.walking_minutes(metres),
        text_size=size,
    )


def declutter(anchors, *, radius, width, height, gap=2.0, rounds=400):
    """Label positions for circles of `radius` at `anchors` that do not overlap.

    Overlapping circles push each other apart along the line between them (coincident ones
    along a fixed direction per label), as little as it takes, until none overlap or
    `rounds` are spent; labels stay inside the frame. Deterministic: the same places give
    the same map. A grid of cells one label wide finds the neighbours to compare.
    """
    labels = [list(point) for point in anchors]
    distance = 2 * radius + gap
    for _round in range(rounds):
        moved = False
        grid = {}
        for index, (x, y) in enumerate(labels):
            grid.setdefault((int(x // distance), int(y // distance)), []).append(index)
        for index, label in enumerate(labels):
            cell_x, cell_y = int(label[0] // distance), int(label[1] // distance)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for other in grid.get((cell_x + dx, cell_y + dy), ()):
                        if other <= index:
                            continue
                        moved |= _push_apart(label, labels[other], distance, index, other)
        for label in labels:
            label[0] = min(max(label[0], radius), width - radius)
            label[1] = min(max(label[1], radius), height - radius)
        if not moved:
            break
    return [tuple(label) for label in labels]


def _push_apart(a, b, distance, index, other):
    dx, dy = b[0] - a[0], b[1] - a[1]
    apart = math.hypot(dx, dy)
    if apart >= distance - 1e-6:
        return False
    if apart < 1e-6:
        # The same point: spread them by the golden angle, a different direction each.
        angle = (index * 7 + other * 13) * 2.399963
        dx, dy, apart = math.cos(angle), math.sin(angle), 1.0
    push = (distance - apart) / 2 + 0.01
    ux, uy = dx / apart, dy / apart
    a[0] -= ux * push
    a[1] -= uy * push
    b[0] += ux * push
    b[1] += uy * push
    return True
