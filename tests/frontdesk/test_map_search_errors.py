"""A search that cannot be made, asked from the map page (issue 20, point 3).

The map page has no search form: its fields live on the results page. So the map says
the search is to correct, names each field by the label the results page shows (never
the parameter), and links to the results page where each field is marked invalid and
described by its message (tests/e2e/test_search_errors.py walks that page).
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

HEADING = {"fr": "Recherche à corriger", "en": "Search to correct"}
BAD = [
    ("rayon=abc", {"fr": "À pied, jusqu'à", "en": "On foot, up to"}),
    ("besoin=inexistant", {"fr": "Besoin", "en": "Need"}),
    ("lat=abc&lon=1", {"fr": "Latitude", "en": "Latitude"}),
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("query", "label"), BAD, ids=[query for query, _ in BAD])
def test_the_map_page_names_the_field_to_correct_and_leads_to_it(client, language, query, label):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"{reverse('frontdesk:map')}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf"<h1[^>]*>\s*{HEADING[language]}\s*</h1>", html)
    assert f"<title>{HEADING[language]} — " in html
    errors = html.split('id="search-errors"')[1].split("</div>")[0]
    item = re.search(r"<li>(.*?)</li>", errors, re.S).group(1)
    assert item.replace("&#x27;", "'").startswith(label[language]), item
    assert "(" + query.split("=")[0] + ")" not in item  # the parameter is not named
    # The way to the fields: the results page, same search, which marks them.
    correct = f'href="{reverse("actors:search")}?{query.replace("&", "&amp;")}"'
    assert correct in html
    fields = client.get(f"{reverse('actors:search')}?{query}").content.decode()
    assert 'aria-invalid="true"' in fields
