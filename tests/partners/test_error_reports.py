""" "Signaler une erreur": open to anyone, protected against bots and floods.

The rate-limit tests run against whichever cache the settings give: the database
cache by default, Redis when REDIS_URL is set (CI runs this file both ways).
"""

import ipaddress
import logging
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse

from actors.enums import Status
from guide.settings import client_address_settings
from partners import ratelimit
from partners.models import ErrorReport, ReportStatus
from tests.factories import make_structure

pytestmark = pytest.mark.django_db


def _address():
    """An IPv6 address of the documentation range, new each time: no two tests share a limit."""
    return str(ipaddress.ip_address("2001:db8::") + uuid.uuid4().int % 2**64)


@pytest.fixture
def visitor():
    """An anonymous visitor with an address of its own."""
    return Client(REMOTE_ADDR=_address())


def _report_url(structure):
    return reverse("reports:report", args=[structure.slug])


def _report(client, structure, message="Les horaires du mardi ont changé.", **extra):
    return client.post(_report_url(structure), {"message": message, **extra})


def test_the_structure_page_offers_the_form(visitor):
    structure = make_structure()
    page = visitor.get(structure.get_absolute_url()).content.decode()
    assert "Signaler une erreur" in page
    assert f'action="{_report_url(structure)}"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_report_lands_in_the_moderation_queue(visitor, staff_client):
    structure = make_structure()
    response = _report(visitor, structure, email="habitante@example.org")
    assert response.status_code == 302 and response.url == structure.get_absolute_url()
    report = ErrorReport.objects.get()
    assert (report.structure, report.email, report.status) == (
        structure,
        "habitante@example.org",
        ReportStatus.OPEN,
    )
    queue = staff_client.get(reverse("admin:partners_errorreport_changelist")).content.decode()
    assert "Les horaires du mardi ont changé." in queue


def test_the_text_is_kept_as_typed_and_escaped_everywhere(visitor, staff_client):
    structure = make_structure()
    _report(visitor, structure, message="<script>alert('x')</script> faux numéro")
    report = ErrorReport.objects.get()
    assert report.message == "<script>alert('x')</script> faux numéro"
    for url in [
        reverse("admin:partners_errorreport_changelist"),
        reverse("admin:partners_errorreport_change", args=[report.pk]),
    ]:
        page = staff_client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page


def test_the_agent_marks_reports_handled(visitor, staff_client, staff_agent):
    structure = make_structure()
    _report(visitor, structure)
    report = ErrorReport.objects.get()
    staff_client.post(
        reverse("admin:partners_errorreport_changelist"),
        {"action": "mark_handled", "_selected_action": [report.pk]},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.HANDLED and report.handled_by == staff_agent
    queue = staff_client.get(reverse("admin:partners_errorreport_changelist")).content.decode()
    assert "Les horaires du mardi" not in queue


def test_csrf_is_required():
    structure = make_structure()
    browser = Client(enforce_csrf_checks=True)
    response = _report(browser, structure)
    assert response.status_code == 403
    assert not ErrorReport.objects.exists()


def test_a_bot_filling_the_honeypot_is_thanked_and_ignored(visitor):
    structure = make_structure()
    response = _report(visitor, structure, website="http://spam.example")
    assert response.status_code == 302
    assert not ErrorReport.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"message": ""}, "Ce champ est obligatoire."),
        ({"message": "x" * 2001}, "Assurez-vous que cette valeur comporte au plus 2000"),
        ({"message": "Faux", "email": "pas-un-courriel"}, "Saisissez une adresse e-mail valide."),
    ],
)
def test_bad_input_gets_a_french_message(visitor, data, message):
    structure = make_structure()
    response = visitor.post(_report_url(structure), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ErrorReport.objects.exists()


def test_only_published_structures_take_reports(visitor):
    draft = make_structure(status=Status.DRAFT)
    assert visitor.get(_report_url(draft)).status_code == 404
    assert _report(visitor, draft).status_code == 404


# --- Rate limit ---------------------------------------------------------------------------------


def test_the_limit_lives_in_a_cache_shared_by_all_processes():
    expected = "RedisCache" if settings.REDIS_URL else "DatabaseCache"
    assert type(caches["default"]).__name__ == expected


def test_a_client_may_send_five_reports_an_hour_then_gets_a_friendly_message(visitor):
    structure = make_structure()
    for _ in range(settings.ERROR_REPORTS_PER_HOUR):
        assert _report(visitor, structure).status_code == 302
    response = _report(visitor, structure)
    assert response.status_code == 429
    assert "réessayez dans une heure" in response.content.decode()
    assert ErrorReport.objects.count() == settings.ERROR_REPORTS_PER_HOUR
    # Someone else, from another address, is not blocked.
    other = Client(REMOTE_ADDR=_address())
    assert _report(other, structure).status_code == 302


@pytest.fixture
def behind_one_proxy(settings):
    """The settings TRUSTED_PROXY_COUNT=1 gives: one reverse proxy appends to X-Forwarded-For."""
    for name, value in client_address_settings(1, "").items():
        setattr(settings, name, value)
    return _address()  # the proxy's own address, the same for every client


def _through(proxy, forwarded_for):
    return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_proxy_the_limit_counts_each_client(behind_one_proxy):
    # It used to count REMOTE_ADDR: every client had the proxy's address, one limit for all.
    structure = make_structure()
    client_a, client_b = _address(), _address()
    for _ in range(settings.ERROR_REPORTS_PER_HOUR):
        assert _report(_through(behind_one_proxy, client_a), structure).status_code == 302
    assert _report(_through(behind_one_proxy, client_a), structure).status_code == 429
    # A cannot pass for B by writing B's address in its own header: the proxy appends A's.
    spoofing = _through(behind_one_proxy, f"{client_b}, {client_a}")
    assert _report(spoofing, structure).status_code == 429
    assert _report(_through(behind_one_proxy, client_b), structure).status_code == 302


def test_the_limit_can_follow_another_header_the_proxy_sets(settings):
    for name, value in client_address_settings(0, "HTTP_X_REAL_IP").items():
        setattr(settings, name, value)
    structure = make_structure()
    shared_proxy, address = _address(), _address()
    for _ in range(settings.ERROR_REPORTS_PER_HOUR):
        Client(REMOTE_ADDR=shared_proxy, HTTP_X_REAL_IP=address).post(
            _report_url(structure), {"message": "Erreur"}
        )
    blocked = Client(REMOTE_ADDR=shared_proxy, HTTP_X_REAL_IP=address)
    assert _report(blocked, structure).status_code == 429
    neighbour = Client(REMOTE_ADDR=shared_proxy, HTTP_X_REAL_IP=_address())
    assert _report(neighbour, structure).status_code == 302


@pytest.fixture
def redis_down(settings):
    """The shared cache is a Redis server that does not answer (a closed loopback port)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        },
    }


def test_with_redis_down_reports_are_still_taken_and_still_limited(visitor, redis_down, caplog):
    # It used to answer 500.
    structure = make_structure()
    with caplog.at_level(logging.WARNING, logger="partners.ratelimit"):
        for _ in range(settings.ERROR_REPORTS_PER_HOUR):
            assert _report(visitor, structure).status_code == 302
        limited = _report(visitor, structure)
    assert limited.status_code == 429 and "réessayez dans une heure" in limited.content.decode()
    assert ErrorReport.objects.count() == settings.ERROR_REPORTS_PER_HOUR
    assert "limit counted per process" in caplog.text


def _environment_of_this_cache():
    """Environment for another process that reaches the very same cache, or None."""
    if settings.REDIS_URL:
        return {"REDIS_URL": settings.REDIS_URL}
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        return {"DATABASE_URL": url, "REDIS_URL": ""}
    return None  # an in-memory SQLite test database is private to this process


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_across_processes():
    env = _environment_of_this_cache()
    if env is None:
        pytest.skip("in-memory SQLite cannot be shared: run on PostgreSQL or Redis (CI does)")
    key = f"cross-process-{uuid.uuid4().hex}"
    script = (
        "import django; django.setup()\n"
        "from partners import ratelimit\n"
        f"print(sum(ratelimit.allow('error-report', {key!r}, limit=5, period=3600)"
        " for _ in range(3)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **env, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "guide.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=settings.BASE_DIR,
    )
    assert result.stdout.strip() == "3", result.stderr
    allowed_here = [ratelimit.allow("error-report", key, limit=5, period=3600) for _ in range(3)]
    assert allowed_here == [True, True, False]


def test_a_page_rendered_without_a_request_shows_no_form():
    from django.template.loader import render_to_string

    structure = make_structure()
    html = render_to_string("partners/includes/_report_error.html", {"structure": structure})
    assert html.strip() == ""
