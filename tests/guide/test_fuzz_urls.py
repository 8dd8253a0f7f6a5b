"""Every public URL against hostile query strings: never a 5xx, never an unescaped echo.

Hypothesis builds raw query strings — NUL bytes, invalid UTF-8, huge values,
repeated keys, numbers out of range, markup — over the parameters the views
read, and sends them to every URL of the site but the admin (the URL list is
read from the URLconf, so a new page is fuzzed without anyone adding it here).
Runs on SQLite and on PostgreSQL (where a NUL byte reaching a query fails).
"""

from urllib.parse import quote_from_bytes

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.filters import StructureFilter
from tests.factories import BREIL_CENTRE, make_permanence, make_structure, offset

pytestmark = pytest.mark.django_db

MARKER = b"<b data-fuzz>"
NEIGHBOURHOOD = "breil-barberie"
STRUCTURE = "lieu-de-fuzz"

# Every parameter a view reads, plus a few that none does.
NAMES = sorted(
    {*StructureFilter.base_filters, "page", "format", "next", "jeton", "du", "au", "language"}
    | {"x", "besoin[]", "", "\x00", "é"}
)
VALUES = [
    b"",
    b"\x00",
    b"a\x00b",
    b"\xff\xfe",  # invalid UTF-8
    b"\xc3",  # a truncated UTF-8 sequence
    b"%00",  # a percent sign, encoded again
    b"x" * 20_000,
    b"1e309",
    b"-1e309",
    b"nan",
    b"99999999999999999999999",
    b"-91",
    b"181",
    b"0",
    b"-1",
    b"0.1",
    b"47.23611",
    b"-1.57704",
    b"2025-02-30",
    b"99999-01-01",
    b"pdf",
    b"maintenant",
    b"lundi",
    b"stage-de-3e",
    NEIGHBOURHOOD.encode(),
    STRUCTURE.encode(),
    b"//evil.example/",
    b"javascript:alert(1)",
    MARKER,
    b"stage " + MARKER,
    "\u202e\u2028🙂".encode(),
]
# Mostly the names and values above (that is where pages break), some of anything.
values = st.one_of(st.sampled_from(VALUES), st.sampled_from(VALUES), st.binary(max_size=40))
names = st.one_of(st.sampled_from(NAMES), st.sampled_from(NAMES), st.text(max_size=8))
pairs = st.lists(st.tuples(names, values), min_size=1, max_size=6)  # repeated keys included


def public_urls():
    """Every URL of the URLconf outside the admin, slugs filled in."""

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern

    urls = []
    for name, pattern in walk(get_resolver().url_patterns):
        kwargs = {}
        if "slug" in pattern.pattern.converters:
            in_quartier = "quartiers" in str(pattern.pattern)
            kwargs["slug"] = NEIGHBOURHOOD if in_quartier else STRUCTURE
        if "uidb64" in pattern.pattern.converters:  # password links: a made-up token
            kwargs.update(uidb64="MQ", token="jeton-de-fuzz")
        urls.append(reverse(name, kwargs=kwargs))
    return urls


URLS = public_urls()


def query_string(items):
    return "&".join(
        quote_from_bytes(name.encode(), safe="") + "=" + quote_from_bytes(value, safe="")
        for name, value in items
    )


@pytest.fixture
def directory(db):
    """A small published directory: a place with hours and a permanence, in the Breil."""
    place = make_structure(
        name="Lieu de fuzz",
        slug=STRUCTURE,
        needs=["stage-de-3e"],
        hours=[(0, "09:00", "12:00")],
        phone="02 61 91 00 01",
    )
    host = make_structure(name="Maison de quartier de fuzz", at=offset(BREIL_CENTRE, east_m=80))
    make_permanence(host, place, needs=["stage-de-3e"])


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_the_fuzzed_urls_are_every_public_page():
    assert len(URLS) > 35
    assert "/quartiers/breil-barberie/guide/" in URLS
    assert f"/structures/{STRUCTURE}/contact.vcf" in URLS
    assert not [url for url in URLS if url.startswith("/admin/")]


HOSTILE = [b"\x00", b"\xff\xfe", b"x" * 20_000, b"-1e309", b"99999999999999999999999", MARKER]


@pytest.mark.parametrize("value", HOSTILE, ids=["nul", "not-utf8", "huge", "-inf", "big", "markup"])
def test_every_parameter_at_once_with_a_hostile_value(client, directory, value):
    """The systematic part: each URL with every name set, twice, to the same hostile value."""
    for url in URLS:
        for extra in ([], [("format", b"pdf")]):
            items = [(name, value) for name in NAMES for _ in range(2)] + extra
            response = client.get(url, QUERY_STRING=query_string(items))
            assert response.status_code < 500, url
            assert MARKER not in body(response), url


@pytest.mark.parametrize("url", URLS)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=pairs)
def test_no_query_string_breaks_a_page_or_comes_back_unescaped(client, directory, url, items):
    response = client.get(url, QUERY_STRING=query_string(items))
    assert response.status_code < 500, (url, items)
    assert MARKER not in body(response), (url, items)
