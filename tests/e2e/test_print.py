"""What the passeur prints from the browser: the visitor's handout.

The three places a passeur usually picks print on one A4 page, a full sheet (five) on two
with no place cut across them; each place has two QR codes, its page online (whose address
is printed beside it for whoever cannot scan it) and the walk there; no text is smaller
than 12 pt. The page's own button prints it.
"""

import datetime
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.site import speak
from tests.factories import BREIL_CENTRE, make_permanence, make_structure, offset

pytestmark = pytest.mark.e2e

T = datetime.time
WEEK = [(d, T(9), T(12, 30)) for d in range(5)] + [(d, T(13, 30), T(17, 30)) for d in range(5)]
MIN_PRINT_PT = 12


def text_sizes(pdf):
    """[(text, size in points)] of every piece of text drawn in the PDF: the font size times
    the scale of the text and graphics matrices (Chromium draws at 1/0.75 of a point)."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text, cm, tm, font, size):
            if text.strip():
                scale_tm = (tm[2] ** 2 + tm[3] ** 2) ** 0.5
                scale_cm = (cm[2] ** 2 + cm[3] ** 2) ** 0.5
                found.append((text.strip(), round(size * scale_tm * scale_cm, 1)))

        page.extract_text(visitor_text=visit)
    return found


NAMES = [
    "CIO de Nantes Nord (exemple)",
    "Mission locale Nantes Métropole, antenne du Breil (exemple)",
    "Point information jeunesse du Breil (exemple)",
    "Maison de quartier des Dervallières (exemple)",
    "Espace numérique du Breil (exemple)",
]


@pytest.fixture
def full_sheet(reference_data):
    """The desk and five places for a 3e internship, as real entries read: an address,
    the tram, hours with a lunch break, a phone; a permanence and what to bring for some."""
    desk = make_structure(
        name="Maison de quartier du Breil (exemple)", kind="maison-de-quartier", is_example=True
    )
    provider = make_structure(name="Mission locale de Nantes (exemple)", kind="mission-locale")
    places = []
    for n, name in enumerate(NAMES):
        place = make_structure(
            name=name,
            needs=["stage-de-3e"],
            at=offset(BREIL_CENTRE, north_m=150 * (n + 1)),
            is_example=True,
            phone=f"02 61 91 00 4{n}",
            walk_in=True,
            public_transport="Tram 3, arrêt fictif « Exemple »",
            what_to_bring="Une pièce d'identité et le dernier bulletin scolaire" if n % 2 else "",
            hours=WEEK,
        )
        place.verify()
        if n < 2:
            make_permanence(place, provider, needs=["stage-de-3e"], title="Permanence stages")
        places.append(place)
    return desk, places


def fill_the_sheet(page, desk, places):
    """The passeur's desk, then the five places from the results of a search for a 3e
    internship (each on the sheet for that need)."""
    page.goto("/mon-accueil/")
    page.get_by_role("button", name=f"Choisir {desk.name}").click()
    add(page, places)


ADD = {"fr": "Ajouter à la fiche", "en": "Add to the sheet"}
ONLINE = {"fr": "Code QR vers la fiche en ligne de ", "en": "QR code to the online page of "}
WALK = {"fr": "Code QR de l'itinéraire à pied vers ", "en": "QR code of the walking route to "}


def add(page, places, language="fr"):
    """Each place from the results of a search for a 3e internship, one after the other."""
    page.goto("/recherche/?besoin=stage-de-3e")
    counter = page.locator("[data-selection-count]")
    start = int(counter.inner_text().strip("()"))
    for n, place in enumerate(places, start=start + 1):
        name = re.compile(rf"^{ADD[language]}\s*:\s*{re.escape(place.name)}$")
        page.get_by_role("button", name=name).click()
        expect(counter).to_have_text(f"({n})")


def pages_of(pdf):
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squeezed(text):
    """Printed text without its spaces and line breaks (an address wraps where it must)."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_handout_prints_each_address_on_as_few_a4_pages_as_it_can(
    full_sheet, live_server, context, page, snap, language
):
    desk, places = full_sheet
    fill_the_sheet(page, desk, places[:3])
    speak(context, live_server, language)
    page.goto("/selection/fiche/")
    expect(page.locator(".handout-entry")).to_have_count(3)

    # On screen: each QR code is an image named after its place, its address beside it.
    for place in places[:3]:
        address = re.sub(r"^https?://", "", live_server.url) + place.get_absolute_url()
        entry = page.locator(".handout-entry").filter(has_text=place.name)
        online, directions = entry.get_by_role("img").all()
        expect(online).to_have_accessible_name(re.compile(ONLINE[language] + re.escape(place.name)))
        expect(directions).to_have_accessible_name(
            re.compile(WALK[language] + re.escape(place.name))
        )
        expect(entry.locator(".qr-address")).to_have_text(address)

    page.emulate_media(media="print")
    snap(page, "trois-lieux")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    printed = pages_of(pdf)
    assert len(printed) == 1, f"three places print on {len(printed)} pages"
    for place in places[:3]:
        assert place.get_absolute_url() in squeezed(printed[0]), place.get_absolute_url()
    small = sorted({(text, size) for text, size in text_sizes(pdf) if size < MIN_PRINT_PT})
    assert not small, f"printed below {MIN_PRINT_PT} pt: {small[:10]}"

    # Five places: two pages, each place whole on one of them (its name and its address).
    page.emulate_media(media="screen")
    add(page, places[3:], language)
    page.goto("/selection/fiche/")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    printed = [squeezed(text) for text in pages_of(pdf)]
    assert len(printed) == 2, f"five places print on {len(printed)} pages"
    for place in places:
        whole = [
            squeezed(place.name) in text and place.get_absolute_url() in text for text in printed
        ]
        assert whole.count(True) == 1, f"{place.name} is cut across pages"
    small = sorted({(text, size) for text, size in text_sizes(pdf) if size < MIN_PRINT_PT})
    assert not small, f"printed below {MIN_PRINT_PT} pt: {small[:10]}"


def test_three_full_entries_with_permanences_and_closures_print_on_one_a4_page(
    full_sheet, live_server, context, page
):
    """The three places as they read at their longest: the need explained, a closure ahead,
    permanences with their ages, languages and a cancelled session, what to bring."""
    from actors.models import Language, OpeningException, PermanenceCancellation

    desk, places = full_sheet
    for place in places[:3]:
        OpeningException.objects.create(
            structure=place,
            starts_on=datetime.date.today() + datetime.timedelta(days=20),
            ends_on=datetime.date.today() + datetime.timedelta(days=30),
            label="Congés d'hiver",
        )
        place.what_to_bring = "Une pièce d'identité et le dernier bulletin scolaire"
        place.save()
        for permanence in place.hosted_permanences.all():
            permanence.min_age, permanence.max_age = 16, 25
            permanence.save()
            permanence.languages.set(Language.objects.filter(slug__in=["en", "ar"]))
            PermanenceCancellation.objects.create(
                permanence=permanence, on_date=permanence.next_dates()[0], reason="Salle prise"
            )
    fill_the_sheet(page, desk, places[:3])
    page.goto("/selection/fiche/")
    expect(page.locator(".handout-entry")).to_have_count(3)
    expect(page.locator(".handout-entry").first).to_contain_text("Salle prise")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    printed = pages_of(pdf)
    assert len(printed) == 1, f"three full places print on {len(printed)} pages: {printed[1:]}"
    for place in places[:3]:
        assert squeezed(place.name) in squeezed(printed[0]), place.name
