"""The dashboard tells the truth: a search whose words the guide did not understand is "pas
compris", not "nothing within walking distance"; the words that recur are counted without
keeping anyone's text; the hot spots are the quartiers the map colours.
"""

import datetime
import io
import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from insights.models import MissedWord, RecordedSearch
from insights.words import WORDS_SHOWN_FROM, fingerprint
from tests.factories import BREIL_CENTRE, make_structure, neighbourhood, offset

pytestmark = pytest.mark.django_db

SEARCH = "/recherche/"
A_BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
QUARTIERS = ["breil-barberie", "nantes-nord", "ile-de-nantes", "dervallieres-zola", "nantes-sud"]


@pytest.fixture(autouse=True)
def forget_recent_searches():
    caches["insights"].clear()
    yield
    caches["insights"].clear()


@pytest.fixture
def stage_near_breil(db):
    return make_structure(
        name="Maison de quartier du Breil (test)",
        at=offset(BREIL_CENTRE, north_m=300),
        needs=["stage-de-3e"],
        description="Accueil, ateliers numériques et permanences.",
    )


def search(client, q, quartier="breil-barberie", **params):
    response = client.get(
        SEARCH, {"q": q, "quartier": quartier, **params}, headers={"user-agent": A_BROWSER}
    )
    assert response.status_code == 200
    return RecordedSearch.objects.order_by("-pk").first()


def test_words_that_name_no_need_and_no_place_make_the_search_not_understood(
    client, stage_near_breil
):
    row = search(client, "logement")

    assert row.not_understood is True
    assert row.needs == []
    # Not judged on what it found: it did not say what it was looking for.
    summary = RecordedSearch.objects.summary()
    assert (summary["total"], summary["unanswered"], summary["not_understood"]) == (1, 0, 1)


@pytest.mark.parametrize(
    "q",
    [
        "stage",  # a need's label
        "stage 3e",  # the words of a need
        "ateliers",  # a word of a place's description: the search found it
        "maison",  # a place's name
    ],
)
def test_words_of_a_need_or_of_a_place_are_understood(client, stage_near_breil, q):
    assert search(client, q).not_understood is False
    assert not MissedWord.objects.exists()


def test_a_word_some_place_holds_is_understood_even_when_other_filters_leave_nothing(
    client, stage_near_breil
):
    # The place speaks of "ateliers" but does not serve this need: nothing found, understood.
    row = search(client, "ateliers", besoin="trouver-un-emploi")
    assert row.not_understood is False


def test_a_word_is_written_in_clear_only_once_three_searches_used_it(client, stage_near_breil):
    assert WORDS_SHOWN_FROM == 3
    for n, quartier in enumerate(QUARTIERS[:2]):
        search(client, "permis", quartier=quartier)
        assert MissedWord.objects.get().searches == n + 1
        assert MissedWord.objects.get().word == "", "written in clear before the third search"
        assert MissedWord.objects.get().digest == fingerprint("permis")

    search(client, "permis", quartier=QUARTIERS[2])

    assert MissedWord.objects.get().word == "permis"
    assert MissedWord.objects.get().searches == 3


def test_the_same_search_reloaded_counts_its_words_once(client, stage_near_breil):
    search(client, "garderie")
    search(client, "garderie")
    assert MissedWord.objects.get().searches == 1


def test_nothing_of_a_text_typed_once_is_kept_in_clear(client, stage_near_breil):
    search(client, "madame durand-lefebvre 06 12 34 56 78 x")

    row = RecordedSearch.objects.get()
    assert row.not_understood is True
    stored = " ".join(str(value) for value in MissedWord.objects.values_list())
    stored += " ".join(str(value) for value in RecordedSearch.objects.values_list())
    for piece in ["madame", "durand", "lefebvre", "06", "12 34"]:
        assert piece not in stored
    # Numbers and single letters are not counted at all (a phone number's pieces).
    assert MissedWord.objects.count() == 3  # madame, durand, lefebvre


# --- What the dashboard shows -------------------------------------------------------------------

TODAY = datetime.date(2025, 3, 31)
DAY = datetime.date(2025, 3, 10)


def record(needs=(), place="breil-barberie", nearby=1, not_understood=False):
    return RecordedSearch.objects.create(
        day=DAY,
        channel="site",
        needs=sorted(needs),
        neighbourhood=neighbourhood(place),
        origin_kind="neighbourhood",
        results_nearby=nearby,
        nearest_m=None if nearby == 0 else 300,
        not_understood=not_understood,
    )


def dashboard(client, **params):
    params = {"du": "2025-01-01", "au": TODAY.isoformat(), **params}
    response = client.get(reverse("insights:dashboard"), params)
    assert response.status_code == 200
    return response.content.decode()


def section(content, heading_id, next_id):
    return content[content.index(f'id="{heading_id}"') : content.index(f'id="{next_id}"')]


def test_not_understood_is_counted_apart_from_nothing_within_walking_distance(staff_client):
    record(["stage-de-3e"], nearby=0)  # understood, nothing on foot
    for _ in range(4):
        record([], nearby=0, not_understood=True)  # "logement": nothing found, not understood
    MissedWord.objects.create(day=DAY, digest=fingerprint("logement"), word="logement", searches=4)
    MissedWord.objects.create(day=DAY, digest=fingerprint("dupont"), searches=1)

    content = dashboard(staff_client)

    words = section(content, "not-understood", "hot-spots")
    assert "4 recherches de la période contenaient des mots qui ne désignent" in words
    assert re.search(r'<th scope="row">logement</th><td class="number">4</td>', words)
    assert "dupont" not in content
    spots = section(content, "hot-spots", "map-heading")
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="number">(\d+)</td>', spots)
    assert rows == [("Breil - Barberie", "1")], "not understood is not unmet demand"


def test_a_word_used_in_fewer_than_three_searches_of_the_period_is_not_shown(staff_client):
    MissedWord.objects.create(
        day=DAY, digest=fingerprint("alternanse"), word="alternanse", searches=2
    )
    MissedWord.objects.create(
        day=datetime.date(2024, 6, 1),
        digest=fingerprint("alternanse"),
        word="alternanse",
        searches=5,
    )
    content = dashboard(staff_client)
    assert "alternanse" not in content
    assert "Aucun mot non compris n'a été employé par au moins 3 recherches" in content


def test_the_hot_spots_are_the_quartiers_the_map_colours(staff_client):
    # A search for no particular need that found nothing near Nantes Nord: the map colours
    # Nantes Nord, so the hot spots list it.
    record([], place="nantes-nord", nearby=0)
    record(["stage-de-3e"], place="breil-barberie", nearby=0)

    content = dashboard(staff_client)

    spots = section(content, "hot-spots", "map-heading")
    assert "Aucune recherche sans résultat" not in spots
    assert re.search(
        r'<th scope="row">Nantes Nord</th>.*?<td>Sans besoin précisé \(1\)</td>', spots, re.S
    )
    svg = re.search(r'<svg class="insights-map".*?</svg>', content, re.S).group(0)
    coloured = set(re.findall(r'fill="url\(#fill-[1-4]\)"[^>]*><title>([^:<]+?) :', svg))
    listed = set(re.findall(r'<th scope="row">([^<]+)</th>', spots))
    assert coloured == listed == {"Nantes Nord", "Breil - Barberie"}

    # For one need, the map and the hot spots show that need's searches only.
    content = dashboard(staff_client, besoin="stage-de-3e")
    spots = section(content, "hot-spots", "map-heading")
    listed = set(re.findall(r'<th scope="row">([^<]+)</th>', spots))
    svg = re.search(r'<svg class="insights-map".*?</svg>', content, re.S).group(0)
    coloured = set(re.findall(r'fill="url\(#fill-[1-4]\)"[^>]*><title>([^:<]+?) :', svg))
    assert coloured == listed == {"Breil - Barberie"}


def test_the_csv_counts_the_searches_not_understood(staff_client):
    record([], not_understood=True, nearby=0)
    response = staff_client.get(reverse("insights:export"), {"du": "2025-01-01", "au": TODAY})
    text = response.content.decode("utf-8-sig").splitlines()
    header, row = text[0].split(";"), text[1].split(";")
    values = dict(zip(header, row, strict=True))
    assert values["pas_compris"] == "1"
    assert values["sans_resultat_a_pied"] == "0"


def test_the_example_searches_include_free_text_and_are_deleted_with_their_words(staff_client):
    from django.core.management import call_command

    make_structure(at=offset(BREIL_CENTRE, north_m=200), needs=["stage-de-3e"], is_example=True)
    call_command("seed_search_demo", morning=40, days=60, per_day=3, seed=8, stdout=io.StringIO())

    assert RecordedSearch.objects.filter(is_example=True, not_understood=True).exists()
    assert MissedWord.objects.filter(is_example=True).exists()
    assert not MissedWord.objects.filter(is_example=False).exists()

    call_command("seed_search_demo", delete=True, stdout=io.StringIO())
    assert not MissedWord.objects.exists()
