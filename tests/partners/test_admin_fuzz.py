"""The agents' pages against hostile query strings: never a 5xx, never an unescaped echo.

tests/guide/test_fuzz_urls.py fuzzes every public URL but leaves the admin out; these are the
admin pages the guide adds or changes (the index's panel, a structure's history and its
one-click « Vérifié par téléphone », the moderation queue and page, the entries filtered
by partner), with every parameter they read set to each hostile value, repeated.
"""

import pytest
from django.urls import reverse

from partners.models import ChangeProposal, ErrorReport
from tests.factories import make_structure
from tests.guide.test_fuzz_urls import HOSTILE, MARKER, body, query_string

pytestmark = pytest.mark.django_db

NAMES = ["jeton", "p", "q", "statut", "partenaire", "fraicheur", "o", "e", "_changelist_filters"]


@pytest.fixture
def admin_urls(structure_a, partner_a):
    proposal = ChangeProposal.propose(structure_a, by=partner_a, values={"phone": "+33261910001"})
    ErrorReport.objects.create(structure=structure_a, message="Fermé le lundi (exemple)")
    stale = make_structure(name="Sans partenaire (exemple)", needs=["stage-de-3e"])
    stale.needs.set([])
    urls = [
        reverse("admin:index"),
        reverse("admin:actors_structure_history", args=[stale.pk]),
        reverse("admin:actors_structure_verified_by_phone", args=[stale.pk]),
        reverse("admin:actors_structure_changelist"),
        reverse("admin:partners_changeproposal_changelist"),
        reverse("admin:partners_changeproposal_change", args=[proposal.pk]),
        reverse("admin:partners_errorreport_changelist"),
        reverse("admin:partners_membership_changelist"),
    ]
    return urls, stale


@pytest.mark.parametrize("value", HOSTILE, ids=["nul", "not-utf8", "huge", "-inf", "big", "markup"])
def test_the_agents_pages_take_any_query_string(staff_client, admin_urls, value):
    urls, stale = admin_urls
    for url in urls:
        items = [(name, value) for name in NAMES for _ in range(2)]
        response = staff_client.get(url, QUERY_STRING=query_string(items))
        assert response.status_code < 500, url
        assert MARKER not in body(response), url
    # A GET with a token that is not one checks nothing.
    stale.refresh_from_db()
    assert stale.last_verified_at is None
