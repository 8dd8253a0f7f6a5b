"""Keyboard only: from the home page, search with Tab, typing and Enter; focus is always visible."""

import pytest
from playwright.sync_api import expect

from tests.factories import BREIL_CENTRE, make_structure, offset

pytestmark = pytest.mark.e2e

# The focused element, and whether a focus indicator is drawn around it.
FOCUS = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {
        id: element.id,
        tag: element.tagName.toLowerCase(),
        text: (element.textContent || "").trim(),
        href: element.getAttribute("href"),
        visible: outline || style.boxShadow !== "none",
    };
}"""


def tab_until(page, predicate, limit=60):
    """Press Tab until the focused element matches, checking each stop shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert focus["visible"], f"no visible focus on {focus}"
        if predicate(focus):
            return focus
    raise AssertionError(f"not reached with {limit} presses of Tab")


def test_search_with_the_keyboard_only(reference_data, page, snap, browser_problems):
    near = make_structure(
        name="Collège du Breil (exemple)",
        needs=["stage-de-3e"],
        at=offset(BREIL_CENTRE, east_m=100),
    )
    make_structure(name="Emploi seulement (exemple)", needs=["trouver-un-emploi"])

    page.goto("/")
    # First stop: the skip link, shown on screen when focused; Enter jumps to the content.
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS)
    assert focus["href"] == "#contenu" and focus["visible"], focus
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()

    # The next stop is the search field: type and press Enter.
    tab_until(page, lambda focus: focus["id"] == "id_q", limit=1)
    snap(page, "champ-de-recherche")
    page.keyboard.type("stage 3e")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Résultats de la recherche")
    expect(page.locator(".card-title")).to_have_text([near.name])
    snap(page, "resultats")

    # On to the result with Tab, then Enter opens its page.
    tab_until(page, lambda focus: focus["text"] == near.name)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(near.name)
    assert not browser_problems, browser_problems
