import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from actors.enums import Status
from actors.models import Actor, OpeningException, OpeningSlot, Permanence, Structure
from tests.admin_helpers import empty_inlines
from tests.factories import ILE_DE_NANTES, make_permanence, make_structure, neighbourhood

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_everything():
    host = make_structure(needs=["stage-de-3e"], hours=[(0, datetime.time(9), datetime.time(12))])
    provider = make_structure(kind="mission-locale")
    Actor.objects.create(structure=provider, role="Conseillère")
    OpeningException.objects.create(
        structure=host, starts_on=datetime.date(2026, 12, 24), ends_on=datetime.date(2026, 12, 31)
    )
    make_permanence(host, provider, needs=["trouver-un-emploi"])
    return host


def _admin_urls(user, obj_for_model):
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        if model_admin.has_add_permission(request):  # e.g. axes' logs are read-only
            yield reverse("admin:{}_{}_add".format(*info))
        obj = obj_for_model(model)
        if obj is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            yield reverse("admin:{}_{}_history".format(*info), args=[obj.pk])


def test_every_admin_page_loads_for_an_agent(staff_client, staff_agent, one_of_everything):
    urls = list(_admin_urls(staff_agent, lambda model: model._default_manager.first()))
    assert len(urls) > 30
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 200, url


def test_structure_changelist_filters(staff_client, one_of_everything):
    url = reverse("admin:actors_structure_changelist")
    for query in [
        "fraicheur=stale",
        "fraicheur=fresh",
        "status__exact=published",
        "kind__exact=cio",
        "q=test",
    ]:
        assert staff_client.get(f"{url}?{query}").status_code == 200, query


def test_agents_archive_rather_than_delete(client, django_user_model):
    agent = django_user_model.objects.create_user("a2", password="x", is_staff=True)
    agent.user_permissions.set(
        __import__("django.contrib.auth.models", fromlist=["Permission"]).Permission.objects.filter(
            codename__in=["view_structure", "change_structure", "delete_structure"]
        )
    )
    client.force_login(agent)
    structure = make_structure()
    response = client.get(reverse("admin:actors_structure_delete", args=[structure.pk]))
    assert response.status_code == 403
    response = client.post(
        reverse("admin:actors_structure_changelist"),
        {"action": "archive", "_selected_action": [structure.pk]},
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.status == Status.ARCHIVED


def test_picking_a_neighbourhood_by_hand_keeps_it(staff_client):
    structure = make_structure(at=ILE_DE_NANTES, name="Fiche à corriger", slug="fiche-a-corriger")
    url = reverse("admin:actors_structure_change", args=[structure.pk])
    response = staff_client.get(url)
    form = response.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    data.update(
        {
            "neighbourhood": neighbourhood("nantes-sud").pk,
            "needs": [],
            "publics": [],
            "languages": [],
            "last_verified_at_0": "",
            "last_verified_at_1": "",
        }
    )
    data.update(empty_inlines())
    data = {k: v for k, v in data.items() if k not in {"last_verified_at"}}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    structure.refresh_from_db()
    assert structure.neighbourhood.slug == "nantes-sud"
    assert structure.neighbourhood_is_manual


def test_models_are_all_registered():
    for model in [Structure, Actor, Permanence, OpeningSlot, OpeningException]:
        assert model in admin.site._registry


def test_admin_actions_leave_a_history_row_per_entry(staff_client):
    structures = [make_structure(status=Status.DRAFT) for _ in range(2)]
    url = reverse("admin:actors_structure_changelist")
    for action in ["publish", "mark_verified", "archive"]:
        before = Structure.history.count()
        response = staff_client.post(
            url, {"action": action, "_selected_action": [s.pk for s in structures]}
        )
        assert response.status_code == 302
        assert Structure.history.count() == before + 2, action
    assert {s.status for s in Structure.objects.filter(pk__in=[s.pk for s in structures])} == {
        Status.ARCHIVED
    }
