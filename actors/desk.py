"""The passeur's desk ("mon accueil"): a structure remembered in a cookie.

No login: the desk is the default origin of every search, so distances read
"from here". Only a structure slug is stored, nothing about the person.
"""

import re

from actors.models import Structure

DESK_COOKIE = "mon_accueil"
DESK_MAX_AGE = 365 * 24 * 3600
_SLUG = re.compile(r"^[-a-z0-9_]{1,220}$")


def desk_from_request(request):
    """The published structure chosen as desk, or None (one query, once per request)."""
    if not hasattr(request, "_desk"):
        slug = request.COOKIES.get(DESK_COOKIE, "")
        request._desk = None
        if _SLUG.match(slug):
            request._desk = Structure.objects.published().filter(slug=slug).first()
    return request._desk
