"""Partners' passwords: a forgotten one is recovered, a new account is invited, never e-mailed."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.http import urlsafe_base64_encode

from partners.links import invitation_tokens
from partners.models import Membership

pytestmark = pytest.mark.django_db

RESET = reverse("partners:password_reset")
LINK = re.compile(r"http://[^\s]+/partenaires/(?:mot-de-passe|invitation)/[^\s]+/")


def _path(url, settings):
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


def _request_reset(client, email):
    return client.post(RESET, {"email": email}, follow=True)


def test_the_sign_in_page_links_to_the_reset_and_names_the_team(client, settings):
    page = client.get(reverse("partners:login")).content.decode()
    assert reverse("partners:password_reset") in page
    assert f"mailto:{settings.GUIDE_TEAM_EMAIL}" in page


def test_a_partner_who_forgot_the_password_chooses_a_new_one(client, partner_a, settings):
    response = _request_reset(client, "PARTENAIRE-A@partenaire.example.org")
    assert "Si un compte partenaire correspond à cette adresse" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["partenaire-a@partenaire.example.org"]
    assert "nouveau mot de passe" in message.subject
    assert "motdepasse-partenaire-a" not in message.body  # never a password by e-mail
    url = _path(_link_url(settings), settings)

    form = client.get(url, follow=True)
    assert form.status_code == 200 and "Choisir un nouveau mot de passe" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "un-nouveau-secret-2026", "new_password2": "un-nouveau-secret-2026"},
        follow=True,
    )
    assert "Mot de passe enregistré" in done.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.check_password("un-nouveau-secret-2026")

    again = client.get(url, follow=True)  # the link served once
    assert "Ce lien ne fonctionne plus" in again.content.decode()


def test_the_answer_is_the_same_for_an_unknown_address(client, partner_a):
    known = _request_reset(client, "partenaire-a@partenaire.example.org").content.decode()
    unknown = _request_reset(client, "personne@exemple.example.org").content.decode()
    assert len(mail.outbox) == 1
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known) == strip.sub("", unknown)


def test_a_reset_link_expires(client, partner_a, settings):
    _request_reset(client, "partenaire-a@partenaire.example.org")
    url = _path(_link_url(settings), settings)
    settings.PASSWORD_RESET_TIMEOUT = -1  # the link is now older than its lifetime
    response = client.get(url, follow=True)
    assert "Ce lien ne fonctionne plus" in response.content.decode()


def test_reset_requests_are_limited_like_sign_ins(client, partner_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _request_reset(client, "partenaire-a@partenaire.example.org").status_code == 200
    response = _request_reset(client, "quelquun@exemple.example.org")
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert len(mail.outbox) == settings.AXES_FAILURE_LIMIT


def test_bad_links_are_limited_like_sign_ins(client, partner_a, settings):
    url = reverse("partners:password_reset_confirm", args=["MQ", "faux-jeton"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429


def test_a_new_password_lifts_the_sign_in_lockout(client, partner_a, settings):
    login = reverse("partners:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "partenaire-a", "password": "mauvais"})
    locked = client.post(login, {"username": "partenaire-a", "password": "motdepasse-partenaire-a"})
    assert locked.status_code == 429
    assert reverse("partners:password_reset") in locked.content.decode()

    _request_reset(client, "partenaire-a@partenaire.example.org")
    form = client.get(_path(_link_url(settings), settings), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "un-nouveau-secret-2026", "new_password2": "un-nouveau-secret-2026"},
    )
    signed_in = client.post(
        login, {"username": "partenaire-a", "password": "un-nouveau-secret-2026"}
    )
    assert signed_in.status_code == 302


def _link_url(settings):
    return LINK.search(mail.outbox[-1].body).group(0)


# --- Invitations --------------------------------------------------------------------------------


@pytest.fixture
def invited(structure_a):
    """A new Mission locale adviser's account, created by an agent with no password."""
    user = get_user_model().objects.create_user(
        "nouvelle-conseillere", "nouvelle@partenaire.example.org"
    )
    assert not user.has_usable_password()
    Membership.objects.create(structure=structure_a, user=user)
    return user


def _invite(staff_client, *memberships):
    return staff_client.post(
        reverse("admin:partners_membership_changelist"),
        {"action": "invite", "_selected_action": [m.pk for m in memberships]},
        follow=True,
    )


def test_an_agent_invites_a_partner_who_sets_the_first_password(
    staff_client, client, invited, structure_a, settings
):
    response = _invite(staff_client, invited.memberships.get())
    assert "1 invitation envoyée." in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["nouvelle@partenaire.example.org"]
    assert "Mission locale A" in message.body and "nouvelle-conseillere" in message.body
    url = _path(_link_url(settings), settings)

    form = client.get(url, follow=True)
    assert "Bienvenue dans l'espace partenaires" in form.content.decode()
    home = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "premier-secret-2026", "new_password2": "premier-secret-2026"},
        follow=True,
    )
    assert home.status_code == 200
    assert "Mission locale A" in home.content.decode()  # signed in, on its own space
    invited.refresh_from_db()
    assert invited.check_password("premier-secret-2026")
    assert "Ce lien ne fonctionne plus" in client.get(url, follow=True).content.decode()


def test_an_invitation_expires(client, invited, settings):
    # A genuine invitation token, made one day more than an invitation lives.
    age = (settings.PARTNER_INVITATION_DAYS + 1) * 86400
    made_at = invitation_tokens._num_seconds(invitation_tokens._now()) - age
    token = invitation_tokens._make_token_with_timestamp(invited, made_at, settings.SECRET_KEY)
    uid = urlsafe_base64_encode(str(invited.pk).encode())
    response = client.get(reverse("partners:invitation", args=[uid, token]), follow=True)
    assert "Ce lien ne fonctionne plus" in response.content.decode()
    fresh = reverse("partners:invitation", args=[uid, invitation_tokens.make_token(invited)])
    assert "Bienvenue" in client.get(fresh, follow=True).content.decode()


def test_a_reset_token_is_no_invitation(client, invited):
    uid = urlsafe_base64_encode(str(invited.pk).encode())
    url = reverse("partners:invitation", args=[uid, default_token_generator.make_token(invited)])
    assert "Ce lien ne fonctionne plus" in client.get(url, follow=True).content.decode()


def test_an_account_with_a_password_gets_no_invitation(staff_client, partner_a):
    page = html.unescape(_invite(staff_client, partner_a.memberships.get()).content.decode())
    assert "invitation envoyée" not in page
    assert "Pas d'invitation pour partenaire-a" in page
    assert mail.outbox == []


def test_an_invited_partner_whose_link_expired_recovers_through_the_reset(client, invited):
    _request_reset(client, "nouvelle@partenaire.example.org")
    assert [m.to for m in mail.outbox] == [["nouvelle@partenaire.example.org"]]
