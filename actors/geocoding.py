"""Addresses to coordinates with the Base Adresse Nationale, through geopy.

The geocoder is the real geopy `BANFrance` client; its domain and scheme come
from settings so tests point it at a loopback server. Answers (and misses) are
cached in the database under a keyed hash of the address, for
GEOCODER_CACHE_DAYS at most (older rows are deleted as new ones arrive); an
unreachable, slow or failing service raises
`GeocoderUnavailable`, which callers turn into a French message and a fallback
origin — never a 500. After such a failure the service is left alone for
GEOCODER_PAUSE_SECONDS (a mark in the shared cache, or in this process's memory
when the shared cache cannot be reached): while it is down or slow, address
searches fall back at once instead of each waiting for its timeout.
"""

import datetime
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.db import IntegrityError, transaction
from django.utils import timezone
from geopy.exc import GeopyError
from geopy.geocoders import BANFrance

from actors.models import GeocodedAddress
from actors.text import normalize

_POSTCODE = re.compile(r"\b\d{5}\b")
PAUSE_KEY = "geocoder-paused"
logger = logging.getLogger(__name__)


class GeocoderUnavailable(Exception):
    """The service did not answer usefully (down, timeout, error status)."""


@dataclass(frozen=True)
class GeocodeResult:
    found: bool
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""


def _client():
    return BANFrance(
        domain=settings.GEOCODER_DOMAIN,
        scheme=settings.GEOCODER_SCHEME,
        timeout=settings.GEOCODER_TIMEOUT,
        user_agent=settings.GEOCODER_USER_AGENT,
    )


def _as_result(row):
    return GeocodeResult(row.found, row.latitude, row.longitude, row.label)


def cache_key(address):
    """A keyed hash of the normalised address: the cache never stores what was typed."""
    normalised = normalize(address)
    if not normalised:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def geocode(address):
    """Coordinates of a free-text address, from the cache or the BAN."""
    key = cache_key(address)
    if not key:
        return GeocodeResult(False)
    fresh_after = timezone.now() - datetime.timedelta(days=settings.GEOCODER_CACHE_DAYS)
    cached = GeocodedAddress.objects.filter(query=key, created_at__gte=fresh_after).first()
    if cached:
        return _as_result(cached)
    query = address.strip()
    if settings.GEOCODER_AREA_HINT and not _POSTCODE.search(query):
        # "12 rue du Breil" exists in many towns: without a postcode, search here.
        query = f"{query} {settings.GEOCODER_AREA_HINT}"
    if _paused():
        raise GeocoderUnavailable("paused after a recent failure")
    try:
        location = _client().geocode(query, limit=1)
    except (GeopyError, OSError, ValueError) as error:  # ValueError: a malformed answer
        _pause()
        raise GeocoderUnavailable(str(error)) from error
    values = {"found": False, "label": "", "latitude": None, "longitude": None, "score": None}
    values["created_at"] = timezone.now()  # a refreshed answer starts a new retention period
    if location is not None:
        properties = (location.raw or {}).get("properties", {})
        values = {
            "found": True,
            "label": (location.address or "")[:255],
            "latitude": location.latitude,
            "longitude": location.longitude,
            "score": properties.get("score"),
        }
    try:
        with transaction.atomic():
            row, _ = GeocodedAddress.objects.update_or_create(query=key, defaults=values)
            # Addresses people searched from are kept no longer than the cache needs them.
            GeocodedAddress.objects.filter(created_at__lt=fresh_after).delete()
    except IntegrityError:  # a concurrent request stored the same query first
        row = GeocodedAddress.objects.get(query=key)
    return _as_result(row)


def _paused():
    try:
        return bool(cache.get(PAUSE_KEY))
    except Exception:  # an unreachable cache must not stop the search
        logger.warning("Cache unavailable: geocoder pause read in this process.", exc_info=True)
        return bool(caches["local"].get(PAUSE_KEY))


def _pause():
    if not settings.GEOCODER_PAUSE_SECONDS:
        return
    try:
        cache.set(PAUSE_KEY, True, settings.GEOCODER_PAUSE_SECONDS)
    except Exception:
        # Without any pause, every address search would wait for the geocoder's timeout.
        logger.warning("Cache unavailable: geocoder paused in this process only.", exc_info=True)
        caches["local"].set(PAUSE_KEY, True, settings.GEOCODER_PAUSE_SECONDS)
