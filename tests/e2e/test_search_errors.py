"""A search that cannot be made, as a screen-reader user meets it (RGAA 11.10, 11.11; WCAG
3.3.1, 1.3.1): the heading says the search is to correct, each field in error is marked
invalid and described by its message, and the list of errors names each field by the label
the form shows, with a link that takes the focus to it. Both languages.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.site import speak

pytestmark = pytest.mark.e2e

HEADING = {"fr": "Recherche à corriger", "en": "Search to correct"}
# A query string, and the fields a person must correct with their labels as shown.
BAD_SEARCHES = [
    ("rayon=abc", {"id_rayon": {"fr": "À pied, jusqu'à", "en": "On foot, up to"}}),
    ("besoin=inexistant", {"id_besoin": {"fr": "Besoin", "en": "Need"}}),
    ("lat=abc&lon=1", {"id_lat": {"fr": "Latitude", "en": "Latitude"}}),
    ("lat=47.2&lon=900", {"id_lon": {"fr": "Longitude", "en": "Longitude"}}),
    (
        "q=" + "x" * 201,
        {"id_q": {"fr": "Que cherche la personne ?", "en": "What is the person looking for?"}},
    ),
    ("gratuit=peut-etre", {"id_gratuit": {"fr": "Gratuit", "en": "Free"}}),
]

# Every control the page marks invalid, with its label and the text of what describes it.
INVALID = """() => Array.from(document.querySelectorAll("[aria-invalid=true]")).map((control) => ({
    id: control.id,
    label: (control.labels[0] || {}).textContent.trim(),
    described: (control.getAttribute("aria-describedby") || "").split(/\\s+/)
        .map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim(),
}))"""


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("query", "fields"), BAD_SEARCHES, ids=[q[:20] for q, _ in BAD_SEARCHES])
def test_each_search_error_is_tied_to_its_field(
    reference_data, live_server, context, page, snap, language, query, fields
):
    speak(context, live_server, language)
    response = page.goto(f"{reverse('actors:search')}?{query}")
    assert response.status == 400
    expect(page.locator("h1")).to_have_text(HEADING[language])
    expect(page).to_have_title(HEADING[language] + " — " + page.title().split(" — ", 1)[1])
    snap(page, "erreur")

    invalid = {control["id"]: control for control in page.evaluate(INVALID)}
    assert set(invalid) == set(fields), invalid
    summary = page.locator("#search-errors li")
    expect(summary).to_have_count(len(fields))
    for field_id, labels in fields.items():
        control = invalid[field_id]
        assert control["label"] == labels[language], control
        message = page.locator(f"#{field_id}_error").inner_text().strip()
        assert message and message in control["described"], control
        expect(page.locator(f"#{field_id}")).to_have_accessible_description(
            re.compile(re.escape(message))
        )
        # The summary says which field, by its visible label, and what is wrong with it.
        item = summary.filter(has=page.locator(f'a[href="#{field_id}"]'))
        expect(item.get_by_role("link")).to_have_text(labels[language])
        expect(item).to_contain_text(message)
        item.get_by_role("link").click()
        expect(page.locator(f"#{field_id}")).to_be_focused()


def test_a_parameter_without_a_field_is_named_in_words(reference_data, page):
    """`langue` comes from links only: named by its label, not its parameter."""
    page.goto(f"{reverse('actors:search')}?langue=klingon")
    expect(page.locator("#search-errors li")).to_have_text(
        "Langue parlée (dans l'adresse de la page) : "
        "Sélectionnez un choix valide. klingon n’en fait pas partie."
    )
    expect(page.locator("[aria-invalid=true]")).to_have_count(0)
