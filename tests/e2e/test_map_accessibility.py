"""The results map with a keyboard and a screen reader (RGAA 7.1, 7.3, 8.7, 12.8): every
stop inside the map has a name in the page's language, groups of markers say how many
places they hold, shapes are not stops, and an opened popup takes the focus and gives it
back to its marker when it closes. Both languages.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.site import SEARCH, make_breil, speak
from tests.factories import BREIL_CENTRE, make_structure, offset

pytestmark = pytest.mark.e2e

WORDS = {
    "fr": {
        "zoom in": "Zoomer",
        "zoom out": "Dézoomer",
        "close": "Fermer",
        "cluster": r"^\d+ lieux ici : zoomer pour les voir$",
        "open": "Voir la fiche",
    },
    "en": {
        "zoom in": "Zoom in",
        "zoom out": "Zoom out",
        "close": "Close",
        "cluster": r"^\d+ places here: zoom in to see them$",
        "open": "View page",
    },
}
LEAFLET_ENGLISH = {
    "Zoom in",
    "Zoom out",
    "Close popup",
    "A JavaScript library for interactive maps",
}

# The map's own tab stops, in document order: what a Tab press can land on.
STOPS = """() => Array.from(document.querySelectorAll("#map *"))
    .filter((e) => e.tabIndex >= 0 && e.checkVisibility() && !e.closest("[aria-hidden=true]"))
    .map((e, n) => { e.dataset.stop = String(n); return n; })"""


def test_every_stop_in_the_map_is_named_in_the_pages_language(
    reference_data, live_server, context, page, snap, browser_problems, language
):
    breil = make_breil()
    grouped = [
        make_structure(
            name=f"Au même endroit {n} (exemple)",
            needs=["stage-de-3e"],
            at=offset(BREIL_CENTRE, north_m=3 * n),
        )
        for n in range(4)
    ]
    words = WORDS[language]
    speak(context, live_server, language)
    page.goto(f"{reverse('frontdesk:map')}?{SEARCH}")
    carte = page.locator("#map")
    expect(carte).to_have_attribute("data-ready", "true")
    snap(page, "carte")

    stops = page.evaluate(STOPS)
    assert stops, "nothing in the map takes the focus"
    for n in stops:
        stop = page.locator(f'#map [data-stop="{n}"]')
        expect(stop).to_have_accessible_name(re.compile(r"\w"))
        name = stop.evaluate("(e) => e.getAttribute('aria-label') || e.title || e.alt || ''")
        assert name not in LEAFLET_ENGLISH or language == "en" and name in words.values(), name
    assert carte.locator("path[tabindex], path.leaflet-interactive").count() == 0
    expect(carte.get_by_role("button", name=words["zoom in"], exact=True)).to_be_visible()
    expect(carte.get_by_role("button", name=words["zoom out"], exact=True)).to_be_visible()
    clusters = carte.locator(".marker-cluster")
    expect(clusters.first).to_have_accessible_name(re.compile(words["cluster"]))
    assert int(clusters.first.inner_text()) >= len(grouped)

    # A single marker: Enter opens its popup and the focus goes to the place's name in it;
    # the popup's close button has a name; Escape closes it and the focus is back.
    place = breil.places[3]
    marker = carte.get_by_role("button", name=place.name, exact=True)
    if language != "fr":
        expect(marker).to_have_attribute("lang", "fr")
    marker.focus()
    marker.press("Enter")
    popup = carte.locator(".leaflet-popup")
    expect(popup.locator("h2")).to_have_text(place.name)
    expect(popup.locator("h2")).to_be_focused()
    expect(popup.get_by_role("button", name=words["close"], exact=True)).to_be_attached()
    page.keyboard.press("Tab")
    expect(popup.get_by_role("link", name=words["open"])).to_be_focused()
    snap(page, "popup")
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    expect(marker).to_be_focused()

    # The same with the close button.
    marker.press("Enter")
    expect(popup.locator("h2")).to_be_focused()
    popup.get_by_role("button", name=words["close"], exact=True).press("Enter")
    expect(popup).to_have_count(0)
    expect(marker).to_be_focused()
    assert not browser_problems, browser_problems


@pytest.fixture(params=["fr", "en"])
def language(request):
    return request.param
