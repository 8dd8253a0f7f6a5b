"""The agents' digest: stale entries no partner can be reminded of, by quartier, one click
to record a check by phone."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from actors.enums import VerificationMethod
from partners.models import VerificationReminder
from tests.factories import ILE_DE_NANTES, make_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_agent(django_user_model):
    """Another Conseil régional agent who moderates."""
    return django_user_model.objects.create_user(
        "agente-2",
        "agente2@region.example.org",
        "motdepasse-agente-2",
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def unattended(db):
    """Three stale example entries with no partner member: two in the Breil, one on the île."""
    return [
        make_structure(name="Maison de quartier du Breil (exemple)", phone="02 61 91 00 11"),
        make_structure(name="Bibliothèque du Breil (exemple)"),
        make_structure(name="Espace numérique de l'île (exemple)", at=ILE_DE_NANTES),
    ]


def _run():
    call_command("send_verification_reminders", stdout=io.StringIO())


def test_agents_get_the_entries_without_a_partner_grouped_by_quartier(
    staff_agent, second_agent, unattended, partner_a, structure_a, mailoutbox
):
    _run()
    digests = [m for m in mailoutbox if "sans partenaire" in m.subject]
    assert sorted(m.to[0] for m in digests) == [
        "agent@region.example.org",
        "agente2@region.example.org",
    ]
    body = digests[0].body
    assert "3 fiches à vérifier sans partenaire" in digests[0].subject
    assert "Mission locale A" not in body  # partner A is reminded of it instead
    breil = body.index("== Breil")
    assert breil < body.index("Bibliothèque du Breil") < body.index("Maison de quartier du Breil")
    assert "02 61 91 00 11" in body
    assert "Vérifié par téléphone :" in body


def test_the_digest_lists_an_entry_once_per_interval(staff_agent, unattended, mailoutbox, settings):
    _run()
    _run()
    assert len(mailoutbox) == 1
    later = timezone.now() + datetime.timedelta(days=settings.REMINDER_INTERVAL_DAYS + 1)
    assert VerificationReminder.send_agents_digest(now=later) == 1


def test_one_click_records_who_checked_and_how(staff_client, staff_agent, unattended, mailoutbox):
    _run()
    link = re.search(r"Vérifié par téléphone : (\S+)", mailoutbox[0].body).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = staff_client.get("/" + path)
    assert response.status_code == 302
    checked = [s for s in unattended if f"/{s.pk}/" in link][0]
    checked.refresh_from_db()
    assert checked.verified_by == staff_agent
    assert checked.verification_method == VerificationMethod.PHONE
    assert not checked.is_stale


def test_another_agents_link_asks_for_confirmation(
    client, staff_agent, second_agent, unattended, mailoutbox
):
    _run()
    mine = next(m for m in mailoutbox if m.to == ["agent@region.example.org"])
    link = re.search(r"Vérifié par téléphone : (\S+)", mine.body).group(1)
    client.force_login(second_agent)
    response = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 200
    assert "a été envoyé à un autre agent" in response.content.decode()
    assert all(s.last_verified_at is None for s in unattended)
    structure = next(s for s in unattended if f"/{s.pk}/" in link)
    client.post(reverse("admin:actors_structure_verified_by_phone", args=[structure.pk]))
    structure.refresh_from_db()
    assert structure.verified_by == second_agent


def test_the_admin_index_button_checks_by_phone(staff_client, staff_agent, unattended):
    page = staff_client.get(reverse("admin:index")).content.decode()
    url = reverse("admin:actors_structure_verified_by_phone", args=[unattended[0].pk])
    assert url in page
    staff_client.post(url)
    unattended[0].refresh_from_db()
    assert unattended[0].verification_method == VerificationMethod.PHONE


def test_a_partner_cannot_use_the_agents_link(partner_a_client, unattended):
    url = reverse("admin:actors_structure_verified_by_phone", args=[unattended[0].pk])
    response = partner_a_client.post(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    unattended[0].refresh_from_db()
    assert unattended[0].last_verified_at is None
