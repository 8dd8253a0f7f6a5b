"""The admin import page: upload, dry-run report, confirm — for staff only."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actors.enums import Status
from actors.models import Structure
from opendata.models import ImportRun
from tests.ban_server import ban_server_fixture  # noqa: F401  (the ban_server fixture)

pytestmark = pytest.mark.django_db

ANNUAIRE = Path(__file__).parent / "fixtures" / "annuaire-nantes.json"
ADD = "admin:opendata_importrun_add"


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path, ban_server):
    settings.OPENDATA_UPLOAD_DIR = str(tmp_path / "uploads")
    ban_server.add("3 voie fictive du Géocodage 44300 Nantes", 47.2480, -1.5530)


def upload(client, content=None, name="annuaire.json", **fields):
    data = {
        "file": SimpleUploadedFile(name, content if content is not None else ANNUAIRE.read_bytes()),
        "format": "annuaire",
        "departement": "44",
        **fields,
    }
    return client.post(reverse(ADD), data)


def test_staff_upload_shows_a_dry_run_report_and_writes_nothing(staff_client):
    response = upload(staff_client)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:opendata_importrun_confirm", args=[run.pk])
    assert not Structure.objects.exists()
    page = staff_client.get(response["Location"]).content.decode()
    assert "Essai à blanc : rien n&#x27;a été enregistré." in page
    assert "5 créée(s)" in page
    assert 'name="confirm"' in page
    assert run.status == ImportRun.Status.CHECKED


def test_confirming_imports_the_file_and_keeps_the_report(staff_client, staff_agent):
    run_url = upload(staff_client)["Location"]

    response = staff_client.post(run_url, {"confirm": "1"}, follow=True)

    assert Structure.objects.filter(status=Status.PUBLISHED).count() == 4
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.IMPORTED
    assert run.report["created"] == 5
    assert run.created_by == staff_agent
    assert run.stored_name == ""
    assert "Import terminé" in response.content.decode()
    # Confirming again does nothing more.
    staff_client.post(run_url, {"confirm": "1"})
    assert Structure.objects.count() == 5


def test_cancelling_writes_nothing_and_forgets_the_file(staff_client, settings):
    run_url = upload(staff_client)["Location"]
    staff_client.post(run_url, {"cancel": "1"})
    assert ImportRun.objects.get().status == ImportRun.Status.CANCELLED
    assert not Structure.objects.exists()
    assert not list(Path(settings.OPENDATA_UPLOAD_DIR).iterdir())


def test_an_unreadable_file_is_reported_without_a_confirm_button(staff_client):
    response = upload(staff_client, content=b"{pas du json", name="casse.json")
    page = staff_client.get(response["Location"]).content.decode()
    assert "Fichier illisible" in page
    assert "Confirmer" not in page
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


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
