"""Geometry of the dashboard's server-side SVG: the quartiers map and the monthly bars.

No tiles and no script: our own quartier polygons, drawn with the projection every SVG
map of the site shares (actors.projection).
"""

from dataclasses import dataclass

from actors.projection import Projection

WIDTH = 640
MARGIN = 8
# Points closer than this to the previous kept point are dropped: the real
# polygons hold ~60,000 positions, a few thousand are enough at this size.
MIN_STEP_PX = 1.0


@dataclass(frozen=True)
class MapFrame:
    width: int
    height: int
    paths: dict  # key → SVG path data ("M x y L … Z"; holes as extra rings, even-odd fill)


def map_frame(shapes, width=WIDTH):
    """Project {key: GeoJSON (Multi)Polygon} into a width-wide frame."""
    try:
        projection = Projection.fit_geometries(shapes.values(), width=width, margin=MARGIN)
    except ValueError:  # no polygon at all
        return MapFrame(width, 0, {})
    paths = {
        key: projection.path(geometry, min_step=MIN_STEP_PX) for key, geometry in shapes.items()
    }
    return MapFrame(width, projection.height, paths)


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
