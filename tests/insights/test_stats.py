"""The dashboard's arithmetic and drawing, without a database."""

import collections
import math
import statistics

from hypothesis import given
from hypothesis import strategies as st

from insights import stats, svg


@given(st.lists(st.integers(min_value=0, max_value=30_000), min_size=1, max_size=80))
def test_the_median_of_grouped_distances_is_the_median_of_the_distances(distances):
    grouped = collections.Counter(distances)
    assert stats.weighted_median(grouped) == statistics.median(distances)


def test_no_distance_no_median():
    assert stats.weighted_median(collections.Counter()) is None


@given(st.integers(min_value=1, max_value=2_000), st.data())
def test_every_count_is_in_the_legend_range_of_its_level(top, data):
    count = data.draw(st.integers(min_value=1, max_value=top))
    ranges = {level: (low, high) for level, low, high in stats.level_ranges(top)}

    level = stats.level_of(count, top)

    assert 1 <= level <= min(stats.LEVELS, top)
    assert ranges[level][0] <= count <= ranges[level][1]
    assert stats.level_of(top, top) == max(ranges)  # the highest count is the darkest level


def test_nothing_unanswered_is_level_zero():
    assert stats.level_of(0, 7) == 0
    assert stats.level_ranges(10) == [(1, 1, 2), (2, 3, 5), (3, 6, 7), (4, 8, 10)]


def test_months_between_spans_years():
    import datetime

    months = stats.months_between(datetime.date(2024, 11, 15), datetime.date(2025, 2, 1))
    assert [m.isoformat() for m in months] == [
        "2024-11-01",
        "2024-12-01",
        "2025-01-01",
        "2025-02-01",
    ]


def test_the_map_projection_keeps_a_square_square():
    """1 km × 1 km at Nantes' latitude: as wide as tall once longitudes are scaled by cos(lat)."""
    lat, lon = 47.2, -1.55
    dlat = 1000 / 111_195
    dlon = dlat / math.cos(math.radians(lat))
    square = {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat]]
        ],
    }

    frame = svg.map_frame({"carré": square}, width=216)

    assert frame.height == 216
    assert frame.paths["carré"] == "M8.0 208.0 L208.0 208.0 L208.0 8.0 L8.0 8.0 Z"


def test_points_closer_than_a_pixel_are_dropped():
    ring = [[0.0, 0.0], [1e-7, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    frame = svg.map_frame({"q": {"type": "Polygon", "coordinates": [ring]}}, width=116)
    assert frame.paths["q"].count("L") == 3
