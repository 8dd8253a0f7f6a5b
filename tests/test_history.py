"""History: every change to the directory is recorded, shown in the admin and can be undone."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.models import (
    Actor,
    Neighbourhood,
    OpeningException,
    OpeningSlot,
    Permanence,
    Structure,
)
from tests.admin_helpers import admin_post_data, empty_inlines
from tests.factories import make_permanence, make_structure, need

pytestmark = pytest.mark.django_db


def test_every_directory_model_has_a_history():
    for model in [Structure, Actor, Permanence, OpeningSlot, OpeningException, Neighbourhood]:
        assert hasattr(model, "history"), model
        assert model.history.model._meta.app_label == "partners"


def test_creating_and_editing_a_structure_records_who_when_and_what(staff_client, staff_agent):
    structure = make_structure(name="Maison de quartier du Breil")
    url = reverse("admin:actors_structure_change", args=[structure.pk])
    data = admin_post_data(staff_client.get(url))
    data.update(phone="02 40 41 42 43", last_verified_at_0="", last_verified_at_1="")
    data.update(empty_inlines())
    data.update(
        {
            "opening_slots-TOTAL_FORMS": 1,
            "opening_slots-0-weekday": 0,
            "opening_slots-0-opens": "09:00",
            "opening_slots-0-closes": "12:00",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    created, edited = structure.history.order_by("history_id")
    assert created.history_type == "+" and created.history_user is None
    assert edited.history_type == "~" and edited.history_user == staff_agent
    delta = edited.diff_against(created)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("phone", "", "+33240414243")]
    slot = OpeningSlot.objects.get(structure=structure)
    assert slot.history.get().history_user == staff_agent

    page = staff_client.get(reverse("admin:actors_structure_history", args=[structure.pk]))
    assert page.status_code == 200
    assert "agent" in page.content.decode()


def test_related_rows_and_needs_are_tracked(staff_agent):
    host, provider = make_structure(), make_structure(kind="mission-locale")
    permanence = make_permanence(host, provider, needs=["trouver-un-emploi"])
    permanence.title = "Permanence emploi"
    permanence.save()
    actor = Actor.objects.create(structure=provider, role="Conseillère")
    exception = OpeningException.objects.create(
        structure=host, starts_on=datetime.date(2030, 8, 1), ends_on=datetime.date(2030, 8, 15)
    )
    host.needs.set([need("stage-de-3e")])
    before = host.history.count()
    host.needs.set([])
    assert [r.history_type for r in permanence.history.order_by("history_id")][:2] == ["+", "~"]
    assert actor.history.count() == 1
    assert exception.history.count() == 1
    assert host.history.count() == before + 1
    assert host.history.latest().needs.count() == 0
    assert host.history.latest().prev_record.needs.count() == 1


def test_an_agent_restores_a_previous_version(staff_client, staff_agent):
    structure = make_structure(name="CIO Nantes Nord", phone="02 40 00 00 01")
    original = structure.history.get()
    structure.phone = "02 40 99 99 99"
    structure.description = "Texte erroné"
    structure.save()

    url = reverse("admin:actors_structure_simple_history", args=[structure.pk, original.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    data = admin_post_data(response)
    data.update(last_verified_at_0="", last_verified_at_1="")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    structure.refresh_from_db()
    assert structure.phone == "+33240000001"
    assert structure.description == ""
    latest = structure.history.latest()
    assert latest.history_user == staff_agent  # the restore is itself in the history
    assert structure.history.count() == 3


def test_hard_deletion_still_leaves_a_history_record(staff_client):
    structure = make_structure(name="Fiche en double")
    pk = structure.pk
    response = staff_client.post(
        reverse("admin:actors_structure_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Structure.objects.filter(pk=pk).exists()
    deleted = Structure.history.filter(id=pk).latest()
    assert deleted.history_type == "-"
    assert deleted.name == "Fiche en double"


def test_archiving_from_the_admin_keeps_the_entry(staff_client):
    structure = make_structure()
    response = staff_client.post(
        reverse("admin:actors_structure_changelist"),
        {"action": "archive", "_selected_action": [structure.pk]},
    )
    assert response.status_code == 302
    assert Structure.objects.filter(pk=structure.pk, status="archived").exists()


# --- One readable history per structure -------------------------------------------------------


def _history_page(staff_client, structure):
    url = reverse("admin:actors_structure_history", args=[structure.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    return response


def _history_rows(response):
    return [
        (entry.section, entry.action, [(str(c.label), c.before, c.after) for c in entry.changes])
        for entry in response.context["page_obj"]
    ]


def test_hours_and_professionals_edited_in_the_admin_show_on_the_structures_history(
    staff_client, staff_agent
):
    structure = make_structure(name="Maison de quartier du Breil (exemple)")
    url = reverse("admin:actors_structure_change", args=[structure.pk])
    data = admin_post_data(staff_client.get(url))
    data.update(last_verified_at_0="", last_verified_at_1="", change_reason="Appel du 3 mars")
    data.update(empty_inlines())
    data.update(
        {
            "opening_slots-TOTAL_FORMS": 1,
            "opening_slots-0-weekday": 1,
            "opening_slots-0-opens": "09:00",
            "opening_slots-0-closes": "12:30",
            "actors-TOTAL_FORMS": 1,
            "actors-0-name": "Camille Exemple",
            "actors-0-role": "Animatrice",
            "actors-0-contact_visibility": "public",
            "actors-0-is_active": "on",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    page = _history_page(staff_client, structure)
    entries = list(page.context["page_obj"])
    by_section = {entry.section: entry for entry in entries}
    slot, actor = by_section["Horaires"], by_section["Professionnel"]
    assert slot.user == staff_agent and slot.reason == "Appel du 3 mars"
    assert slot.action == "Création" and slot.subject == "mardi 09:00–12:30"
    assert ("ouvre à", "—", "09:00") in [(str(c.label), c.before, c.after) for c in slot.changes]
    assert actor.subject == "Camille Exemple — Animatrice"
    html = page.content.decode()
    assert "Appel du 3 mars" in html
    assert ">None<" not in html and "Changes" not in html and "Change reason" not in html


def test_the_history_says_before_and_after_in_french(staff_client):
    structure = make_structure(
        name="CIO Nantes Nord (exemple)", wheelchair="unknown", walk_in=False
    )
    structure.wheelchair = "yes"
    structure.walk_in = True
    structure._change_reason = "Visite sur place"
    structure.save()
    host = make_structure(name="Maison de quartier (exemple)")
    permanence = make_permanence(host, structure, title="Permanence orientation")
    permanence.weekday = 3
    permanence.save()
    slot = OpeningSlot.objects.create(
        structure=structure, weekday=0, opens=datetime.time(9), closes=datetime.time(12)
    )
    slot.delete()

    rows = _history_rows(_history_page(staff_client, structure))
    edit = next(r for r in rows if r[0] == "Fiche" and r[1] == "Modification")
    assert edit[2] == [
        ("accueil sans rendez-vous", "non", "oui"),
        ("accès fauteuil roulant", "Non renseigné", "Accessible en fauteuil roulant"),
    ]
    assert ("Permanence", "Modification", [("jour", "mardi", "jeudi")]) in rows
    assert any(r[0] == "Horaires" and r[1] == "Suppression" for r in rows)
    page = _history_page(staff_client, structure).content.decode()
    assert "Visite sur place" in page
    assert "Rétablir cette version" in page


def test_an_unexplained_change_shows_a_dash_not_none(staff_client):
    structure = make_structure(name="Espace numérique (exemple)")
    structure.phone = "02 61 91 00 01"
    structure.save()
    page = _history_page(staff_client, structure)
    assert [entry.reason for entry in page.context["page_obj"]] == ["", ""]
    assert ">None<" not in page.content.decode()


def test_needs_changes_read_as_names(staff_client):
    structure = make_structure(needs=["stage-de-3e"])
    structure.needs.set([need("trouver-un-emploi")])
    rows = _history_rows(_history_page(staff_client, structure))
    changes = [c for r in rows for c in r[2] if c[0] == "besoins"]
    # Newest first; Django's set() removes, then adds.
    assert changes == [
        ("besoins", "—", "Trouver un emploi"),
        ("besoins", "Stage de 3e", "—"),
        ("besoins", "—", "Stage de 3e"),
    ]


def test_the_history_page_queries_do_not_grow_with_its_records(
    staff_client, django_assert_max_num_queries
):
    structure = make_structure(needs=["stage-de-3e"])
    host = make_structure()

    def edit_everything(versions):
        for i in versions:
            structure.description = f"Version {i}"
            structure.save()
            make_permanence(host, structure, needs=["trouver-un-emploi"])
            OpeningSlot.objects.create(
                structure=structure,
                weekday=0,
                opens=datetime.time(6 + i),
                closes=datetime.time(7 + i),
            )
            Actor.objects.create(structure=structure, role=f"Conseiller {i}")

    edit_everything(range(2))
    url = reverse("admin:actors_structure_history", args=[structure.pk])
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    edit_everything(range(2, 12))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get(url).status_code == 200
