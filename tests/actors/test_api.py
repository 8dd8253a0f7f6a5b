import datetime
import json

import pytest
import yaml

from actors.enums import ContactVisibility, Status
from actors.models import Actor
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_permanence, make_structure, offset

pytestmark = pytest.mark.django_db

T = datetime.time


@pytest.fixture
def breil():
    """Six places around the Breil centre, two of them for the 3e internship."""
    near = make_structure(
        name="Collège des Érables", at=offset(BREIL_CENTRE, east_m=200), needs=["stage-de-3e"]
    )
    far = make_structure(
        name="PIJ du Port", at=offset(BREIL_CENTRE, north_m=700), needs=["stage-de-3e"]
    )
    for n in range(4):
        make_structure(
            name=f"Autre {n}", at=offset(BREIL_CENTRE, east_m=100 + n), needs=["trouver-un-emploi"]
        )
    return near, far


def test_list_has_the_documented_shape_and_order(client, breil):
    near, far = breil
    response = client.get(
        "/api/v1/structures/", {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
    )
    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    assert [r["slug"] for r in body["results"][:2]] == [near.slug, far.slug]
    first = body["results"][0]
    assert set(first) == {
        "slug",
        "name",
        "kind",
        "neighbourhood",
        "address",
        "postcode",
        "city",
        "latitude",
        "longitude",
        "distance_m",
        "walking_minutes",
        "needs",
        "publics",
        "open_now",
        "next_opening",
        "url",
    }
    assert first["distance_m"] == pytest.approx(200, abs=2)
    assert first["walking_minutes"] == 3
    assert first["neighbourhood"] == "breil-barberie"
    assert first["needs"] == ["stage-de-3e"]
    assert first["url"].endswith(f"/structures/{near.slug}/")


def test_without_origin_distances_are_null(client, breil):
    body = client.get("/api/v1/structures/", {"besoin": "stage-de-3e"}).json()
    assert [r["distance_m"] for r in body["results"]] == [None, None]
    assert [r["walking_minutes"] for r in body["results"]] == [None, None]


def test_pages_link_to_each_other(client):
    for n in range(25):
        make_structure(name=f"Lieu {n:02d}")
    first = client.get("/api/v1/structures/").json()
    assert first["count"] == 25 and len(first["results"]) == 20 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert client.get(second["previous"]).json()["results"] == first["results"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"lat": "abc", "lon": "1"}, "lat"),
        ({"lat": "200", "lon": "1"}, "lat"),
        ({"lat": "47.2"}, "lon"),
        ({"rayon": "-1"}, "rayon"),
        ({"rayon": "1e9"}, "rayon"),
        ({"besoin": "nexiste-pas"}, "besoin"),
        ({"quartier": "nexiste-pas"}, "quartier"),
        ({"depuis": "nexiste-pas"}, "depuis"),
        ({"type": "boulangerie"}, "type"),
        ({"ouvert": "hier"}, "ouvert"),
        ({"sans_rdv": "peut-etre"}, "sans_rdv"),
        ({"q": "x" * 10_000}, "q"),
        ({"page": "abc"}, "page"),
    ],
)
def test_invalid_parameters_give_a_400_naming_the_parameter(client, params, parameter):
    response = client.get("/api/v1/structures/", params)
    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def test_unknown_slug_and_page_are_404(client):
    assert client.get("/api/v1/structures/nexiste-pas/").status_code == 404
    make_structure()
    assert client.get("/api/v1/structures/", {"page": "9"}).status_code == 404


def test_detail_is_the_full_record_with_private_contacts_hidden(client):
    host = make_structure(name="Maison de quartier", hours=[(1, T(9), T(12))], phone="+33261910007")
    provider = make_structure(name="Mission locale", kind="mission-locale", at=ILE_DE_NANTES)
    Actor.objects.create(structure=host, role="Animatrice", phone="06 39 98 00 01")
    Actor.objects.create(
        structure=host,
        role="Accueil",
        phone="02 61 91 00 08",
        contact_visibility=ContactVisibility.PUBLIC,
    )
    make_permanence(host, provider, needs=["trouver-un-emploi"], title="Permanence emploi")
    body = client.get(f"/api/v1/structures/{host.slug}/").json()
    assert body["phone"] == "+33261910007"
    assert body["opening_slots"] == [{"weekday": 1, "opens": "09:00:00", "closes": "12:00:00"}]
    assert {a["role"]: a["phone"] for a in body["actors"]} == {
        "Animatrice": "",
        "Accueil": "02 61 91 00 08",
    }
    assert body["hosted_permanences"][0]["provider"] == provider.slug
    assert len(body["hosted_permanences"][0]["next_dates"]) == 3


def test_drafts_are_not_in_the_api(client):
    draft = make_structure(status=Status.DRAFT)
    assert client.get(f"/api/v1/structures/{draft.slug}/").status_code == 404
    assert client.get("/api/v1/structures/").json()["count"] == 0


def test_geojson_has_the_same_results_as_the_list(client, breil):
    params = {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
    listed = client.get("/api/v1/structures/", params).json()
    response = client.get("/api/v1/structures.geojson", params)
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["slug"] for f in collection["features"]] == [
        r["slug"] for r in listed["results"]
    ]
    point = collection["features"][0]["geometry"]
    assert point["type"] == "Point" and point["coordinates"][1] == pytest.approx(
        BREIL_CENTRE[0], abs=0.01
    )


def test_quartiers_are_geojson_polygons(client):
    collection = client.get("/api/v1/quartiers/").json()
    breil = next(f for f in collection["features"] if f["properties"]["slug"] == "breil-barberie")
    assert breil["geometry"]["type"] == "Polygon"
    assert collection["attribution"] == "Nantes Métropole"


def test_taxonomies(client):
    needs = client.get("/api/v1/besoins/").json()
    assert "stage 3e" in next(n for n in needs if n["slug"] == "stage-de-3e")["synonyms"]
    publics = client.get("/api/v1/publics/").json()
    assert "collegiens" in {p["slug"] for p in publics}


def test_openapi_schema_is_generated_from_the_code(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    list_operation = schema["paths"]["/api/v1/structures/"]["get"]
    names = {p["name"] for p in list_operation["parameters"]}
    assert {
        "q",
        "besoin",
        "public",
        "type",
        "quartier",
        "lat",
        "lon",
        "adresse",
        "depuis",
        "rayon",
    } <= names
    assert "/api/v1/structures/{slug}/" in schema["paths"]


def test_the_schema_is_generated_once_per_language_of_the_site(client):
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.renderers import JSONRenderer

    from actors.api.views import KeptSchemaGenerator

    KeptSchemaGenerator._kept.clear()
    french = _schema(client)
    assert _schema(client) == french
    english = yaml.safe_load(client.get("/api/v1/schema/", {"lang": "en"}).content)
    assert english != french
    # What was kept is what drf-spectacular generates.
    fresh = json.loads(JSONRenderer().render(SchemaGenerator().get_schema(public=True)))
    assert json.loads(json.dumps(french)) == fresh
    # Any other language or a version is answered, not kept: the process keeps two at most.
    for params in ({"lang": "x" * 40}, {"version": "9"}):
        assert client.get("/api/v1/schema/", params).status_code == 200
    assert set(KeptSchemaGenerator._kept) == {"fr", "en"}


def _schema(client):
    return yaml.safe_load(client.get("/api/v1/schema/").content)


def _parameter(operation, name):
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]


def test_the_schema_says_what_the_api_answers(client):
    """Places where the schema used to disagree with the API (schemathesis runs them all)."""
    schema = _schema(client)
    paths, components = schema["paths"], schema["components"]["schemas"]
    listing = paths["/api/v1/structures/"]["get"]
    # Bounds and default from the FilterSet's one declaration, as the page's form shows them.
    assert _parameter(listing, "rayon") == {
        "type": "number",
        "minimum": 0.1,
        "maximum": 30.0,
        "default": 1.5,
    }
    assert _parameter(listing, "lat")["minimum"] == -90
    assert _parameter(listing, "page") == {"type": "integer", "minimum": 1}
    assert "" in _parameter(listing, "ouvert")["enum"]  # "peu importe"
    assert "" in _parameter(listing, "type")["items"]["enum"]
    assert set(listing["responses"]) == {"200", "400", "404"}
    for path in ["/api/v1/structures.geojson", "/api/v1/quartiers/", "/api/v1/quartiers/{slug}/"]:
        assert "application/geo+json" in paths[path]["get"]["responses"]["200"]["content"], path
    assert "404" in paths["/api/v1/structures/{slug}/"]["get"]["responses"]
    # Opening hours are local times, not RFC 3339 times (those carry an offset).
    assert "format" not in components["Slot"]["properties"]["opens"]
    assert components["Slot"]["properties"]["opens"]["pattern"]


def test_the_smallest_documented_radius_is_accepted(client):
    # 0.1 was refused: the float bound is a hair above a decimal 0.1.
    response = client.get("/api/v1/structures/", {"quartier": "breil-barberie", "rayon": "0.1"})
    assert response.status_code == 200
    assert response.json()["radius_km"] >= 0.1


def test_api_404s_are_french_json(client):
    for url in [
        "/api/v1/structures/nexiste-pas/",
        "/api/v1/quartiers/nexiste-pas/",
        "/api/v1/structures/%C2%9E%3E/",
        "/api/v1/nulle-part/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert "No " not in response.json()["detail"], url  # Django's English message
    page = client.get("/structures/nexiste-pas/")
    assert page.status_code == 404 and "Page introuvable" in page.content.decode()


def test_an_api_list_is_served_from_the_cache_the_second_time(
    client, settings, django_assert_max_num_queries
):
    settings.SEARCH_ANALYTICS_ENABLED = False
    make_structure(name="Lieu en cache", at=offset(BREIL_CENTRE, east_m=100), needs=["stage-de-3e"])
    params = {"quartier": "breil-barberie", "besoin": "stage-de-3e"}
    first = client.get("/api/v1/structures/", params).json()
    with django_assert_max_num_queries(1):
        second = client.get("/api/v1/structures/", params).json()
    assert second == first
    settings.SEARCH_CACHE_SECONDS = 0
    # Computed again: one place only, so the search asks the widest circle once more
    # (actors.search._widened), on top of the queries of a search and its card data.
    with django_assert_max_num_queries(9):
        assert client.get("/api/v1/structures/", params).json()["count"] == 1


def test_the_page_and_the_api_show_the_same_professionals_and_permanences(client):
    """A structure's page and /api/v1/structures/<slug>/ read one queryset method
    (with_detail_data): an inactive professional, an ended permanence or one held at an
    unpublished place is on neither."""
    place = make_structure(name="Maison de quartier", kind="maison-de-quartier")
    provider = make_structure(name="Mission locale", kind="mission-locale")
    draft = make_structure(name="Brouillon", status="draft")
    Actor.objects.create(structure=place, role="Animatrice jeunesse")
    Actor.objects.create(structure=place, role="Ancien conseiller", is_active=False)
    make_permanence(place, provider, title="Permanence emploi")
    make_permanence(place, provider, title="Permanence finie", ends_on=datetime.date(2020, 6, 30))
    make_permanence(draft, place, title="Chez un brouillon")
    make_permanence(provider, place, title="Permanence tenue ailleurs")

    page = client.get(place.get_absolute_url()).content.decode()
    detail = client.get(f"/api/v1/structures/{place.slug}/").json()
    api_roles = [actor["role"] for actor in detail["actors"]]
    api_hosted = [p["title"] for p in detail["hosted_permanences"]]
    api_held = [p["title"] for p in detail["held_permanences"]]
    assert api_roles == ["Animatrice jeunesse"]
    assert api_hosted == ["Permanence emploi"]
    assert api_held == ["Permanence tenue ailleurs"]
    for shown in api_roles + api_hosted + api_held:
        assert shown in page
    for hidden in ["Ancien conseiller", "Permanence finie", "Chez un brouillon"]:
        assert hidden not in page


def test_a_list_page_gives_what_the_summary_serializer_documents(rf):
    """The list's rows are written out (actors.api.serializers.summaries) for speed; the serializer
    documents them in the schema: both give the same, whatever the place lacks."""
    from django.utils import timezone

    from actors.api.serializers import StructureSummarySerializer, summaries
    from actors.models import Structure

    make_structure(
        name="Avec tout",
        needs=["stage-de-3e", "trouver-un-emploi"],
        publics=["collegiens"],
        hours=[(day, T(9), T(12)) for day in range(7)],
    )
    make_structure(name="Sans quartier ni horaires", at=(47.0, -1.0), street="", postcode="")
    pairs = [(pk, 123.4 * n) for n, pk in enumerate(Structure.objects.values_list("pk", flat=True))]
    rows = Structure.objects.cards_in_order(pairs)
    rows[-1].distance = None
    context = {"request": rf.get("/api/v1/structures/"), "now": timezone.now()}

    written = summaries(rows, context)

    assert written == StructureSummarySerializer(rows, many=True, context=context).data
    assert written[0]["needs"] and written[0]["open_now"] is not None
