"""Geometry of the dashboard's server-side SVG: the quartiers map and the monthly bars.

No tiles and no script: our own quartier polygons, projected with a local
equirectangular projection (x = longitude × cos(mean latitude), y = latitude).
At the scale of a metropolis (30 km) the distortion is under 1 %, invisible
in a 640-pixel drawing.
"""

import math
from dataclasses import dataclass

WIDTH = 640
MARGIN = 8
# Points closer than this to the previous kept point are dropped: the real
# polygons hold ~60,000 positions, a few thousand are enough at this size.
MIN_STEP_PX = 1.0


def _rings(geometry):
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


@dataclass(frozen=True)
class MapFrame:
    width: int
    height: int
    paths: dict  # key → SVG path data ("M x y L … Z"; holes as extra rings, even-odd fill)


def map_frame(shapes, width=WIDTH):
    """Project {key: GeoJSON (Multi)Polygon} into a width-wide frame."""
    positions = [p for geometry in shapes.values() for ring in _rings(geometry) for p in ring]
    if not positions:
        return MapFrame(width, 0, {})
    min_lon = min(p[0] for p in positions)
    max_lon = max(p[0] for p in positions)
    min_lat = min(p[1] for p in positions)
    max_lat = max(p[1] for p in positions)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (width - 2 * MARGIN) / max((max_lon - min_lon) * kx, 1e-9)
    height = round((max_lat - min_lat) * scale + 2 * MARGIN)

    def xy(position):
        lon, lat = position[0], position[1]
        return MARGIN + (lon - min_lon) * kx * scale, MARGIN + (max_lat - lat) * scale

    paths = {}
    for key, geometry in shapes.items():
        parts = []
        for ring in _rings(geometry):
            points = _thinned([xy(p) for p in ring])
            if len(points) >= 3:
                parts.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in points) + " Z")
        paths[key] = " ".join(parts)
    return MapFrame(width, height, paths)


def _thinned(points):
    kept = points[:1]
    for x, y in points[1:]:
        last_x, last_y = kept[-1]
        if math.hypot(x - last_x, y - last_y) >= MIN_STEP_PX:
            kept.append((x, y))
    return kept


# --- Monthly bars ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    note: str  # a second line under the label (the year), or ""
    total: int
    part: int  # the unanswered share of the total, drawn over it
    x: float
    width: float
    total_y: float
    total_height: float
    part_y: float
    part_height: float
    label_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    top_value: int
    bars: list


def bar_chart(values, width=WIDTH, height=220):
    """values: [(label, note, total, part)] → bars scaled to the largest total."""
    left, top, bottom = 40, 12, height - 36
    top_value = max([total for _label, _note, total, _part in values] + [1])
    slot = (width - left - MARGIN) / max(len(values), 1)
    bar_width = slot * 0.7
    plot_height = bottom - top

    def y_of(value):
        return bottom - plot_height * value / top_value

    bars = []
    for index, (label, note, total, part) in enumerate(values):
        x = left + index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                label=label,
                note=note,
                total=total,
                part=part,
                x=round(x, 1),
                width=round(bar_width, 1),
                total_y=round(y_of(total), 1),
                total_height=round(bottom - y_of(total), 1),
                part_y=round(y_of(part), 1),
                part_height=round(bottom - y_of(part), 1),
                label_x=round(x + bar_width / 2, 1),
            )
        )
    return BarChart(width, height, top, bottom, left, top_value, bars)
