"""Hostile and broken files: refused in bounded time and memory; a failed file writes nothing."""

import io
import json
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from actors.models import OpeningSlot, Structure
from opendata import jsonstream, tabular
from opendata.importer import Importer
from opendata.records import ImportFileError, Record
from tests.factories import BREIL_CENTRE

pytestmark = pytest.mark.django_db

ANNUAIRE = Path(__file__).parents[1] / "fixtures" / "annuaire-nantes.json"
LAT, LON = BREIL_CENTRE
HEADER = "identifiant;nom;type;statut;latitude;longitude;description;horaires"


def run_import(path, format):
    out = io.StringIO()
    call_command("import_structures", str(path), "--format", format, "--no-progress", stdout=out)
    return out.getvalue()


def row(n, description="Une description.", name=None):
    name = name or f"Lieu n° {n} (fictif)"
    return f"ligne-{n};{name};cio;published;{LAT};{LON};{description};Mo 09:00-12:00"


def test_a_file_that_fails_half_way_writes_nothing():
    """1,200 good records (more than two batches are written), then the file breaks."""

    def records():
        for n in range(1, 1201):
            yield tabular.to_record(n, dict(zip(HEADER.split(";"), row(n).split(";"), strict=True)))
        raise ImportFileError("JSON illisible après la fiche n° 1200")

    report = Importer(batch_size=500).run(records())

    assert report.file_error == "JSON illisible après la fiche n° 1200"
    assert not Structure.objects.exists()
    assert not OpeningSlot.objects.exists()


def test_a_truncated_json_file_is_refused_before_anything_is_written(tmp_path):
    data = json.loads(ANNUAIRE.read_text())
    data["service"] = data["service"] * 200  # 1,600 records, ids made unique below
    for n, record in enumerate(data["service"]):
        record["id"] = f"fictif-{n}"
    text = json.dumps(data)
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) * 9 // 10])

    with pytest.raises(CommandError, match="JSON illisible : le fichier s.arrête avant la fin"):
        run_import(truncated, "annuaire")
    assert not Structure.objects.exists()


def test_a_csv_with_a_bad_encoding_near_its_end_writes_nothing(tmp_path):
    lines = [HEADER, *(row(n) for n in range(1, 1201))]
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        ("\n".join(lines) + "\n").encode() + "ligne-x;Caf\xe9 (fictif)\n".encode("latin-1")
    )
    with pytest.raises(CommandError, match="UTF-8"):
        run_import(path, "csv")
    assert not Structure.objects.exists()


def test_a_json_nested_40000_deep_is_refused_with_flat_memory(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_bytes(b'{"service": [' + b"[" * 40_000 + b"]" * 40_000 + b"]}")  # ~80 kB
    tracemalloc.start()
    with deep.open("rb") as stream, pytest.raises(ImportFileError, match="imbriqué"):
        jsonstream.check(stream)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # 4 GB before the check
    with pytest.raises(CommandError, match="imbriqué sur plus de 32 niveaux"):
        run_import(deep, "annuaire")


def test_a_nul_byte_in_one_row_makes_that_row_an_error_and_the_others_go_in(tmp_path):
    lines = [HEADER, row(1), row(2, description="Octet nul :\x00 ici"), row(3)]
    path = tmp_path / "nul.csv"
    path.write_text("\n".join(lines) + "\n")

    output = run_import(path, "csv")

    assert "2 créée(s), 0 mise(s) à jour, 0 inchangée(s), 0 ignorée(s), 1 invalide(s)" in output
    assert "n° 3 (Lieu n° 2 (fictif)) : description : caractère de contrôle" in output
    assert sorted(Structure.objects.values_list("slug", flat=True)) == ["ligne-1", "ligne-3"]


def test_a_10_mb_cell_is_a_row_error_not_a_file_error(tmp_path):
    lines = [HEADER, row(1), row(2, description="x" * 10_000_000), row(3)]
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(lines) + "\n")

    output = run_import(path, "csv")

    assert "2 créée(s)" in output and "1 invalide(s)" in output
    assert "n° 3 " in output and "100000 caractères" in output


def test_a_huge_or_controlled_field_in_a_json_record_is_a_record_error(tmp_path):
    data = json.loads(ANNUAIRE.read_text())
    data["service"][0]["nom"] = "CIO\x07 de démonstration (fictif)"
    data["service"][1]["adresse"][0]["complement1"] = "y" * 200_000
    path = tmp_path / "controlled.json"
    path.write_text(json.dumps(data))

    output = run_import(path, "annuaire")

    assert "2 invalide(s)" in output
    assert "caractère de contrôle" in output and "champ trop long" in output


def test_records_with_every_problem_at_once_still_leave_a_report():
    report = Importer().run(
        [Record(1, "?", errors=["la fiche n'est pas un objet JSON"]), Record(2, "Sans rien")]
    )
    assert report.invalid == 2
    assert not Structure.objects.exists()
