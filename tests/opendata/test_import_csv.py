"""Importing our documented CSV columns: validation, idempotence, drafts to place."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from actors.enums import CoordinatesSource, HolidaysRule, Status
from actors.models import OpeningException, OpeningSlot, Structure, StructureSource
from opendata import formats, tabular
from opendata.importer import Importer, search_text
from tests.ban_server import ban_server_fixture  # noqa: F401  (the ban_server fixture)
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_structure

pytestmark = pytest.mark.django_db

HEADER = (
    "identifiant;nom;type;statut;adresse;code_postal;commune;latitude;longitude;"
    "telephone;courriel;besoins;publics;sans_rendez_vous;horaires"
)
LAT, LON = BREIL_CENTRE
GOOD = (
    f"cio-des-essais;CIO des essais (fictif);cio;published;1 voie fictive des Essais;44300;"
    f"Nantes;{LAT};{LON};02 61 91 20 01;cio-essais@example.org;choisir-son-orientation|"
    f'stage-de-3e;collegiens;oui;"Mo-Fr 09:00-12:30,13:30-17:00; PH off; '
    f'2025 Dec 24-2026 Jan 02 off ""congés"""'
)


def write(tmp_path, lines, *, name="import.csv", bom=False, delimiter=";"):
    text = "\n".join(lines) + "\n"
    if delimiter != ";":
        text = text.replace(";", delimiter)
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def run_import(path, *args, format="csv"):
    out = io.StringIO()
    call_command(
        "import_structures", str(path), "--format", format, "--no-progress", *args, stdout=out
    )
    return out.getvalue()


def test_a_good_row_becomes_a_published_entry(tmp_path):
    output = run_import(write(tmp_path, [HEADER, GOOD]))

    assert "1 créée(s)" in output
    cio = Structure.objects.get(slug="cio-des-essais")
    assert cio.status == Status.PUBLISHED
    assert cio.walk_in is True
    assert sorted(cio.needs.values_list("slug", flat=True)) == [
        "choisir-son-orientation",
        "stage-de-3e",
    ]
    assert list(cio.publics.values_list("slug", flat=True)) == ["collegiens"]
    assert cio.opening_slots.count() == 10
    assert cio.holidays_rule == HolidaysRule.CLOSED
    closure = OpeningException.objects.get(structure=cio)
    assert (closure.starts_on, closure.ends_on, closure.label) == (
        datetime.date(2025, 12, 24),
        datetime.date(2026, 1, 2),
        "congés",
    )
    assert cio.neighbourhood.slug.startswith("breil")
    assert not cio.sources.exists()  # born in this guide: keyed by its identifiant


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_utf8_with_or_without_bom_and_either_delimiter(tmp_path, ban_server, bom, delimiter):
    row = (
        "ml-des-essais;Mission locale des essais (fictive);mission-locale;brouillon;"
        "2 voie fictive;44300;Nantes;;;;;;;non;"
    )
    output = run_import(write(tmp_path, [HEADER, row], bom=bom, delimiter=delimiter))
    assert "1 créée(s)" in output
    entry = Structure.objects.get(slug="ml-des-essais")
    assert entry.name == "Mission locale des essais (fictive)"
    assert entry.status == Status.DRAFT  # French label accepted for the status


def test_a_bad_cell_is_set_aside_and_only_rows_that_cannot_be_entries_are_refused(tmp_path):
    lines = [
        HEADER,
        GOOD,  # line 2
        "autre-1;Type inconnu (fictif);boulangerie;published;;;;;;;;;;;",  # line 3
        f"autre-2;Courriel faux (fictif);cio;published;;;;{LAT};{LON};;pas-un-courriel;;;;",
        f"autre-3;Besoin inconnu (fictif);cio;published;;;;{LAT};{LON};;;pas-un-besoin;;;",
        "autre-4;Trop peu de colonnes",
        f"autre-5;Horaires faux (fictif);cio;published;;;;{LAT};{LON};;;;;;Lu 9h-12h",
        f"autre-6;Booléen faux (fictif);cio;published;;;;{LAT};{LON};;;;;peut-être;",
        f"cio-des-essais;Doublon (fictif);cio;published;;;;{LAT};{LON};;;;;;",  # line 9
        f"autre-7;Latitude folle (fictif);cio;published;;;;123;{LON};;;;;;",
        f"autre-8;Téléphone faux (fictif);cio;published;;;;{LAT};{LON};appelez-nous;;;;;",
        f"Autre 9;Identifiant faux (fictif);cio;published;;;;{LAT};{LON};;;;;;",
        "autre-10;;cio;draft;;;;;;;;;;;",
    ]
    output = run_import(write(tmp_path, lines))

    assert "7 créée(s), 0 mise(s) à jour, 0 inchangée(s), 0 ignorée(s), 5 invalide(s)" in output
    refused = {
        3: "impossible de placer",  # no position, no address: nowhere to send anyone
        6: "2 colonnes au lieu de 15",
        9: "en double dans le fichier (déjà n° 2)",
        12: "identifiant",
        13: "nom",
    }
    set_aside = {
        4: "pas-un-courriel",
        5: "pas-un-besoin",
        7: "Lu 9h-12h",
        8: "peut-être",
        10: "latitude « 123.0 »",
        11: "appelez-nous",
    }
    invalid_part = output.split("Lignes invalides")[1].split("Importées sans certains champs")[0]
    partial_part = output.split("Importées sans certains champs")[1]
    for line, words in refused.items():
        assert f"n° {line} " in invalid_part and words.lower() in invalid_part.lower(), line
    for line, words in set_aside.items():
        assert any(
            f"n° {line} " in text and words.lower() in text.lower()
            for text in partial_part.splitlines()
        ), (line, words, output)
    # What was set aside is not written; the rest of the row is.
    assert Structure.objects.get(slug="autre-2").email == ""
    assert Structure.objects.get(slug="autre-8").phone == ""
    assert not Structure.objects.get(slug="autre-3").needs.exists()
    moved = Structure.objects.get(slug="autre-7")
    assert (moved.latitude, moved.status) == (None, Status.DRAFT)  # to place on the map


def test_strict_keeps_nothing_when_a_row_is_bad(tmp_path):
    lines = [HEADER, GOOD, "autre-1;Type inconnu (fictif);boulangerie;published;;;;;;;;;;;"]
    with pytest.raises(CommandError, match="interrompu"):
        run_import(write(tmp_path, lines), "--strict")
    assert not Structure.objects.exists()


def test_importing_the_same_file_twice_changes_nothing_and_says_so(tmp_path):
    path = write(tmp_path, [HEADER, GOOD])
    run_import(path)
    before = list(Structure.objects.values())

    output = run_import(path)

    assert "0 créée(s), 0 mise(s) à jour, 1 inchangée(s)" in output
    assert "Aucun changement" in output
    assert list(Structure.objects.values()) == before


def test_a_changed_cell_updates_the_entry(tmp_path):
    run_import(write(tmp_path, [HEADER, GOOD]))
    changed = GOOD.replace("02 61 91 20 01", "02 61 91 20 99").replace("collegiens", "parents")
    output = run_import(write(tmp_path, [HEADER, changed]))
    assert "1 mise(s) à jour" in output
    cio = Structure.objects.get(slug="cio-des-essais")
    assert cio.phone == "+33261912099"
    assert list(cio.publics.values_list("slug", flat=True)) == ["parents"]


def test_columns_left_out_of_the_file_are_left_alone(tmp_path):
    cio = make_structure(slug="cio-partiel", description="Écrite par une agente.")
    run_import(write(tmp_path, ["identifiant;telephone", "cio-partiel;02 61 91 20 42"]))
    cio.refresh_from_db()
    assert cio.phone == "+33261912042"
    assert cio.description == "Écrite par une agente."


def test_published_row_without_position_is_geocoded(tmp_path, ban_server):
    ban_server.add("5 voie fictive du Géocodage 44300 Nantes", 47.2401, -1.5602)
    row = (
        "a-geocoder;Association à géocoder (fictive);association;published;"
        "5 voie fictive du Géocodage;44300;Nantes;;;;;;;;"
    )
    run_import(write(tmp_path, [HEADER, row]))
    entry = Structure.objects.get(slug="a-geocoder")
    assert (entry.latitude, entry.longitude) == (47.2401, -1.5602)
    assert entry.coordinates_source == CoordinatesSource.GEOCODED
    assert entry.status == Status.PUBLISHED


def test_published_row_the_ban_cannot_place_becomes_a_draft_to_place(tmp_path, ban_server):
    row = (
        "introuvable;Association introuvable (fictive);association;published;"
        "9 voie fictive Inconnue;44300;Nantes;;;;;;;;"
    )
    output = run_import(write(tmp_path, [HEADER, row]))
    entry = Structure.objects.get(slug="introuvable")
    assert entry.status == Status.DRAFT
    assert "position à placer par un agent (1)" in output


def test_a_row_cannot_take_over_an_imported_entry_by_its_identifiant(tmp_path):
    make_structure(slug="deja-importee", source="carif-oref", source_id="42")
    row = f"deja-importee;Autre (fictive);cio;published;;;;{LAT};{LON};;;;;;"
    output = run_import(write(tmp_path, [HEADER, row]))
    assert "importée de carif-oref" in output
    assert Structure.objects.get(slug="deja-importee").kind != "cio"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe\x00n\x00o\x00m", "UTF-8"),
        (b"a;b;c\n1;2;3\n", "en-tête"),
        (b"nom;couleur\nx;bleu\n", "couleur"),
    ],
)
def test_an_unreadable_file_gives_a_french_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import(path)


def test_every_documented_column_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Importing and exporting data", 1)[1]
    for name in tabular.HEADER:
        assert f"`{name}`" in section, name


@pytest.mark.skipif(not hasattr(Structure, "history"), reason="django-simple-history not set up")
def test_imported_rows_go_through_the_history(tmp_path):
    run_import(write(tmp_path, [HEADER, GOOD]))
    cio = Structure.objects.get(slug="cio-des-essais")
    created = cio.history.get()
    assert (created.history_type, created.history_change_reason) == ("+", "Import de données")
    assert created.name == cio.name
    # A new entry's hours are part of its creation: its "+" row and the import's report
    # say it, not a history row per opening slot.
    assert not OpeningSlot.history.exists()

    changed = GOOD.replace("02 61 91 20 01", "02 61 91 20 77").replace("09:00-12:30", "09:30-12:30")
    run_import(write(tmp_path, [HEADER, changed]))

    assert list(cio.history.values_list("history_type", "phone")) == [
        ("~", "+33261912077"),
        ("+", "+33261912001"),
    ]
    # What an import changes on an existing entry is in its history, slot by slot.
    slots = OpeningSlot.history.filter(structure_id=cio.pk)
    assert set(slots.values_list("history_type", flat=True)) == {"+", "-"}
    assert slots.filter(history_type="-").count() == slots.filter(history_type="+").count() == 10


@pytest.mark.parametrize("batch_size", [1000, 1])
def test_a_row_the_database_refuses_is_reported_and_the_others_go_in(
    tmp_path, monkeypatch, batch_size
):
    """Rows are validated before they are written, and the database has the last word: a
    batch it refuses is written again one row at a time, so only that row is lost — also
    when the refusal is found while the next batch is being written (batches of one)."""
    make_structure(name="Maison fictive", slug="maison-fictive", at=ILE_DE_NANTES)
    # As if another agent had taken the slug after the import had read the slugs in use.
    monkeypatch.setattr(Importer, "taken_slugs", property(lambda self: set()))
    header = "source;identifiant_source;nom;type;adresse;code_postal;commune;latitude;longitude"
    rows = [
        f"essai;{n};{name};autre;{n} voie fictive des Essais;44300;Nantes;{LAT};{LON + n / 1000}"
        for n, name in enumerate(["Lieu fictif un", "Maison fictive", "Lieu fictif trois"], 1)
    ]
    path = write(tmp_path, [header, *rows])

    with path.open("rb") as raw:
        report = Importer(batch_size=batch_size).run(formats.records("csv", raw))

    assert (report.created, report.invalid) == (2, 1)
    assert "n° 3 (Maison fictive) : refusée par la base de données" in str(report.problems[0])
    assert set(Structure.objects.values_list("name", flat=True)) == {
        "Maison fictive",
        "Lieu fictif un",
        "Lieu fictif trois",
    }
    assert Structure.objects.filter(name="Maison fictive").count() == 1
    assert StructureSource.objects.filter(source="essai").count() == 2


@pytest.mark.parametrize(
    "name, city, description",
    [
        ("Œuvre d'Éducation — « Cœur »", "Saint-Herblain", "Accueil : 9h–12h !"),
        ("!!!", "", "   "),
        ("CIO  du\tBreil\n(fictif)", "Nantes", "e\u0301le\u0300ve ½ ﬁn"),
        ("", "Rezé", "Ligne 1 ; ligne 2… « citations »"),
    ],
)
@pytest.mark.parametrize("kind", ["cio", "autre", "pas-un-type"])
def test_the_importers_search_text_is_the_models(name, kind, city, description):
    structure = Structure(name=name, kind=kind, city=city, description=description)
    assert search_text(name, kind, city, description) == structure.compute_search_text()


def test_slugs_made_from_names_are_valid_slugs(tmp_path):
    from django.core.validators import validate_slug

    header = "source;identifiant_source;nom;type;latitude;longitude"
    names = ["Œuvre — « Accueil » n° 1 (fictif)", "!!!", "Ünïcödé ½ ﬁn (fictif)", "x" * 200]
    rows = [f"essai;{n};{name};autre;{LAT};{LON}" for n, name in enumerate(names)]
    run_import(write(tmp_path, [header, *rows]))
    slugs = list(Structure.objects.values_list("slug", flat=True))
    assert len(slugs) == 4 and "structure" in slugs
    for slug in slugs:
        validate_slug(slug)
        assert len(slug) <= Structure._meta.get_field("slug").max_length


def test_a_placed_row_without_a_name_is_refused_not_created_nameless(tmp_path):
    # A new entry's empty name was taken for "left as it was" and went in unchecked.
    lines = [HEADER, f"sans-nom;;cio;published;;;;{LAT};{LON};;;;;;"]
    output = run_import(write(tmp_path, lines))
    assert "0 créée(s)" in output and "1 invalide(s)" in output
    invalid_part = output.split("Lignes invalides")[1]
    assert "n° 2 " in invalid_part and "nom" in invalid_part.lower()
    assert not Structure.objects.filter(slug="sans-nom").exists()
