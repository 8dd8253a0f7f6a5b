"""The admin index: what waits for an agent, oldest first, beside the dashboard's figures."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.models import RecordedSearch
from partners.models import ChangeProposal, ErrorReport, Membership
from tests.factories import make_structure, neighbourhood

pytestmark = pytest.mark.django_db


def _aged(obj, days):
    type(obj).objects.filter(pk=obj.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def _proposal(structure, by, phone, days):
    proposal = ChangeProposal.propose(structure, by=by, values={"phone": phone})
    _aged(proposal, days)
    return proposal


def _panel(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def test_the_index_lists_what_waits_oldest_first(staff_client, partner_a, structure_a):
    _proposal(structure_a, partner_a, "+33261910001", days=1)
    _proposal(make_structure(name="CIO récent (exemple)"), partner_a, "+33261910002", days=0)
    old = make_structure(name="CIO ancien (exemple)")
    _proposal(old, partner_a, "+33261910003", days=9)
    report = ErrorReport.objects.create(structure=structure_a, message="Fermé le lundi")
    _aged(report, 3)
    ErrorReport.objects.create(structure=old, message="Mauvais numéro")

    context = _panel(staff_client).context
    assert [p.target_name for p in context["proposals"]] == [
        "CIO ancien (exemple)",
        "Mission locale A",
        "CIO récent (exemple)",
    ]
    assert context["proposal_count"] == 3
    assert [r.structure.name for r in context["reports"]] == [
        "Mission locale A",
        "CIO ancien (exemple)",
    ]
    page = _panel(staff_client).content.decode()
    assert "3 propositions en attente" in page and "2 signalements à traiter" in page


def test_stale_entries_without_a_partner_are_counted_never_checked_first(
    staff_client, partner_a, structure_a
):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    checked = make_structure(name="Vérifiée il y a longtemps (exemple)", last_verified_at=long_ago)
    never = make_structure(name="Jamais vérifiée (exemple)")
    make_structure(name="Vérifiée hier (exemple)", last_verified_at=timezone.now())
    # structure_a is stale too, but partner A can be reminded of it.
    context = _panel(staff_client).context
    assert [s.name for s in context["stale"]] == [never.name, checked.name]
    assert context["stale_count"] == 2
    listed = staff_client.get(
        reverse("admin:actors_structure_changelist"), {"fraicheur": "stale", "partenaire": "sans"}
    )
    assert {s.name for s in listed.context["cl"].result_list} == {never.name, checked.name}


def test_the_index_links_to_the_dashboard_with_its_figures(staff_client):
    today = timezone.localdate()
    for nearby in [0, 0, 3]:
        RecordedSearch.objects.create(
            day=today,
            channel="site",
            neighbourhood=neighbourhood("breil-barberie"),
            origin_kind="neighbourhood",
            results_nearby=nearby,
        )
    page = _panel(staff_client).content.decode()
    assert reverse("insights:dashboard") in page
    assert (
        "3 recherches en 90 jours, dont 2 sans aucun lieu à distance de marche et 0 pas "
        "comprises." in page
    )


def test_the_panels_queries_do_not_grow_with_the_queue(
    staff_client, partner_a, structure_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _proposal(structure_a, partner_a, "+33261910001", days=1)
    with CaptureQueriesContext(connection) as few:
        _panel(staff_client)
    for n in range(12):
        place = make_structure()
        Membership.objects.create(structure=place, user=partner_a)
        _proposal(place, partner_a, f"+332619100{n + 10}", days=n)
        ErrorReport.objects.create(structure=place, message="Erreur (exemple)")
    with django_assert_max_num_queries(len(few.captured_queries)):
        _panel(staff_client)


def test_a_partner_never_sees_the_panel(client, partner_a):
    client.force_login(partner_a)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302  # partners never enter the admin
