"""The sheet measures the walk from where the search started: a place picked from the results
of a search from an address, a stop or a quartier says how far it is from there, with walking
directions from there (link and QR code); otherwise from the desk, otherwise from the place's
quartier centre. The selection keeps that start, rounded, and never an address's words. The
fifth place fills the sheet, and the sheet says so.
"""

import html
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.urls import reverse

from actors import geo
from frontdesk.selection import MAX_ITEMS, SESSION_KEY
from tests.ban_server import ban_server_fixture  # noqa: F401 (the fixture)
from tests.factories import BREIL_CENTRE, make_structure, neighbourhood, offset

pytestmark = pytest.mark.django_db

HOME = offset(BREIL_CENTRE, north_m=-400, east_m=120)  # where the person lives (fictional)


def text(response):
    page = response.content.decode()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def add_from(client, place, url):
    response = client.post(
        reverse("frontdesk:selection-add"), {"slug": place.slug, "next": url}, follow=True
    )
    assert response.status_code == 200


def search_url(**params):
    return reverse("actors:search") + "?" + urlencode(params)


def directions_of(response):
    page = response.content.decode()
    link = re.search(r'<a class="directions" href="([^"]+)"', page).group(1)
    return parse_qs(urlparse(html.unescape(link)).query)["route"][0]


@pytest.fixture
def place():
    return make_structure(
        name="Maison des Tilleuls (exemple)", at=offset(BREIL_CENTRE, north_m=500), is_example=True
    )


def test_a_place_picked_from_a_search_from_an_address_is_measured_from_that_address(
    client, ban_server, place
):
    ban_server.add("12 voie fictive des Tests", *HOME, label="12 voie fictive des Tests 44300")
    # The desk is set, but the search started from the person's address: from there.
    desk = make_structure(name="Accueil du Breil (exemple)", at=BREIL_CENTRE)
    client.post(reverse("frontdesk:desk-set"), {"slug": desk.slug})
    add_from(client, place, search_url(adresse="12 voie fictive des Tests"))

    response = client.get(reverse("frontdesk:handout"))

    distance = geo.haversine_m(*HOME, place.latitude, place.longitude)
    walk = geo.walking_minutes(distance)
    assert f"de l'adresse de la recherche, environ {walk} min à pied" in text(response)
    start, _, end = directions_of(response).partition(";")
    assert start == f"{HOME[0]:.4f}0,{HOME[1]:.4f}0"  # kept to about ten metres
    assert "Code QR de l&#x27;itinéraire à pied vers Maison des Tilleuls" in (
        response.content.decode()
    )
    # What the session keeps: the point, rounded, and how it was given; not the address.
    kept = client.session[SESSION_KEY][0]
    assert kept["origin"][2:] == ["address", ""]
    assert "voie fictive" not in str(client.session[SESSION_KEY])


def test_a_place_picked_from_a_quartiers_results_is_measured_from_that_quartiers_centre(
    client, place
):
    add_from(client, place, search_url(quartier="nantes-nord"))
    body = text(client.get(reverse("frontdesk:handout")))
    nord = neighbourhood("nantes-nord")
    walk = geo.walking_minutes(
        geo.haversine_m(
            nord.centroid_latitude, nord.centroid_longitude, place.latitude, place.longitude
        )
    )
    assert f"du centre du quartier Nantes Nord, environ {walk} min à pied" in body


def test_a_search_measured_from_the_desk_leaves_the_sheet_measured_from_the_desk(client, place):
    desk = make_structure(name="Accueil du Breil (exemple)", at=BREIL_CENTRE)
    client.post(reverse("frontdesk:desk-set"), {"slug": desk.slug})
    add_from(client, place, search_url(besoin="stage-de-3e"))
    assert "à 500 m d'ici" in text(client.get(reverse("frontdesk:handout")))
    assert "origin" not in client.session[SESSION_KEY][0]


def test_a_search_from_coordinates_measures_from_them(client, place):
    lat, lon = HOME
    add_from(client, place, search_url(lat=f"{lat:.6f}", lon=f"{lon:.6f}"))
    response = client.get(reverse("frontdesk:handout"))
    assert "du point de départ de la recherche" in text(response)
    assert directions_of(response).startswith(f"{lat:.4f}")


def test_a_place_added_from_its_own_page_is_measured_from_the_desk_or_its_quartier(client, place):
    add_from(client, place, place.get_absolute_url())
    response = client.get(reverse("frontdesk:handout"))
    assert "du centre du quartier Breil - Barberie" in text(response)
    # Directions: OpenStreetMap asks for the start (a quartier's centre is nobody's door).
    assert directions_of(response).startswith(";")
    assert "origin" not in client.session[SESSION_KEY][0]


def test_a_tampered_origin_in_the_session_is_ignored(client, place):
    add_from(client, place, place.get_absolute_url())
    session = client.session
    session[SESSION_KEY] = [{"slug": place.slug, "need": "", "origin": [999, "x", "address", ""]}]
    session.save()
    assert "du centre du quartier Breil - Barberie" in text(
        client.get(reverse("frontdesk:handout"))
    )


def test_the_fifth_place_fills_the_sheet_and_it_says_so(client):
    places = [make_structure(name=f"Lieu {n}") for n in range(MAX_ITEMS + 1)]
    for place in places[:-1]:
        response = client.post(
            reverse("frontdesk:selection-add"),
            {"slug": place.slug},
            headers={"accept": "application/json"},
        )
    assert response.json()["message"] == (
        "Ajouté à la fiche : « Lieu 4 ». La fiche est complète : 5 lieux au plus."
    )
    refused = client.post(
        reverse("frontdesk:selection-add"),
        {"slug": places[-1].slug},
        headers={"accept": "application/json"},
    )
    assert refused.status_code == 409
    assert "retirez-en un" in refused.json()["message"]
    listing = text(client.get(reverse("frontdesk:selection")))
    assert "La fiche est complète : 5 lieux au plus." in listing


def test_a_place_on_the_sheet_says_so_on_its_page(client, place):
    add_from(client, place, place.get_absolute_url())
    page = client.get(place.get_absolute_url()).content.decode()
    remove = reverse("frontdesk:selection-remove")
    remove_form = re.search(rf'<form[^>]*action="{remove}".*?</form>', page, re.S).group(0)
    assert "hidden" not in remove_form.split(">")[0]
    assert '<span class="on-sheet">Sur la fiche</span>' in remove_form
