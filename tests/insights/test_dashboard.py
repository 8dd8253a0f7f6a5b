"""The dashboard of unmet demand: its figures, its map and trend, who sees it, example data."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insights.models import RecordedSearch
from tests.factories import BREIL_CENTRE, make_structure, neighbourhood, offset

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


# --- The aggregation ----------------------------------------------------------------------


def record(day, needs=(), place="breil-barberie", kind="neighbourhood", nearby=1, nearest=None):
    return RecordedSearch.objects.create(
        day=day,
        channel="site",
        needs=sorted(needs),
        neighbourhood=neighbourhood(place) if place else None,
        origin_kind=kind,
        results_nearby=nearby,
        nearest_m=nearest,
    )


TODAY = datetime.date(2025, 3, 31)


@pytest.fixture
def a_quarter_of_searches(db):
    """A fixed set of searches, with known totals (see each test)."""
    day = datetime.date(2025, 3, 10)
    # Breil × stage de 3e: 4 searches, one with nothing nearby; nearest 200, 400, 600, 1500 m.
    record(day, ["stage-de-3e"], nearest=200)
    record(day, ["stage-de-3e"], nearest=400)
    record(day, ["stage-de-3e", "cv-lettre-de-motivation"], nearest=600)
    record(day, ["stage-de-3e"], nearby=0, nearest=1500)
    # Breil × CV: the two-need search above, and 3 more: nearest 100, 300, 300, 600 → 300/300.
    record(day, ["cv-lettre-de-motivation"], nearest=100)
    record(day, ["cv-lettre-de-motivation"], nearest=300)
    record(datetime.date(2025, 1, 2), ["cv-lettre-de-motivation"], nearest=300)
    # A search narrowed to a quartier (no radius): demand, but not judged.
    record(day, ["cv-lettre-de-motivation"], kind="desk", nearby=None)
    # Nantes Nord × stage de 3e: 2 searches, both with nothing nearby, one with nothing at all.
    record(day, ["stage-de-3e"], place="nantes-nord", nearby=0, nearest=2500)
    record(day, ["stage-de-3e"], place="nantes-nord", nearby=0, nearest=None)
    # No need named, outside the quartiers, and no starting point.
    record(day, [], nearest=250)
    record(day, ["stage-de-3e"], place=None, kind="coordinates", nearby=0, nearest=3000)
    record(day, ["stage-de-3e"], place=None, kind="none", nearby=None)
    # Outside the period.
    record(datetime.date(2024, 12, 31), ["stage-de-3e"], nearby=0)
    record(datetime.date(2025, 4, 1), ["stage-de-3e"], nearby=0)


def dashboard(client, **params):
    params = {"du": "2025-01-01", "au": TODAY.isoformat(), **params}
    response = client.get(reverse("insights:dashboard"), params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def table_rows(client, **params):
    params = {"du": "2025-01-01", "au": TODAY.isoformat(), **params}
    response = client.get(reverse("insights:export"), params)
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_the_table_counts_shares_and_medians_per_quartier_and_need(
    staff_client, a_quarter_of_searches
):
    rows = {(row["quartier"], row["besoin"]): row for row in table_rows(staff_client)}

    breil_stage = rows["Breil - Barberie", "Stage de 3e"]
    assert breil_stage["recherches"] == "4"
    assert breil_stage["sans_resultat_a_pied"] == "1"
    assert breil_stage["part_sans_resultat_pct"] == "25"
    assert breil_stage["distance_mediane_m"] == "500"  # (400 + 600) / 2

    breil_cv = rows["Breil - Barberie", "CV et lettre de motivation"]
    assert breil_cv["recherches"] == "5"
    assert breil_cv["recherches_avec_rayon"] == "4"  # the narrowed one is not judged
    assert breil_cv["part_sans_resultat_pct"] == "0"
    assert breil_cv["distance_mediane_m"] == "300"  # 100, 300, 300, 600

    nord = rows["Nantes Nord", "Stage de 3e"]
    assert (nord["recherches"], nord["part_sans_resultat_pct"]) == ("2", "100")
    assert nord["distance_mediane_m"] == "2500"  # the search that found nothing at all has none

    assert rows["Breil - Barberie", "Sans besoin précisé"]["recherches"] == "1"
    assert rows["Hors quartiers", "Stage de 3e"]["part_sans_resultat_pct"] == "100"
    no_origin = rows["Sans point de départ", "Stage de 3e"]
    assert (no_origin["recherches"], no_origin["part_sans_resultat_pct"]) == ("1", "")
    assert len(rows) == 6


def test_a_quartier_named_like_a_formula_is_text_in_the_csv(staff_client):
    # An agent-edited name reaches the spreadsheet: it must not run there.
    place = neighbourhood("breil-barberie")
    place.name = '=HYPERLINK("https://pirate.example")'
    place.save()
    record(TODAY, ["stage-de-3e"])
    (row,) = table_rows(staff_client)
    assert row["quartier"] == '\'=HYPERLINK("https://pirate.example")'


def test_the_csv_holds_aggregates_only(staff_client, a_quarter_of_searches):
    response = staff_client.get(
        reverse("insights:export"), {"du": "2025-01-01", "au": TODAY.isoformat()}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert header == [
        "quartier",
        "commune",
        "besoin",
        "recherches",
        "recherches_avec_rayon",
        "sans_resultat_a_pied",
        "part_sans_resultat_pct",
        "pas_compris",
        "distance_mediane_m",
    ]
    assert "2025-03-10" not in text and "10/03/2025" not in text  # no day of any search
    assert len(text.splitlines()) == 1 + 6  # one line per quartier × need, not per search


def test_the_period_bounds_are_included(staff_client, a_quarter_of_searches):
    rows = table_rows(staff_client, du="2024-12-31", au="2025-04-01")
    breil_stage = next(
        r for r in rows if (r["quartier"], r["besoin"]) == ("Breil - Barberie", "Stage de 3e")
    )
    assert breil_stage["recherches"] == "6"


def test_hot_spots_rank_the_quartiers_with_the_most_searches_that_found_nothing(
    staff_client, a_quarter_of_searches
):
    content = dashboard(staff_client).content.decode()
    section = content[content.index('id="hot-spots"') : content.index('id="map-heading"')]

    spots = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="number">(\d+)</td>\s*'
        r'<td class="number">(\d+)</td>\s*<td>([^<]+)</td>',
        section,
    )
    assert spots == [
        ("Nantes Nord", "2", "2", "Stage de 3e (2)"),
        ("Breil - Barberie", "1", "9", "Stage de 3e (1)"),
    ]


def test_the_map_colours_each_quartier_by_unmet_demand_with_a_text_alternative(
    staff_client, a_quarter_of_searches
):
    content = dashboard(staff_client, besoin="stage-de-3e").content.decode()

    svg = re.search(r'<svg class="insights-map".*?</svg>', content, re.S).group(0)
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert svg.count("<path ") == 44  # every quartier with a polygon
    assert re.search(r'fill="url\(#fill-2\)"[^>]*><title>Nantes Nord', svg)  # 2 of top 2
    assert re.search(r'fill="url\(#fill-1\)"[^>]*><title>Breil - Barberie', svg)  # 1 of 2
    assert re.search(r'fill="url\(#fill-none\)"[^>]*><title>Ile de Nantes', svg)
    # The legend says what each level means, and the same figures are in a table.
    assert "Niveau 2 : 2 recherches sans résultat à pied" in content
    assert "La carte en tableau" in content


def test_the_trend_shows_twelve_months_for_the_chosen_quartier_and_need(
    staff_client, a_quarter_of_searches
):
    content = dashboard(staff_client, quartier="breil-barberie", besoin="stage-de-3e").content
    content = content.decode()

    section = content[content.index('id="trend-heading"') : content.index('id="by-pair"')]
    assert 'role="img"' in section
    months = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="number">(\d+)</td>', section)
    assert len(months) == 12
    assert months[0][0] == "avril 2024" and months[-1] == ("mars 2025", "4")
    assert ("décembre 2024", "1") in months  # the one before the period, within the year


def test_the_dashboard_says_when_it_shows_example_searches(staff_client, a_quarter_of_searches):
    assert "recherches fictives" not in dashboard(staff_client).content.decode()

    RecordedSearch.objects.filter(day=datetime.date(2025, 1, 2)).update(is_example=True)

    assert "recherches fictives" in dashboard(staff_client).content.decode()


def test_the_dashboard_runs_a_constant_number_of_queries(staff_client, a_quarter_of_searches):
    dashboard(staff_client)  # what each process keeps (the vocabulary, the example flag)
    with CaptureQueriesContext(connection) as few:
        dashboard(staff_client, besoin="stage-de-3e", quartier="breil-barberie")
    for n in range(40):
        record(datetime.date(2025, 2, 1 + n % 28), ["trouver-un-emploi"], place="nantes-sud")
    with CaptureQueriesContext(connection) as many:
        dashboard(staff_client, besoin="stage-de-3e", quartier="breil-barberie")
    assert len(many) == len(few)


def test_the_dashboard_markup_has_no_inline_script_or_style(staff_client, a_quarter_of_searches):
    content = dashboard(staff_client).content.decode()

    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", content))
    assert not re.search(r"\son[a-z]+=", content)
    assert " style=" not in content
    tables = re.findall(r"<table.*?</table>", content, re.S)
    assert tables and all("<caption>" in table and 'scope="col"' in table for table in tables)


# --- Who sees it -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["insights:dashboard", "insights:export"])
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("partners:login") + "?next=")


@pytest.mark.parametrize("name", ["insights:dashboard", "insights:export"])
def test_partners_are_refused(partner_a_client, name):
    assert partner_a_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ["insights:dashboard", "insights:export"])
def test_regional_agents_get_in(staff_client, name):
    assert staff_client.get(reverse(name)).status_code == 200


def test_a_non_superuser_staff_agent_gets_in(client, django_user_model):
    agent = django_user_model.objects.create_user("agent-stats", is_staff=True)
    client.force_login(agent)
    assert client.get(reverse("insights:dashboard")).status_code == 200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"du": "2025-02-30"}, "Saisissez une date valide."),
        ({"au": "demain"}, "Saisissez une date valide."),
        (
            {"du": "2025-03-01", "au": "2025-01-01"},
            "La date de début doit précéder la date de fin.",
        ),
        ({"du": "1900-01-01", "au": "2025-01-01"}, "La période ne peut pas dépasser cinq ans."),
        ({"quartier": "atlantide"}, "Sélectionnez un choix valide."),
        ({"besoin": "<script>"}, "Sélectionnez un choix valide."),
    ],
)
def test_bad_parameters_get_a_french_message_never_a_500(staff_client, params, message):
    page = staff_client.get(reverse("insights:dashboard"), params)
    export = staff_client.get(reverse("insights:export"), params)

    assert page.status_code == 400 and message in page.content.decode()
    assert export.status_code == 400 and message in export.content.decode()


def test_without_dates_the_dashboard_shows_the_last_ninety_days(staff_client):
    record(timezone.localdate() - datetime.timedelta(days=89), ["stage-de-3e"])
    record(timezone.localdate() - datetime.timedelta(days=90), ["stage-de-3e"])

    content = staff_client.get(reverse("insights:dashboard")).content.decode()

    assert "1 recherche du" in content


# --- Example data and the public page ----------------------------------------------------


def test_seed_search_demo_makes_a_morning_of_example_searches_in_the_breil(staff_client):
    make_structure(at=offset(BREIL_CENTRE, north_m=200), needs=["stage-de-3e"], is_example=True)
    out = io.StringIO()

    call_command("seed_search_demo", morning=12, days=3, per_day=2, stdout=out)

    today = timezone.localdate()
    morning = RecordedSearch.objects.filter(day=today)
    assert morning.count() == 12
    assert set(morning.values_list("neighbourhood__slug", flat=True)) == {"breil-barberie"}
    assert not RecordedSearch.objects.filter(is_example=False).exists()
    assert "recherches fictives" in staff_client.get(reverse("insights:dashboard")).content.decode()

    call_command("seed_search_demo", delete=True, stdout=out)
    assert not RecordedSearch.objects.exists()


def test_the_data_page_says_what_is_never_stored_and_credits_the_quartiers(client):
    response = client.get("/a-propos/donnees/")
    content = response.content.decode()

    assert response.status_code == 200
    for promise in [
        "adresse IP",
        "cookies",
        "identifiant de session",
        "texte que vous avez tapé",
        "coordonnées exactes",
        "user agent",
        "Nantes Métropole",
    ]:
        assert promise in content, promise
    assert "actuellement activé" in content


def test_every_page_links_to_the_data_page(client):
    assert 'href="/a-propos/donnees/"' in client.get("/").content.decode()
