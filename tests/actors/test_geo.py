import math
import random

import pytest

from actors import geo
from actors.models import Neighbourhood
from demo.management.commands.seed_demo import PointSampler
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, offset


def test_haversine_matches_a_known_distance():
    # Nantes (Place Royale) to Rennes (Place de la République): about 98 km.
    assert geo.haversine_m(47.2139, -1.5593, 48.1098, -1.6794) == pytest.approx(99_900, rel=0.02)


def test_haversine_is_zero_for_the_same_point():
    assert geo.haversine_m(*BREIL_CENTRE, *BREIL_CENTRE) == 0


def test_bounding_box_encloses_the_circle():
    lat, lon = BREIL_CENTRE
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, 1.5)
    for north, east in [(1500, 0), (-1500, 0), (0, 1500), (0, -1500)]:
        p_lat, p_lon = offset(BREIL_CENTRE, north, east)
        assert min_lat <= p_lat <= max_lat
        assert min_lon <= p_lon <= max_lon


def test_walking_minutes_use_detour_factor_and_speed():
    # 1 km straight line × 1.3 = 1.3 km at 4.5 km/h = 17.3 minutes.
    assert geo.walking_minutes(1000) == 17
    assert geo.walking_minutes(0) == 1
    assert geo.walking_minutes(None) is None


def test_point_in_polygon_with_a_hole():
    square = {
        "type": "Polygon",
        "coordinates": [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
        ],
    }
    assert geo.point_in_geometry(1, 1, square)
    assert not geo.point_in_geometry(5, 5, square)  # inside the hole
    assert not geo.point_in_geometry(11, 5, square)


def test_breil_centroid_lies_in_breil_barberie(db):
    breil = Neighbourhood.objects.get(slug="breil-barberie")
    assert breil.centroid_latitude == pytest.approx(47.2361, abs=0.0005)
    assert breil.centroid_longitude == pytest.approx(-1.5770, abs=0.0005)
    assert breil.area_m2 / 10_000 == pytest.approx(356, rel=0.02)
    assert Neighbourhood.objects.locate(breil.centroid_latitude, breil.centroid_longitude) == breil


def test_a_point_on_the_ile_de_nantes_is_not_in_the_breil(db):
    breil = Neighbourhood.objects.get(slug="breil-barberie")
    assert not breil.contains(*ILE_DE_NANTES)
    assert Neighbourhood.objects.locate(*ILE_DE_NANTES).slug == "ile-de-nantes"


def test_a_point_outside_every_polygon_has_no_neighbourhood(db):
    assert Neighbourhood.objects.locate(48.8566, 2.3522) is None  # Paris


def test_distance_to_geometry_is_zero_inside_and_positive_outside(db):
    breil = Neighbourhood.objects.get(slug="breil-barberie")
    assert geo.distance_to_geometry_m(*BREIL_CENTRE, breil.boundary) == 0
    outside = geo.distance_to_geometry_m(*ILE_DE_NANTES, breil.boundary)
    assert 2000 < outside < geo.haversine_m(*ILE_DE_NANTES, *BREIL_CENTRE)


def test_point_sampler_draws_points_inside_the_polygon(db):
    breil = Neighbourhood.objects.get(slug="breil-barberie")
    sampler = PointSampler(breil.boundary, random.Random(3), lines=50)
    points = [sampler.point() for _ in range(300)]
    assert all(breil.contains(lat, lon) for lat, lon in points)
    # Spread over the quartier, not piled up in one spot.
    lats = [lat for lat, _ in points]
    assert max(lats) - min(lats) > 0.5 * (breil.max_latitude - breil.min_latitude)
    assert not math.isnan(sum(lats))
