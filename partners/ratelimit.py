"""A per-client rate limit kept in Django's shared cache (database or Redis).

Counting with get/incr is not atomic on the database cache, so two processes
could both read 4 and both allow a 6th report. Instead each allowed request
claims one of `limit` slots with `cache.add`, which is atomic on both backends
(an INSERT on the cache table's primary key; SET NX on Redis). A slot frees
itself `period` seconds after it was claimed: a sliding window.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_key(request):
    header = settings.CLIENT_IP_HEADER or "REMOTE_ADDR"
    address = request.META.get(header, "").split(",")[0].strip()
    # Hashed: the cache holds no raw IP address.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]


def allow(scope, key, *, limit, period):
    """Claim a slot for this client; False once `limit` are taken within `period` seconds."""
    return any(cache.add(f"ratelimit:{scope}:{key}:{slot}", 1, period) for slot in range(limit))
