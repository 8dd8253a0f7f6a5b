"""Large files are read by a second process while the importer writes (opendata.readahead):
the same entries, the same report, and still nothing written for a file that fails."""

import io
import json
import multiprocessing

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from actors.models import OpeningSlot, Service, Structure, StructureSource
from opendata import readahead
from tests.opendata.test_import_datainclusion import ANNUAIRE, SERVICES, STRUCTURES, run_import

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not readahead.available(), reason="no fork on this system"),
]


def state():
    return (
        sorted(
            Structure.objects.values_list(
                "slug", "name", "kind", "phone", "email", "hours_note", "hours_to_check", "status"
            )
        ),
        sorted(Structure.needs.through.objects.values_list("structure__slug", "need__slug")),
        sorted(OpeningSlot.objects.values_list("structure__slug", "weekday", "opens", "closes")),
        sorted(StructureSource.objects.values_list("structure__slug", "source", "source_id")),
        sorted(Service.objects.values_list("source_id", "name", "structure__slug")),
    )


def imports(monkeypatch, *, ahead):
    """What the annuaire then data·inclusion (twice) say and leave, rolled back after."""
    monkeypatch.setattr(readahead, "MIN_BYTES", 0 if ahead else 1 << 40)
    with transaction.atomic():
        out = io.StringIO()
        call_command(
            "import_structures", str(ANNUAIRE), "--format", "annuaire", "--departement", "44",
            "--no-progress", stdout=out,
        )  # fmt: skip
        said = [out.getvalue(), run_import(), run_import()]
        left = state()
        transaction.set_rollback(True)
    return said, left


def test_a_file_read_ahead_imports_exactly_as_a_file_read_in_turn(monkeypatch):
    in_turn = imports(monkeypatch, ahead=False)
    ahead = imports(monkeypatch, ahead=True)

    assert ahead == in_turn
    said, left = ahead
    assert "1 fiche déjà connue d'une autre source : fusionnée" in said[1]
    assert "0 créée(s), 0 mise(s) à jour, 3 inchangée(s)" in said[2]  # the reader skipped them
    assert left[0] and left[4]
    assert multiprocessing.active_children() == []


def test_a_truncated_file_read_ahead_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(readahead, "MIN_BYTES", 0)
    answer = json.loads(STRUCTURES.read_text())  # the API's {"items": [...]}
    answer["items"] = [
        dict(item, id=f"{item['id']}-{n}") for n in range(40) for item in answer["items"]
    ]
    text = json.dumps(answer)
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) * 9 // 10])

    with pytest.raises(CommandError, match="JSON illisible"):
        run_import(truncated, SERVICES)
    assert not Structure.objects.exists()
    assert not Service.objects.exists()
    assert multiprocessing.active_children() == []


def test_an_import_stopped_early_stops_its_reader(monkeypatch):
    monkeypatch.setattr(readahead, "MIN_BYTES", 0)

    with pytest.raises(CommandError, match="strict"):
        run_import(STRUCTURES, SERVICES, "--strict")  # the fixtures hold invalid records
    assert not Structure.objects.exists()
    assert multiprocessing.active_children() == []
