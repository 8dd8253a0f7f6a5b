"""Adding a place to the visitor's sheet from a list, with the keyboard (RGAA 7.3, 12.8; WCAG
2.4.3, 2.4.7, 4.1.3): after each action, focus is still on a named, enabled control with a
visible focus ring — the same button, now "Retirer de la fiche : <place>" — the result is
announced, and the place can be taken off the sheet from the same page.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.site import SEARCH, make_breil, speak

pytestmark = pytest.mark.e2e

LABELS = {
    "fr": {
        "add": "Ajouter à la fiche",
        "remove": "Retirer de la fiche",
        "added": "Ajouté à la fiche",
    },
    "en": {
        "add": "Add to the sheet",
        "remove": "Remove from the sheet",
        "added": "Added to the sheet",
    },
}

# What has the focus: its name as a screen reader gets it, whether it can be used and
# whether the browser draws its focus ring (:focus-visible, with our outline).
FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
        tag: element.tagName.toLowerCase(),
        value: element.value || "",
        disabled: Boolean(element.disabled),
        tabbable: element.tabIndex >= 0,
        ring: element.matches(":focus-visible")
            && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    };
}"""


def named(language, action, place):
    return re.compile(rf"^{LABELS[language][action]}\s*:\s*{re.escape(place.name)}$")


def press_and_check(page, button, language, action, place, count):
    """Press Enter on `button`; then the focus must still be on it, named for `action`."""
    button.press("Enter")
    expect(page.locator("[data-selection-count]")).to_have_text(f"({count})")
    expect(button).to_have_accessible_name(named(language, action, place))
    expect(button).to_be_focused()
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] == "button" and focused["value"] == place.slug, focused
    assert not focused["disabled"] and focused["tabbable"], focused
    assert focused["ring"], f"no visible focus ring after the action: {focused}"


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "url",
    [
        f"{reverse('actors:search')}?{SEARCH}",
        f"{reverse('frontdesk:map')}?{SEARCH}",
        reverse("actors:neighbourhood", args=["breil-barberie"]),
    ],
    ids=["results", "map", "quartier"],
)
def test_focus_stays_on_the_button_that_adds_and_removes_a_place(
    reference_data, live_server, context, page, snap, browser_problems, language, url
):
    breil = make_breil()
    first, second = breil.places[:2]
    speak(context, live_server, language)
    page.goto(url)
    if page.locator("#map").count():
        expect(page.locator("#map")).to_have_attribute("data-ready", "true")
    status = page.locator("p.visually-hidden[role=status]")

    # Found by the place it adds (its name changes): it must be the one named "Ajouter".
    button = page.locator(f'button[name=slug][value="{first.slug}"]')
    expect(button).to_have_accessible_name(named(language, "add", first))
    button.focus()
    press_and_check(page, button, language, "remove", first, count=1)
    expect(status).to_contain_text(LABELS[language]["added"])
    expect(status).to_contain_text(first.name)
    snap(page, "ajoute")

    # Another place, then the first one taken off again, from the same page.
    other = page.locator(f'button[name=slug][value="{second.slug}"]')
    other.focus()
    press_and_check(page, other, language, "remove", second, count=2)
    button.focus()
    press_and_check(page, button, language, "add", first, count=1)

    # The sheet holds what the page says, and a reload keeps saying it.
    page.reload()
    expect(page.get_by_role("button", name=named(language, "remove", second))).to_be_visible()
    expect(page.get_by_role("button", name=named(language, "add", first))).to_be_visible()
    page.goto(reverse("frontdesk:selection"))
    expect(page.locator(".selection-list li")).to_have_count(1)
    expect(page.locator(".selection-list")).to_contain_text(second.name)
    assert not browser_problems, browser_problems


def test_quick_presses_lose_no_place(reference_data, page):
    """Requests go one at a time: presses in quick succession (all four within one task
    here) put every place on the sheet; sent together they raced on the session."""
    breil = make_breil()
    page.goto(f"{reverse('actors:search')}?{SEARCH}")
    page.evaluate(
        "() => document.querySelectorAll('button[form=selection-form]').forEach((b) => b.click())"
    )
    expect(page.locator("[data-selection-count]")).to_have_text(f"({len(breil.places)})")
    page.goto(reverse("frontdesk:selection"))
    expect(page.locator(".selection-list li")).to_have_count(len(breil.places))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_on_a_place_page_focus_moves_between_add_and_remove(
    reference_data, live_server, context, page, browser_problems, language
):
    """The structure page shows one of two buttons: the focus goes to the one shown."""
    place = make_breil().places[0]
    speak(context, live_server, language)
    page.goto(place.get_absolute_url())
    add = page.get_by_role("button", name=named(language, "add", place))
    add.focus()
    add.press("Enter")
    remove = page.get_by_role("button", name=named(language, "remove", place))
    expect(remove).to_be_focused()
    expect(page.locator("[data-selection-count]")).to_have_text("(1)")
    assert page.evaluate(FOCUSED)["ring"], "no visible focus ring on the remove button"
    remove.press("Enter")
    expect(add).to_be_focused()
    expect(page.locator("[data-selection-count]")).to_have_text("(0)")
    assert not browser_problems, browser_problems
