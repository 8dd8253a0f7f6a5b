"""Signed one-click links for "Rien n'a changé" in reminder e-mails.

The link still requires the partner to be signed in as the same user; the
signature only spares the confirmation page, and stops another site from
making a signed-in partner confirm an entry through a forged link.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

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


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def confirm_url(structure, user):
    path = reverse("partners:confirm", args=[structure.slug])
    return absolute(f"{path}?{urlencode({'jeton': confirm_token(structure, user)})}")
