"""Signed links in e-mails: one-click "Rien n'a changé" in reminders, "vérifié par
téléphone" in the agents' digest, and invitations.

The link still requires the partner to be signed in as the same user; the
signature only spares the confirmation page, and stops another site from
making a signed-in partner confirm an entry through a forged link.
"""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlencode, urlsafe_base64_encode

_SALT = "partners.confirm-unchanged"
# Long enough to survive a holiday, short enough that old e-mails stop working.
MAX_AGE = datetime.timedelta(days=60)


def confirm_token(structure, user):
    return signing.dumps({"s": structure.pk, "u": user.pk}, salt=_SALT, compress=True)


def token_is_valid(token, structure, user):
    try:
        payload = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    return payload == {"s": structure.pk, "u": user.pk}


_PHONE_SALT = "partners.verified-by-phone"


def phone_check_token(structure, user):
    return signing.dumps({"s": structure.pk, "u": user.pk}, salt=_PHONE_SALT, compress=True)


def phone_check_token_is_valid(token, structure, user):
    try:
        # An agents' digest goes out every REMINDER_INTERVAL_DAYS; its links live that long.
        max_age = datetime.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
        payload = signing.loads(token, salt=_PHONE_SALT, max_age=max_age)
    except signing.BadSignature:
        return False
    return payload == {"s": structure.pk, "u": user.pk}


def phone_check_url(structure, user):
    path = reverse("admin:actors_structure_verified_by_phone", args=[structure.pk])
    return absolute(f"{path}?{urlencode({'jeton': phone_check_token(structure, user)})}")


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def confirm_url(structure, user):
    path = reverse("partners:confirm", args=[structure.slug])
    return absolute(f"{path}?{urlencode({'jeton': confirm_token(structure, user)})}")


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Like the reset token, with its own salt (one cannot stand for the other) and lifetime."""

    key_salt = "partners.accounts.InvitationTokenGenerator"

    def check_token(self, user, token):
        # Django's check reads PASSWORD_RESET_TIMEOUT; an invitation lives longer.
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - timestamp
        if age > settings.PARTNER_INVITATION_DAYS * 86400:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


def invitation_url(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    return absolute(reverse("partners:invitation", args=[uid, token]))
