"""The small neighbourhood the page-by-page browser checks run on, and the pages they open.

Four fictional places around the Breil centre (one hosting a Mission locale
permanence), the passeur's desk, and a visitor's selection of two places, so
every public page shows what it shows in use.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from tests.factories import BREIL_CENTRE, make_permanence, make_structure, offset

SEARCH = "besoin=stage-de-3e&quartier=breil-barberie"


@dataclass
class Breil:
    desk: object
    places: list


def make_breil():
    desk = make_structure(
        name="Maison de quartier du Breil (exemple)",
        kind="maison-de-quartier",
        is_example=True,
    )
    places = [
        make_structure(
            name=f"Lieu d'orientation {n} (exemple)",
            kind=kind,
            needs=["stage-de-3e", "choisir-son-orientation"],
            publics=["collegiens"] if n == 1 else [],
            hours=[(weekday, datetime.time(9), datetime.time(12)) for weekday in range(5)],
            at=offset(BREIL_CENTRE, north_m=120 * n, east_m=-80 * n),
            is_example=True,
            phone="02 61 91 00 0" + str(n),
            description="Un lieu fictif pour les tests.",
            public_transport="Tram 3, arrêt fictif",
        )
        for n, kind in enumerate(
            ["cio", "mission-locale", "information-jeunesse", "association"], start=1
        )
    ]
    make_permanence(places[2], places[1], title="Permanence Mission locale", needs=["stage-de-3e"])
    return Breil(desk, places)


def speak(context, live_server, language):
    """The visitor's language, as the footer's language switch leaves it (a cookie)."""
    if language != settings.LANGUAGE_CODE:
        cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}
        context.add_cookies([cookie])


def set_desk_and_selection(page, breil):
    """The passeur's desk, and the first two places on the visitor's sheet (French labels:
    call it before `speak`)."""
    page.goto(reverse("frontdesk:desk"))
    page.get_by_role("button", name=f"Choisir {breil.desk.name}").click()
    for place in breil.places[:2]:
        page.goto(place.get_absolute_url())
        page.get_by_role("button", name=f"Ajouter à la fiche : {place.name}").click()
        expect(
            page.get_by_role("button", name=f"Retirer de la fiche : {place.name}")
        ).to_be_visible()


def optional_url(name, *args):
    """A page that exists only once its app is installed (e.g. "À propos des données")."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def public_pages(breil):
    structure = breil.places[0]
    pages = [
        reverse("actors:home"),
        f"{reverse('actors:search')}?{SEARCH}",
        f"{reverse('frontdesk:map')}?{SEARCH}",
        reverse("actors:neighbourhoods"),
        reverse("actors:neighbourhood", args=["breil-barberie"]),
        structure.get_absolute_url(),
        breil.places[2].get_absolute_url(),  # hosts a permanence
        reverse("frontdesk:selection"),
        reverse("frontdesk:handout"),
        reverse("frontdesk:guide", args=["breil-barberie"]),
        reverse("frontdesk:desk"),
        reverse("reports:report", args=[structure.slug]),
        optional_url("insights:about-data"),
        reverse("partners:login"),
        reverse("partners:password_reset"),
        reverse("partners:password_reset_done"),
        reverse("partners:password_reset_complete"),
        reverse("partners:password_reset_confirm", args=["MQ", "lien-perime"]),
    ]
    return [url for url in pages if url]


def partner_pages(structure_a):
    return [
        reverse("partners:home"),
        reverse("partners:propose", args=[structure_a.slug]),
        reverse("partners:propose_new"),
    ]


PARTNER_SIGN_IN = {
    "fr": ("Identifiant", "Mot de passe", "Se connecter"),
    "en": ("Username", "Password", "Sign in"),
}


def sign_in_partner_a(page, language="fr"):
    user, password, button = PARTNER_SIGN_IN[language]
    page.goto(reverse("partners:login"))
    page.get_by_label(user).fill("partenaire-a")
    page.get_by_label(password).fill("motdepasse-partenaire-a")
    page.get_by_role("button", name=button).click()
    expect(page.locator(".partner-structure")).to_have_count(1)
