"""Freshness reminders: partners of stale entries are asked, at most once per interval."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from actors.enums import Status, VerificationMethod
from partners.models import Membership, VerificationReminder
from tests.factories import make_structure

pytestmark = pytest.mark.django_db


def _remind():
    out = io.StringIO()
    call_command("send_verification_reminders", stdout=out)
    return out.getvalue()


def _link(message):
    return re.search(r"http://testserver(\S+rien-n-a-change/\?jeton=\S+)", message.body).group(1)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


def test_members_of_a_stale_structure_get_one_reminder_each(
    partner_a, structure_a, django_user_model, mailoutbox
):
    colleague = django_user_model.objects.create_user("collegue", "collegue@ml.example.org")
    Membership.objects.create(structure=structure_a, user=colleague)
    output = _remind()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([partner_a.email, colleague.email])
    assert "2 e-mail(s) sent for 1 structure(s)" in output
    assert "Mission locale A" in mailoutbox[0].subject
    assert VerificationReminder.objects.get(structure=structure_a).recipients == 2


def test_a_second_run_the_same_day_sends_nothing(partner_a, structure_a, mailoutbox):
    _remind()
    _remind()
    assert len(mailoutbox) == 1
    assert VerificationReminder.objects.count() == 1


def test_reminded_again_once_the_interval_has_passed(partner_a, structure_a, mailoutbox, settings):
    settings.REMINDER_INTERVAL_DAYS = 30
    _remind()
    VerificationReminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=29))
    _remind()
    assert len(mailoutbox) == 1
    VerificationReminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=31))
    _remind()
    assert len(mailoutbox) == 2


def test_only_stale_published_structures_with_reachable_members_are_reminded(
    partner_a, structure_a, django_user_model, mailoutbox
):
    structure_a.verify(by=partner_a, method=VerificationMethod.PARTNER)  # fresh
    draft = make_structure(status=Status.DRAFT)
    without_members = make_structure()
    silent = make_structure()
    Membership.objects.create(
        structure=draft, user=django_user_model.objects.create_user("d", "d@example.org")
    )
    Membership.objects.create(structure=silent, user=django_user_model.objects.create_user("s"))
    gone = django_user_model.objects.create_user("g", "g@example.org", is_active=False)
    Membership.objects.create(structure=silent, user=gone)
    _remind()
    assert mailoutbox == []
    assert not VerificationReminder.objects.exists()
    assert without_members.is_stale


def test_the_one_click_link_confirms_for_a_signed_in_partner(
    partner_a, partner_a_client, structure_a, mailoutbox
):
    _remind()
    response = partner_a_client.get(_link(mailoutbox[0]))
    assert response.status_code == 302
    structure_a.refresh_from_db()
    assert structure_a.verified_by == partner_a
    assert structure_a.verification_method == VerificationMethod.PARTNER
    assert not structure_a.is_stale


def test_the_one_click_link_requires_signing_in_first(partner_a, structure_a, mailoutbox):
    _remind()
    link = _link(mailoutbox[0])
    browser = Client()
    page = browser.get(link)
    assert page.templates[0].name == "partners/login.html"
    structure_a.refresh_from_db()
    assert structure_a.last_verified_at is None

    response = browser.post(
        "/partenaires/connexion/",
        {"username": "partenaire-a", "password": "motdepasse-partenaire-a", "next": link},
    )
    assert response.status_code == 302 and response.url == link
    browser.get(link)
    structure_a.refresh_from_db()
    assert structure_a.last_verified_at is not None


def test_another_partners_session_cannot_use_the_link(
    partner_a, partner_b_client, structure_a, mailoutbox
):
    _remind()
    assert partner_b_client.get(_link(mailoutbox[0])).status_code == 404
    structure_a.refresh_from_db()
    assert structure_a.last_verified_at is None


def test_the_command_costs_a_bounded_number_of_queries_per_structure(
    django_user_model, mailoutbox, django_assert_max_num_queries
):
    for n in range(5):
        user = django_user_model.objects.create_user(f"p{n}", f"p{n}@example.org")
        Membership.objects.create(structure=make_structure(), user=user)
    with django_assert_max_num_queries(1 + 5 * 6):
        _remind()
    assert len(mailoutbox) == 5


def test_a_mail_server_failure_is_retried_on_the_next_run(partner_a, structure_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    err = io.StringIO()
    call_command("send_verification_reminders", stdout=io.StringIO(), stderr=err)
    assert "will retry" in err.getvalue()
    assert not VerificationReminder.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "1 e-mail(s) sent" in _remind()
