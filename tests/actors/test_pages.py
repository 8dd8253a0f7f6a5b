import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import BREIL_CENTRE, make_permanence, make_structure, offset

pytestmark = pytest.mark.django_db


def _argument_free_urls(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            # The admin has its own tests; i18n/setlang/ is a POST action.
            if route.startswith(("admin/", "i18n/")):
                continue
            yield from _argument_free_urls(pattern, prefix + route)
        elif isinstance(pattern, URLPattern):
            if "<" in route or "(?P" in route or route.startswith("^"):
                continue
            yield "/" + prefix + route


def test_every_argument_free_url_answers_200(client, admin_client):
    make_structure(is_example=True)
    urls = sorted(set(_argument_free_urls()))
    assert "/" in urls and "/quartiers/" in urls and "/healthz" in urls
    for url in urls:
        response = client.get(url)
        if response.status_code == 405 and response["Allow"] == "POST":
            continue  # an action (add to the selection, choose a desk…), not a page
        if response.status_code == 302 and "connexion" in response["Location"]:
            response = admin_client.get(url)  # a page for signed-in people
        if url == "/favicon.ico":
            continue  # a redirect to the icon: test_every_page_has_an_icon
        assert response.status_code == 200, url


def test_neighbourhood_page_lists_its_structures_nearest_first(client):
    far = make_structure(name="Loin du centre", at=offset(BREIL_CENTRE, north_m=400))
    near = make_structure(name="Près du centre", at=offset(BREIL_CENTRE, north_m=50))
    elsewhere = make_structure(name="Sur l'île", at=(47.2075, -1.54))
    response = client.get(reverse("actors:neighbourhood", args=["breil-barberie"]))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index(near.name) < content.index(far.name)
    assert elsewhere.name not in content
    assert "min à pied" in content


def test_example_data_is_announced_on_every_page(client):
    structure = make_structure(is_example=True)
    for url in ["/", "/quartiers/", "/quartiers/breil-barberie/", structure.get_absolute_url()]:
        assert "Données d'exemple" in client.get(url).content.decode(), url


def test_no_example_banner_when_the_data_is_real(client):
    make_structure()
    assert "Données d'exemple" not in client.get("/").content.decode()


def test_structure_page_shows_what_a_passeur_needs(client):
    host = make_structure(
        name="Maison de quartier test",
        phone="02 61 91 00 01",
        public_transport="Tram 2, arrêt fictif",
        walk_in=True,
        needs=["stage-de-3e"],
        hours=[(1, __import__("datetime").time(9), __import__("datetime").time(12))],
    )
    provider = make_structure(name="Mission locale test", kind="mission-locale")
    make_permanence(host, provider, title="Permanence emploi", needs=["trouver-un-emploi"])
    content = client.get(host.get_absolute_url()).content.decode()
    for expected in [
        "Maison de quartier test",
        'href="tel:+33261910001"',
        "Tram 2, arrêt fictif",
        "Accueil sans rendez-vous",
        "Stage de 3e",
        "Permanence emploi",
        "Mission locale test",
        "Prochaines dates",
        "Les sept prochains jours",
    ]:
        assert expected in content, expected
    assert "Permanence emploi" in client.get(provider.get_absolute_url()).content.decode()


def test_drafts_are_hidden_from_the_public_but_previewed_by_agents(client, staff_agent):
    draft = make_structure(status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(staff_agent)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_unknown_slugs_are_404(client):
    assert client.get("/structures/nexiste-pas/").status_code == 404
    assert client.get("/quartiers/nexiste-pas/").status_code == 404


def test_pages_are_french_with_a_skip_link(client):
    content = client.get("/").content.decode()
    assert '<html lang="fr">' in content
    assert 'href="#contenu"' in content
    assert content.count("<h1") == 1


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def _get_without_database(path):
    """Status and body of a GET in a process whose database cannot be reached (no mock)."""
    unreachable = (
        "sqlite:////nonexistent-directory/db.sqlite3"
        if connection.vendor == "sqlite"
        else "postgres://postgres@127.0.0.1:1/guide"
    )
    script = (
        "import django, json; django.setup();"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        f"from django.test import Client; r = Client().get({path!r});"
        "print(json.dumps([r.status_code, r.content.decode()]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "DATABASE_URL": unreachable, "DJANGO_SETTINGS_MODULE": "guide.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=settings.BASE_DIR,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pages_say_the_service_is_unavailable_when_the_database_is_down():
    status, body = _get_without_database("/recherche/?quartier=breil-barberie")
    assert status == 503
    assert "Service momentanément indisponible" in body


def test_healthz_answers_503_when_the_database_does_not():
    status, body = _get_without_database("/healthz")
    assert status == 503
    assert body == "database unavailable\n"


def test_quartiers_are_listed_in_order_city_by_city(client):
    content = client.get("/quartiers/").content.decode()
    cities = re.findall(r'<h2 id="city-\d+">([^<]+)</h2>', content)
    assert cities == sorted(set(cities)) and "Nantes" in cities
    home = client.get("/").content.decode()
    assert home.index("Bellevue - Chantenay - Sainte Anne") < home.index("Nantes Sud")


def test_every_page_has_an_icon(client):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert icon == static("favicon.svg") and finders.find("favicon.svg")
    response = client.get("/favicon.ico")  # asked by pages that name none (the admin)
    assert response.status_code == 302 and response["Location"] == icon


def test_a_page_links_back_to_itself_unless_its_address_is_too_long_to_come_back(client):
    """The desk link and the visitor's sheet forms carry `next`: this page's address. An
    address too long for a server to accept again (gunicorn: 4,094 bytes a request line)
    comes back as its path alone, and the page is not made of copies of it."""
    search = reverse("actors:search")
    page = client.get(search, {"besoin": "stage-de-3e"}).content.decode()
    assert "next=/recherche/%3Fbesoin%3Dstage-de-3e" in page

    padding = "x" * 3000  # a parameter no page reads, as a link from elsewhere may carry
    response = client.get(search, {"besoin": "stage-de-3e", "suivi": padding})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'next=/recherche/"' in page and 'name="next" value="/recherche/"' in page
    assert f"suivi%3D{padding}" not in page  # the desk link
    assert f'value="/recherche/?besoin=stage-de-3e&amp;suivi={padding}' not in page  # the forms


def test_cards_with_the_same_week_share_its_line_and_a_closure_still_shows():
    """The hours line is computed once per different week on a page (places often keep
    the same hours): a place closed today keeps its own line."""
    import datetime

    from django.utils import timezone

    from actors.enums import ExceptionKind
    from actors.models import OpeningException, Structure
    from actors.templatetags.places import render_cards

    week = [(day, datetime.time(0), datetime.time(23, 59)) for day in range(7)]
    same = [make_structure(name=f"Lieu {n} (test)", hours=week) for n in range(2)]
    closed = make_structure(name="Lieu fermé (test)", hours=week)
    today = timezone.localdate()  # closed today and tomorrow: never the others' line
    OpeningException.objects.create(
        structure=closed,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=1),
        kind=ExceptionKind.CLOSED,
    )
    pks = [place.pk for place in (*same, closed)]
    cards = render_cards(Structure.objects.cards_in_order([(pk, 0.0) for pk in pks]))
    lines = re.findall(r'<p class="card-hours[^"]*">([^<]*)</p>', cards)
    assert len(lines) == 3 and lines[0] == lines[1] != lines[2]
