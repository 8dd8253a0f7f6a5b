"""Phone first: on a 390 px wide phone, the first result shows without scrolling, calling a
place and walking there are buttons a thumb can hit (44 px high at least), and no page —
the public pages and the partner's proposal form alike — scrolls sideways.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.site import (
    SEARCH,
    make_breil,
    partner_pages,
    public_pages,
    set_desk_and_selection,
    sign_in_partner_a,
    speak,
)
from tests.factories import make_permanence

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 390, 844  # a common phone, in CSS pixels
THUMB_PX = 44


@pytest.fixture
def context_options():
    return {"viewport": {"width": WIDTH, "height": HEIGHT}, "has_touch": True}


def height(locator):
    return locator.bounding_box()["height"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_first_result_shows_on_the_first_screen(
    reference_data, live_server, context, page, snap, language
):
    make_breil()
    speak(context, live_server, language)
    page.goto(f"{reverse('actors:search')}?{SEARCH}")
    snap(page, "resultats")

    first = page.locator(".card").first
    expect(first).to_be_visible()
    assert page.evaluate("() => window.scrollY") == 0
    # Its name, how far it is and its phone, all on the first screen.
    for part in [".card-title", ".card-distance", '.card-access a[href^="tel:"]']:
        box = first.locator(part).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, f"{part} is below the fold"


def test_calling_and_walking_there_are_buttons_a_thumb_can_hit(
    reference_data, live_server, page, snap
):
    breil = make_breil()
    page.goto(f"{reverse('actors:search')}?{SEARCH}")
    calls = page.locator('.card-access a[href^="tel:"]')
    assert calls.count() == 4
    for n in range(calls.count()):
        assert height(calls.nth(n)) >= THUMB_PX
    add = page.get_by_role("button", name=re.compile(r"^Ajouter à la fiche"))
    assert height(add.first) >= THUMB_PX

    page.goto(breil.places[0].get_absolute_url())
    snap(page, "fiche")
    assert height(page.locator('main a[href^="tel:"]')) >= THUMB_PX
    assert height(page.get_by_role("link", name="Itinéraire à pied")) >= THUMB_PX

    page.get_by_role("button", name=f"Ajouter à la fiche : {breil.places[0].name}").click()
    expect(page.locator(".on-sheet")).to_have_text("Sur la fiche")
    page.goto(reverse("frontdesk:handout"))
    assert height(page.get_by_role("link", name=re.compile(r"^Itinéraire à pied"))) >= THUMB_PX
    assert height(page.get_by_role("button", name="Imprimer la fiche")) >= THUMB_PX


def overflow(page, url):
    response = page.goto(url)
    assert response.ok, f"{url} answered {response.status}"
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-ready=true]")
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            // Boxes that scroll sideways inside the page (a grid of fields in its fieldset)
            // count too: on a phone, nothing should.
            const scrollers = [...document.querySelectorAll("main *")].filter((element) => {
                const style = getComputedStyle(element);
                return ["auto", "scroll"].includes(style.overflowX)
                    && element.scrollWidth > element.clientWidth + 1
                    && !["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
            }).map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
            return { width: document.documentElement.scrollWidth, viewport: width, scrollers };
        }"""
    )


def test_no_page_scrolls_sideways_on_a_phone(
    reference_data, structure_a, partner_a, live_server, page, snap
):
    breil = make_breil()
    make_permanence(structure_a, breil.places[0], title="Permanence du mardi (exemple)")
    set_desk_and_selection(page, breil)
    problems = []
    for url in public_pages(breil):
        measured = overflow(page, url)
        if measured["width"] > WIDTH or measured["scrollers"]:
            problems.append(f"{url}: {measured}")
            snap(page, url.strip("/").replace("/", "-") or "accueil")
    sign_in_partner_a(page)
    for url in partner_pages(structure_a):
        measured = overflow(page, url)
        if measured["width"] > WIDTH or measured["scrollers"]:
            problems.append(f"{url}: {measured}")
            snap(page, "partenaire")
    assert not problems, "\n".join(problems)


def test_each_row_of_the_partners_grids_shows_its_labels_on_a_phone(
    reference_data, structure_a, partner_a, live_server, page
):
    sign_in_partner_a(page)
    page.goto(reverse("partners:propose", args=[structure_a.slug]))
    rows = page.locator(".partner-rows")
    expect(rows.first).to_be_visible()
    # The column headings are gone; each field says what it is, above it.
    first_field = rows.first.locator("td").first
    label = first_field.locator("label")
    expect(label).to_be_visible()
    assert label.bounding_box()["width"] > 1
