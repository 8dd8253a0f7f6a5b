"""A result card with its stop, in Chromium: the line's badge takes the network's colour
from the lines stylesheet (under the site's own Content-Security-Policy), keeps its name
in words, and reads at 4.5:1 at least; the place's page lists its stops."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.site import SEARCH, make_breil
from tests.transit_feed import FEED_DIR
from transit.importer import import_feed

pytestmark = pytest.mark.e2e

CONTRAST = """(element) => {
    const rgb = (value) => value.match(/\\d+/g).slice(0, 3).map(Number);
    const luminance = ([r, g, b]) => {
        const c = [r, g, b].map((v) => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const style = getComputedStyle(element);
    const [a, b] = [luminance(rgb(style.color)), luminance(rgb(style.backgroundColor))];
    return { background: style.backgroundColor,
             ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
}"""


def test_a_card_shows_its_stop_and_line_in_words_and_in_colour(
    reference_data, live_server, page, snap, browser_problems
):
    breil = make_breil()
    import_feed(FEED_DIR, "exemple", is_example=True)

    page.goto(f"{live_server.url}{reverse('actors:search')}?{SEARCH}")
    card = page.locator("article", has_text=breil.places[0].name)
    line = card.locator(".card-transit")
    expect(line).to_contain_text("Station Fictive Breil")
    expect(line).to_contain_text("min à pied")
    badge = line.locator(".line-badge").first
    expect(badge).to_have_text("Tram T9")
    looks = badge.evaluate(CONTRAST)
    assert looks["background"] == "rgb(0, 122, 61)", looks  # the network's green, 007A3D
    assert looks["ratio"] >= 4.5, looks
    expect(line.locator(".badge-example")).to_have_text("réseau fictif")
    snap(page, "carte-avec-arret")

    card.get_by_role("link", name=breil.places[0].name).click()
    stops = page.locator("h3", has_text="Arrêts à quelques minutes à pied")
    expect(stops).to_be_visible()
    expect(page.locator(".stops .line-badge").first).to_have_text("Tram T9")
    assert not browser_problems, browser_problems
