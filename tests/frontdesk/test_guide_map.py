"""The printed guide's map: numbers that never cover each other, a legend for what is drawn,
and streets under it in the PDF when map tiles are configured — fetched from the tile server
by the server, once, within bounds, and never missing a piece (the outline alone instead).

The tiles come from a fictional tile server on 127.0.0.1 (tests/tile_server.py), never
from the internet.
"""

import io
import itertools
import math
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from actors.models import Neighbourhood
from frontdesk import tiles
from frontdesk.booklet import build_guide, declutter
from tests.factories import BREIL_CENTRE, make_structure, offset
from tests.tile_server import MARK_COLOUR, tile_server_fixture  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

GUIDE = reverse("frontdesk:guide", args=["breil-barberie"])
NUMBER_CIRCLE = re.compile(
    r'<circle cx="([\d.]+)" cy="([\d.]+)" r="(\d+)" fill="#(?:0a4d8c|ffffff)"'
)


@pytest.fixture
def crowded_block():
    """Twelve places in one block (a few metres apart), four others spread out."""
    for n in range(12):
        make_structure(name=f"Dans le même immeuble {n}", at=offset(BREIL_CENTRE, north_m=n))
    for n in range(4):
        make_structure(name=f"Ailleurs {n}", at=offset(BREIL_CENTRE, north_m=-300, east_m=150 * n))


def numbers_on_the_map(page):
    return [(float(x), float(y), int(r)) for x, y, r in NUMBER_CIRCLE.findall(page)]


def test_numbers_on_the_map_never_cover_each_other(client, crowded_block):
    page = client.get(GUIDE).content.decode()

    circles = numbers_on_the_map(page)
    assert len(circles) == 16
    for (x1, y1, r), (x2, y2, _) in itertools.combinations(circles, 2):
        assert math.hypot(x2 - x1, y2 - y1) >= 2 * r, "two numbers cover each other"
    # The numbers moved off their places are joined to them by a line, which the legend names.
    assert page.count("<line ") >= 10
    assert "Point et trait : l'emplacement exact d'un lieu" in page


def test_a_map_whose_numbers_do_not_touch_draws_no_lines_and_no_legend_for_them(client):
    for n in range(3):
        make_structure(name=f"Lieu {n}", at=offset(BREIL_CENTRE, east_m=250 * n))
    page = client.get(GUIDE).content.decode()
    assert "<line " not in page
    assert "Point et trait" not in page
    # Every symbol on the map is in the legend: the numbers, the centre, the limit, the scale.
    for words in ["Rond plein", "Croix rouge", "Trait bleu", "Échelle : la barre mesure"]:
        assert words in page, words
    # … and nothing the map does not draw: no place just outside, no streets.
    assert "Rond clair" not in page and "Fond de carte" not in page


def test_moving_numbers_apart_is_deterministic_and_keeps_them_in_the_frame():
    anchors = [(100.0, 100.0)] * 20 + [(5.0, 5.0)] * 3
    first = declutter(anchors, radius=10, width=300, height=200)
    assert first == declutter(anchors, radius=10, width=300, height=200)
    for (x1, y1), (x2, y2) in itertools.combinations(first, 2):
        assert math.hypot(x2 - x1, y2 - y1) >= 20
    assert all(10 <= x <= 290 and 10 <= y <= 190 for x, y in first)


# --- Streets under the PDF's map ------------------------------------------------------------


def map_image(response):
    """The picture drawn under the PDF's map (the only raster image of the guide), or None."""
    pages = PdfReader(io.BytesIO(response.content)).pages
    images = {image.data: image for page in pages for image in page.images}
    assert len(images) <= 1
    return next(iter(images.values())).image.convert("RGB") if images else None


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_pdf_map_has_the_streets_of_the_configured_tiles_under_its_places(client, tile_server):
    place = make_structure(name="Lieu marqué sur les tuiles", at=offset(BREIL_CENTRE, north_m=200))
    tile_server.marks.append((place.latitude, place.longitude))

    response = client.get(GUIDE, {"format": "pdf"})

    assert response.status_code == 200
    picture = map_image(response)
    assert picture is not None, "no background under the map"
    # The tile server drew a red disc where the place is: the map's projection puts the
    # place on it (tiles and drawing line up).
    drawn = build_guide(Neighbourhood.objects.get(slug="breil-barberie")).map()
    marker = drawn.markers[0]
    x = round(marker.x * picture.width / drawn.width)
    y = round(marker.y * picture.height / drawn.height)
    red, green, blue = picture.getpixel((x, y))
    assert red > 200 and green < 150 and blue < 150, (red, green, blue)
    assert picture.getpixel((2, 2)) != (255, 255, 255), "the frame is covered to its corner"
    text = pdf_text(response)
    # Without spaces: the PDF's text, read back, splits a kerned pair ("T uiles") at times.
    legend = "Fond de carte : rues, places et lignes de tram (Tuiles fictives de test)"
    assert legend.replace(" ", "") in text.replace(" ", ""), text
    assert tile_server.requests and all(r.endswith(".png") for r in tile_server.requests)
    assert len(tile_server.requests) <= tiles.MAX_TILES


def test_tiles_are_fetched_once_then_kept(client, tile_server):
    make_structure(name="Un lieu", at=BREIL_CENTRE)
    assert map_image(client.get(GUIDE, {"format": "pdf"})) is not None
    fetched = len(tile_server.requests)

    assert map_image(client.get(GUIDE, {"format": "pdf"})) is not None
    assert len(tile_server.requests) == fetched


def test_the_web_page_of_the_guide_fetches_no_tile(client, tile_server):
    make_structure(name="Un lieu", at=BREIL_CENTRE)
    page = client.get(GUIDE).content.decode()
    assert "<image" not in page
    assert tile_server.requests == []


def test_without_tiles_the_map_is_the_outline_alone(client):
    make_structure(name="Un lieu", at=BREIL_CENTRE)
    response = client.get(GUIDE, {"format": "pdf"})
    assert map_image(response) is None
    assert "Fond de carte" not in pdf_text(response)


def test_a_failing_tile_server_leaves_the_outline_and_is_left_alone_for_a_while(
    client, tile_server
):
    make_structure(name="Un lieu", at=BREIL_CENTRE)
    tile_server.failing = True

    response = client.get(GUIDE, {"format": "pdf"})
    assert response.status_code == 200
    assert map_image(response) is None
    assert "Fond de carte" not in pdf_text(response)
    asked = len(tile_server.requests)
    assert asked

    tile_server.failing = False
    assert map_image(client.get(GUIDE, {"format": "pdf"})) is None
    assert len(tile_server.requests) == asked, "asked again during the pause"


def test_a_tile_server_too_slow_to_answer_does_not_hold_the_guide(client, tile_server, monkeypatch):
    make_structure(name="Un lieu", at=BREIL_CENTRE)
    monkeypatch.setattr(tiles, "TILE_TIMEOUT", 0.2)
    tile_server.delay = 1

    response = client.get(GUIDE, {"format": "pdf"})

    assert response.status_code == 200
    assert map_image(response) is None


def test_tile_addresses_follow_the_leaflet_template():
    template = "https://{s}.tiles.example.org/{z}/{x}/{y}{r}.png"
    assert tiles.tile_url(template, 15, 16240, 11493) == (
        "https://a.tiles.example.org/15/16240/11493.png"
    )
