"""What a search leaves behind for the dashboard, and what recording costs it."""

import json
import logging
import re

import pytest
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actors.desk import DESK_COOKIE
from insights.models import RecordedSearch
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_structure, neighbourhood, offset

pytestmark = pytest.mark.django_db

SEARCH = "/recherche/"
API = "/api/v1/structures/"
BREIL_STAGE = {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
A_BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def forget_recent_searches():
    """Each test starts with no search counted in the last minute."""
    caches["insights"].clear()
    yield
    caches["insights"].clear()


@pytest.fixture
def stage_near_breil(db):
    """A place 300 m north of the Breil's centre that helps with the 3e internship."""
    return make_structure(
        name="Maison de quartier du Breil (test)",
        at=offset(BREIL_CENTRE, north_m=300),
        needs=["stage-de-3e"],
        publics=["collegiens"],
    )


def only_row():
    rows = list(RecordedSearch.objects.all())
    assert len(rows) == 1, rows
    return rows[0]


# --- What one search leaves behind ----------------------------------------------------------


def test_a_search_on_the_results_page_leaves_one_anonymous_row(client, stage_near_breil):
    response = client.get(SEARCH, {**BREIL_STAGE, "public": "collegiens"})

    assert response.status_code == 200
    assert stage_near_breil.name in response.content.decode()
    row = only_row()
    assert row.day == timezone.localdate()
    assert row.channel == "site"
    assert row.needs == ["stage-de-3e"]
    assert row.publics == ["collegiens"]
    assert row.neighbourhood == neighbourhood("breil-barberie")
    assert row.origin_kind == "neighbourhood"
    assert row.results_nearby == 1
    assert row.nearest_m == 300
    assert row.is_example is False


def test_a_row_has_no_field_that_could_hold_something_personal():
    fields = {field.name for field in RecordedSearch._meta.concrete_fields}
    assert fields == {
        "id",
        "day",
        "channel",
        "needs",
        "publics",
        "neighbourhood",
        "origin_kind",
        "results_nearby",
        "nearest_m",
        "not_understood",
        "from_priority_area",  # a yes or no: the origin lies in a QPV (hundreds of homes)
        "is_example",
    }
    assert RecordedSearch._meta.get_field("day").get_internal_type() == "DateField"


def test_an_api_search_from_coordinates_keeps_the_quartier_not_the_point(client):
    make_structure(at=offset(BREIL_CENTRE, east_m=120), needs=["cv-lettre-de-motivation"])
    lat, lon = offset(BREIL_CENTRE, north_m=-210, east_m=35)

    response = client.get(
        API,
        {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "besoin": "cv-lettre-de-motivation"},
        headers={"user-agent": A_BROWSER},
    )

    assert response.status_code == 200
    row = only_row()
    assert row.channel == "api"
    assert row.origin_kind == "coordinates"
    assert row.neighbourhood == neighbourhood("breil-barberie")
    assert row.needs == ["cv-lettre-de-motivation"]
    assert row.results_nearby == 1
    assert row.nearest_m == 250  # about 250 m away, kept to the nearest 50 m


def test_nothing_personal_is_stored(client):
    """IP address, cookies, session, user agent, free text and coordinates never reach the row."""
    make_structure(at=offset(BREIL_CENTRE, north_m=80), needs=["stage-de-3e"])
    lat, lon = offset(BREIL_CENTRE, north_m=37, east_m=-53)
    client.cookies["sessionid"] = "session-secrete-8c1f"
    client.cookies["mon_cookie"] = "valeur-secrete-42ab"

    response = client.get(
        SEARCH,
        {"q": "observation", "lat": f"{lat:.5f}", "lon": f"{lon:.5f}"},
        REMOTE_ADDR="203.0.113.77",
        headers={"user-agent": A_BROWSER, "x-forwarded-for": "198.51.100.23"},
    )

    assert response.status_code == 200
    row = only_row()
    assert row.needs == ["stage-de-3e"]  # what "observation" names, not the word itself
    stored = json.dumps(model_to_dict(row), default=str)
    for personal in [
        "observation",
        "203.0.113",
        "198.51.100",
        "session-secrete",
        "valeur-secrete",
        "Mozilla",
        "Firefox",
        f"{lat:.3f}",
        f"{lon:.3f}",
    ]:
        assert personal not in stored, personal


def test_a_search_from_a_desk_keeps_the_desks_quartier(client, stage_near_breil):
    """The passeur's desk, set once in a cookie on the site or given as `depuis` in the API."""
    desk = make_structure(name="Accueil de test", at=offset(BREIL_CENTRE, east_m=-400))
    client.cookies[DESK_COOKIE] = desk.slug

    client.get(SEARCH, {"besoin": "stage-de-3e"})
    client.get(API, {"besoin": "stage-de-3e", "depuis": desk.slug})  # the same search

    row = only_row()
    assert row.origin_kind == "desk"
    assert row.neighbourhood == neighbourhood("breil-barberie")
    assert row.results_nearby == 1
    assert row.nearest_m == 500  # 400 m west, 300 m north


def test_a_search_that_found_nothing_within_walking_distance(client):
    make_structure(at=ILE_DE_NANTES, needs=["handicap-et-orientation"])  # about 4 km away

    client.get(SEARCH, {"quartier": "breil-barberie", "besoin": "handicap-et-orientation"})

    row = only_row()
    assert row.results_nearby == 0
    assert 3500 <= row.nearest_m <= 4500
    assert row.nearest_m % 50 == 0


def test_a_search_without_a_starting_point_has_no_place_and_no_outcome(client, stage_near_breil):
    client.get(SEARCH, {"besoin": "stage-de-3e"})

    row = only_row()
    assert row.origin_kind == "none"
    assert row.neighbourhood is None
    assert row.results_nearby is None
    assert row.nearest_m is None


def test_a_point_outside_every_quartier_is_recorded_as_outside(client):
    client.get(API, {"lat": "48.8566", "lon": "2.3522"})  # Paris

    row = only_row()
    assert row.origin_kind == "coordinates"
    assert row.neighbourhood is None
    assert row.results_nearby == 0


def test_recording_can_be_turned_off(client, settings, stage_near_breil):
    settings.SEARCH_ANALYTICS_ENABLED = False

    assert client.get(SEARCH, BREIL_STAGE).status_code == 200
    assert client.get(API, BREIL_STAGE).status_code == 200
    assert not RecordedSearch.objects.exists()
    assert "actuellement désactivé" in client.get("/a-propos/donnees/").content.decode()


def test_invalid_searches_and_robots_are_not_counted(client, stage_near_breil):
    assert client.get(SEARCH, {"rayon": "loin"}).status_code == 400
    assert client.get(API, {"lat": "91", "lon": "0"}).status_code == 400
    for robot in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "facebookexternalhit/1.1",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/126.0 Safari/537.36",
    ]:
        assert client.get(SEARCH, BREIL_STAGE, headers={"user-agent": robot}).status_code == 200
    assert not RecordedSearch.objects.exists()


def test_the_same_search_within_a_minute_counts_once(client, stage_near_breil):
    client.get(SEARCH, BREIL_STAGE)
    client.get(SEARCH, BREIL_STAGE)  # reloaded
    client.get(SEARCH, {**BREIL_STAGE, "page": "2"})  # another page of the same search
    client.get(API, {"besoin": "stage-de-3e", "quartier": "breil-barberie"})  # other face, order
    assert RecordedSearch.objects.count() == 1

    client.get(SEARCH, {**BREIL_STAGE, "besoin": "cv-lettre-de-motivation"})  # another search
    assert RecordedSearch.objects.count() == 2


def test_the_dedup_key_reveals_nothing_of_the_search(client):
    client.get(SEARCH, {"q": "parcoursup", "quartier": "breil-barberie"})

    keys = list(caches["insights"]._cache)  # the local-memory cache of tests and development
    assert len(keys) == 1
    assert "parcoursup" not in keys[0] and "breil" not in keys[0]
    assert re.search(r"search:[0-9a-f]{64}$", keys[0])


def test_a_failure_to_record_never_breaks_the_search(client, stage_near_breil, caplog):
    def refuse_insights_inserts(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "insights_recordedsearch" in sql:
            raise DatabaseError("disk full")
        return execute(sql, params, many, context)

    with (
        caplog.at_level(logging.WARNING, logger="insights.recording"),
        connection.execute_wrapper(refuse_insights_inserts),
    ):
        page = client.get(SEARCH, BREIL_STAGE)
        api = client.get(API, {**BREIL_STAGE, "public": "collegiens"})

    assert page.status_code == 200 and stage_near_breil.name in page.content.decode()
    assert api.status_code == 200 and api.json()["count"] == 1
    assert not RecordedSearch.objects.exists()
    assert "Search not recorded" in caplog.text


def test_inside_a_request_transaction_a_failed_insert_spares_the_page(
    client, stage_near_breil, monkeypatch
):
    """With ATOMIC_REQUESTS, a failed INSERT (here a real NOT NULL violation) is rolled back
    alone: on PostgreSQL the page's later queries would otherwise all fail."""
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)

    def broken_insert(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "insights_recordedsearch" in sql:
            sql, params = 'INSERT INTO "insights_recordedsearch" ("day") VALUES (NULL)', ()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(broken_insert):
        response = client.get(SEARCH, BREIL_STAGE)

    assert response.status_code == 200
    assert stage_near_breil.name in response.content.decode()
    assert not RecordedSearch.objects.exists()


# --- What recording costs the search --------------------------------------------------------


def statements(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return [query["sql"] for query in queries]


def extra_statements(client, settings, url, params):
    """Statements the search runs with recording on, beyond those it runs with it off."""
    settings.SEARCH_CACHE_SECONDS = 0  # the whole search each time, as on a first visit
    settings.SEARCH_ANALYTICS_ENABLED = False
    statements(client, url, params)  # warm-up: first-request work is not recording's
    without = statements(client, url, params)
    settings.SEARCH_ANALYTICS_ENABLED = True
    caches["insights"].clear()
    extra = statements(client, url, params)
    for sql in without:
        extra.remove(sql)
    # On PostgreSQL the INSERT comes with the SET LOCAL that keeps its commit from waiting
    # for the disk, sent together: one statement, one round trip (insights.recording).
    if connection.vendor == "postgresql":
        together = "SET LOCAL synchronous_commit TO OFF; INSERT"
        assert [sql for sql in extra if "synchronous_commit" in sql or "INSERT" in sql] == [
            sql for sql in extra if sql.startswith(together)
        ], extra
        extra = [sql.removeprefix("SET LOCAL synchronous_commit TO OFF; ") for sql in extra]
    return [re.match(r"(\w+)", sql).group(1) + " " + _table(sql) for sql in extra]


def _table(sql):
    return re.search(r'(?:FROM|INTO) "(\w+)"', sql).group(1)


@pytest.mark.parametrize("url", [SEARCH, API])
def test_recording_adds_one_insert_and_nothing_else_to_a_quartier_search(
    reference_data, client, settings, url
):
    """Measured in autocommit, as requests run in production (inside a transaction, as in
    the other tests, a SAVEPOINT and its RELEASE come around the INSERT)."""
    make_structure(
        at=offset(BREIL_CENTRE, north_m=300), needs=["stage-de-3e"], publics=["collegiens"]
    )

    extra = extra_statements(client, settings, url, {**BREIL_STAGE, "public": "collegiens"})

    assert extra == ["INSERT insights_recordedsearch"]
    assert RecordedSearch.objects.get().publics == ["collegiens"]


def test_from_the_passeurs_desk_recording_adds_one_insert_only(reference_data, client, settings):
    make_structure(at=offset(BREIL_CENTRE, north_m=300), needs=["stage-de-3e"])
    client.cookies[DESK_COOKIE] = make_structure(name="Accueil de test").slug

    extra = extra_statements(client, settings, SEARCH, {"besoin": "stage-de-3e"})

    assert extra == ["INSERT insights_recordedsearch"]


def test_from_an_address_or_coordinates_recording_also_reads_the_quartier(
    reference_data, client, settings
):
    """The one documented exception: locating the point in the quartiers, one indexed read."""
    make_structure(at=offset(BREIL_CENTRE, north_m=300), needs=["stage-de-3e"])
    lat, lon = offset(BREIL_CENTRE, east_m=50)
    params = {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "besoin": "stage-de-3e"}

    extra = extra_statements(client, settings, SEARCH, params)

    assert extra == ["SELECT actors_neighbourhood", "INSERT insights_recordedsearch"]


def test_a_results_page_served_from_the_cache_is_counted_too(reference_data, client):
    make_structure(at=offset(BREIL_CENTRE, north_m=300), needs=["stage-de-3e"])
    client.get(SEARCH, BREIL_STAGE)
    caches["insights"].clear()  # a minute later: the dedup key is gone, the page is not
    client.get(SEARCH, BREIL_STAGE)
    assert RecordedSearch.objects.count() == 2
