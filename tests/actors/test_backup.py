"""make backup / make restore give back every structure, proposal and history row.

Runs the real commands in a process of its own, on a database of its own
(a temporary SQLite file, or a temporary PostgreSQL database when the suite
runs on PostgreSQL), so the test database is never touched.
"""

import json
import os
import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

SNAPSHOT = """
import django, json
django.setup()
from actors.models import Structure
from partners.models import ChangeProposal
print(json.dumps({
    "structures": sorted(Structure.objects.values_list("slug", "name")),
    "proposals": sorted(ChangeProposal.objects.values_list("pk", "status", "message")),
    "history": Structure.history.count(),
}))
"""

SCENARIO = """
import django
django.setup()
from django.core.management import call_command
from actors.models import Structure
from partners.models import ChangeProposal
with open("/dev/null", "w") as devnull:
    call_command("load_neighbourhoods", stdout=devnull, stderr=devnull)
call_command("loaddata", "needs", "publics", verbosity=0)
for n in range(3):
    Structure.objects.create(
        name=f"Lieu sauvegardé {n}", kind="association", status="published",
        latitude=47.2361, longitude=-1.5770,
    )
structure = Structure.objects.first()
structure.description = "Modifiée une fois"
structure.save()
ChangeProposal.objects.create(
    structure=structure, changes={"phone": "02 61 91 00 00"}, message="Nouveau numéro"
)
"""

WIPE = """
import django
django.setup()
from actors.models import Structure
from partners.models import ChangeProposal
ChangeProposal.objects.all().delete()
Structure.history.all().delete()
Structure.objects.all().delete()
"""


@pytest.fixture
def scratch_database(request):
    """DATABASE_URL of a migrated, empty database of the same kind as the suite's."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{request.getfixturevalue('migrated_sqlite')}"
        return
    database = settings.DATABASES["default"]
    name = f"guide_backup_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(
        dbname="postgres",
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"],
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    user = database["USER"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    url = f"postgres://{user}{password}@{database['HOST']}:{database['PORT'] or 5432}/{name}"
    _run(url, "manage.py", "migrate", "--noinput", "-v0")
    yield url
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _run(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "guide.settings"}
    result = subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_restore_gives_back_every_structure_proposal_and_history_row(scratch_database, tmp_path):
    _run(scratch_database, "-c", SCENARIO)
    before = json.loads(_run(scratch_database, "-c", SNAPSHOT))
    assert (
        len(before["structures"]) == 3 and len(before["proposals"]) == 1 and before["history"] >= 4
    )

    backup = tmp_path / "guide.backup"
    assert "Backup written" in _run(
        scratch_database, "manage.py", "backup_data", "--output", str(backup)
    )
    _run(scratch_database, "-c", WIPE)
    assert json.loads(_run(scratch_database, "-c", SNAPSHOT))["structures"] == []

    assert "restored" in _run(scratch_database, "manage.py", "restore_data", str(backup), "--yes")
    assert json.loads(_run(scratch_database, "-c", SNAPSHOT)) == before


def test_restoring_a_missing_file_is_a_clear_error(scratch_database):
    env = {**os.environ, "DATABASE_URL": scratch_database}
    result = subprocess.run(
        [sys.executable, "manage.py", "restore_data", "/nonexistent/backup.dump", "--yes"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "No such backup" in result.stderr
