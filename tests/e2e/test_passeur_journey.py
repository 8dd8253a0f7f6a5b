"""A passeur at the Breil front desk finds a 3e internship place and prints the visitor's sheet."""

import re

import pytest
from playwright.sync_api import expect

from actors import geo
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_structure, offset

pytestmark = pytest.mark.e2e


def metres_on_card(text):
    """'150 m · 3 min à pied' or '1,2 km · …' → metres."""
    number, unit = re.match(r"([\d,]+)\s*(m|km)", text).groups()
    value = float(number.replace(",", "."))
    return value * 1000 if unit == "km" else value


def test_passeur_finds_a_3e_internship_nearby_and_prints_the_handout(
    reference_data, page, snap, browser_problems
):
    desk = make_structure(
        name="Maison de quartier du Breil (exemple)",
        kind="maison-de-quartier",
        at=BREIL_CENTRE,
        is_example=True,
    )
    far = make_structure(
        name="Association Loin (exemple)",
        needs=["stage-de-3e"],
        at=offset(BREIL_CENTRE, north_m=450),
        is_example=True,
    )
    near = make_structure(
        name="Collège Proche (exemple)",
        needs=["stage-de-3e"],
        at=offset(BREIL_CENTRE, east_m=150),
        is_example=True,
        public_transport="Tram 3, arrêt Mendès France",
    )
    middle = make_structure(
        name="Point information jeunesse Milieu (exemple)",
        needs=["stage-de-3e"],
        at=offset(BREIL_CENTRE, north_m=-300),
        is_example=True,
    )
    make_structure(name="Sur l'île (exemple)", needs=["stage-de-3e"], at=ILE_DE_NANTES)
    make_structure(name="Autre besoin (exemple)", needs=["trouver-un-emploi"], at=BREIL_CENTRE)

    # Once, the passeur picks the desk; the site comes back to the home page.
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Qui peut aider, près d'ici ?")
    page.get_by_role("link", name="Choisir mon accueil").click()
    page.get_by_role("button", name=f"Choisir {desk.name}").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".desk")).to_contain_text(desk.name)
    snap(page, "accueil")

    # The person wants a 3e internship; the passeur searches the Breil.
    form = page.get_by_role("search", name="Rechercher un lieu")
    form.get_by_label("Besoin").select_option(label="Stage de 3e")
    form.get_by_label("Quartier", exact=True).select_option(label="Breil - Barberie")
    form.get_by_role("button", name="Rechercher").click()

    expect(page.locator("h1")).to_have_text("Résultats de la recherche")
    expect(page.locator(".summary")).to_contain_text("du plus proche au plus éloigné")
    expect(page.locator(".summary")).to_contain_text(desk.name)
    snap(page, "resultats")
    cards = page.locator(".card")
    expect(cards.locator(".card-title")).to_have_text([near.name, middle.name, far.name])
    distances = cards.locator(".card-distance").all_inner_texts()
    assert all("min à pied" in text for text in distances), distances
    metres = [metres_on_card(text) for text in distances]
    assert metres == sorted(metres) and metres[0] < metres[-1], distances

    # Open the nearest place and add it to the visitor's sheet (no page reload).
    cards.first.get_by_role("link", name=near.name).click()
    expect(page.locator("h1")).to_have_text(near.name)
    snap(page, "structure")
    page.get_by_role("button", name=f"Ajouter à la fiche : {near.name}").click()
    expect(page.get_by_role("button", name=f"Retirer de la fiche : {near.name}")).to_be_visible()
    expect(page.locator("[data-selection-count]")).to_have_text("(1)")

    page.get_by_role("link", name=re.compile("Fiche du visiteur")).click()
    expect(page.locator(".selection-list li")).to_have_count(1)
    expect(page.locator(".selection-list")).to_contain_text(near.name)
    snap(page, "selection")
    page.get_by_role("link", name="Voir et imprimer la fiche").click()

    # The handout: the place, how far from the desk on foot, a QR code to its page.
    expect(page.locator("h1")).to_have_text("Fiche orientation")
    snap(page, "fiche")
    expect(page.locator(".handout-header")).to_contain_text(f"Remise par : {desk.name}")
    entry = page.locator(".handout-entry")
    expect(entry).to_have_count(1)
    expect(entry.locator("h2")).to_contain_text(near.name)
    expect(entry).to_contain_text(near.street)
    expect(entry).to_contain_text("Tram 3, arrêt Mendès France")
    minutes = geo.walking_minutes(near.distance_from(desk.latitude, desk.longitude))
    expect(entry).to_contain_text(re.compile(rf"m d'ici, environ {minutes} min à pied"))
    # Two QR codes: the place's page online, and the walk there from the desk.
    for qr in entry.locator(".qr-code svg").all():
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["width"] > 50 and box["height"] > 50, box
    expect(entry.locator(".qr-code svg")).to_have_count(2)
    assert not browser_problems, browser_problems
