"""Exports: our CSV / JSON / GeoJSON with the search filters, data·inclusion v1, round trips."""

import csv
import datetime
import io
import json

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command
from django.urls import reverse

from actors.enums import ExceptionKind, Status
from actors.models import OpeningException, Structure
from tests.factories import ILE_DE_NANTES, make_structure

pytestmark = pytest.mark.django_db
T = datetime.time


@pytest.fixture
def directory():
    """A CIO and an association published, a draft and an archived entry."""
    cio = make_structure(
        name="CIO des essais (fictif)",
        kind="cio",
        needs=["choisir-son-orientation", "stage-de-3e"],
        publics=["collegiens", "parents"],
        hours=[(day, T(9), T(12, 30)) for day in range(5)] + [(2, T(13, 30), T(17))],
        phone="02 61 91 30 01",
        email="cio-essais@example.org",
        website="https://example.org/cio-essais",
        walk_in=True,
        insee_code="44109",
        description="Conseil en orientation, fictif.",
    )
    OpeningException.objects.create(
        structure=cio,
        starts_on=datetime.date(2099, 12, 24),
        ends_on=datetime.date(2099, 12, 31),
        label="Congés",
    )
    OpeningException.objects.create(
        structure=cio,
        starts_on=datetime.date(2099, 7, 14),
        ends_on=datetime.date(2099, 7, 14),
        kind=ExceptionKind.SPECIAL,
        opens=T(10),
        closes=T(12),
    )
    association = make_structure(
        name="Association des essais (fictive)",
        needs=["cv-lettre-de-motivation"],
        publics=["tous-publics", "jeunes-16-25"],
        is_free=False,
        fees_details="Adhésion 5 €",
        at=ILE_DE_NANTES,
    )
    make_structure(name="Brouillon des essais", status=Status.DRAFT, latitude=None, longitude=None)
    make_structure(name="Archive des essais", status=Status.ARCHIVED)
    return cio, association


def content(response):
    return b"".join(response.streaming_content).decode()


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_csv_export_streams_the_published_entries(client, directory):
    response = client.get(reverse("opendata:structures-csv"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(content(response))
    assert [row["nom"] for row in rows] == [
        "Association des essais (fictive)",
        "CIO des essais (fictif)",
    ]
    cio = rows[1]
    assert cio["type"] == "cio"
    assert cio["besoins"] == "stage-de-3e|choisir-son-orientation"
    assert cio["sans_rendez_vous"] == "oui"
    assert cio["horaires"] == (
        "Mo-Tu,Th-Fr 09:00-12:30; We 09:00-12:30,13:30-17:00; PH off; "
        '2099 Jul 14 10:00-12:00; 2099 Dec 24-2099 Dec 31 off "Congés"'
    )


def test_exports_apply_the_search_filters(client, directory):
    for name in ("structures-csv", "structures-json", "structures-geojson"):
        response = client.get(reverse(f"opendata:{name}"), {"type": "cio", "besoin": "stage-de-3e"})
        assert response.status_code == 200, name
        assert "CIO des essais" in content(response)
    response = client.get(reverse("opendata:structures-json"), {"gratuit": "1"})
    assert [row["nom"] for row in json.loads(content(response))] == ["CIO des essais (fictif)"]


def test_quartier_keeps_the_entries_inside_it(client, directory):
    cio, _association = directory
    response = client.get(reverse("opendata:structures-json"), {"quartier": cio.neighbourhood.slug})
    assert [row["identifiant"] for row in json.loads(content(response))] == [cio.slug]


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"besoin": "inconnu"}, "besoin"),
        ({"type": "boulangerie"}, "type"),
        ({"gratuit": "?"}, "gratuit"),
    ],
)
def test_an_invalid_parameter_answers_400_naming_it(client, directory, params, parameter):
    response = client.get(reverse("opendata:structures-csv"), params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]


def test_geojson_export_is_a_feature_collection_of_points(client, directory):
    cio, _association = directory
    data = json.loads(content(client.get(reverse("opendata:structures-geojson"))))
    assert data["type"] == "FeatureCollection"
    feature = next(f for f in data["features"] if f["properties"]["identifiant"] == cio.slug)
    assert feature["geometry"] == {"type": "Point", "coordinates": [cio.longitude, cio.latitude]}
    assert feature["properties"]["besoins"] == ["stage-de-3e", "choisir-son-orientation"]


def test_data_inclusion_structures_validate_against_the_official_schema(
    client, directory, settings
):
    settings.DATA_INCLUSION_SOURCE = "guide-test"
    records = json.loads(content(client.get(reverse("opendata:data-inclusion-structures"))))
    assert len(records) == 2
    for record in records:
        v1.Structure.model_validate(record)
    cio = next(r for r in records if r["nom"] == "CIO des essais (fictif)")
    assert cio["source"] == "guide-test"
    assert cio["id"] == f"guide-test--{directory[0].slug}"
    assert cio["horaires_accueil"].startswith("Mo-Tu,Th-Fr 09:00-12:30; ")
    assert cio["lien_source"].startswith("http://testserver/structures/")


def test_data_inclusion_services_one_per_need_validate_against_the_schema(client, directory):
    records = json.loads(content(client.get(reverse("opendata:data-inclusion-services"))))
    assert len(records) == 3  # the CIO's two needs, the association's one
    for record in records:
        v1.Service.model_validate(record)
    cio_services = [r for r in records if "CIO des essais" in r["nom"]]
    themes = {theme for r in cio_services for theme in r["thematiques"]}
    assert "choisir-un-metier--confirmer-son-choix-de-metier" in themes
    assert cio_services[0]["publics"] == ["familles", "jeunes"]
    assert cio_services[0]["frais"] == "gratuit"
    assert "se-presenter" in cio_services[0]["modes_mobilisation"]
    association = next(r for r in records if "Association" in r["nom"])
    assert association["publics"] == ["tous-publics"]  # never mixed with others
    assert association["frais"] == "payant"


def test_every_seeded_entry_validates_as_data_inclusion(client):
    call_command("seed_demo", "--count", "40", stdout=io.StringIO())
    for name, model in [("structures", v1.Structure), ("services", v1.Service)]:
        records = json.loads(content(client.get(reverse(f"opendata:data-inclusion-{name}"))))
        assert records
        for record in records:
            model.model_validate(record)


def test_export_command_writes_each_format(tmp_path, directory):
    for format in (
        "csv",
        "json",
        "geojson",
        "data-inclusion-structures",
        "data-inclusion-services",
    ):
        path = tmp_path / f"export.{format}"
        call_command("export_structures", "--format", format, "--output", str(path))
        assert "CIO des essais" in path.read_text(encoding="utf-8"), format


# --- Round trips -----------------------------------------------------------------------


def export_all(format):
    out = io.StringIO()
    call_command("export_structures", "--format", format, "--all", stdout=out)
    return out.getvalue()


def empty_the_directory():
    Structure.objects.update(parent=None)
    Structure.objects.all().delete()


@pytest.mark.parametrize("format", ["csv", "json"])
def test_export_import_export_gives_the_same_file(tmp_path, format):
    call_command("seed_demo", "--count", "120", stdout=io.StringIO())
    cio = Structure.objects.filter(kind="cio").first()
    Structure.objects.filter(kind="mission-locale").update(parent=cio)
    first = export_all(format)
    path = tmp_path / f"structures.{format}"
    path.write_text(first, encoding="utf-8")
    empty_the_directory()

    out = io.StringIO()
    call_command("import_structures", str(path), "--format", format, "--no-progress", stdout=out)

    assert "120 créée(s)" in out.getvalue()
    assert export_all(format) == first


def test_reimporting_an_export_changes_nothing(tmp_path):
    call_command("seed_demo", "--count", "50", stdout=io.StringIO())
    path = tmp_path / "structures.csv"
    path.write_text(export_all("csv"), encoding="utf-8")
    out = io.StringIO()
    call_command("import_structures", str(path), "--format", "csv", "--no-progress", stdout=out)
    assert "0 créée(s), 0 mise(s) à jour, 50 inchangée(s)" in out.getvalue()


# --- Spreadsheet formulas ------------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("https://pirate.example","Cliquez")',
    "description": "+cmd|' /C calc'!A0",
    "street": "-2+3+cmd|' /C calc'!A0",
    "city": "@SUM(1+1)*cmd|' /C calc'!A0",
    "hours_note": "=1+1 (horaires)",
    "fees_details": "'=déjà neutralisé à la main",
    "phone": "+33261910009",  # stored in E.164: a "+" a spreadsheet must not eat
}


def test_csv_cells_never_start_a_formula_and_json_keeps_the_text(client):
    make_structure(**FORMULAS, access_details="\t=1+1")
    rows = csv_rows(content(client.get("/export/structures.csv")))
    texts = [cell for row in rows for name, cell in row.items() if name not in ("longitude",)]
    assert not [cell for cell in texts if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    (row,) = rows
    assert row["nom"] == "'" + FORMULAS["name"]
    assert row["tarifs"] == "''=déjà neutralisé à la main"
    assert row["longitude"].startswith("-1.5")  # numbers stay numbers
    (record,) = json.loads(content(client.get("/export/structures.json")))
    assert record["nom"] == FORMULAS["name"] and record["telephone"] == FORMULAS["phone"]
    geojson = json.loads(content(client.get("/export/structures.geojson")))
    assert geojson["features"][0]["properties"]["commune"] == FORMULAS["city"]


def test_a_csv_round_trip_gives_the_formulas_back_as_text(tmp_path):
    structure = make_structure(**FORMULAS)
    first = export_all("csv")
    path = tmp_path / "structures.csv"
    path.write_text(first, encoding="utf-8")
    empty_the_directory()
    call_command(
        "import_structures", str(path), "--format", "csv", "--no-progress", stdout=io.StringIO()
    )
    imported = Structure.objects.get(slug=structure.slug)
    assert {name: getattr(imported, name) for name in FORMULAS} == FORMULAS
    assert export_all("csv") == first
