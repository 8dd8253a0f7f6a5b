"""Errors people can use: 404, 403, 500 and CSRF pages in the site's layout, in French and
English, with a search box; a closed place's page points to the nearest ones instead."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from actors.enums import Status
from tests.factories import BREIL_CENTRE, make_structure, offset

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    """Error pages as production shows them: DEBUG off (Django's debug pages otherwise)."""
    settings.DEBUG = False


def _in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the footer's switch sets
    return client


def _is_a_site_page(text):
    assert 'class="site-header"' in text  # base.html's layout
    assert 'role="search"' in text and 'name="q"' in text  # a search box
    assert reverse("actors:search") in text


def test_an_unknown_address_answers_the_french_404_in_the_sites_layout(client):
    response = client.get("/nexiste-pas/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page introuvable" in text
    assert 'lang="fr"' in text
    _is_a_site_page(text)


def test_the_404_is_in_english_for_an_english_visitor(client):
    response = _in_english(client).get("/nexiste-pas/")
    text = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in text and "Page introuvable" not in text
    assert '<html lang="en">' in text


def test_a_forbidden_page_answers_the_french_403(client, partner_a_client):
    response = partner_a_client.get(reverse("insights:dashboard"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Accès refusé" in text
    _is_a_site_page(text)


def test_a_server_error_answers_the_500_page_without_a_request(settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    response = client.get("/panne/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Le guide a rencontré une erreur" in text
    assert '<html lang="fr">' in text
    _is_a_site_page(text)
    english = _in_english(client).get("/panne/").content.decode()
    assert '<html lang="en">' in english and "Le guide a rencontré" not in english


def test_a_form_whose_csrf_check_fails_answers_a_page_that_says_what_to_do():
    place = make_structure()
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("frontdesk:selection-add"), {"slug": place.slug})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Formulaire expiré" in text and "rechargez-la" in text
    _is_a_site_page(text)


# --- A closed place -----------------------------------------------------------------------


@pytest.fixture
def closed_cio():
    """An archived CIO of the Breil, its neighbours: two CIOs and an unrelated association."""
    closed = make_structure(
        name="CIO fermé (exemple)",
        kind="cio",
        needs=["stage-de-3e"],
        status=Status.ARCHIVED,
        at=BREIL_CENTRE,
    )
    near = make_structure(
        name="CIO voisin (exemple)", needs=["stage-de-3e"], at=offset(BREIL_CENTRE, 300)
    )
    far = make_structure(
        name="CIO lointain (exemple)", needs=["stage-de-3e"], at=offset(BREIL_CENTRE, 3000)
    )
    make_structure(
        name="Club de sport (exemple)", needs=["cv-lettre-de-motivation"], at=BREIL_CENTRE
    )
    make_structure(name="Brouillon (exemple)", needs=["stage-de-3e"], status=Status.DRAFT)
    return closed, near, far


def test_a_closed_places_page_answers_410_with_the_nearest_places_for_the_same_needs(
    client, closed_cio
):
    closed, near, far = closed_cio
    response = client.get(closed.get_absolute_url())
    assert response.status_code == 410
    text = response.content.decode()
    assert "ce lieu a fermé" in text
    assert "Stage de 3e" in text
    assert text.index("CIO voisin") < text.index("CIO lointain")  # nearest first
    assert "Club de sport" not in text  # another need
    assert "Brouillon" not in text  # not published
    assert near.get_absolute_url() in text
    _is_a_site_page(text)


def test_a_closed_place_without_needs_offers_places_of_its_kind(client):
    closed = make_structure(
        name="Mission locale fermée", kind="mission-locale", status=Status.ARCHIVED
    )
    make_structure(
        name="Mission locale ouverte (exemple)", kind="mission-locale", at=offset(BREIL_CENTRE, 500)
    )
    make_structure(name="Association (exemple)", at=offset(BREIL_CENTRE, 100))
    text = client.get(closed.get_absolute_url()).content.decode()
    assert "Mission locale ouverte" in text and "Association (exemple)" not in text


def test_a_draft_stays_a_plain_404_and_staff_still_preview_archived_entries(
    staff_client, closed_cio
):
    draft = make_structure(name="Brouillon secret", status=Status.DRAFT)
    response = Client().get(draft.get_absolute_url())
    assert response.status_code == 404 and "Brouillon secret" not in response.content.decode()
    assert staff_client.get(closed_cio[0].get_absolute_url()).status_code == 200


def test_the_closed_page_is_english_for_an_english_visitor(client, closed_cio):
    response = _in_english(client).get(closed_cio[0].get_absolute_url())
    text = response.content.decode()
    assert response.status_code == 410
    assert "this place has closed" in text
