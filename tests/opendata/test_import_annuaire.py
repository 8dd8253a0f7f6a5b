"""Importing the Annuaire de l'administration (DILA) for our territory."""

import datetime
import io
import json
import zoneinfo
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from actors.enums import CoordinatesSource, HolidaysRule, Status, VerificationMethod, Wheelchair
from actors.models import GeocodedAddress, OpeningSlot, Structure
from actors.models.structures import MANUAL
from opendata import annuaire
from opendata.importer import Importer
from tests.ban_server import ban_server_fixture  # noqa: F401  (the ban_server fixture)
from tests.factories import make_structure

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "fixtures"
ANNUAIRE = FIXTURES / "annuaire-nantes.json"
API = FIXTURES / "annuaire-api.json"
T = datetime.time
GEOCODED_POINT = (47.2480, -1.5530)  # inside Nantes, far from the fixture's other points


@pytest.fixture
def ban(ban_server):
    ban_server.add("3 voie fictive du Géocodage 44300 Nantes", *GEOCODED_POINT)
    return ban_server


def run_import(path, *args):
    out = io.StringIO()
    call_command(
        "import_structures", str(path), "--format", "annuaire", "--no-progress", *args, stdout=out
    )
    return out.getvalue()


def imported(source_id):
    return Structure.objects.get(sources__source=annuaire.SOURCE, sources__source_id=source_id)


def test_loads_the_territory_with_a_clear_report(ban):
    output = run_import(ANNUAIRE, "--departement", "44")

    assert "6 créée(s), 0 mise(s) à jour, 0 inchangée(s), 2 ignorée(s), 0 invalide(s)" in output
    assert "type non retenu (caf) : 1" in output
    assert "hors du territoire demandé : 1" in output
    # A bad e-mail drops the e-mail, not the CIO: the field, the value and why, to fix.
    partial = output.split("Importées sans certains champs, à corriger (1)")[1]
    assert "CIO de démonstration au courriel faux (fictif)" in partial
    assert "courriel « pas-un-courriel » : Saisissez une adresse" in partial
    faux = Structure.objects.get(name="CIO de démonstration au courriel faux (fictif)")
    assert (faux.email, faux.status) == ("", Status.PUBLISHED)
    cio = imported("fictif-cio-0001")
    assert cio.kind == "cio"
    assert cio.status == Status.PUBLISHED
    assert (cio.latitude, cio.longitude) == (47.23611, -1.57704)
    assert cio.coordinates_source == CoordinatesSource.IMPORTED
    assert cio.neighbourhood.slug.startswith("breil")
    assert cio.phone == "+33261911001"
    assert cio.email == "cio-tilleuls@example.org"
    assert cio.website == "https://example.org/cio-tilleuls"
    assert cio.wheelchair == Wheelchair.YES
    assert cio.hours_note == "Sur rendez-vous le mercredi après-midi"
    assert cio.holidays_rule == HolidaysRule.CLOSED
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    source_updated_at = cio.sources.get().source_updated_at
    assert source_updated_at == datetime.datetime(2025, 1, 15, 10, 30, tzinfo=paris)
    assert cio.last_verified_at == source_updated_at
    assert cio.verification_method == VerificationMethod.IMPORT
    slots = [(s.weekday, s.opens, s.closes) for s in cio.opening_slots.all()]
    assert slots == [
        (day, opens, closes)
        for day in range(5)
        for opens, closes in [(T(9), T(12, 30)), (T(13, 30), T(17))]
    ]


def test_prefers_the_physical_address_to_the_postal_one(ban):
    run_import(ANNUAIRE, "--departement", "44")
    antenna = imported("fictif-ml-0002")
    assert antenna.street == "2 voie fictive du Fleuve"
    assert antenna.address_complement == "Bâtiment B"
    assert (antenna.postcode, antenna.city, antenna.insee_code) == ("44400", "Rezé", "44143")
    assert antenna.kind == "mission-locale"
    assert sorted({s.weekday for s in antenna.opening_slots.all()}) == [1, 2, 3, 4, 5]


def test_missing_coordinates_are_geocoded_through_the_ban(ban):
    run_import(ANNUAIRE, "--departement", "44")
    agency = imported("fictif-ft-0003")
    assert agency.kind == "france-travail"
    assert (agency.latitude, agency.longitude) == GEOCODED_POINT
    assert agency.coordinates_source == CoordinatesSource.GEOCODED
    assert agency.status == Status.PUBLISHED
    assert any("voie fictive du Géocodage" in query for query in ban.queries)


def test_an_address_the_ban_does_not_know_becomes_a_draft_to_place(ban):
    output = run_import(ANNUAIRE, "--departement", "44")
    antenna = imported("fictif-cap-0007")
    assert antenna.status == Status.DRAFT
    assert antenna.latitude is None
    assert "Importées en brouillon, position à placer par un agent (1)" in output
    assert "Cap emploi de démonstration" in output


def test_an_unavailable_geocoder_drafts_without_failing(ban):
    ban.failing = True
    output = run_import(ANNUAIRE, "--departement", "44")
    assert imported("fictif-ft-0003").status == Status.DRAFT
    assert imported("fictif-cio-0001").status == Status.PUBLISHED
    assert "géocodage ne répondait pas" in output
    # One failure is enough: the rest of the file does not wait on it again.
    assert len(ban.queries) == 1
    assert not GeocodedAddress.objects.exists()


def test_nested_fields_given_as_json_strings_are_read(ban):
    run_import(ANNUAIRE, "--departement", "44")
    point = imported("fictif-pij-0004")
    assert point.kind == "information-jeunesse"
    assert point.street == "4 voie fictive du Port"
    assert [(s.weekday, s.opens, s.closes) for s in point.opening_slots.all()] == [
        (2, T(14), T(18))
    ]
    assert point.hours_note == "Fermé pendant les vacances scolaires"


def test_api_records_import_like_the_bulk_file(ban):
    output = run_import(API)
    assert "2 créée(s)" in output
    assert imported("fictif-ml-0002").street == "2 voie fictive du Fleuve"


def test_communes_filter_keeps_only_those_communes(ban):
    output = run_import(ANNUAIRE, "--communes", "44143")
    assert "1 créée(s)" in output
    assert list(Structure.objects.values_list("sources__source_id", flat=True)) == [
        "fictif-ml-0002"
    ]


def test_a_second_import_of_the_same_file_changes_nothing_and_says_so(ban):
    run_import(ANNUAIRE, "--departement", "44")
    before = list(Structure.objects.order_by("pk").values())
    slots_before = OpeningSlot.objects.count()

    output = run_import(ANNUAIRE, "--departement", "44")

    assert "0 créée(s), 0 mise(s) à jour, 6 inchangée(s)" in output
    assert "Aucun changement" in output
    assert list(Structure.objects.order_by("pk").values()) == before
    assert OpeningSlot.objects.count() == slots_before


def test_a_newer_record_updates_source_fields_and_keeps_the_agents_work(ban, tmp_path):
    run_import(ANNUAIRE, "--departement", "44")
    cio = imported("fictif-cio-0001")
    cio.description = "Enrichie par une agente."
    cio.public_transport = "Tram fictif, arrêt Exemple"
    cio.save()
    data = json.loads(ANNUAIRE.read_text())
    record = data["service"][0]
    record["telephone"] = [{"valeur": "02 61 91 19 99", "description": ""}]
    record["date_modification"] = "16/01/2025 09:00:00"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data))

    output = run_import(newer, "--departement", "44")

    assert "1 mise(s) à jour, 5 inchangée(s)" in output
    cio.refresh_from_db()
    assert cio.phone == "+33261911999"
    assert cio.description == "Enrichie par une agente."
    assert cio.public_transport == "Tram fictif, arrêt Exemple"


def test_disappeared_records_are_reported_never_deleted(ban, tmp_path):
    run_import(ANNUAIRE, "--departement", "44")
    data = json.loads(ANNUAIRE.read_text())
    data["service"] = [r for r in data["service"] if r["id"] != "fictif-pij-0004"]
    smaller = tmp_path / "smaller.json"
    smaller.write_text(json.dumps(data))

    output = run_import(smaller, "--departement", "44")

    assert "1 fiche de cette source n'est plus dans le fichier" in output
    assert "fictif-pij-0004" in output
    assert imported("fictif-pij-0004").status == Status.PUBLISHED


def test_dry_run_writes_nothing(ban):
    output = run_import(ANNUAIRE, "--departement", "44", "--dry-run")
    assert "Essai à blanc" in output
    assert "6 créée(s)" in output
    assert not Structure.objects.exists()
    assert not OpeningSlot.objects.exists()
    assert not GeocodedAddress.objects.exists()


def test_strict_stops_at_the_first_invalid_record_and_keeps_nothing(ban, tmp_path):
    data = json.loads(ANNUAIRE.read_text())
    del data["service"][-1]["id"]  # a record that cannot be an entry
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="interrompu"):
        run_import(broken, "--departement", "44", "--strict")
    assert not Structure.objects.exists()


def test_an_agents_manual_position_survives_a_newer_record(ban, tmp_path):
    run_import(ANNUAIRE, "--departement", "44")
    cio = imported("fictif-cio-0001")
    cio.latitude, cio.longitude = 47.2370, -1.5780
    cio.coordinates_source = CoordinatesSource.MANUAL
    cio.save()
    data = json.loads(ANNUAIRE.read_text())
    data["service"][0]["date_modification"] = "17/01/2025 09:00:00"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data))

    run_import(newer, "--departement", "44")

    cio.refresh_from_db()
    assert (cio.latitude, cio.longitude) == (47.2370, -1.5780)


def test_an_agents_entry_for_the_same_place_is_merged_and_keeps_its_hand_set_fields(ban):
    mine = make_structure(
        name="CIO de démonstration des Tilleuls (fictif)",
        kind="cio",
        phone="02 61 91 00 00",
        field_origins={"phone": MANUAL},
    )
    output = run_import(ANNUAIRE, "--departement", "44")
    assert "1 fiche déjà connue d'une autre source : fusionnée, pas dupliquée." in output
    assert "1 fiche a des champs saisis à la main" in output
    assert imported("fictif-cio-0001") == mine  # same name within 50 m: one place, one entry
    mine.refresh_from_db()
    assert mine.phone == "+33261910000"  # the agent's number wins over the source's
    assert mine.email == "cio-tilleuls@example.org"  # what the agent did not set is updated
    assert mine.field_origins["email"] == annuaire.SOURCE


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "JSON illisible"),
        (b'{"autre": {"chose": 1}}', "Aucune liste de fiches"),
    ],
)
def test_an_unreadable_file_gives_a_french_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import(path)


def test_bad_territory_options_are_refused():
    with pytest.raises(CommandError, match="codes INSEE"):
        run_import(ANNUAIRE, "--communes", "nantes")


def test_record_reader_maps_a_comment_only_range_and_odd_days():
    record = annuaire.to_record(
        1,
        {
            "id": "x",
            "nom": "CIO fictif",
            "pivot": [{"type_service_local": "cio", "code_insee_commune": "44109"}],
            "plage_ouverture": [
                {
                    "nom_jour_debut": "Samedi",
                    "nom_jour_fin": "Lundi",
                    "valeur_heure_debut_1": "9:00",
                    "valeur_heure_fin_1": "12:00",
                    "commentaire": "Un samedi sur deux",
                },
                {
                    "nom_jour_debut": "Jeudi",
                    "nom_jour_fin": "Jeudi",
                    "commentaire": "Fermé le jeudi",
                },
            ],
            "date_modification": "31/12/2024 23:59:59",
        },
    )
    assert not record.errors
    assert sorted({s[0] for s in record.hours.slots}) == [0, 5, 6]
    assert record.values["hours_note"] == "Un samedi sur deux Fermé le jeudi"
    assert record.communes == {"44109"}


def test_importer_accepts_an_iterable_of_records(ban):
    with ANNUAIRE.open("rb") as stream:
        report = Importer(communes=["44109"]).run(annuaire.read(stream))
    assert (report.created, report.invalid, len(report.partial)) == (5, 0, 1)


def test_an_imported_cio_is_found_by_need_and_by_the_words_people_use(client, ban):
    run_import(ANNUAIRE, "--departement", "44")
    cio = imported("fictif-cio-0001")
    url = reverse("actors:search")
    for params in ({"besoin": "choisir-son-orientation"}, {"q": "parcoursup"}):
        page = client.get(url, params).content.decode()
        assert cio.name in page, params


def test_the_types_that_matter_at_neighbourhood_scale_are_imported():
    def kind(code, name="Lieu de démonstration (fictif)"):
        record = annuaire.to_record(
            1, {"id": code, "nom": name, "pivot": [{"type_service_local": code}]}
        )
        return getattr(record, "values", {}).get("kind")

    assert kind("msap") == "france-services"
    assert kind("centre_social") == "maison-de-quartier"
    assert kind("maison_handicapees") == "mdph"
    assert kind("mairie", "Mairie annexe de démonstration (fictive)") == "mairie-de-quartier"
    assert kind("mairie", "Mairie de démonstration (fictive)") is None  # the main one: skipped


def test_accessibility_codes_are_mapped_and_an_unknown_one_is_set_aside():
    def record(code):
        return annuaire.to_record(
            1,
            {
                "id": "x",
                "nom": "CIO fictif",
                "pivot": [{"type_service_local": "cio"}],
                "adresse": [{"type_adresse": "Adresse", "accessibilite": code}],
            },
        )

    assert record("ACC").values["wheelchair"] == Wheelchair.YES
    on_request = record("DEM")
    assert on_request.values["wheelchair"] == Wheelchair.PARTIAL
    assert on_request.values["accessibility_details"] == "Accessible avec une aide, sur demande."
    assert record("NAC").values["wheelchair"] == Wheelchair.NO
    unknown = record("ZZZ")
    assert "wheelchair" not in unknown.values and not unknown.errors
    assert "ZZZ" in str(unknown.set_aside[0])
