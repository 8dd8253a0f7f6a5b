"""The admin import page: upload, dry-run report, confirm — for staff only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from actors.enums import Status
from actors.models import Service, Structure
from opendata import jsonstream
from opendata.models import ImportRun
from tests.ban_server import ban_server_fixture  # noqa: F401  (the ban_server fixture)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "fixtures"
ANNUAIRE = FIXTURES / "annuaire-nantes.json"
DI_STRUCTURES = FIXTURES / "data-inclusion-structures.json"
DI_SERVICES = FIXTURES / "data-inclusion-services.json"
ADD = "admin:opendata_importrun_add"


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path, ban_server):
    settings.OPENDATA_UPLOAD_DIR = str(tmp_path / "uploads")
    ban_server.add("3 voie fictive du Géocodage 44300 Nantes", 47.2480, -1.5530)


def upload(client, content=None, name="annuaire.json", follow=False, **fields):
    data = {
        "file": SimpleUploadedFile(name, content if content is not None else ANNUAIRE.read_bytes()),
        "format": "annuaire",
        "departement": "44",
        **fields,
    }
    return client.post(reverse(ADD), data, follow=follow)


def work():
    """Run the queued jobs through the real worker, as `make run` does in the background.

    In this process, inside the test's transaction: the worker's habit of closing
    "obsolete" connections between jobs would close the test's own on PostgreSQL, so
    that one library call is a no-op here (a separate worker process is tested below).
    """
    from django_tasks_db.management.commands import db_worker

    original, db_worker.close_old_connections = db_worker.close_old_connections, lambda: None
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        db_worker.close_old_connections = original


def test_the_upload_answers_at_once_and_queues_the_dry_run(staff_client):
    response = upload(staff_client)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:opendata_importrun_confirm", args=[run.pk])
    assert run.status == ImportRun.Status.PENDING_CHECK
    assert DBTaskResult.objects.get().status == "READY"
    page = staff_client.get(response["Location"]).content.decode()
    assert "Essai à blanc en attente" in page
    assert 'http-equiv="refresh"' in page  # the page follows the job
    assert 'name="confirm"' not in page


def test_the_worker_runs_the_dry_run_which_writes_nothing(staff_client):
    run_url = upload(staff_client)["Location"]
    work()

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.CHECKED
    assert not Structure.objects.exists()
    page = staff_client.get(run_url).content.decode()
    assert "Essai à blanc : rien n&#x27;a été enregistré." in page
    assert "6 créée(s)" in page
    assert 'name="confirm"' in page and 'http-equiv="refresh"' not in page


def test_confirming_queues_the_import_and_keeps_the_report(staff_client, staff_agent):
    run_url = upload(staff_client)["Location"]
    work()

    response = staff_client.post(run_url, {"confirm": "1"}, follow=True)
    assert "Import lancé" in response.content.decode()
    assert ImportRun.objects.get().status == ImportRun.Status.PENDING_IMPORT
    assert not Structure.objects.exists()
    work()

    assert Structure.objects.filter(status=Status.PUBLISHED).count() == 5
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.IMPORTED
    assert run.report["created"] == 6
    assert run.created_by == staff_agent
    assert run.stored_name == ""
    assert "6 créée(s)" in staff_client.get(run_url).content.decode().split("essai à blanc")[0]
    # Confirming again does nothing more.
    staff_client.post(run_url, {"confirm": "1"})
    work()
    assert Structure.objects.count() == 6


def test_cancelling_writes_nothing_and_forgets_the_file(staff_client, settings):
    run_url = upload(staff_client)["Location"]
    work()
    staff_client.post(run_url, {"cancel": "1"})
    assert ImportRun.objects.get().status == ImportRun.Status.CANCELLED
    assert not Structure.objects.exists()
    assert not list(Path(settings.OPENDATA_UPLOAD_DIR).iterdir())


def test_an_unreadable_file_fails_its_dry_run_which_cannot_be_confirmed(staff_client):
    run_url = upload(staff_client, content=b"{pas du json", name="casse.json")["Location"]
    work()
    page = staff_client.get(run_url).content.decode()
    assert "Fichier illisible" in page
    assert 'name="confirm"' not in page
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    response = staff_client.post(run_url, {"confirm": "1"}, follow=True)
    assert "ne peut pas être confirmé" in response.content.decode()
    work()
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    assert not Structure.objects.exists()


def test_a_crashed_dry_run_is_marked_failed_and_cannot_be_confirmed(staff_client, monkeypatch):
    def crash(*args, **kwargs):
        raise MemoryError  # what a hostile file did to the worker before it was refused

    monkeypatch.setattr(jsonstream.ijson, "basic_parse", crash)  # the JSON library, not ours
    run_url = upload(staff_client)["Location"]
    work()

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "rien n'a été enregistré" in run.error
    assert DBTaskResult.objects.get().status == "FAILED"
    response = staff_client.post(run_url, {"confirm": "1"}, follow=True)
    assert "ne peut pas être confirmé" in response.content.decode()
    assert not Structure.objects.exists()


def test_data_inclusion_structures_and_services_go_through_the_jobs(staff_client):
    data = {
        "file": SimpleUploadedFile("structures.json", DI_STRUCTURES.read_bytes()),
        "services_file": SimpleUploadedFile("services.json", DI_SERVICES.read_bytes()),
        "format": "data-inclusion",
    }
    run_url = staff_client.post(reverse(ADD), data)["Location"]
    work()
    staff_client.post(run_url, {"confirm": "1"})
    work()
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.IMPORTED, run.error
    assert run.report["created"] > 0 and run.report["services"]["created"] > 0
    assert Service.objects.exists()


def test_a_services_file_needs_the_data_inclusion_format(staff_client):
    response = upload(
        staff_client, services_file=SimpleUploadedFile("services.json", DI_SERVICES.read_bytes())
    )
    assert response.status_code == 200
    assert "ne va qu&#x27;avec data·inclusion" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_over_the_limit_is_refused(staff_client, settings):
    settings.OPENDATA_UPLOAD_MAX_MB = 1
    response = upload(staff_client, content=b" " * (1024 * 1024 + 10))
    assert response.status_code == 200
    assert "1 Mo au plus" in response.content.decode()
    # Far over it: refused from the declared size, before the body is read.
    response = upload(staff_client, content=b" " * (3 * 1024 * 1024), follow=True)
    assert "1 Mo au plus" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_bad_territory_is_a_form_error(staff_client):
    response = upload(staff_client, departement="XY")
    assert response.status_code == 200
    assert "code de département invalide" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_anonymous_visitors_and_partners_cannot_import(client, django_user_model):
    assert client.get(reverse(ADD)).status_code == 302  # to the admin login
    partner = django_user_model.objects.create_user("partenaire", password="x")
    client.force_login(partner)
    assert upload(client).status_code == 302
    assert not ImportRun.objects.exists()


def test_staff_without_the_permission_is_refused(client, django_user_model):
    agent = django_user_model.objects.create_user("lecteur", password="x", is_staff=True)
    client.force_login(agent)
    assert client.get(reverse(ADD)).status_code == 403
    agent.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    assert client.get(reverse(ADD)).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="in-memory SQLite cannot be shared with a worker process: run on PostgreSQL (CI does)",
)
def test_a_separate_worker_process_runs_the_jobs(reference_data, staff_client, settings):
    """What `make run` and production do: the worker is its own process."""
    run_url = upload(staff_client)["Location"]
    database = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "OPENDATA_UPLOAD_DIR": settings.OPENDATA_UPLOAD_DIR,
        "GEOCODER_SCHEME": "http",
        "GEOCODER_DOMAIN": "127.0.0.1:9",
    }
    command = [
        *(sys.executable, "manage.py", "db_worker"),
        *("--batch", "--no-startup-delay", "--no-reload"),
    ]
    worked = subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert worked.returncode == 0, worked.stderr[-2000:]
    assert ImportRun.objects.get().status == ImportRun.Status.CHECKED
    staff_client.post(run_url, {"confirm": "1"})
    worked = subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert worked.returncode == 0, worked.stderr[-2000:]
    assert ImportRun.objects.get().status == ImportRun.Status.IMPORTED
    assert Structure.objects.count() == 6
