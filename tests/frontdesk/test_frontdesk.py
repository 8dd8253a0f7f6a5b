import datetime
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from actors.desk import DESK_COOKIE
from actors.models import Structure
from frontdesk.selection import MAX_ITEMS
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_permanence, make_structure, offset

pytestmark = pytest.mark.django_db

T = datetime.time
ALL_WEEK = [(d, T(9), T(12)) for d in range(7)] + [(d, T(14), T(17)) for d in range(7)]


def text(response):
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def desk():
    """The maison de quartier where the passeur works."""
    return make_structure(
        name="Maison de quartier du Breil", kind="maison-de-quartier", at=BREIL_CENTRE
    )


# --- My desk ---------------------------------------------------------------------------


def test_choosing_a_desk_sets_a_cookie_and_the_search_origin(client, desk):
    make_structure(
        name="Collège voisin", at=offset(BREIL_CENTRE, east_m=300), needs=["stage-de-3e"]
    )
    response = client.post(
        reverse("frontdesk:desk-set"), {"slug": desk.slug, "next": "/recherche/"}
    )
    assert response.status_code == 302 and response["Location"] == "/recherche/"
    assert client.cookies[DESK_COOKIE].value == desk.slug
    assert client.cookies[DESK_COOKIE]["httponly"]
    page = client.get("/recherche/", {"besoin": "stage-de-3e"})
    body = text(page)
    assert "Distances depuis : Maison de quartier du Breil" in body
    assert "Mon accueil : Maison de quartier du Breil" in body
    assert "300 m" in body


def test_clearing_the_desk_returns_to_the_quartier_centre(client, desk):
    client.post(reverse("frontdesk:desk-set"), {"slug": desk.slug})
    client.post(reverse("frontdesk:desk-clear"))
    assert client.cookies[DESK_COOKIE].value == ""
    body = text(client.get("/recherche/", {"quartier": "breil-barberie"}))
    assert "Distances depuis : centre du quartier Breil - Barberie" in body
    assert "Choisir mon accueil" in body


def test_an_unknown_or_tampered_desk_is_ignored(client, desk):
    response = client.post(reverse("frontdesk:desk-set"), {"slug": "nexiste-pas"}, follow=True)
    assert "n'existe pas" in text(response)
    client.cookies[DESK_COOKIE] = "<script>alert(1)</script>"
    response = client.get("/recherche/")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_redirects_stay_on_this_site(client, desk):
    response = client.post(
        reverse("frontdesk:desk-set"), {"slug": desk.slug, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_desk_page_lists_maisons_de_quartier_and_searches(client, desk):
    make_structure(name="Médiathèque Jacques Demy (exemple)", kind="autre")
    assert "Maison de quartier du Breil" in text(client.get(reverse("frontdesk:desk")))
    found = text(client.get(reverse("frontdesk:desk"), {"q": "mediatheque"}))
    assert "Médiathèque Jacques Demy" in found and "Maison de quartier du Breil" not in found


def _desk_names(client, **params):
    response = client.get(reverse("frontdesk:desk"), params)
    assert response.status_code == 200
    return [structure.name for structure in response.context["candidates"]]


def test_the_desk_chooser_sorts_numbers_as_numbers(client):
    for n in [40, 143, 14, 232, 149]:
        make_structure(name=f"Maison de quartier {n} (exemple)", kind="maison-de-quartier")
    assert _desk_names(client) == [
        f"Maison de quartier {n} (exemple)" for n in [14, 40, 143, 149, 232]
    ]


def test_the_desk_chooser_finds_a_place_by_its_quartier_or_its_street(client, desk):
    elsewhere = make_structure(
        name="Mairie annexe (exemple)", kind="mairie-de-quartier", at=ILE_DE_NANTES
    )
    assert _desk_names(client, q="Breil") == ["Maison de quartier du Breil"]
    assert _desk_names(client, q="barberie") == ["Maison de quartier du Breil"]
    assert _desk_names(client, q=elsewhere.street.split(",")[0]) == ["Mairie annexe (exemple)"]


def test_the_desk_chooser_filters_by_quartier(client, desk):
    make_structure(name="Mairie annexe (exemple)", kind="mairie-de-quartier", at=ILE_DE_NANTES)
    make_structure(name="Bibliothèque du Breil (exemple)", kind="autre")
    breil = desk.neighbourhood
    assert _desk_names(client, quartier=breil.slug) == [
        "Bibliothèque du Breil (exemple)",
        "Maison de quartier du Breil",
    ]
    assert _desk_names(client, quartier=breil.slug, q="bibliotheque") == [
        "Bibliothèque du Breil (exemple)"
    ]


def test_the_desk_chooser_lists_nantes_quartiers_first(client):
    page = client.get(reverse("frontdesk:desk")).content.decode()
    groups = re.findall(r'<optgroup label="([^"]+)"', page)
    assert groups[0] == "Nantes" and len(groups) > 1
    assert groups[1:] == sorted(groups[1:])


def test_an_unknown_quartier_is_a_message_not_an_error(client, desk):
    response = client.get(reverse("frontdesk:desk"), {"quartier": "nulle-part", "q": "x" * 500})
    assert response.status_code == 200
    assert "Ce quartier n'existe pas" in text(response)
    assert response.context["candidates"] == []


def test_the_desk_chooser_queries_do_not_grow_with_its_places(
    client, django_assert_max_num_queries
):
    for n in range(3):
        make_structure(name=f"Maison {n} (exemple)", kind="maison-de-quartier")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("frontdesk:desk"))
    for n in range(3, 25):
        make_structure(name=f"Maison {n} (exemple)", kind="maison-de-quartier")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("frontdesk:desk"))


# --- The selection -----------------------------------------------------------------------


def test_selection_add_remove_limit_and_empty_without_javascript(client):
    places = [make_structure(name=f"Lieu {n}") for n in range(MAX_ITEMS + 1)]
    for place in places[:MAX_ITEMS]:
        response = client.post(
            reverse("frontdesk:selection-add"), {"slug": place.slug, "next": "/"}
        )
        assert response.status_code == 302
    response = client.post(
        reverse("frontdesk:selection-add"), {"slug": places[-1].slug}, follow=True
    )
    assert "déjà 5 lieux" in response.content.decode()
    listing = text(client.get(reverse("frontdesk:selection")))
    assert all(f"Lieu {n}" in listing for n in range(MAX_ITEMS))
    assert f"Lieu {MAX_ITEMS}" not in listing
    assert "Fiche du visiteur (5)" in listing
    client.post(reverse("frontdesk:selection-remove"), {"slug": places[0].slug})
    assert "Lieu 0" not in text(client.get(reverse("frontdesk:selection")))
    client.post(reverse("frontdesk:selection-clear"))
    assert "La fiche est vide" in text(client.get(reverse("frontdesk:selection")))


def test_selection_answers_json_for_the_script(client):
    place = make_structure()
    response = client.post(
        reverse("frontdesk:selection-add"), {"slug": place.slug}, HTTP_ACCEPT="application/json"
    )
    assert response.json()["count"] == 1 and response.json()["slugs"] == [place.slug]
    for _n in range(MAX_ITEMS):
        client.post(reverse("frontdesk:selection-add"), {"slug": make_structure().slug})
    full = client.post(
        reverse("frontdesk:selection-add"),
        {"slug": make_structure().slug},
        HTTP_ACCEPT="application/json",
    )
    assert full.status_code == 409 and full.json()["count"] == MAX_ITEMS


def test_only_published_places_can_be_selected(client):
    draft = make_structure(status="draft")
    assert client.post(reverse("frontdesk:selection-add"), {"slug": draft.slug}).status_code == 404


def test_nothing_personal_is_stored_in_the_session(client):
    place = make_structure()
    client.post(reverse("frontdesk:selection-add"), {"slug": place.slug, "besoin": "stage-de-3e"})
    assert client.session["selection"] == [{"slug": place.slug, "need": "stage-de-3e"}]


def test_results_cards_offer_the_selection_button(client):
    make_structure(name="Lieu à ajouter", needs=["stage-de-3e"])
    body = client.get("/recherche/", {"besoin": "stage-de-3e"}).content.decode()
    form = re.search(
        r'<form id="selection-form"[^>]*action="/selection/ajouter/".*?</form>', body, re.S
    )
    assert form and "csrfmiddlewaretoken" in form.group(0)
    assert 'name="besoin" value="stage-de-3e"' in form.group(0)
    assert re.search(r'<button type="submit" form="selection-form" name="slug" value="[^"]+"', body)


# --- The handout ------------------------------------------------------------------------------


def test_the_handout_holds_what_the_visitor_needs(client, desk):
    provider = make_structure(
        name="Mission locale (exemple)", kind="mission-locale", at=ILE_DE_NANTES
    )
    place = make_structure(
        name="Maison des Tilleuls (exemple)",
        at=offset(BREIL_CENTRE, north_m=500),
        needs=["stage-de-3e"],
        phone="02 61 91 00 42",
        public_transport="Tram 2, arrêt fictif « Exemple »",
        walk_in=True,
        what_to_bring="Une pièce d'identité",
        hours=ALL_WEEK,
        holidays_rule="open",
        is_example=True,
    )
    place.verify()
    make_permanence(place, provider, needs=["stage-de-3e"], title="Permanence stages", weekday=2)
    client.post(reverse("frontdesk:desk-set"), {"slug": desk.slug})
    client.post(reverse("frontdesk:selection-add"), {"slug": place.slug, "besoin": "stage-de-3e"})
    response = client.get(reverse("frontdesk:handout"))
    body = text(response)
    for expected in [
        "Fiche orientation",
        "Imprimée le",
        "Remise par : Maison de quartier du Breil",
        "Maison des Tilleuls (exemple)",
        "Pour : Stage de 3e",
        "voie fictive de test",
        "à 500 m d'ici, environ 9 min à pied",
        "Tram 2, arrêt fictif « Exemple »",
        "sans rendez-vous",
        "Horaires : lun.–dim.",
        "Permanence stages",
        "02 61 91 00 42",
        "À apporter : Une pièce d'identité",
        "Informations vérifiées le",
        "Données d'exemple",
    ]:
        assert expected in body, expected
    html = response.content.decode()
    # Two QR codes: the place's page online, and the walk there from the desk.
    assert html.count('<svg viewBox="0 0') == 2
    assert 'aria-label="Code QR vers la fiche en ligne de Maison des Tilleuls (exemple)"' in html
    assert 'aria-label="Code QR de l&#x27;itinéraire à pied vers Maison des Tilleuls' in html
    assert "print.css" in html
    assert "data-print" in html  # the print button, shown by the script


# --- The neighbourhood guide -----------------------------------------------------------------


def just_outside(breil, beyond_m=100):
    """A point outside the Breil, `beyond_m` past its boundary going west from its centre."""
    west = 0
    while breil.contains(*offset(BREIL_CENTRE, east_m=-west)):
        west += 20
    return offset(BREIL_CENTRE, east_m=-(west + beyond_m))


@pytest.fixture
def breil_guide():
    """Three places in the Breil; one just across its boundary, a few minutes' walk from its
    centre; one across it too but beyond 20 minutes' walk; one far away."""
    for n, north in enumerate([100, 300, 500]):
        make_structure(
            name=f"Dans le Breil {n}",
            at=offset(BREIL_CENTRE, north_m=north),
            needs=["stage-de-3e"] if n else ["trouver-un-emploi"],
            hours=[(0, T(9), T(12))],
            phone=f"02 61 91 00 0{n}",
        )
    breil = __import__("actors.models", fromlist=["Neighbourhood"]).Neighbourhood.objects.get(
        slug="breil-barberie"
    )
    make_structure(name="Tout près du Breil", at=just_outside(breil), needs=["stage-de-3e"])
    beyond_a_walk = offset((breil.max_latitude, breil.centroid_longitude), north_m=400)
    make_structure(name="Hors de portée à pied", at=beyond_a_walk, needs=["stage-de-3e"])
    make_structure(name="Loin du Breil", at=ILE_DE_NANTES, needs=["stage-de-3e"])


def test_the_guide_has_a_cover_map_contents_and_entries(client, breil_guide):
    response = client.get(reverse("frontdesk:guide", args=["breil-barberie"]))
    page = response.content.decode()
    body = text(response)
    assert "Guide des acteurs de l'orientation du quartier" in body
    assert "Breil - Barberie" in body
    assert page.count("<circle") == 4  # numbered markers: 3 inside + 1 nearby, none moved
    assert "Sommaire par besoin" in body
    assert re.search(
        r'Stage de 3e\s*</th>\s*<td><a href="#lieu-2">2</a>, <a href="#lieu-3">3</a>, '
        r'<a href="#lieu-4">4</a></td>',
        page,
    )
    assert "Dans le Breil 0" in body and "Tout près du Breil" in body
    assert (
        body.index("Dans le Breil 2") < body.index("Tout près") < body.index("Tout près du Breil")
    )
    assert "Loin du Breil" not in body
    assert "Hors de portée à pied" not in body, "tout près is within 20 minutes' walk"
    assert "02 61 91 00 01" in body and "lun. 9 h–12 h" in body
    assert "min à pied" in body


def test_the_guide_pdf(client, breil_guide):
    response = client.get(reverse("frontdesk:guide", args=["breil-barberie"]), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    # The cover and its map, the contents and the four places after them.
    assert len(pages) == 2
    assert "1 / 2" in pages[0].extract_text() and "2 / 2" in pages[1].extract_text()


def test_the_guide_can_focus_on_one_need(client, breil_guide):
    body = text(
        client.get(
            reverse("frontdesk:guide", args=["breil-barberie"]), {"besoin": "trouver-un-emploi"}
        )
    )
    assert "Dans le Breil 0" in body and "Dans le Breil 1" not in body


# --- The map and the vCard ---------------------------------------------------------------------


def test_the_map_page_points_at_the_same_results_as_the_api(client):
    for n in range(7):
        make_structure(
            name=f"Lieu {n}", at=offset(BREIL_CENTRE, east_m=100 * n), needs=["stage-de-3e"]
        )
    params = {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
    page = client.get(reverse("frontdesk:map"), params).content.decode()
    geojson_url = html.unescape(re.search(r'data-geojson="([^"]+)"', page).group(1))
    features = client.get(geojson_url).json()["features"]
    assert len(features) == client.get("/api/v1/structures/", params).json()["count"] == 7
    boundary_url = re.search(r'data-boundary="([^"]+)"', page).group(1)
    assert client.get(boundary_url).json()["geometry"]["type"] == "Polygon"
    assert page.count('<article class="card') == 7  # the list stays for those without JavaScript
    assert "<script>" not in page  # scripts are files, no inline code


def test_the_map_passes_the_desk_to_the_api(client, desk):
    client.post(reverse("frontdesk:desk-set"), {"slug": desk.slug})
    page = client.get(reverse("frontdesk:map")).content.decode()
    assert f"depuis={desk.slug}" in page


def test_vcard(client):
    place = make_structure(
        name="Point info; jeunesse, centre", phone="02 61 91 00 09", hours=[(1, T(9), T(12, 30))]
    )
    response = client.get(reverse("frontdesk:vcard", args=[place.slug]))
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    card = response.content.decode()
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and card.endswith("END:VCARD\r\n")
    assert "FN:Point info\\; jeunesse\\, centre" in card
    assert "TEL;TYPE=WORK,VOICE:+33261910009" in card
    assert "mardi 9 h–12 h 30" in card
    assert all(len(line.encode()) <= 75 for line in card.split("\r\n"))


def test_a_partners_text_cannot_add_a_line_to_the_vcard(client):
    # A lone carriage return used to reach the file raw: phone apps read it as a new line.
    place = make_structure(
        name="Maison\rTEL:06 00 00 00 00",
        phone="0261910009\r\nTEL:0899000000",
        street="1 voie fictive\nEMAIL:pirate@example.org",
        address_complement="bât. A\u2028URL:https://pirate.example\x07",
    )
    card = client.get(reverse("frontdesk:vcard", args=[place.slug])).content.decode()
    lines = card.replace("\r\n ", "").split("\r\n")  # unfolded, then split on CRLF only
    text = "".join(lines)
    assert not any(char in text for char in "\r\n\u2028\x07")
    assert [line for line in lines if line.startswith("TEL")] == [
        "TEL;TYPE=WORK,VOICE:0261910009\\nTEL:0899000000"
    ]
    assert "FN:Maison\\nTEL:06 00 00 00 00" in lines
    assert not any(line.startswith(("EMAIL", "URL:https://pirate")) for line in lines)
    assert all(len(line.encode()) <= 75 for line in card.split("\r\n"))


def test_archived_places_have_no_vcard(client):
    place = make_structure(status="archived")
    assert client.get(reverse("frontdesk:vcard", args=[place.slug])).status_code == 404
    assert Structure.objects.filter(pk=place.pk).exists()
