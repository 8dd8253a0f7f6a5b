"""What a screen reader gets from the markup, page by page (RGAA 8.6, 8.7, 9.1, 9.3):
French data marked French on English pages, titles that say what was searched, results
as a list, headings without a skipped level, and a title that says a sign-in failed.
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import BREIL_CENTRE, make_permanence, make_structure, offset

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Page(HTMLParser):
    """The text of a page with the language each piece is in, and its headings in order."""

    def __init__(self, html):
        super().__init__()
        self.stack = []  # (tag, lang)
        self.texts = []  # (text, lang, tags open around it)
        self.headings = []  # (level, text)
        self._heading = None
        self.feed(html)

    @property
    def lang(self):
        return next((lang for _, lang in reversed(self.stack) if lang), None)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append((tag, dict(attrs).get("lang")))
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._heading = [int(tag[1]), ""]

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None

    def handle_data(self, data):
        if data.strip():
            self.texts.append((data, self.lang, [tag for tag, _ in self.stack]))
            if self._heading:
                self._heading[1] += data


@pytest.fixture
def place():
    """A place whose name, need, public and tram stop are French data."""
    provider = make_structure(name="Mission locale des Tilleuls", kind="mission-locale")
    place = make_structure(
        name="Maison des Tilleuls",
        at=offset(BREIL_CENTRE, north_m=300),
        needs=["stage-de-3e"],
        publics=["collegiens"],
        public_transport="Tram 2, arrêt Tilleuls",
        walk_in=True,
        hours=[(day, datetime.time(9), datetime.time(12)) for day in range(5)],
    )
    make_permanence(place, provider, title="Permanence emploi des Tilleuls", needs=["stage-de-3e"])
    return place


DATA = ["Maison des Tilleuls", "Tram 2, arrêt Tilleuls", "Permanence emploi"]


def pages(client, place):
    client.post(reverse("frontdesk:selection-add"), {"slug": place.slug, "besoin": "stage-de-3e"})
    client.get(reverse("frontdesk:selection"))  # its message shown, in French: not under test
    return [
        reverse("actors:home"),
        f"{reverse('actors:search')}?besoin=stage-de-3e&quartier=breil-barberie",
        f"{reverse('frontdesk:map')}?besoin=stage-de-3e&quartier=breil-barberie",
        reverse("actors:neighbourhood", args=["breil-barberie"]),
        place.get_absolute_url(),
        reverse("frontdesk:selection"),
        reverse("frontdesk:handout"),
        reverse("frontdesk:guide", args=["breil-barberie"]),
        f"{reverse('frontdesk:desk')}?q=tilleuls",
    ]


def test_french_data_on_english_pages_is_marked_french(client, place):
    urls = pages(client, place)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    unmarked, seen = [], set()
    for url in urls:
        page = Page(client.get(url).content.decode())
        for text, lang, tags in page.texts:
            if "title" in tags or "script" in tags:
                continue  # no markup there: nothing can carry a language
            for data in DATA:
                if data in text:
                    seen.add(data)
                    if lang != "fr":
                        unmarked.append(f"{url}: {text.strip()[:60]!r} read as {lang!r}")
    assert seen == set(DATA)
    assert not unmarked, "\n".join(unmarked[:20])


def test_the_vocabulary_reads_in_english_on_english_pages(client, place):
    """Needs have an English label of their own (Need.label_en): on an English page they
    read in English, with no lang="fr"; a need without one would show its French, marked."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = "Year 10 work placement (stage de 3e)"
    for url in pages(client, place):
        page = Page(client.get(url).content.decode())
        for text, lang, tags in page.texts:
            if "title" in tags or "script" in tags or "option" in tags:
                continue
            assert "Stage de 3e" not in text, (url, text)
            if english in text:
                assert lang == "en", (url, text, lang)


def test_french_pages_carry_no_extra_language_marks(client, place):
    for url in pages(client, place):
        body = client.get(url).content.decode()
        # <html lang="fr">, and the language switch's "Français" option
        assert body.count('lang="fr"') == 2, url
        assert '<option value="fr" selected lang="fr">' in body, url


def test_results_titles_say_what_was_searched_and_from_where(client, place):
    url = f"{reverse('actors:search')}?besoin=stage-de-3e&quartier=breil-barberie"
    titles = {
        "fr": "1 résultat pour Stage de 3e "
        "(distances depuis : centre du quartier Breil - Barberie)",
        "en": "1 result for Year 10 work placement (stage de 3e) (distances from: centre of "
        "the Breil - Barberie neighbourhood)",
    }
    for language, title in titles.items():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for page_url in [url, url.replace("/recherche/", "/carte/")]:
            html = client.get(page_url).content.decode()
            shown = html.split("<title>")[1].split(" — ")[0]
            assert shown.endswith(title), (page_url, shown)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("actors:search"), {"q": "tilleuls"}).content.decode()
    assert "<title>2 résultats pour « tilleuls » — " in html  # the place and its provider


def test_results_are_a_list_and_headings_skip_no_level(client, place):
    for url in pages(client, place):
        page = Page(client.get(url).content.decode())
        levels = [level for level, _ in page.headings]
        assert levels and levels[0] == 1, (url, page.headings)
        jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert not jumps, (url, page.headings)
    for url in pages(client, place)[1:4]:
        page = Page(client.get(url).content.decode())
        names = [tags for text, _, tags in page.texts if text == "Maison des Tilleuls"]
        card = next(tags for tags in names if "article" in tags)
        assert card[card.index("article") - 2 : card.index("article")] == ["ul", "li"], url


def test_the_map_page_card_headings_come_under_its_count(client, place):
    page = Page(client.get(reverse("frontdesk:map"), {"besoin": "stage-de-3e"}).content.decode())
    assert page.headings[:3] == [(1, "Carte des résultats"), (2, "1 lieu"), (3, place.name)]


def test_a_failed_sign_in_says_so_in_the_title(client, place):
    response = client.post(
        reverse("partners:login"), {"username": "personne", "password": "mauvais"}
    )
    html = response.content.decode()
    assert "<title>Erreur : Espace partenaires : connexion — " in html
    assert (
        "<title>Espace partenaires : connexion — "
        in client.get(reverse("partners:login")).content.decode()
    )
