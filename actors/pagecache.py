"""A minute of cache for what a search shows to everyone: results pages and API lists.

At a front desk the same searches come back all day; a list a minute old (an
opening time, an edit just made) is acceptable, and serving it from the shared
cache (Redis with REDIS_URL, the database cache otherwise) costs a few
milliseconds instead of a hundred. Only what is the same for every visitor is
cached; an unreachable cache makes a page slower, never broken.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

logger = logging.getLogger(__name__)


def key(prefix, request, *extra):
    """The cache key of a GET: its parameters, the language and `extra`; None when off."""
    if not settings.SEARCH_CACHE_SECONDS:
        return None
    parameters = sorted((name, value) for name, values in request.GET.lists() for value in values)
    raw = repr((parameters, get_language(), extra))
    return f"{prefix}:" + hashlib.sha256(raw.encode()).hexdigest()


def get(cache_key):
    if cache_key is None:
        return None
    try:
        return cache.get(cache_key)
    except Exception:
        logger.warning("Page cache unavailable.", exc_info=True)
        return None


def put(cache_key, value, seconds=None):
    """Keep `value` SEARCH_CACHE_SECONDS, or `seconds` if that is shorter."""
    if cache_key is None:
        return
    if seconds is not None:
        seconds = min(seconds, settings.SEARCH_CACHE_SECONDS)
    else:
        seconds = settings.SEARCH_CACHE_SECONDS
    if not seconds:
        return
    try:
        cache.set(cache_key, value, seconds)
    except Exception:
        logger.warning("Page cache unavailable.", exc_info=True)
