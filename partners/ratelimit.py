"""A per-client rate limit kept in Django's shared cache (database or Redis).

Counting with get/incr is not atomic on the database cache, so two processes
could both read 4 and both allow a 6th report. Instead each allowed request
claims one of `limit` slots with `cache.add`, which is atomic on both backends
(an INSERT on the cache table's primary key; SET NX on Redis). A slot frees
itself `period` seconds after it was claimed: a sliding window.

When the shared cache cannot be reached (Redis down), the slots are claimed in
this process's memory instead: the limit still holds, per server process, and
the form keeps working.
"""

import hashlib
import logging

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache, caches

logger = logging.getLogger(__name__)


def client_key(request):
    # The address the sign-in lockout uses too (settings: TRUSTED_PROXY_COUNT).
    address = get_client_ip_address(request) or ""
    # Hashed: the cache holds no raw IP address.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]


def allow(scope, key, *, limit, period):
    """Claim a slot for this client; False once `limit` are taken within `period` seconds."""
    try:
        return _claim(cache, scope, key, limit, period)
    except Exception:  # Redis or the database cache unreachable: count in this process
        logger.warning(
            "Shared cache unavailable: %s limit counted per process.", scope, exc_info=True
        )
        return _claim(caches["local"], scope, key, limit, period)


def _claim(store, scope, key, limit, period):
    return any(store.add(f"ratelimit:{scope}:{key}:{slot}", 1, period) for slot in range(limit))
