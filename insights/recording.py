"""Counting searches for the dashboard without slowing them, failing them or tracking anyone.

`record_search()` is called once by the results page and once by the JSON list,
after the search ran. It costs one INSERT, and one indexed read only when the
starting point is an address or coordinates (its quartier) or when free text
was typed (the needs it names). A search whose free text the guide did not
understand (insights.words) costs a few more: whether its words name a place,
and their counts. It never raises: a database error is logged and the search
answers as usual.

/api/v1/structures.geojson is not recorded: the map page (/carte/) runs the
search itself to list the results, then its script fetches the same search as
GeoJSON to draw it. Counting the GeoJSON would count the map's technical
request, not a person's search (and nothing for visitors without JavaScript).
The place to count a map search is the map view, with the same one call as the
results page; if both ever counted, the dedup key (built from the resolved
search, not the URL) would still count it once.

Counting each search once, with no cookie and no session
--------------------------------------------------------
A reload, a double click or a script fetching the same search again within a
minute must not count twice. The dedup key is a keyed hash (HMAC with the
SECRET_KEY) of the *resolved* search: its filters and the point distances were
measured from (never the raw URL, so `page=2`, parameter order or the desk
given by cookie on the site and by `depuis` in the API give the same key). The
first search adds the key to a cache for 60 seconds; while it is there,
identical searches are not counted. The key cannot be turned back into the
search, lives a minute, is never stored in the database, a cookie or a
session, and nothing identifies the visitor: two people making exactly the
same search in the same minute count once (a small undercount we accept).

The cache is the `insights` alias of settings.CACHES: Redis when REDIS_URL is
set (shared by every server process), otherwise the process's memory. Not the
database cache, whose SELECT, INSERT and write lock would cost the search more
than the recording itself.

Obvious robots (their User-Agent says so) are skipped; the User-Agent is read,
never stored. Only the first page of a search counts: turning pages is not a
new search.
"""

import json
import logging
import re
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.db import router, transaction
from django.db.models import Model, sql
from django.utils import timezone
from django.utils.crypto import salted_hmac

from actors.desk import desk_from_request
from insights import words
from insights.models import OriginKind, RecordedSearch
from insights.words import unmatched_words

logger = logging.getLogger(__name__)

CACHE_ALIAS = "insights"
DEDUP_SECONDS = 60
# Crawlers, link previews and monitors announce themselves; browsers and API clients do not.
ROBOT_USER_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|"
    r"monitor|uptime|pingdom|lighthouse|headless",
    re.IGNORECASE,
)
# Where the search starts is compared through the resolved origin, not these parameters.
ORIGIN_PARAMETERS = {"lat", "lon", "adresse", "depuis"}


def on_search_computed(sender, *, request, search, page, channel, **kwargs):
    """actors.signals.search_computed: what recording this page needs, kept with it."""
    prepared = prepare_record(request, search, page, channel=channel)
    return ("insights", prepared) if prepared is not None else None


def on_search_shown(sender, *, request, kept, **kwargs):
    """actors.signals.search_shown: count the search (computed or from the page cache)."""
    record_prepared(request, kept.get("insights"))


def record_search(request, search, page, *, channel):
    """Count a search once (see the module docstring); returns the row, or None."""
    return record_prepared(request, prepare_record(request, search, page, channel=channel))


def prepare_record(request, search, page, *, channel):
    """What recording this search needs, as plain data (None: it never counts).

    The results page caches it with the page it rendered, so a search served
    from that cache is counted exactly like one computed afresh.
    """
    if not settings.SEARCH_ANALYTICS_ENABLED:
        return None
    if request.method != "GET" or not search.is_valid or page.number != 1:
        return None
    try:
        missed = unmatched_words(search)
        row = RecordedSearch.from_search(
            search,
            page.object_list,
            channel=channel,
            desk=_desk(request, search),
            not_understood=bool(missed),
        )
        fields = {
            field.attname: getattr(row, field.attname)
            for field in RecordedSearch._meta.concrete_fields
            if not field.primary_key and field.attname != "day"
        }
        return {"key": dedup_key(search), "fields": fields, "missed_words": missed}
    except Exception:  # never fail the search itself
        logger.warning("Search not prepared for the dashboard.", exc_info=True)
        return None


def record_prepared(request, prepared):
    """Insert the row of a prepared search, unless robots, duplicates or switched off."""
    if prepared is None or not settings.SEARCH_ANALYTICS_ENABLED or is_robot(request):
        return None
    if not _first_time_this_minute(prepared["key"]):
        return None
    try:
        row = RecordedSearch(day=timezone.localdate(), **prepared["fields"])
        missed = prepared.get("missed_words", [])
        connection = transaction.get_connection(router.db_for_write(RecordedSearch))
        if connection.vendor == "postgresql" and not missed and not connection.in_atomic_block:
            _insert_at_once(connection, row)
        else:
            with _own_transaction():
                row.save(force_insert=True)
                words.count_words(missed, row.day)
    except Exception:  # a database error (or a bug here) must never fail the search itself
        logger.warning("Search not recorded for the dashboard.", exc_info=True)
        return None
    return row


def is_robot(request):
    return bool(ROBOT_USER_AGENT.search(request.headers.get("User-Agent", "")))


def dedup_key(search):
    """A keyed hash of what the search asked and where from; nothing readable."""
    asked = {
        name: _plain(value)
        for name, value in search.cleaned.items()
        if name not in ORIGIN_PARAMETERS
    }
    origin = search.origin
    asked["origin"] = (
        None
        if origin is None
        else [origin.kind, round(origin.latitude, 6), round(origin.longitude, 6)]
    )
    payload = json.dumps(asked, sort_keys=True, default=str)
    return "search:" + salted_hmac("insights.dedup", payload, algorithm="sha256").hexdigest()


def _first_time_this_minute(key):
    try:
        return caches[CACHE_ALIAS].add(key, 1, timeout=DEDUP_SECONDS)
    except Exception:  # an unreachable cache (Redis down) must not fail the search
        logger.warning("Search dedup cache unavailable; counting the search.", exc_info=True)
        return True


def _desk(request, search):
    """The desk the site measured from (cookie), already read by the view: no query."""
    origin = search.origin
    if origin is None or origin.kind != OriginKind.DESK or search.cleaned.get("depuis"):
        return None
    return desk_from_request(request)


def _insert_at_once(connection, row):
    """The row inserted in one round trip, its commit not waiting for the disk (see
    _own_transaction): in autocommit, statements sent together run as one transaction
    (PostgreSQL's simple query protocol), so `SET LOCAL` holds for the INSERT alone.
    BEGIN, SET, INSERT and COMMIT one by one were four round trips (0.6 ms a search)."""
    fields = [field for field in RecordedSearch._meta.concrete_fields if not field.primary_key]
    query = sql.InsertQuery(RecordedSearch)
    query.insert_values(fields, [row])
    ((statement, params),) = query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL synchronous_commit TO OFF; {statement}", params)


@contextmanager
def _own_transaction():
    """The INSERT alone: inside a request's transaction (ATOMIC_REQUESTS, tests) a
    savepoint, so that a failed INSERT does not doom the page's other queries; in
    autocommit (this project's setting) its own transaction already. On PostgreSQL that
    transaction's commit does not wait for the disk (synchronous_commit off for it
    alone): a crash may lose the last fraction of a second of statistics, never a
    directory entry, and a search no longer waits for a WAL flush (1 to 4 ms here)."""
    connection = transaction.get_connection(router.db_for_write(RecordedSearch))
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            yield
    elif connection.in_atomic_block:
        with transaction.atomic(using=connection.alias):
            yield
    else:
        yield


def _plain(value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, str):
        return " ".join(value.lower().split())
    if value is None or isinstance(value, bool | int | float):
        return value
    try:
        return sorted(_plain(item) for item in value)
    except TypeError:  # not iterable: a Decimal, a date
        return str(value)
