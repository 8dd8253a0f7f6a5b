"""The one projection of every SVG map we draw: the dashboard's quartiers, the printed guide.

Web Mercator, the projection of map tiles, scaled to fit a box of the world into a drawing
`width` units wide. At the scale of a quartier or of the metropolis it is, to within a
tenth of a percent, the local equirectangular projection (x = longitude × cos latitude):
distances read the same across and up the drawing, and tiles fetched for a background
(frontdesk.tiles) line up with it exactly.

Coordinates in the drawing grow rightwards and downwards (SVG); "world" coordinates are
Web Mercator's unit square, (0, 0) at 180° W and 85° N, as tile numbers count them.
"""

import math
from dataclasses import dataclass


def world(lat, lon):
    """(u, v) in Web Mercator's unit square: a tile (x, y) of zoom z covers
    u in [x / 2**z, (x + 1) / 2**z], and likewise v with y."""
    phi = math.radians(max(-85.0511, min(85.0511, lat)))
    u = (lon + 180.0) / 360.0
    v = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0
    return u, v


def rings(geometry):
    """The rings of a GeoJSON Polygon or MultiPolygon ([[lon, lat], …] each); [] otherwise."""
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


@dataclass(frozen=True)
class Projection:
    """A box of the world fitted into a drawing `width` wide, `margin` kept on every side.

    `scale` is drawing units per world unit; (`u0`, `v0`) the world coordinates of the
    drawing's top-left corner. Build it with `Projection.fit(points, …)`.
    """

    width: int
    height: int
    scale: float
    u0: float
    v0: float

    @classmethod
    def fit(cls, points, *, width, margin=0):
        """The projection that shows every (lat, lon) of `points`, as large as `width` allows."""
        corners = [world(lat, lon) for lat, lon in points]
        if not corners:
            raise ValueError("Nothing to fit on the map.")
        min_u = min(u for u, _ in corners)
        max_u = max(u for u, _ in corners)
        min_v = min(v for _, v in corners)
        max_v = max(v for _, v in corners)
        scale = (width - 2 * margin) / max(max_u - min_u, 1e-12)
        height = round((max_v - min_v) * scale + 2 * margin)
        return cls(width, height, scale, min_u - margin / scale, min_v - margin / scale)

    @classmethod
    def fit_geometries(cls, geometries, *, width, margin=0, points=()):
        """Fitted to GeoJSON polygons (and any extra (lat, lon) points)."""
        positions = [(p[1], p[0]) for g in geometries for ring in rings(g) for p in ring]
        return cls.fit([*positions, *points], width=width, margin=margin)

    def point(self, lat, lon):
        """(x, y) in the drawing."""
        u, v = world(lat, lon)
        return (u - self.u0) * self.scale, (v - self.v0) * self.scale

    def path(self, geometry, *, min_step=0.0):
        """SVG path data of a (Multi)Polygon: one "M … Z" per ring (holes are rings too:
        draw it with fill-rule="evenodd"). Points closer than `min_step` to the last one
        kept are dropped (real polygons hold far more points than a drawing can show)."""
        parts = []
        for ring in rings(geometry):
            points = _thinned([self.point(p[1], p[0]) for p in ring], min_step)
            if len(points) >= 3:
                parts.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in points) + " Z")
        return " ".join(parts)

    def metres_per_unit(self, lat):
        """Ground metres one drawing unit stands for at latitude `lat` (for a scale bar)."""
        earth_circumference_m = 40_075_016.686
        return earth_circumference_m * math.cos(math.radians(lat)) / self.scale


def _thinned(points, min_step):
    if min_step <= 0:
        return points
    kept = points[:1]
    for x, y in points[1:]:
        last_x, last_y = kept[-1]
        if math.hypot(x - last_x, y - last_y) >= min_step:
            kept.append((x, y))
    return kept
