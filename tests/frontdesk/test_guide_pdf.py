"""The neighbourhood guide as a PDF a screen reader can read (PDF/UA-1, RGAA 13.3): tagged,
its language and a title naming the site once; the map a figure with a text alternative, its
numbers inside it and not loose in the reading order before the contents; nothing printed
under 12 pt, the map's numbers included. And a booklet worth printing: the Breil's 56
example places on at most 8 numbered pages, entries in two columns, read in their order.
"""

import datetime
import io
import random
import re

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from pypdf import PdfReader

from actors import geo
from actors.models import Neighbourhood
from tests.factories import BREIL_CENTRE, make_permanence, make_structure, offset

pytestmark = pytest.mark.django_db

SITE = {"fr": "Guide des acteurs de l'orientation", "en": "Guide to careers and study guidance"}
CONTENTS = {"fr": "Sommaire par besoin", "en": "Contents by need"}
MIN_PRINT_PT = 12
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels (96 per inch); a point is 1/72 inch


def breil_places():
    """Thirty places in and around the Breil, as a quartier's guide holds them."""
    for n in range(30):
        make_structure(
            name=f"Lieu {n} du Breil (exemple)",
            at=offset(BREIL_CENTRE, north_m=40 * (n % 6) - 100, east_m=50 * (n // 6) - 120),
            needs=["stage-de-3e"],
            phone=f"02 61 91 01 {n:02d}",
            is_example=True,
        )


NAMES = ["Association", "Antenne", "Point accueil", "Espace"]
KINDS = ["association", "mission-locale", "cio", "maison-de-quartier", "espace-numerique"]
NEEDS = ["stage-de-3e", "trouver-un-emploi", "cv-lettre-de-motivation", "choisir-son-orientation"]
T = datetime.time


def minutes_from_the_centre(point):
    return geo.walking_minutes(geo.haversine_m(*BREIL_CENTRE, *point))


def breil_booklet():
    """56 places as `make run`'s example data has them around the Breil: 40 inside, 16 just
    outside within 20 minutes' walk of its centre; an address, a phone, hours with a lunch
    break, the ways in; every fifth hosts a permanence."""
    breil = Neighbourhood.objects.get(slug="breil-barberie")
    draw = random.Random(14)
    inside, outside = [], []
    while len(inside) < 40 or len(outside) < 16:
        north, east = draw.uniform(-1100, 1100), draw.uniform(-1100, 1100)
        point = offset(BREIL_CENTRE, north_m=north, east_m=east)
        if minutes_from_the_centre(point) > 20:
            continue
        (inside if breil.contains(*point) else outside).append(point)
    provider = make_structure(
        name="Mission locale fictive (exemple)", at=offset(BREIL_CENTRE, north_m=5000)
    )
    week = [(d, T(9), T(12, 30)) for d in range(5)] + [(d, T(14), T(17, 30)) for d in range(4)]
    for n, point in enumerate(inside[:40] + outside[:16]):
        place = make_structure(
            name=f"{NAMES[n % 4]} du Breil n° {n} (exemple)",
            kind=KINDS[n % len(KINDS)],
            at=point,
            street=f"{n + 1}, voie fictive de démonstration",
            phone=f"02 61 91 {n // 10:02d} {n % 100:02d}",
            needs=[NEEDS[n % 4], NEEDS[(n + 1) % 4]],
            hours=week,
            walk_in=n % 2 == 0,
            by_appointment=True,
            by_phone=n % 3 == 0,
            is_example=True,
        )
        place.verify()
        if n % 5 == 0:
            make_permanence(
                place, provider, title="Permanence emploi (exemple)", needs=["trouver-un-emploi"]
            )


def rendered_once(build, languages):
    """The guide of the Breil as `build` fills it, printed once for the module's tests
    (WeasyPrint takes a second or two a time): {language: PDF bytes, "page": the HTML}.
    The places are rolled back; tiles and geocoder stay off, as in every test (and each
    test's `fresh_caches` then forgets what the processes kept of them)."""
    url = reverse("frontdesk:guide", args=["breil-barberie"])
    printed = {}
    with override_settings(MAP_TILE_URL="", GEOCODER_DOMAIN="127.0.0.1:9"), transaction.atomic():
        build()
        for language in languages:
            client = Client()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = client.get(url, {"format": "pdf"})
            assert response.status_code == 200
            printed[language] = response.content
        printed["page"] = Client().get(url).content.decode()
        transaction.set_rollback(True)
    return printed


@pytest.fixture(scope="module")
def places_guide(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return rendered_once(breil_places, ["fr", "en"])


@pytest.fixture(scope="module")
def booklet_guide(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return rendered_once(breil_booklet, ["fr"])


def guide_pdf(guide, language):
    return PdfReader(io.BytesIO(guide[language]))


def marked_texts(reader):
    """{(page index, MCID): text}: what each marked-content sequence of the pages draws."""
    found = {}
    for number, page in enumerate(reader.pages):
        open_ids = []

        def operator(op, args, cm, tm, open_ids=open_ids):
            if op == b"BDC":
                properties = args[1] if len(args) > 1 else {}
                open_ids.append(properties.get("/MCID") if hasattr(properties, "get") else None)
            elif op == b"BMC":
                open_ids.append(None)
            elif op == b"EMC" and open_ids:
                open_ids.pop()

        def text(content, cm, tm, font, size, number=number, open_ids=open_ids):
            mcid = next((m for m in reversed(open_ids) if m is not None), None)
            if mcid is not None:
                found[number, mcid] = found.get((number, mcid), "") + content

        page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return found


def reading_order(reader):
    """The structure tree in order: ("figure", element) for figures, and (text, in_figure)
    for each piece of text, as assistive technology reads the document."""
    texts = marked_texts(reader)
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    order = []

    def walk(element, page=None, in_figure=False):
        element = element.get_object()
        if "/Pg" in element:
            page = pages[element.raw_get("/Pg").idnum]
        if element.get("/S") == "/Figure":
            order.append(("figure", element))
            in_figure = True
        kids = element.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, int):
                if texts.get((page, kid), "").strip():
                    order.append((texts[page, kid].strip(), in_figure))
            elif hasattr(kid.get_object(), "get") and kid.get_object().get("/S"):
                walk(kid, page, in_figure)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return order


def text_sizes(reader):
    """[(text, points)] of the text drawn outside images (font size × text and graphics
    scales)."""
    found = []
    for page in reader.pages:

        def visit(content, cm, tm, font, size):
            if content.strip():
                scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
                found.append((content.strip(), round(size * scale, 1)))

        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_guide_pdf_is_tagged_with_its_language_and_one_title(places_guide, language):
    reader = guide_pdf(places_guide, language)
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "no structure tree: the PDF is not tagged"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == language
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    title = reader.metadata.title
    assert title.count(SITE[language]) == 1, title
    assert "Breil - Barberie" in title, title


def test_the_map_is_a_figure_before_the_contents_and_its_numbers_stay_in_it(places_guide):
    order = reading_order(guide_pdf(places_guide, "fr"))
    contents = next(n for n, (text, _) in enumerate(order) if text == CONTENTS["fr"])
    figures = [item for _, item in order[:contents] if not isinstance(item, bool)]
    assert len(figures) == 1, "the cover has one figure, the map"
    assert figures[0]["/Alt"].startswith("Carte du quartier Breil - Barberie")
    loose_numbers = [
        text
        for text, in_figure in order[:contents]
        if in_figure is False and re.fullmatch(r"[\d\s]+", text)
    ]
    assert not loose_numbers, f"map numbers read before the contents: {loose_numbers[:10]}"


def test_no_text_of_the_guide_is_printed_under_12_points(places_guide):
    reader = guide_pdf(places_guide, "fr")
    small = sorted({(text, size) for text, size in text_sizes(reader) if size < MIN_PRINT_PT})
    assert not small, f"printed under {MIN_PRINT_PT} pt: {small[:10]}"

    # The map's numbers are drawn inside the SVG figure: their size on paper is their size
    # in the drawing times the scale the drawing is printed at (it fits its box, whose
    # size the figure's tag records).
    order = reading_order(reader)
    figure = next(item for text, item in order if text == "figure")
    x1, y1, x2, y2 = (float(value) for value in figure["/A"]["/BBox"])
    page = places_guide["page"]
    width, height = (
        float(n) for n in re.search(r'<svg viewBox="0 0 ([\d.]+) ([\d.]+)"', page).groups()
    )
    scale = min((x2 - x1) / width, (y2 - y1) / height)
    sizes = {float(size) for size in re.findall(r'font-size="([\d.]+)"', page)}
    printed = min(sizes) * scale * PX_TO_PT
    assert printed >= MIN_PRINT_PT, f"map numbers printed at {printed:.1f} pt"


def page_texts(reader):
    return [page.extract_text() for page in reader.pages]


def test_the_breils_56_places_print_on_at_most_8_numbered_pages(booklet_guide):
    reader = guide_pdf(booklet_guide, "fr")
    pages = page_texts(reader)
    assert len(pages) <= 8, f"the guide prints on {len(pages)} pages"
    for number, text in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}" in text, f"page {number} is not numbered"
        assert "Breil - Barberie" in text
    printed = re.sub(r"\s+", " ", " ".join(pages))
    for n in range(56):
        assert f"du Breil n° {n} (exemple)" in printed, n


def test_the_entries_are_in_two_columns_and_read_in_their_order(booklet_guide):
    reader = guide_pdf(booklet_guide, "fr")
    width = float(reader.pages[0].mediabox.width)

    # Where each entry's name starts on its page: in the left or the right half.
    halves = set()
    for page in reader.pages[1:]:

        def visit(text, cm, tm, font, size):
            if re.match(r"\s*(Association|Antenne|Point accueil|Espace) du Breil", text):
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                halves.add("left" if x < width / 2 else "right")

        page.extract_text(visitor_text=visit)
    assert halves == {"left", "right"}, "the entries are not printed in two columns"

    # Read by assistive technology: the entries' numbers, after the contents, in order.
    order = [text for text, in_figure in reading_order(reader) if in_figure is False]
    entries = order[order.index("Dans le quartier") :]
    numbers = [int(text) for text in entries if re.fullmatch(r"\d+", text)]
    assert numbers == list(range(1, 57)), numbers


def test_tout_pres_is_within_20_minutes_walk_of_the_centre(booklet_guide):
    reader = guide_pdf(booklet_guide, "fr")
    printed = re.sub(r"\s+", " ", " ".join(page_texts(reader)))
    nearby = printed[printed.index("Tout près") :]
    minutes = [int(m) for m in re.findall(r"(\d+) min à pied", nearby)]
    assert minutes and max(minutes) <= 20, minutes
