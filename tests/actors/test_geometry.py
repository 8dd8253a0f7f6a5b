"""Geometry on shapely: one point-in-polygon (geo.Locator), one walker of the areas
(AreaIndex), and the same answer wherever a point is located."""

import random

import pytest

from actors import geo, vocabulary
from actors.enums import AreaKind
from actors.models import Neighbourhood
from actors.models.neighbourhoods import AreaIndex

SQUARE_WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ],
}
TWO_ISLANDS = {
    "type": "MultiPolygon",
    "coordinates": [
        [[[20, 0], [22, 0], [22, 2], [20, 2], [20, 0]]],
        [[[30, 0], [32, 0], [32, 2], [30, 2], [30, 0]]],
    ],
}


def test_the_first_polygon_in_order_wins_and_holes_are_outside():
    locator = geo.Locator([("square", SQUARE_WITH_HOLE), ("islands", TWO_ISLANDS)])
    assert locator.locate(1, 1) == "square"
    assert locator.locate(5, 5) is None  # in the hole
    assert locator.locate(1, 31) == "islands"  # the second island
    assert locator.locate(1, 25) is None
    overlapping = geo.Locator([("first", SQUARE_WITH_HOLE), ("second", SQUARE_WITH_HOLE)])
    assert overlapping.locate(1, 1) == "first"


def test_many_points_at_once_get_the_same_answers_as_one_by_one():
    locator = geo.Locator([("square", SQUARE_WITH_HOLE), ("islands", TWO_ISLANDS)])
    rng = random.Random(4)
    points = [(rng.uniform(-1, 11), rng.uniform(-1, 33)) for _ in range(2000)]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    assert locator.locate_many(lats, lons) == [locator.locate(lat, lon) for lat, lon in points]
    assert geo.Locator([]).locate_many(lats, lons) == [None] * len(points)


def test_the_nearest_polygon_within_a_distance_in_metres():
    locator = geo.Locator([("square", SQUARE_WITH_HOLE)])
    # 0.001° of longitude east of the square at the equator: 111 m.
    key, distance = locator.nearest_within(1, 10.001, 200)
    assert key == "square" and distance == pytest.approx(111.3, abs=0.5)
    assert locator.nearest_within(1, 10.001, 100) == (None, None)
    assert locator.nearest_within(1, 1, 10) == ("square", 0.0)


def test_areas_centroids_and_simplification():
    polygon = geo.geometry_shape(SQUARE_WITH_HOLE)
    # 100 - 4 square degrees at the latitude of 5°.
    assert geo.area_m2(polygon) == pytest.approx(
        96 * geo.METRES_PER_DEGREE_LATITUDE**2 * 0.99619, rel=1e-3
    )
    assert geo.geometry_centroid(SQUARE_WITH_HOLE) == pytest.approx((5, 5))
    assert geo.simplified(polygon, 3).equals(polygon)  # nothing to drop
    with pytest.raises(ValueError):
        geo.geometry_shape({"type": "Point", "coordinates": [0, 0]})
    with pytest.raises(ValueError):
        geo.geometry_shape({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]})


def test_a_quartier_layer_wins_over_iris_and_a_qpv_is_kept_apart():
    index = AreaIndex(
        [
            (3, AreaKind.IRIS, SQUARE_WITH_HOLE),
            (7, AreaKind.QUARTIER, SQUARE_WITH_HOLE),
            (9, AreaKind.QPV, TWO_ISLANDS),
        ]
    )
    assert index.locate(1, 1) == 7
    assert index.areas(1, 1) == (7, None, None)
    assert index.areas(1, 21) == (None, 9, 0.0)
    quartier, qpv, distance = index.areas(1, 19.999)
    assert (quartier, qpv) == (None, 9) and 100 < distance < 120
    assert index.areas_many([1, 1, 1], [1, 21, 19.999]) == [
        (7, None, None),
        (None, 9, 0.0),
        (None, 9, distance),
    ]


def test_every_way_of_locating_a_point_gives_the_same_quartier(db):
    """The model's query, the process's index and the bulk index, over the real layer."""
    rng = random.Random(11)
    points = [(rng.uniform(47.15, 47.30), rng.uniform(-1.70, -1.45)) for _ in range(300)]
    index = Neighbourhood.objects.index()
    words = vocabulary.current()
    many = index.areas_many([p[0] for p in points], [p[1] for p in points])
    located = 0
    for (lat, lon), (in_bulk, _qpv, _distance) in zip(points, many, strict=True):
        found = Neighbourhood.objects.locate(lat, lon)
        expected = found.pk if found else None
        assert words.locate(lat, lon) == index.locate(lat, lon) == in_bulk == expected
        located += expected is not None
    assert located > 100


def test_the_process_keeps_its_index_while_no_area_changes(db, django_assert_num_queries):
    words = vocabulary.current()
    words.locate(47.236, -1.577)
    vocabulary.forget()
    # A new vocabulary (every TAXONOMY_CACHE_SECONDS): its quartiers are the same, so the
    # polygons are not read again.
    again = vocabulary.current()
    with django_assert_num_queries(0):
        assert again.locate(47.236, -1.577) == words.locate(47.236, -1.577)
    breil = Neighbourhood.objects.get(slug="breil-barberie")
    breil.save()  # changed: the polygons are read again, once
    changed = vocabulary.current()
    with django_assert_num_queries(1):
        changed.locate(47.236, -1.577)
