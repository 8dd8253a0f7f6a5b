"""History: every change to the directory is recorded, shown in the admin and can be undone."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F
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
from tests.factories import make_permanence, make_structure, need, public

pytestmark = pytest.mark.django_db


def test_every_directory_model_has_a_history():
    for model in [Structure, Actor, Permanence, OpeningSlot, OpeningException, Neighbourhood]:
        assert hasattr(model, "history"), model
        # Registered where the model lives: its history table is in the same app's migrations.
        assert model.history.model._meta.app_label == "actors"


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


def test_restoring_a_version_brings_back_its_needs_and_publics(staff_client):
    structure = make_structure(needs=["stage-de-3e"], publics=["collegiens"])
    version = structure.history.latest()
    structure.needs.set([need("trouver-un-emploi")])
    structure.publics.set([])

    url = reverse("admin:actors_structure_simple_history", args=[structure.pk, version.pk])
    form = staff_client.get(url)
    data = admin_post_data(form)
    assert data["needs"] == [need("stage-de-3e").pk]
    data.update(last_verified_at_0="", last_verified_at_1="")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [n.slug for n in structure.needs.all()] == ["stage-de-3e"]
    assert [p.slug for p in structure.publics.all()] == ["collegiens"]
    # The live entry's change page still shows the live values.
    change = staff_client.get(reverse("admin:actors_structure_change", args=[structure.pk]))
    assert admin_post_data(change)["needs"] == [need("stage-de-3e").pk]


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


def _earlier(structure, **delta):
    """What the history holds of the structure and its rows happened `delta` ago."""
    moved = datetime.timedelta(**delta)
    for model in [Structure, OpeningSlot, OpeningException, Actor, Permanence]:
        records = model.history.all()
        if model is Structure:
            records = records.filter(id=structure.pk)
        records.update(history_date=F("history_date") - moved)


def test_a_set_of_needs_reads_as_one_change_before_and_after(staff_client):
    structure = make_structure(needs=["stage-de-3e"], publics=["collegiens"])
    _earlier(structure, days=1)
    # Django's set() removes, then adds: two history records, one change for the agent.
    structure.needs.set([need("trouver-un-emploi"), need("choisir-son-orientation")])
    structure.publics.set([public("lyceens")])

    assert structure.history.count() == 1 + 2 + 2 + 2  # creation with its needs and publics
    rows = _history_rows(_history_page(staff_client, structure))
    assert rows == [
        (
            "Fiche",
            "Modification",
            [
                ("besoins", "Stage de 3e", "Choisir son orientation, Trouver un emploi"),
                ("publics", "Collégiens", "Lycéens"),
            ],
        ),
        ("Fiche", "Création", []),  # the creation, its needs and publics given with it
    ]


def test_needs_changed_on_another_day_stay_two_changes(staff_client):
    structure = make_structure(needs=["stage-de-3e"])
    structure.needs.set([need("trouver-un-emploi")])
    _earlier(structure, minutes=10)
    structure.needs.add(need("stage-de-3e"))
    rows = _history_rows(_history_page(staff_client, structure))
    assert rows == [
        (
            "Fiche",
            "Modification",
            [("besoins", "Trouver un emploi", "Stage de 3e, Trouver un emploi")],
        ),
        ("Fiche", "Création", []),
    ]


def test_an_admin_save_of_fields_and_needs_reads_as_one_change(staff_client, staff_agent):
    structure = make_structure(name="Point information jeunesse (exemple)", needs=["stage-de-3e"])
    _earlier(structure, days=1)
    url = reverse("admin:actors_structure_change", args=[structure.pk])
    data = admin_post_data(staff_client.get(url))
    data.update(last_verified_at_0="", last_verified_at_1="", change_reason="Courriel du PIJ")
    data.update(empty_inlines())
    data.update(phone="02 61 91 00 02", needs=[need("trouver-un-emploi").pk])
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    page = _history_page(staff_client, structure)
    latest = page.context["page_obj"][0]
    assert (latest.section, latest.action, latest.user, latest.reason) == (
        "Fiche",
        "Modification",
        staff_agent,
        "Courriel du PIJ",
    )
    assert [(str(c.label), c.before, c.after) for c in latest.changes] == [
        ("téléphone", "—", "+33261910002"),
        ("besoins", "Stage de 3e", "Trouver un emploi"),
    ]
    assert len(page.context["page_obj"]) == 2
    # Its restore link is the edit's last version: the one with the new needs.
    assert latest.record.needs.get().need.slug == "trouver-un-emploi"


def test_an_edit_by_someone_else_right_after_is_its_own_change(staff_client, staff_agent):
    structure = make_structure(needs=["stage-de-3e"])
    _earlier(structure, days=1)
    structure._history_user = staff_agent
    structure.needs.set([need("trouver-un-emploi")])
    fresh = Structure.objects.get(pk=structure.pk)  # no author: an import, say
    fresh.needs.add(need("stage-de-3e"))
    rows = _history_rows(_history_page(staff_client, structure))
    assert [r[2] for r in rows[:2]] == [
        [("besoins", "Trouver un emploi", "Stage de 3e, Trouver un emploi")],
        [("besoins", "Stage de 3e", "Trouver un emploi")],
    ]


def _restore_link(page, section, action):
    html = page.content.decode()
    (entry,) = [e for e in page.context["page_obj"] if (e.section, e.action) == (section, action)]
    url = reverse(
        f"admin:actors_{entry.model._meta.model_name}_simple_history",
        args=[entry.record.id, entry.record.history_id],
    )
    assert f'href="{url}"' in html
    return url


def test_a_deleted_professional_is_restored_from_the_structures_history(staff_client):
    structure = make_structure(name="Mission locale (exemple)")
    actor = Actor.objects.create(
        structure=structure, name="Camille Exemple", role="Conseillère", email="c@exemple.org"
    )
    actor.needs.set([need("trouver-un-emploi")])
    actor._change_reason = "Départ annoncé par courriel"
    actor.delete()

    page = _history_page(staff_client, structure)
    url = _restore_link(page, "Professionnel", "Suppression")
    form = staff_client.get(url)
    assert form.status_code == 200
    response = staff_client.post(url, admin_post_data(form))
    assert response.status_code == 302, response.context["adminform"].form.errors

    restored = Actor.objects.get(structure=structure)
    assert (restored.name, restored.role, restored.email) == (
        "Camille Exemple",
        "Conseillère",
        "c@exemple.org",
    )
    assert [n.slug for n in restored.needs.all()] == ["trouver-un-emploi"]
    rows = _history_rows(_history_page(staff_client, structure))
    assert [(r[0], r[1]) for r in rows[:3]] == [
        ("Professionnel", "Création"),
        ("Professionnel", "Suppression"),
        ("Professionnel", "Création"),
    ]


def test_an_edited_hour_is_restored_alone(staff_client):
    structure = make_structure()
    slot = OpeningSlot.objects.create(
        structure=structure, weekday=0, opens=datetime.time(9), closes=datetime.time(12)
    )
    slot.closes = datetime.time(11)
    slot.save()
    structure.description = "Une autre modification, gardée."
    structure.save()

    page = _history_page(staff_client, structure)
    url = _restore_link(page, "Horaires", "Création")
    response = staff_client.post(url, admin_post_data(staff_client.get(url)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    slot.refresh_from_db()
    structure.refresh_from_db()
    assert slot.closes == datetime.time(12)
    assert structure.description == "Une autre modification, gardée."


def test_only_an_agent_who_may_change_a_row_is_offered_its_restore(client, django_user_model):
    structure = make_structure()
    Actor.objects.create(structure=structure, role="Conseillère")
    reader = django_user_model.objects.create_user("lecteur", is_staff=True)
    reader.user_permissions.set(
        Permission.objects.filter(codename__in=["view_structure", "change_structure"])
    )
    client.force_login(reader)
    page = _history_page(client, structure)
    can = {(e.section, e.action): e.can_restore for e in page.context["page_obj"]}
    assert can == {("Fiche", "Création"): True, ("Professionnel", "Création"): False}


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
