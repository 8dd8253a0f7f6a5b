import datetime
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from actors import search, vocabulary
from actors.enums import Status, Wheelchair
from actors.models import OpeningException
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_permanence, make_structure, offset

pytestmark = pytest.mark.django_db

T = datetime.time


def names(result):
    return [structure.name for structure in result.results()]


def run(**params):
    """Search as the URL /recherche/?<params> would."""
    result = search.run(QueryDict(urlencode(params, doseq=True)))
    assert result.is_valid, result.errors
    return result


def test_results_are_sorted_by_walking_distance_from_the_quartier_centre():
    far = make_structure(
        name="À 900 m", at=offset(BREIL_CENTRE, north_m=900), needs=["stage-de-3e"]
    )
    near = make_structure(
        name="À 100 m", at=offset(BREIL_CENTRE, east_m=100), needs=["stage-de-3e"]
    )
    middle = make_structure(
        name="À 400 m", at=offset(BREIL_CENTRE, north_m=-400), needs=["stage-de-3e"]
    )
    make_structure(
        name="Autre besoin", at=offset(BREIL_CENTRE, east_m=50), needs=["trouver-un-emploi"]
    )
    for n in range(2):
        make_structure(
            name=f"Renfort {n}", at=offset(BREIL_CENTRE, east_m=600 + n), needs=["stage-de-3e"]
        )
    result = run(quartier="breil-barberie", besoin="stage-de-3e")
    assert names(result)[:3] == [near.name, middle.name, "Renfort 0"]
    assert far.name in names(result)
    assert "Autre besoin" not in names(result)
    assert result.origin.kind == search.OriginKind.NEIGHBOURHOOD
    first = result.results()[0]
    assert first.distance == pytest.approx(100, abs=2)


def test_only_published_structures_are_listed():
    make_structure(name="Publiée", needs=["stage-de-3e"])
    make_structure(name="Brouillon", status=Status.DRAFT, needs=["stage-de-3e"])
    make_structure(name="Archivée", status=Status.ARCHIVED, needs=["stage-de-3e"])
    assert names(run(besoin="stage-de-3e")) == ["Publiée"]


def test_radius_widens_step_by_step_and_says_so():
    make_structure(name="Tout près", at=offset(BREIL_CENTRE, east_m=200), needs=["stage-de-3e"])
    for n in range(4):
        make_structure(
            name=f"Loin {n}", at=offset(BREIL_CENTRE, north_m=3500 + 10 * n), needs=["stage-de-3e"]
        )
    result = run(lat=BREIL_CENTRE[0], lon=BREIL_CENTRE[1], besoin="stage-de-3e")
    assert result.count_within_radius == 1
    assert result.used_radius_km == 4
    assert result.count == 5
    assert result.widening_message() == (
        "Seulement 1 résultat à moins de 1,5 km : voici aussi les plus proches, jusqu'à 4 km."
    )


@pytest.mark.parametrize("sets", [{}, {"public": "collegiens"}, {"langue": "fr"}])
def test_a_search_started_from_its_sets_widens_the_same_way(sets, monkeypatch):
    """With sets of places that are few (a need and a public, a need and a language) a
    search starts from them instead of from the nearest places (actors.search._driver):
    the same answer. Here every set counts as few, whatever its size."""
    monkeypatch.setattr(search, "FEW_PLACES", 1.0)
    from actors.models import Language

    french = Language.objects.get(slug="fr")
    places = [("Tout près", 200), *((f"Loin {n}", 3500 + 10 * n) for n in range(4))]
    for name, metres in places:
        place = make_structure(
            name=name,
            at=offset(BREIL_CENTRE, north_m=metres),
            needs=["stage-de-3e"],
            publics=["collegiens"],
        )
        place.languages.set([french])
    make_structure(name="Sans ce besoin", needs=["trouver-un-emploi"], publics=["collegiens"])
    result = run(lat=BREIL_CENTRE[0], lon=BREIL_CENTRE[1], besoin="stage-de-3e", **sets)
    assert search._driver(result.filterset) is not None
    assert result.count_within_radius == 1
    assert result.used_radius_km == 4
    assert names(result) == ["Tout près", "Loin 0", "Loin 1", "Loin 2", "Loin 3"]


def test_nothing_nearby_says_so_plainly():
    for n in range(5):
        make_structure(
            name=f"Loin {n}", at=offset(BREIL_CENTRE, north_m=2500 + n), needs=["stage-de-3e"]
        )
    result = run(quartier="breil-barberie", besoin="stage-de-3e")
    assert result.widening_message() == (
        "Rien à moins de 1,5 km : voici les plus proches, jusqu'à 3 km."
    )
    assert len(names(result)) == 5


def test_nothing_within_thirty_km():
    make_structure(name="Paris", at=(48.8566, 2.3522), needs=["stage-de-3e"])
    result = run(quartier="breil-barberie", besoin="stage-de-3e")
    assert result.count == 0
    assert result.widening_message() == "Aucun résultat à moins de 30 km."


def test_fewer_than_five_anywhere_goes_to_the_widest_circle_at_once(
    django_assert_max_num_queries,
):
    # "Open now" late in the evening, a rare need: scanning every step of the way
    # would cost a scan of the city per step. The widest circle is probed first.
    for n in range(3):
        make_structure(
            name=f"Loin {n}", at=offset(BREIL_CENTRE, north_m=9000 + 10 * n), needs=["stage-de-3e"]
        )
    # Kept by the process: the needs, how many places have them, the compiled filters.
    run(lat=BREIL_CENTRE[0] + 0.01, lon=BREIL_CENTRE[1], besoin="stage-de-3e")
    # The 250 m circle (empty), the 1.5 km circle (fewer than five), the 30 km probe.
    with django_assert_max_num_queries(3):
        result = run(lat=BREIL_CENTRE[0], lon=BREIL_CENTRE[1], besoin="stage-de-3e")
    assert result.count_within_radius == 0
    assert result.used_radius_km == 30
    assert result.count == 3
    assert names(result) == ["Loin 0", "Loin 1", "Loin 2"]


def test_without_origin_results_are_ordered_by_name():
    make_structure(name="Zèbre", at=ILE_DE_NANTES)
    make_structure(name="Abeille")
    result = run()
    assert names(result) == ["Abeille", "Zèbre"]
    assert result.origin is None
    assert getattr(result.results()[0], "distance", None) is None


def test_origin_precedence_coordinates_then_desk_then_quartier():
    desk = make_structure(name="Mon accueil", at=ILE_DE_NANTES)
    coordinates = run(lat=47.25, lon=-1.55, depuis=desk.slug, quartier="breil-barberie")
    assert coordinates.origin.kind == search.OriginKind.COORDINATES
    from_desk = run(depuis=desk.slug, quartier="breil-barberie")
    assert from_desk.origin.kind == search.OriginKind.DESK
    assert from_desk.origin.label == "Mon accueil"
    from_quartier = run(quartier="breil-barberie")
    assert from_quartier.origin.kind == search.OriginKind.NEIGHBOURHOOD


def test_a_quartier_with_another_origin_narrows_to_the_quartier():
    desk = make_structure(name="Accueil sur l'île", at=ILE_DE_NANTES)
    inside = make_structure(name="Dans le Breil", at=offset(BREIL_CENTRE, east_m=300))
    make_structure(name="Hors du Breil", at=offset(ILE_DE_NANTES, east_m=100))
    result = run(depuis=desk.slug, quartier="breil-barberie")
    assert names(result) == [inside.name]
    assert result.results()[0].distance > 2000


def test_permanences_make_their_host_appear_for_the_need():
    host = make_structure(name="Maison de quartier", at=offset(BREIL_CENTRE, east_m=150))
    provider = make_structure(name="Mission locale", kind="mission-locale", at=ILE_DE_NANTES)
    make_permanence(host, provider, needs=["trouver-un-emploi"], title="Permanence emploi")
    result = run(quartier="breil-barberie", besoin="trouver-un-emploi", rayon="1")
    assert names(result)[0] == host.name
    assert [p.title for p in result.results()[0].hosted_permanences.all()] == ["Permanence emploi"]


def test_an_ended_permanence_no_longer_counts():
    host = make_structure(name="Maison de quartier")
    provider = make_structure(name="Mission locale", at=ILE_DE_NANTES)
    make_permanence(
        host,
        provider,
        needs=["trouver-un-emploi"],
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert host.name not in names(run(besoin="trouver-un-emploi"))


@pytest.mark.parametrize(
    "query", ["stage 3e", "Stage de troisième", "STAGE D'OBSERVATION", "stage"]
)
def test_free_text_finds_needs_by_label_and_synonyms(query):
    make_structure(name="Collège des Érables", needs=["stage-de-3e"])
    make_structure(name="Agence emploi", needs=["trouver-un-emploi"])
    assert names(run(q=query)) == ["Collège des Érables"]


def test_free_text_is_accent_and_case_insensitive_on_names_and_descriptions():
    make_structure(name="Élan Jeunesse", description="Accueil des lycéens")
    make_structure(name="Autre lieu")
    assert names(run(q="elan")) == ["Élan Jeunesse"]
    assert names(run(q="LYCEENS")) == ["Élan Jeunesse"]
    assert names(run(q="Lycéens élan")) == ["Élan Jeunesse"]


def test_free_text_mixes_a_need_and_a_name():
    make_structure(name="CIO des Cèdres", kind="cio", needs=["parcoursup-etudes-superieures"])
    make_structure(name="CIO des Peupliers", kind="cio", needs=["choisir-son-orientation"])
    assert names(run(q="parcoursup cedres")) == ["CIO des Cèdres"]
    assert names(run(q="Parcoursup")) == ["CIO des Cèdres"]
    # The kind label is searchable too.
    assert len(names(run(q="centre d'information et d'orientation"))) == 2


def test_filters_publics_kinds_languages_and_conditions():
    target = make_structure(
        name="Cible",
        kind="cio",
        publics=["parents"],
        walk_in=True,
        is_free=True,
        wheelchair=Wheelchair.YES,
    )
    from actors.models import Language

    target.languages.set(Language.objects.filter(slug="ar"))
    make_structure(name="Payante", kind="cio", publics=["parents"], walk_in=True, is_free=False)
    make_structure(name="Autre type", kind="association", publics=["parents"], walk_in=True)
    result = run(
        public="parents", type="cio", sans_rdv="1", gratuit="1", accessible="1", langue="ar"
    )
    assert names(result) == ["Cible"]


def test_repeated_needs_mean_any_of_them():
    make_structure(name="Stage", needs=["stage-de-3e"])
    make_structure(name="Emploi", needs=["trouver-un-emploi"])
    make_structure(name="Formation", needs=["trouver-une-formation"])
    assert sorted(names(run(besoin=["stage-de-3e", "trouver-un-emploi"]))) == ["Emploi", "Stage"]


def test_open_now_filter_uses_paris_time_and_exceptions():
    today = timezone.localtime()
    weekday = today.weekday()
    always = [(weekday, T(0, 0), T(23, 59, 59))]
    make_structure(name="Ouvert", hours=always, holidays_rule="open")
    closed = make_structure(name="Fermé exceptionnellement", hours=always, holidays_rule="open")
    OpeningException.objects.create(
        structure=closed, starts_on=today.date(), ends_on=today.date(), label="Inventaire"
    )
    make_structure(name="Jamais ouvert ce jour", hours=[((weekday + 1) % 7, T(9), T(12))])
    assert names(run(ouvert="maintenant")) == ["Ouvert"]
    tomorrow = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][
        (weekday + 1) % 7
    ]
    assert names(run(ouvert=tomorrow)) == ["Jamais ouvert ce jour"]


def test_results_page_shows_cards_with_distance_walk_hours_and_phone(client):
    make_structure(
        name="Maison des Tilleuls",
        at=offset(BREIL_CENTRE, east_m=420),
        needs=["stage-de-3e"],
        phone="02 61 91 00 42",
        walk_in=True,
        hours=[(d, T(0), T(23, 59)) for d in range(7)],
        holidays_rule="open",
    )
    response = client.get("/recherche/", {"quartier": "breil-barberie", "besoin": "stage-de-3e"})
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.content.decode())
    assert "Maison des Tilleuls" in text
    assert "420 m" in text
    assert "7 min à pied" in text  # 420 m × 1.3 = 546 m at 75 m/min
    assert 'href="tel:+33261910042"' in text
    assert "Ouvert maintenant" in text
    assert "Sans rendez-vous" in text
    assert "centre du quartier Breil - Barberie" in text
    assert "× 1,3" in text  # the legend explains the estimate


def test_results_page_without_results_suggests_something(client):
    response = client.get("/recherche/", {"besoin": "creer-son-activite"})
    assert response.status_code == 200
    assert "Aucun lieu ne correspond" in response.content.decode()


def test_results_are_paginated_and_capped(client):
    for n in range(25):
        make_structure(name=f"Lieu {n:02d}", at=offset(BREIL_CENTRE, east_m=10 * n))
    first = client.get("/recherche/", {"quartier": "breil-barberie"})
    assert first.content.decode().count('<article class="card') == 20
    second = client.get("/recherche/", {"quartier": "breil-barberie", "page": "2"})
    assert second.content.decode().count('<article class="card') == 5
    assert "Page 2 sur 2" in second.content.decode()


def test_the_result_cap_is_said(monkeypatch):
    monkeypatch.setattr(search, "RESULT_CAP", 3)
    for n in range(5):
        make_structure(name=f"Lieu {n}")
    result = run()
    assert result.is_capped and result.count == 3
    assert len(result.results()) == 3


@pytest.mark.parametrize("results", [5, 50])
def test_queries_per_results_page_are_constant(
    client, settings, django_assert_max_num_queries, results
):
    settings.SEARCH_ANALYTICS_ENABLED = False  # its one INSERT is counted in test_insights
    settings.SEARCH_CACHE_SECONDS = 0  # the search itself, as on a first visit
    host_provider = make_structure(name="Mission locale", kind="mission-locale", at=ILE_DE_NANTES)
    for n in range(results):
        structure = make_structure(
            name=f"Lieu {n}",
            at=offset(BREIL_CENTRE, east_m=5 * n),
            needs=["stage-de-3e", "trouver-un-emploi"],
            publics=["collegiens"],
            hours=[(0, T(9), T(12)), (0, T(14), T(17))],
        )
        make_permanence(structure, host_provider, needs=["stage-de-3e"])
    # What each process keeps: the vocabularies, how many places have a need, the compiled
    # filters, the example-data flag. A first search from another point fills them.
    client.get("/recherche/", {"lat": "47.2", "lon": "-1.5", "besoin": "stage-de-3e"})
    # The nearest rows, counted (a count then an index walk on PostgreSQL; on SQLite one
    # query per growing circle, at most four), their structures (1), card data (4: needs
    # and publics, hours, permanences, their needs) and the nearby stops (1). The
    # filters' slugs and the refine form's choices cost none.
    with django_assert_max_num_queries(10):
        response = client.get(
            "/recherche/", {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(9):
        response = client.get(
            "/api/v1/structures/", {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
        )
    assert response.status_code == 200


def test_distance_is_computed_by_the_database():
    make_structure(name="A", at=offset(BREIL_CENTRE, east_m=300))
    vocabulary.current()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run(quartier="breil-barberie").results()
    # The nearest rows, nearest first (here in the widened circle: one place only).
    ordered = [q["sql"].upper() for q in queries.captured_queries if "ASIN" in q["sql"].upper()]
    assert any("ORDER BY" in sql and "LIMIT" in sql for sql in ordered)


def test_the_blank_options_of_the_form_mean_no_filter(client):
    make_structure(name="Lieu", needs=["stage-de-3e"])
    params = "q=&besoin=&quartier=&adresse=&public=&type=&ouvert=&rayon=&langue="
    response = client.get("/recherche/?" + params)
    assert response.status_code == 200
    assert "Lieu" in response.content.decode()
    assert client.get("/api/v1/structures/?" + params).json()["count"] == 1


def test_a_results_page_is_served_from_the_cache_the_second_time(
    client, settings, django_assert_max_num_queries
):
    settings.SEARCH_ANALYTICS_ENABLED = False
    make_structure(name="Lieu en cache", at=offset(BREIL_CENTRE, east_m=100), needs=["stage-de-3e"])
    params = {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
    first = client.get("/recherche/", params)
    make_structure(name="Lieu ajouté ensuite", needs=["stage-de-3e"])
    # Reading the cached page, the example-data banner's query and nothing else.
    with django_assert_max_num_queries(2):
        second = client.get("/recherche/", params)
    assert second.status_code == 200
    assert "Lieu en cache" in second.content.decode()
    assert "Lieu ajouté ensuite" not in second.content.decode()  # up to a minute old
    tokens = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert tokens.sub("", second.content.decode()) == tokens.sub("", first.content.decode())
    settings.SEARCH_CACHE_SECONDS = 0
    assert "Lieu ajouté ensuite" in client.get("/recherche/", params).content.decode()


def test_filters_asked_filter_first_keep_the_same_places():
    """A rare search starts from one of its sets (pk IN …): the same places as place-first
    (EXISTS per place), whichever set it starts from, whether a place serves a need itself
    or through a permanence."""
    from actors.filters import StructureFilter

    provider = make_structure(name="Mission locale", kind="mission-locale")
    host = make_structure(name="Maison de quartier", publics=["collegiens"])
    make_permanence(host, provider, needs=["stage-de-3e"])
    make_structure(name="Direct", needs=["stage-de-3e"], publics=["collegiens"])
    make_structure(name="Autre", needs=["trouver-un-emploi"])
    for params in [
        {"besoin": "stage-de-3e"},
        {"besoin": "stage-de-3e", "public": "collegiens"},
        {"public": "collegiens", "langue": "fr"},
        {"besoin": ["stage-de-3e", "trouver-un-emploi"], "sans_rdv": "1"},
    ]:
        filterset = StructureFilter(QueryDict(urlencode(params, doseq=True)))
        assert filterset.is_valid()
        place_first = sorted(filterset.qs.values_list("name", flat=True))
        for driver in StructureFilter.drivers():
            started = filterset.filter_first_qs(driver)
            assert sorted(started.values_list("name", flat=True)) == place_first, (params, driver)


def test_the_radius_list_names_the_default_distance_once(client):
    page = client.get("/recherche/").content.decode()
    select = re.search(r'<select name="rayon".*?</select>', page, re.S).group(0)
    assert select.count("1,5 km") == 1
    assert "1,5 km (par défaut)" in select


def test_the_quartier_list_starts_with_nantes(client):
    page = client.get("/recherche/").content.decode()
    select = re.search(r'<select name="quartier" id="id_quartier".*?</select>', page, re.S)
    groups = re.findall(r'<optgroup label="([^"]+)"', select.group(0))
    assert groups[0] == "Nantes"
    assert groups[1:] == sorted(groups[1:])


def test_without_a_starting_point_the_page_asks_where_the_person_is(client):
    """A need tile without a desk: the page offers "Autour de moi" (the browser's position,
    static/js/around-me.js) and the quartiers, keeping the need."""
    make_structure(name="Lieu", needs=["stage-de-3e"])
    page = client.get("/recherche/", {"besoin": "stage-de-3e"}).content.decode()
    form = re.search(r'<form class="where-from".*?</form>', page, re.S).group(0)
    assert "Où est la personne ?" in form
    assert "data-around-me hidden" in form  # shown by the script only where it can work
    assert '<input type="hidden" name="besoin" value="stage-de-3e">' in form
    assert '<option value="breil-barberie">' in form
    assert "around-me.js" in page


def test_with_the_geocoder_down_the_quartier_the_address_names_is_the_starting_point(client):
    """The geocoder points at a closed port in tests (conftest): it is down."""
    make_structure(name="Près du Breil", at=offset(BREIL_CENTRE, east_m=100), needs=["stage-de-3e"])
    result = run(adresse="3 rue du Breil, 44100 Nantes", besoin="stage-de-3e")
    assert result.origin.label == "centre du quartier Breil - Barberie"
    assert result.notices == [
        "Le service de recherche d'adresses ne répond pas pour le moment : distances depuis "
        "centre du quartier Breil - Barberie."
    ]
    lost = run(adresse="12 rue Inconnue, 44000 Nantes", besoin="stage-de-3e")
    assert lost.origin is None and lost.asks_origin and lost.count == 0
    assert len(lost.notices) == 1 and "choisissez le quartier" in lost.notices[0]


@pytest.mark.parametrize(
    "typed, need",
    [
        ("stage de 3ème", "stage-de-3e"),
        ("stage 3eme", "stage-de-3e"),
        ("troisième", "stage-de-3e"),
        ("parcoursupp", "parcoursup-etudes-superieures"),
        ("apprentisage", "apprentissage-alternance"),
        ("réorientation", "choisir-son-orientation"),
        ("internship", "stage-de-3e"),
        ("boulot", "trouver-un-emploi"),
        ("décrocheur", "decrochage-scolaire"),
    ],
)
def test_free_text_is_read_the_way_people_say_it(typed, need):
    make_structure(name="Le bon lieu", needs=[need])
    make_structure(name="Un autre lieu", needs=["creer-son-activite"])
    assert names(run(q=typed)) == ["Le bon lieu"]


def test_a_typo_offers_the_need_it_points_to(client):
    make_structure(name="Lieu", needs=["parcoursup-etudes-superieures"])
    page = client.get("/recherche/", {"q": "parcoursupp", "quartier": "breil-barberie"})
    text = page.content.decode()
    assert "Vouliez-vous dire" in text
    assert "besoin=parcoursup-etudes-superieures" in text


def test_a_providers_name_finds_the_places_hosting_its_permanences():
    mission = make_structure(name="Mission locale de test", kind="mission-locale")
    host = make_structure(name="Maison de quartier de test", kind="maison-de-quartier")
    make_permanence(host, mission, needs=["trouver-un-emploi"])
    assert sorted(names(run(q="mission locale"))) == [
        "Maison de quartier de test",
        "Mission locale de test",
    ]


def test_words_the_guide_does_not_understand_are_said_with_needs_to_search_by(client):
    page = client.get("/recherche/", {"q": "zorglub", "quartier": "breil-barberie"})
    text = page.content.decode()
    assert "Le mot « zorglub » n'est pas compris par le guide." in text
    assert "Aucun résultat à moins de 30 km" not in text
    assert "besoin=stage-de-3e" in text  # the needs, to search by


def test_open_now_with_nothing_open_lists_the_nearest_with_their_next_opening():
    make_structure(name="Fermé maintenant", needs=["stage-de-3e"])  # no hours: never open
    result = run(quartier="breil-barberie", besoin="stage-de-3e", ouvert="maintenant")
    assert result.opens_later and names(result) == ["Fermé maintenant"]


def test_the_age_keeps_the_places_whose_range_holds_it():
    make_structure(name="Pour tous")
    make_structure(name="Mission locale", min_age=16, max_age=25)
    make_structure(name="Jusqu'à 15 ans", max_age=15)
    assert sorted(names(run(age="15"))) == ["Jusqu'à 15 ans", "Pour tous"]
    assert sorted(names(run(age="19"))) == ["Mission locale", "Pour tous"]
    assert not search.run(QueryDict("age=abc")).is_valid
    assert not search.run(QueryDict("age=500")).is_valid
