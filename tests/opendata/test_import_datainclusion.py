"""Importing data·inclusion structures and services, merged with what the guide already holds."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from actors.enums import Status
from actors.models import Service, Structure
from actors.models.structures import MANUAL
from tests.factories import make_structure, need

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "fixtures"
STRUCTURES = FIXTURES / "data-inclusion-structures.json"
SERVICES = FIXTURES / "data-inclusion-services.json"
ANNUAIRE = FIXTURES / "annuaire-nantes.json"
CIO = "CIO de démonstration des Tilleuls (fictif)"
AGENCY = "France Travail de démonstration, agence des Essais (fictive)"


def run_import(structures=STRUCTURES, services=SERVICES, *args):
    command = ["import_structures"]
    if structures:
        command.append(str(structures))
    command += ["--format", "data-inclusion", "--no-progress"]
    if services:
        command += ["--services", str(services)]
    out = io.StringIO()
    call_command(*command, *args, stdout=out)
    return out.getvalue()


def slugs(queryset):
    return sorted(queryset.values_list("slug", flat=True))


def test_structures_become_entries_with_their_provenance():
    output = run_import(services=None)

    assert "3 créée(s), 0 mise(s) à jour, 0 inchangée(s), 0 ignorée(s), 2 invalide(s)" in output
    cio = Structure.objects.get(name=CIO)
    assert cio.kind == "cio"  # from its name: data·inclusion has no kind
    assert cio.status == Status.PUBLISHED
    assert cio.siret == "00000000000018"
    assert (cio.street, cio.postcode, cio.insee_code) == (
        "1 voie fictive des Tilleuls",
        "44300",
        "44109",
    )
    assert cio.phone == "+33261911001"
    assert cio.website == "https://example.org/cio-tilleuls"
    assert cio.neighbourhood.slug.startswith("breil")
    source = cio.sources.get()
    assert (source.source, source.source_id) == ("data-inclusion/dora", "dora--fictif-cio-tilleuls")
    assert timezone.localtime(source.source_updated_at).date() == datetime.date(2026, 10, 1)
    assert cio.field_origins["phone"] == "data-inclusion/dora"
    # A CIO serves what a CIO serves from its first day (the KindDefaults table).
    assert "choisir-son-orientation" in slugs(cio.needs)
    agency = Structure.objects.get(name=AGENCY)
    assert agency.kind == "france-travail"  # from its réseau porteur


def test_the_national_short_number_is_kept_and_a_bad_email_drops_only_the_email():
    output = run_import(services=None)
    agency = Structure.objects.get(name=AGENCY)
    assert agency.phone == "3949"
    assert agency.email == ""
    assert agency.status == Status.PUBLISHED
    partial = output.split("Importées sans certains champs, à corriger")[1]
    assert "courriel « pas-un-courriel » : adresse de courriel invalide" in partial


def test_records_that_cannot_be_entries_are_refused_and_said_why():
    output = run_import(services=None)
    invalid = output.split("Lignes invalides (2) :")[1]
    assert "dora--fictif-sans-nom) : nom : champ obligatoire manquant" in invalid
    assert "octet nul (fictive)) : caractère de contrôle" in invalid
    assert not Structure.objects.filter(name__contains="octet").exists()


def test_any_osm_hours_are_read_and_what_does_not_fit_is_kept_to_check():
    run_import(services=None)
    agency = Structure.objects.get(name=AGENCY)  # "mo-fr 08:30-12:30; Jul,Aug off"
    assert {s.weekday for s in agency.opening_slots.all()} == {0, 1, 2, 3, 4}
    closure = agency.opening_exceptions.get()
    assert (closure.starts_on.month, closure.starts_on.day) == (7, 1)
    assert (closure.ends_on.month, closure.ends_on.day) == (8, 31)
    assert not agency.hours_to_check
    centre = Structure.objects.get(name__startswith="Centre social de démonstration")
    assert centre.hours_to_check  # "Sa[1] 10:00-12:00": the first Saturday of the month
    assert centre.hours_note == "Mo-Fr 09:00-12:00; Sa[1] 10:00-12:00"
    assert {s.weekday for s in centre.opening_slots.all()} == {0, 1, 2, 3, 4}


def test_services_carry_what_a_passeur_searches_by():
    output = run_import()

    assert "Services : 3 créé(s), 0 mis à jour, 0 inchangé(s), 0 retiré(s), 0 invalide(s)" in output
    service = Service.objects.get(source_id="dora--fictif-svc-orientation")
    cio = Structure.objects.get(name=CIO)
    assert service.structure == cio
    assert service.name == "Entretien d'orientation avec un psychologue (fictif)"
    assert service.is_free is True
    assert (service.in_person, service.remote) == (True, True)
    assert service.access_details == "Sur rendez-vous."
    # thematiques → needs through each need's data·inclusion mapping, read in reverse.
    assert {"choisir-son-orientation", "parcoursup-etudes-superieures"} <= set(slugs(service.needs))
    assert set(slugs(service.publics)) >= {"parents", "jeunes-16-25"}
    # The place serves the needs of its services.
    assert set(slugs(service.needs)) <= set(slugs(cio.needs))


def test_a_thematique_no_need_maps_to_is_counted():
    output = run_import()
    assert "Thématiques qu'aucun besoin du guide ne reprend (1 service) :" in output
    assert "logement-hebergement--louer-un-logement : 1" in output


def test_a_service_without_its_structure_is_reported_never_silently_dropped():
    output = run_import()
    orphans = output.split("Services dont la structure est inconnue (non importés) (2) :")[1]
    assert "absente du fichier des structures et du guide" in orphans
    assert "Service d'une structure refusée (fictif)" in orphans
    assert "« dora--fictif-sans-nom » est refusée" in orphans
    assert not Service.objects.filter(name__contains="sans structure").exists()


def test_a_services_file_alone_attaches_to_the_places_imported_before():
    run_import(services=None)
    output = run_import(structures=None)
    assert "Services : 3 créé(s)" in output
    assert Service.objects.get(source_id="dora--fictif-svc-orientation").structure.name == CIO


def test_importing_the_same_files_again_changes_nothing_and_says_so():
    run_import()
    before = list(Structure.objects.order_by("pk").values())
    services_before = list(Service.objects.order_by("pk").values())

    output = run_import()

    assert "0 créée(s), 0 mise(s) à jour, 3 inchangée(s)" in output
    assert "Services : 0 créé(s), 0 mis à jour, 3 inchangé(s), 0 retiré(s)" in output
    assert list(Structure.objects.order_by("pk").values()) == before
    assert list(Service.objects.order_by("pk").values()) == services_before


def test_a_service_the_source_no_longer_publishes_is_removed(tmp_path):
    run_import()
    services = json.loads(SERVICES.read_text())
    fewer = tmp_path / "services.json"
    fewer.write_text(json.dumps([s for s in services if "orientation" not in s["id"]]))

    output = run_import(services=fewer)

    assert "1 retiré(s)" in output
    assert not Service.objects.filter(source_id="dora--fictif-svc-orientation").exists()


def test_the_api_answer_and_a_bare_list_read_alike(tmp_path):
    items = json.loads(STRUCTURES.read_text())["items"]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(items))
    assert "3 créée(s)" in run_import(structures=bare, services=None)


def test_the_same_place_from_the_annuaire_and_data_inclusion_is_one_entry():
    call_command(
        "import_structures",
        str(ANNUAIRE),
        "--format",
        "annuaire",
        "--no-progress",
        stdout=io.StringIO(),
    )
    cio = Structure.objects.get(name=CIO)

    output = run_import()

    assert "1 fiche déjà connue d'une autre source : fusionnée, pas dupliquée." in output
    assert Structure.objects.filter(name=CIO).count() == 1  # same name, 16 m apart
    assert sorted(cio.sources.values_list("source", flat=True)) == [
        "annuaire-service-public",
        "data-inclusion/dora",
    ]
    assert Service.objects.get(source_id="dora--fictif-svc-orientation").structure == cio
    # The tenth import finds it again by either source: still one entry.
    call_command(
        "import_structures",
        str(ANNUAIRE),
        "--format",
        "annuaire",
        "--no-progress",
        stdout=io.StringIO(),
    )
    run_import()
    assert Structure.objects.filter(name=CIO).count() == 1


def test_a_siret_matches_an_entry_whatever_its_name_and_place():
    mine = make_structure(
        name="Centre d'information et d'orientation (saisie fictive)",
        kind="cio",
        siret="00000000000018",
        at=(47.20, -1.60),
    )
    run_import(services=None)
    assert mine.sources.get().source_id == "dora--fictif-cio-tilleuls"
    assert list(Structure.objects.filter(kind="cio")) == [mine]  # not a second CIO


def test_the_same_address_matches_only_the_same_kind():
    same = make_structure(
        name="Agence France Travail (saisie fictive)",
        kind="france-travail",
        street="8 voie fictive des Essais",
        postcode="44300",
        at=(47.30, -1.50),
    )
    other = make_structure(
        name="Association des Essais (fictive)",
        kind="association",
        street="1 voie fictive des Tilleuls",
        postcode="44300",
        at=(47.30, -1.50),
    )
    run_import(services=None)
    assert same.sources.get().source_id == "france-travail--fictif-agence-essais"
    assert not other.sources.exists()  # one building hosts several places
    assert Structure.objects.filter(name=CIO).exists()


def test_needs_an_agent_set_by_hand_are_left_alone():
    mine = make_structure(
        name=CIO,
        kind="cio",
        at=(47.23625, -1.57700),
        needs=["stage-de-3e"],
        field_origins={"needs": MANUAL},
    )
    run_import()
    assert slugs(mine.needs) == ["stage-de-3e"]
    assert mine.services.exists()  # its services are in, its needs are the agent's


def test_the_structure_page_lists_its_services_by_name_with_their_description(client):
    run_import()
    cio = Structure.objects.get(name=CIO)
    page = client.get(cio.get_absolute_url()).content.decode()
    assert "Entretien d&#x27;orientation avec un psychologue (fictif)" in page
    assert "avant Parcoursup ou après la 3e" in page


def test_an_imported_place_is_found_by_the_need_its_service_serves(client):
    run_import()
    url = reverse("actors:search")
    found = client.get(url, {"besoin": "cv-lettre-de-motivation"}).content.decode()
    assert AGENCY in found
    assert need("cv-lettre-de-motivation") in Structure.objects.get(name=AGENCY).needs.all()


def test_every_record_of_the_fixtures_is_fictional():
    records = json.loads(STRUCTURES.read_text())["items"] + json.loads(SERVICES.read_text())
    for record in records:
        assert "fictif" in record["id"], record["id"]


def fictional_files(tmp_path, count):
    """`count` fictional structures, two services each, in the API's shape."""
    structures, services = [], []
    for n in range(count):
        structures.append(
            {
                "source": "dora",
                "id": f"dora--essai-{n}",
                "nom": f"Lieu d'essai n° {n} (fictif)",
                "date_maj": "2026-10-01",
                "commune": "Nantes",
                "code_postal": "44300",
                "code_insee": "44109",
                "adresse": f"{n} voie fictive des Essais",
                "latitude": 47.23 + n / 10_000,
                "longitude": -1.57,
                "telephone": "39 49" if n % 2 else f"02 61 91 {n % 100:02d} 00",
                "horaires_accueil": "Mo-Fr 09:00-12:00; PH off",
            }
        )
        for k in range(2):
            services.append(
                {
                    "source": "dora",
                    "id": f"dora--essai-{n}--{k}",
                    "structure_id": f"dora--essai-{n}",
                    "nom": f"Service d'essai {k} (fictif)",
                    "date_maj": "2026-10-01",
                    "thematiques": ["choisir-un-metier--confirmer-son-choix-de-metier"],
                    "publics": ["jeunes"],
                    "frais": "gratuit",
                    "modes_accueil": ["en-presentiel"],
                }
            )
    paths = tmp_path / f"structures-{count}.json", tmp_path / f"services-{count}.json"
    paths[0].write_text(json.dumps({"items": structures, "total": count}))
    paths[1].write_text(json.dumps(services))
    return paths


def test_an_imports_queries_do_not_grow_with_its_records(tmp_path, django_assert_max_num_queries):
    """Within a batch (1,000 places, 2,000 services), the number of queries is the same for
    ten places or a hundred (32 on SQLite): the taxonomy, kinds' defaults and source
    records (12); the entries' match keys and slugs, read once new places need them (2);
    per batch of places its savepoint and their ids (SQLite; ids from the sequence on
    PostgreSQL); the services' mappings and sources (3), their ids; per chunk of 2,000
    places their services and what those serve (6), then the places the file no longer
    has. Rows are written by COPY or multi-row INSERTs, which go around Django's cursor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    need("choisir-son-orientation").di_thematiques = []
    counts = []
    for count in (10, 100):
        Service.objects.all().delete()
        Structure.objects.all().delete()
        structures, services = fictional_files(tmp_path, count)
        with CaptureQueriesContext(connection) as queries:
            out = run_import(structures, services)
        assert f"{count} créée(s)" in out and f"{2 * count} créé(s)" in out
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        assert "100 inchangée(s)" in run_import(structures, services)


def test_a_large_import_renews_the_planners_statistics_on_postgresql(tmp_path, monkeypatch):
    """Past ANALYZE_AFTER places (or services), PostgreSQL's statistics are renewed before
    the import queries what it wrote: planned for empty tables, each of those queries
    read a whole table (autovacuum may be a minute away, or off)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opendata import importer

    monkeypatch.setattr(importer, "ANALYZE_AFTER", 5)
    monkeypatch.setattr("opendata.services.ANALYZE_AFTER", 5)
    with CaptureQueriesContext(connection) as queries:
        run_import(*fictional_files(tmp_path, 5))
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        assert len(analyzed) == 2  # the places' tables, then the services'
        assert '"actors_structure"' in analyzed[0] and '"actors_service"' in analyzed[1]
    else:
        assert analyzed == []  # SQLite plans without statistics
