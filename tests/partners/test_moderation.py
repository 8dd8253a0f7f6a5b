"""Moderation: agents accept or reject proposals; nothing is half-applied or silently lost."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from actors.enums import Status, VerificationMethod
from actors.models import Need, OpeningSlot, Structure
from partners.models import (
    AlreadyDecided,
    ChangeProposal,
    ErrorReport,
    Membership,
    ProposalConflict,
    ProposalStatus,
)
from tests.partners_helpers import proposal_post

pytestmark = pytest.mark.django_db


def _propose(client, structure, **overrides):
    url = reverse("partners:propose", args=[structure.slug])
    response = client.post(url, proposal_post(structure, **overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return ChangeProposal.objects.filter(structure=structure).latest("created_at")


def _review_url(proposal):
    return reverse("admin:partners_changeproposal_change", args=[proposal.pk])


# --- Lifecycle ------------------------------------------------------------------------------------


def test_accepting_applies_the_proposal_records_history_and_marks_verified(
    partner_a_client,
    partner_a,
    structure_a,
    staff_client,
    staff_agent,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    proposal = _propose(
        partner_a_client,
        structure_a,
        phone="02 40 12 34 56",
        needs=["stage-de-3e"],
        **{"horaires-0-weekday": "2", "horaires-0-opens": "09:00", "horaires-0-closes": "12:30"},
    )
    history_before = structure_a.history.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_review_url(proposal), {"action": "accept"})

    assert response.status_code == 302
    structure_a.refresh_from_db()
    assert structure_a.phone == "+33240123456"
    assert list(structure_a.needs.values_list("slug", flat=True)) == ["stage-de-3e"]
    assert [(s.weekday, s.opens) for s in structure_a.opening_slots.all()] == [
        (2, datetime.time(9))
    ]
    assert structure_a.verified_by == partner_a
    assert structure_a.verification_method == VerificationMethod.PARTNER
    assert not structure_a.is_stale

    new_records = list(structure_a.history.order_by("history_id"))[history_before:]
    assert new_records and {record.history_user for record in new_records} == {staff_agent}
    assert new_records[0].history_change_reason == f"Proposition n°{proposal.pk} acceptée"
    changed = new_records[-1].diff_against(new_records[0].prev_record).changed_fields
    assert {"phone", "needs", "last_verified_at"} <= set(changed)
    assert structure_a.opening_slots.get().history.get().history_type == "+"

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.reviewed_by == staff_agent and proposal.decided_at
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [partner_a.email]
    assert "a été acceptée" in mailoutbox[0].subject
    assert "Mission locale A" in mailoutbox[0].subject


def test_rejecting_needs_a_reason_and_leaves_the_entry_unchanged(
    partner_a_client,
    structure_a,
    staff_client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")

    response = staff_client.post(_review_url(proposal), {"action": "reject", "reason": "  "})
    assert response.status_code == 200
    assert "Indiquez le motif du refus" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.is_pending

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            _review_url(proposal), {"action": "reject", "reason": "Numéro non vérifiable."}
        )
    proposal.refresh_from_db()
    structure_a.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert structure_a.phone == ""
    assert structure_a.last_verified_at is None
    assert "Numéro non vérifiable." in mailoutbox[0].body
    assert "n'a pas été retenue" in mailoutbox[0].subject


def test_a_decision_already_taken_is_not_taken_twice(partner_a_client, structure_a, staff_client):
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    staff_client.post(_review_url(proposal), {"action": "accept"})
    response = staff_client.post(
        _review_url(proposal), {"action": "reject", "reason": "Trop tard"}, follow=True
    )
    assert "déjà été traitée" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED


# --- The moderation queue ---------------------------------------------------------------------


def test_the_queue_lists_pending_proposals_only(partner_a_client, structure_a, staff_client):
    pending = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    decided = _propose(partner_a_client, structure_a, hours_note="Fermé le jeudi matin")
    decided.reject(by=None, reason="Doublon")
    page = staff_client.get(reverse("admin:partners_changeproposal_changelist")).content.decode()
    assert f"Proposition n°{pending.pk} " in page
    assert f"Proposition n°{decided.pk} " not in page
    everything = staff_client.get(
        reverse("admin:partners_changeproposal_changelist") + "?statut=all"
    ).content.decode()
    assert f"Proposition n°{decided.pk} " in everything


def test_the_review_shows_changed_fields_only(partner_a_client, structure_a, staff_client):
    structure_a.description = "Accueil des 16-25 ans."
    structure_a.save()
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    page = staff_client.get(_review_url(proposal)).content.decode()
    assert "Téléphone" in page and "02 40 12 34 56" in page
    assert "Accueil des 16-25 ans." not in page
    assert "Conflit" in page  # the column header, but no conflict radio
    assert 'name="choix-phone"' not in page


def test_the_review_says_which_hours_come_and_go(partner_a_client, structure_a, staff_client):
    OpeningSlot.objects.create(
        structure=structure_a, weekday=1, opens=datetime.time(10), closes=datetime.time(12)
    )
    proposal = _propose(partner_a_client, structure_a, **{"horaires-0-opens": "09:00"})
    page = staff_client.get(_review_url(proposal)).content.decode()
    assert "<strong>ajouté :</strong> mardi 09:00–12:00" in page
    assert "<strong>retiré :</strong> mardi 10:00–12:00" in page


def test_there_is_no_add_form_for_proposals_but_an_explanation(staff_client):
    response = staff_client.get(reverse("admin:partners_changeproposal_add"))
    assert response.status_code == 200
    assert "/partenaires/" in response.content.decode()


# --- Conflicts ----------------------------------------------------------------------------------


def test_accepting_after_the_entry_changed_asks_the_agent_to_choose(
    partner_a_client, structure_a, staff_client
):
    proposal = _propose(
        partner_a_client, structure_a, phone="02 40 12 34 56", hours_note="Fermé le lundi"
    )
    structure_a.phone = "02 51 00 00 00"  # an agent's direct edit meanwhile
    structure_a.save()

    response = staff_client.post(_review_url(proposal), {"action": "accept"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "choisissez la valeur à garder" in page
    assert 'name="choix-phone"' in page and 'name="choix-hours_note"' not in page
    structure_a.refresh_from_db()
    assert (structure_a.phone, structure_a.hours_note) == ("+33251000000", "")
    proposal.refresh_from_db()
    assert proposal.is_pending

    staff_client.post(_review_url(proposal), {"action": "accept", "choix-phone": "current"})
    structure_a.refresh_from_db()
    assert (structure_a.phone, structure_a.hours_note) == ("+33251000000", "Fermé le lundi")


def test_the_agent_may_keep_the_proposed_value_in_a_conflict(
    partner_a_client, structure_a, staff_agent
):
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    structure_a.phone = "02 51 00 00 00"
    structure_a.save()
    with pytest.raises(ProposalConflict) as conflict:
        proposal.accept(by=staff_agent)
    assert conflict.value.fields == ["phone"]
    proposal.accept(by=staff_agent, resolutions={"phone": "proposed"})
    structure_a.refresh_from_db()
    assert structure_a.phone == "+33240123456"


def test_a_change_elsewhere_on_the_entry_is_kept_not_overwritten(
    partner_a_client, structure_a, staff_agent
):
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    structure_a.description = "Nouveau texte de l'agent."
    structure_a.save()
    proposal.accept(by=staff_agent)  # no conflict: different fields
    structure_a.refresh_from_db()
    assert structure_a.phone == "+33240123456"
    assert structure_a.description == "Nouveau texte de l'agent."


def test_an_entry_changed_to_the_proposed_value_is_no_conflict(
    partner_a_client, structure_a, staff_agent
):
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    structure_a.phone = "02 40 12 34 56"
    structure_a.save()
    assert proposal.conflicts() == []
    proposal.accept(by=staff_agent)


def test_a_proposal_that_no_longer_applies_is_refused_whole(
    partner_a_client, structure_a, staff_client
):
    need = Need.objects.create(slug="besoin-ephemere", label="Besoin éphémère")
    proposal = _propose(
        partner_a_client, structure_a, phone="02 40 12 34 56", needs=["besoin-ephemere"]
    )
    need.delete()
    response = staff_client.post(_review_url(proposal), {"action": "accept"})
    assert response.status_code == 200
    assert "ne peut pas être appliquée" in response.content.decode()
    structure_a.refresh_from_db()
    assert structure_a.phone == ""  # nothing half-applied
    proposal.refresh_from_db()
    assert proposal.is_pending


# --- Two proposals on the same field ----------------------------------------------------------


def test_two_proposals_on_one_field_one_wins_the_other_is_superseded(
    partner_a_client,
    partner_a,
    structure_a,
    staff_agent,
    django_user_model,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    colleague = django_user_model.objects.create_user("collegue-a", "collegue@ml.example.org")
    Membership.objects.create(structure=structure_a, user=colleague)
    first = _propose(partner_a_client, structure_a, phone="02 40 11 11 11", hours_note="Note 1")
    second = ChangeProposal.propose(
        structure_a, by=colleague, values={"phone": "+33240222222", "description": "Texte 2"}
    )
    # The second agent's page was loaded before the first agent accepted: stale in memory.
    second_as_seen = ChangeProposal.objects.get(pk=second.pk)

    with django_capture_on_commit_callbacks(execute=True):
        first.accept(by=staff_agent)
    with pytest.raises(AlreadyDecided):
        second_as_seen.accept(by=staff_agent)

    structure_a.refresh_from_db()
    assert structure_a.phone == "+33240111111"
    assert structure_a.hours_note == "Note 1"
    assert structure_a.description == ""  # nothing of the loser applied
    second.refresh_from_db()
    assert second.status == ProposalStatus.SUPERSEDED
    assert f"n°{first.pk}" in second.reason
    assert {message.to[0] for message in mailoutbox} == {partner_a.email, colleague.email}


def test_a_proposal_on_other_fields_stays_pending(partner_a_client, structure_a, staff_agent):
    first = _propose(partner_a_client, structure_a, phone="02 40 11 11 11")
    other = _propose(partner_a_client, structure_a, hours_note="Fermé le jeudi")
    first.accept(by=staff_agent)
    other.refresh_from_db()
    assert other.is_pending
    other.accept(by=staff_agent)
    structure_a.refresh_from_db()
    assert (structure_a.phone, structure_a.hours_note) == ("+33240111111", "Fermé le jeudi")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs row locks: run on PostgreSQL (CI does)"
)
def test_concurrent_accepts_of_two_proposals_on_one_field(reference_data, django_user_model):
    """Two agents press "Accepter" at the same moment, in two real database sessions."""
    from tests.factories import make_structure

    structure = make_structure(name="Mission locale concurrente")
    agent = django_user_model.objects.create_user("agent-1", is_staff=True)
    partner = django_user_model.objects.create_user("partenaire-c", "c@ml.example.org")
    proposals = [
        ChangeProposal.propose(
            structure, by=partner, values={"phone": "+33240111111", "hours_note": "Note 1"}
        ),
        ChangeProposal.propose(
            structure, by=partner, values={"phone": "+33240222222", "description": "Texte 2"}
        ),
    ]
    barrier = threading.Barrier(2)
    outcomes = {}

    def accept(proposal):
        try:
            barrier.wait()
            proposal.accept(by=agent)
            outcomes[proposal.pk] = "accepted"
        except AlreadyDecided:
            outcomes[proposal.pk] = "too late"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["accepted", "too late"]
    winner = next(p for p in proposals if outcomes[p.pk] == "accepted")
    loser = next(p for p in proposals if outcomes[p.pk] == "too late")
    structure.refresh_from_db()
    assert structure.phone == winner.changes["phone"]
    for name in loser.changes.keys() - winner.changes.keys():
        assert getattr(structure, name) == ""  # nothing of the loser applied
    loser.refresh_from_db()
    assert loser.status == ProposalStatus.SUPERSEDED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs row locks: run on PostgreSQL (CI does)"
)
def test_two_identical_submissions_at_the_same_moment_make_one_proposal(
    reference_data, django_user_model
):
    """A double click: the same form posted twice at once, in two real database sessions."""
    from tests.factories import make_structure

    structure = make_structure(name="Mission locale cliquée deux fois")
    partner = django_user_model.objects.create_user("partenaire-d", "d@ml.example.org")
    barrier = threading.Barrier(2)
    created = []

    def submit():
        try:
            barrier.wait()
            created.append(
                ChangeProposal.propose(structure, by=partner, values={"phone": "+33240333333"}).pk
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(created) == 2 and len(set(created)) == 1
    assert ChangeProposal.objects.pending().count() == 1


# --- New structures -----------------------------------------------------------------------------


def test_accepting_a_new_structure_creates_a_draft_kept_by_its_proposer(
    partner_b_client, partner_b, staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    data = proposal_post(
        None,
        name="PIJ du Breil",
        kind="information-jeunesse",
        street="1 place fictive",
        postcode="44300",
        city="Nantes",
        needs=["stage-de-3e"],
        **{"horaires-0-weekday": "2", "horaires-0-opens": "14:00", "horaires-0-closes": "18:00"},
    )
    partner_b_client.post(reverse("partners:propose_new"), data)
    proposal = ChangeProposal.objects.get(is_new=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_review_url(proposal), {"action": "accept"})

    structure = Structure.objects.get(name="PIJ du Breil")
    assert response.status_code == 302
    assert response.url == reverse("admin:actors_structure_change", args=[structure.pk])
    assert structure.status == Status.DRAFT
    assert structure.slug == "pij-du-breil"
    assert OpeningSlot.objects.filter(structure=structure, weekday=2).exists()
    assert list(structure.needs.values_list("slug", flat=True)) == ["stage-de-3e"]
    assert Membership.objects.filter(structure=structure, user=partner_b).exists()
    assert structure.history.filter(history_type="+").exists()
    proposal.refresh_from_db()
    assert proposal.structure == structure
    assert "a été acceptée" in mailoutbox[0].subject


# --- Daily digest -------------------------------------------------------------------------------


def test_the_daily_digest_lists_what_waits(partner_a_client, structure_a, staff_agent, mailoutbox):
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    ErrorReport.objects.create(structure=structure_a, message="Adresse fausse")
    call_command("send_moderation_digest", stdout=io.StringIO())
    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.bcc == [staff_agent.email]
    assert "1 proposition en attente" in digest.subject
    assert f"n°{proposal.pk}" in digest.body and "Adresse fausse" in digest.body


def test_no_digest_when_nothing_waits(staff_agent, mailoutbox):
    call_command("send_moderation_digest", stdout=io.StringIO())
    assert mailoutbox == []


def test_an_old_invalid_value_elsewhere_does_not_block_acceptance(
    partner_a_client, structure_a, staff_agent
):
    Structure.objects.filter(pk=structure_a.pk).update(insee_code="ABC")  # an old import
    proposal = _propose(partner_a_client, structure_a, phone="02 40 12 34 56")
    proposal.accept(by=staff_agent)
    structure_a.refresh_from_db()
    assert structure_a.phone == "+33240123456"


def test_a_resubmitted_proposal_is_accepted_with_the_original(
    partner_a_client,
    partner_a,
    structure_a,
    staff_agent,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    first = _propose(partner_a_client, structure_a, phone="02 61 91 00 02")
    again = ChangeProposal.propose(
        structure_a, by=partner_a, values={"phone": "+33261910002"}, message="Je renvoie"
    )
    assert again.pk != first.pk
    with django_capture_on_commit_callbacks(execute=True):
        first.accept(by=staff_agent)
    again.refresh_from_db()
    assert again.status == ProposalStatus.ACCEPTED
    assert f"n°{first.pk}" in again.reason
    assert len(mailoutbox) == 1  # one decision, one e-mail


def test_the_agent_replies_to_the_partner_with_the_decision(
    partner_a_client,
    partner_a,
    structure_a,
    staff_client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    proposal = _propose(partner_a_client, structure_a, phone="02 61 91 00 03")
    url = reverse("admin:partners_changeproposal_change", args=[proposal.pk])
    page = staff_client.get(url).content.decode()
    assert "Message au partenaire, envoyé par courriel avec la décision" in page
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            url, {"action": "accept", "reason": "Merci, numéro corrigé aussi sur le site."}
        )
    (message,) = mailoutbox
    assert message.to == [partner_a.email]
    assert "acceptée" in message.subject
    assert "Merci, numéro corrigé aussi sur le site." in message.body
