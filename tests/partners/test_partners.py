"""The partner space: each partner sees and acts on its own structures only."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actors.enums import Status, VerificationMethod
from actors.models import Actor, OpeningSlot, Structure
from partners import links
from partners.models import ChangeProposal, ErrorReport
from tests.factories import make_permanence, make_structure
from tests.partners_helpers import proposal_post

pytestmark = pytest.mark.django_db


def _fields(structure):
    structure.refresh_from_db()
    return {field.attname: getattr(structure, field.attname) for field in Structure._meta.fields}


# --- The permission matrix: every partner URL and action × the four roles ------------------

ROLES = ["anonymous", "partner_a", "partner_b", "staff"]


def _client(role, request):
    if role == "anonymous":
        return Client()
    if role == "staff":
        user = request.getfixturevalue("staff_agent")
    else:
        user = request.getfixturevalue(role)
    client = Client()
    client.force_login(user)
    return client


def _propose_a(structure_a):
    return proposal_post(structure_a, phone="02 40 99 99 99")


def _new_structure():
    return proposal_post(
        None, name="Point information jeunesse du Breil", kind="information-jeunesse"
    )


# action: (method, url of structure A, POST data, effect on the database or None)
ACTIONS = {
    "dashboard": ("get", lambda a: reverse("partners:home"), None, None),
    "login page": ("get", lambda a: reverse("partners:login"), None, None),
    "logout page": ("get", lambda a: reverse("partners:logout"), None, None),
    "propose form": ("get", lambda a: reverse("partners:propose", args=[a.slug]), None, None),
    "propose submit": (
        "post",
        lambda a: reverse("partners:propose", args=[a.slug]),
        _propose_a,
        lambda a: ChangeProposal.objects.filter(structure=a).count(),
    ),
    "confirm page": ("get", lambda a: reverse("partners:confirm", args=[a.slug]), None, None),
    "confirm submit": (
        "post",
        lambda a: reverse("partners:confirm", args=[a.slug]),
        lambda a: {},
        lambda a: Structure.objects.get(pk=a.pk).last_verified_at is not None,
    ),
    "confirm one-click link": (
        "get",
        lambda a: links.confirm_url(a, a.memberships.get().user),
        None,
        lambda a: Structure.objects.get(pk=a.pk).last_verified_at is not None,
    ),
    "new structure form": ("get", lambda a: reverse("partners:propose_new"), None, None),
    "new structure submit": (
        "post",
        lambda a: reverse("partners:propose_new"),
        lambda a: _new_structure(),
        lambda a: ChangeProposal.objects.filter(is_new=True).count(),
    ),
    "error report form": ("get", lambda a: reverse("reports:report", args=[a.slug]), None, None),
    "error report submit": (
        "post",
        lambda a: reverse("reports:report", args=[a.slug]),
        lambda a: {"message": "Le numéro de téléphone ne répond plus."},
        lambda a: ErrorReport.objects.filter(structure=a).count(),
    ),
}

SIGN_IN = "sign-in page"
# (action, role) → (status, whether the action took effect). Anything else about
# structure A by partner B or by staff is a 404; anonymous visitors get the sign-in
# form instead of any partner page, and nothing happens.
EXPECTED = {
    ("dashboard", "anonymous"): (SIGN_IN, False),
    ("dashboard", "partner_a"): (200, False),
    ("dashboard", "partner_b"): (200, False),
    ("dashboard", "staff"): (200, False),
    **{("login page", role): (200, False) for role in ROLES},
    **{("logout page", role): (200, False) for role in ROLES},
    ("propose form", "anonymous"): (SIGN_IN, False),
    ("propose form", "partner_a"): (200, False),
    ("propose form", "partner_b"): (404, False),
    ("propose form", "staff"): (404, False),
    ("propose submit", "anonymous"): (SIGN_IN, False),
    ("propose submit", "partner_a"): (302, True),
    ("propose submit", "partner_b"): (404, False),
    ("propose submit", "staff"): (404, False),
    ("confirm page", "anonymous"): (SIGN_IN, False),
    ("confirm page", "partner_a"): (200, False),
    ("confirm page", "partner_b"): (404, False),
    ("confirm page", "staff"): (404, False),
    ("confirm submit", "anonymous"): (SIGN_IN, False),
    ("confirm submit", "partner_a"): (302, True),
    ("confirm submit", "partner_b"): (404, False),
    ("confirm submit", "staff"): (404, False),
    ("confirm one-click link", "anonymous"): (SIGN_IN, False),
    ("confirm one-click link", "partner_a"): (302, True),
    ("confirm one-click link", "partner_b"): (404, False),
    ("confirm one-click link", "staff"): (404, False),
    ("new structure form", "anonymous"): (SIGN_IN, False),
    ("new structure form", "partner_a"): (200, False),
    ("new structure form", "partner_b"): (200, False),
    ("new structure form", "staff"): (200, False),
    ("new structure submit", "anonymous"): (SIGN_IN, False),
    ("new structure submit", "partner_a"): (302, True),
    ("new structure submit", "partner_b"): (302, True),
    ("new structure submit", "staff"): (302, True),
    **{("error report form", role): (200, False) for role in ROLES},
    **{("error report submit", role): (302, True) for role in ROLES},
}


def test_the_matrix_covers_every_partner_url_and_every_role():
    from partners import report_urls, urls

    names = {p.name for p in urls.urlpatterns} | {p.name for p in report_urls.urlpatterns}
    covered = {
        "home",
        "login",
        "logout",
        "propose",
        "confirm",
        "propose_new",
        "report",
    }
    # Open to anyone, and specified in tests/partners/test_accounts.py.
    password_pages = {
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "invitation",
    }
    assert names == covered | password_pages
    assert set(EXPECTED) == {(action, role) for action in ACTIONS for role in ROLES}
    assert len(EXPECTED) == 48


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(action, role, request, structure_a, partner_a, partner_b):
    method, url, data, effect = ACTIONS[action]
    client = _client(role, request)
    before = effect(structure_a) if effect else None
    if method == "get":
        response = client.get(url(structure_a))
    else:
        response = client.post(url(structure_a), data(structure_a))
    status, takes_effect = EXPECTED[(action, role)]
    if status == SIGN_IN:
        assert response.status_code == 200
        assert response.templates[0].name == "partners/login.html"
        assert structure_a.name not in response.content.decode()
    else:
        assert response.status_code == status, response.content.decode()[:2000]
    if effect:
        assert (effect(structure_a) != before) is takes_effect


# --- The dashboard ------------------------------------------------------------------------------


def test_partner_sees_only_its_own_structures_with_their_freshness(
    partner_a_client, partner_a, structure_a, structure_b
):
    structure_a.verify(by=partner_a, at=timezone.now() - datetime.timedelta(days=95))
    response = partner_a_client.get(reverse("partners:home"))
    page = response.content.decode()
    assert "Mission locale A" in page
    assert "CIO B" not in page
    assert "vérifié il y a 3\xa0mois" in page
    assert "À vérifier" not in page


def test_stale_structures_are_highlighted(partner_a_client, structure_a, settings):
    settings.STALE_AFTER_DAYS = 180
    structure_a.verify(at=timezone.now() - datetime.timedelta(days=200))
    page = partner_a_client.get(reverse("partners:home")).content.decode()
    assert "is-stale" in page
    assert "À vérifier" in page


def test_archived_structures_leave_the_partner_space(partner_a_client, structure_a):
    structure_a.archive()
    assert "Mission locale A" not in partner_a_client.get(reverse("partners:home")).content.decode()
    url = reverse("partners:propose", args=[structure_a.slug])
    assert partner_a_client.get(url).status_code == 404


def test_dashboard_query_count_does_not_grow_with_structures(
    partner_a_client, partner_a, django_assert_max_num_queries
):
    from partners.models import Membership

    for n in range(8):
        Membership.objects.create(structure=make_structure(name=f"Antenne {n}"), user=partner_a)
    with django_assert_max_num_queries(8):
        response = partner_a_client.get(reverse("partners:home"))
    assert response.content.decode().count("Proposer une modification") == 9


def test_a_partner_account_never_enters_the_admin(partner_a_client):
    response = partner_a_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_signing_in_from_the_partner_page_comes_back_to_it(client, partner_a, structure_a):
    url = reverse("partners:propose", args=[structure_a.slug])
    page = client.get(url).content.decode()
    assert f'name="next" value="{url}"' in page
    response = client.post(
        reverse("partners:login"),
        {"username": "partenaire-a", "password": "motdepasse-partenaire-a", "next": url},
    )
    assert response.status_code == 302 and response.url == url


def test_logout_needs_a_post(partner_a_client):
    partner_a_client.get(reverse("partners:logout"))
    assert partner_a_client.get(reverse("partners:home")).templates[0].name == "partners/home.html"
    partner_a_client.post(reverse("partners:logout"))
    assert partner_a_client.get(reverse("partners:home")).templates[0].name == "partners/login.html"


# --- Proposing a change -------------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_live_entry(partner_a_client, structure_a, structure_b):
    structure_a.phone = "02 40 11 22 33"
    structure_a.save()
    OpeningSlot.objects.create(
        structure=structure_a, weekday=1, opens=datetime.time(9), closes=datetime.time(12)
    )
    Actor.objects.create(structure=structure_a, role="Conseillère insertion", name="Awa")
    make_permanence(structure_b, structure_a, title="Permanence emploi")
    page = partner_a_client.get(reverse("partners:propose", args=[structure_a.slug]))
    html = page.content.decode()
    assert 'value="02 40 11 22 33"' in html
    assert 'value="09:00"' in html
    assert 'value="Conseillère insertion"' in html
    assert 'value="Permanence emploi"' in html
    assert f'value="{structure_b.slug}"' in html


def test_a_proposal_leaves_the_live_entry_unchanged(partner_a_client, partner_a, structure_a):
    before = _fields(structure_a)
    data = proposal_post(
        structure_a,
        phone="02 40 99 99 99",
        **{"horaires-0-weekday": "2", "horaires-0-opens": "14:00", "horaires-0-closes": "17:30"},
    )
    response = partner_a_client.post(reverse("partners:propose", args=[structure_a.slug]), data)
    assert response.status_code == 302
    assert _fields(structure_a) == before
    assert not structure_a.opening_slots.exists()
    proposal = ChangeProposal.objects.get()
    assert proposal.proposed_by == partner_a and proposal.is_pending
    assert proposal.changes == {
        "phone": "+33240999999",  # stored in its canonical form
        "opening_slots": [{"weekday": 2, "opens": "14:00", "closes": "17:30"}],
    }
    assert proposal.base == {"phone": "", "opening_slots": []}


def test_a_double_submitted_proposal_is_recorded_once(partner_a_client, structure_a):
    url = reverse("partners:propose", args=[structure_a.slug])
    data = proposal_post(structure_a, phone="02 40 99 99 99")
    first, second = partner_a_client.post(url, data), partner_a_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert ChangeProposal.objects.pending().count() == 1
    # Another change is another proposal.
    partner_a_client.post(url, proposal_post(structure_a, phone="02 40 88 88 88"))
    assert ChangeProposal.objects.pending().count() == 2


def test_a_double_submitted_new_structure_is_recorded_once(partner_b_client):
    data = proposal_post(None, name="PIJ du Breil", kind="information-jeunesse", city="Nantes")
    for _ in range(2):
        assert partner_b_client.post(reverse("partners:propose_new"), data).status_code == 302
    assert ChangeProposal.objects.filter(is_new=True).count() == 1


def test_submitting_the_form_untouched_says_to_use_nothing_changed(partner_a_client, structure_a):
    url = reverse("partners:propose", args=[structure_a.slug])
    response = partner_a_client.post(url, proposal_post(structure_a))
    assert response.status_code == 200
    assert "Vous n&#x27;avez rien modifié" in response.content.decode()
    assert not ChangeProposal.objects.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"postcode": "443"}, "Un code postal compte 5 chiffres."),
        ({"email": "pas-un-courriel"}, "Saisissez une adresse e-mail valide."),
        (
            {"horaires-0-weekday": "0", "horaires-0-opens": "18:00", "horaires-0-closes": "09:00"},
            "L&#x27;heure de fermeture doit être après l&#x27;heure d&#x27;ouverture.",
        ),
        (
            {
                "exceptions-0-starts_on": "2030-08-10",
                "exceptions-0-ends_on": "2030-08-01",
                "exceptions-0-kind": "closed",
            },
            "La date de fin doit être le même jour ou après la date de début.",
        ),
        (
            {
                "permanences-0-host": "nulle-part",
                "permanences-0-title": "Permanence",
                "permanences-0-weekday": "1",
                "permanences-0-opens": "14:00",
                "permanences-0-closes": "16:00",
                "permanences-0-recurrence": "weekly",
            },
            "Aucune structure publiée n&#x27;a l&#x27;identifiant « nulle-part ».",
        ),
        ({"horaires-0-weekday": "9", "horaires-0-opens": "25:00"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_gets_a_french_message_and_no_proposal(
    partner_a_client, structure_a, overrides, message
):
    url = reverse("partners:propose", args=[structure_a.slug])
    response = partner_a_client.post(url, proposal_post(structure_a, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ChangeProposal.objects.exists()


def test_a_partner_cannot_edit_another_structures_actor_through_a_forged_id(
    partner_a_client, structure_a, structure_b
):
    other = Actor.objects.create(structure=structure_b, role="PsyEN")
    data = proposal_post(
        structure_a,
        **{"professionnels-0-id": str(other.pk), "professionnels-0-role": "Piraté"},
    )
    response = partner_a_client.post(reverse("partners:propose", args=[structure_a.slug]), data)
    assert response.status_code == 200
    assert "Cette ligne n&#x27;appartient pas à cette structure." in response.content.decode()
    assert not ChangeProposal.objects.exists()


def test_a_garbled_formset_is_a_message_not_a_500(partner_a_client, structure_a):
    data = proposal_post(structure_a, **{"horaires-TOTAL_FORMS": "abc"})
    response = partner_a_client.post(reverse("partners:propose", args=[structure_a.slug]), data)
    assert response.status_code == 200
    assert not ChangeProposal.objects.exists()


# --- "Rien n'a changé" --------------------------------------------------------------------------


def test_nothing_changed_updates_only_the_verification_fields(
    partner_a_client, partner_a, structure_a
):
    before = _fields(structure_a)
    response = partner_a_client.post(reverse("partners:confirm", args=[structure_a.slug]))
    assert response.status_code == 302
    after = _fields(structure_a)
    verification = {"last_verified_at", "verified_by_id", "verification_method"}
    assert {k: v for k, v in after.items() if k not in verification} == {
        k: v for k, v in before.items() if k not in verification
    }
    assert after["verified_by_id"] == partner_a.pk
    assert after["verification_method"] == VerificationMethod.PARTNER
    assert timezone.now() - after["last_verified_at"] < datetime.timedelta(minutes=1)
    assert not structure_a.is_stale


def test_a_one_click_link_for_another_user_asks_for_confirmation(
    partner_a_client, partner_b, structure_a
):
    forged = links.confirm_url(structure_a, partner_b)
    response = partner_a_client.get(forged)
    assert response.status_code == 200
    assert "Ce lien a expiré" in response.content.decode()
    structure_a.refresh_from_db()
    assert structure_a.last_verified_at is None


# --- Proposing a new structure -------------------------------------------------------------------


def test_a_new_structure_is_only_a_proposal_until_accepted(partner_b_client, partner_b):
    count = Structure.objects.count()
    data = proposal_post(None, name="PIJ du Breil", kind="information-jeunesse", city="Nantes")
    response = partner_b_client.post(reverse("partners:propose_new"), data)
    assert response.status_code == 302
    assert Structure.objects.count() == count
    proposal = ChangeProposal.objects.get()
    assert proposal.is_new and proposal.structure is None
    assert proposal.changes["name"] == "PIJ du Breil"
    assert "PIJ du Breil" in partner_b_client.get(reverse("partners:home")).content.decode()


def test_a_new_structure_needs_a_name_and_a_kind(partner_b_client):
    response = partner_b_client.post(reverse("partners:propose_new"), proposal_post(None))
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not ChangeProposal.objects.exists()


def test_drafts_of_a_partner_are_listed_but_not_linked(partner_a_client, structure_a):
    Structure.objects.filter(pk=structure_a.pk).update(status=Status.DRAFT)
    page = partner_a_client.get(reverse("partners:home")).content.decode()
    assert "Mission locale A" in page and "Brouillon" in page
    assert f'href="{structure_a.get_absolute_url()}"' not in page


def test_line_ends_sent_by_browsers_are_not_a_change(partner_a_client, structure_a):
    Structure.objects.filter(pk=structure_a.pk).update(description="Ligne 1\nLigne 2")
    data = proposal_post(structure_a, description="Ligne 1\r\nLigne 2 ", phone="02 40 99 99 99")
    partner_a_client.post(reverse("partners:propose", args=[structure_a.slug]), data)
    assert ChangeProposal.objects.get().changes == {"phone": "+33240999999"}


def test_the_provider_proposes_its_permanences_ages_school_holidays_and_cancellations(
    partner_a_client, structure_a, structure_b, staff_agent
):
    permanence = make_permanence(structure_b, structure_a, title="Permanence emploi")
    first, second = permanence.next_dates(count=2)
    data = proposal_post(
        structure_a,
        **{
            "permanences-0-min_age": "16",
            "permanences-0-max_age": "25",
            "permanences-0-off_in_school_holidays": "on",
            # As a partner types it: French dates, one of them twice.
            "permanences-0-cancelled_on": f"{first:%d/%m/%Y}, {first:%d/%m/%Y}",
        },
    )
    response = partner_a_client.post(reverse("partners:propose", args=[structure_a.slug]), data)
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.changes["permanences"][0]["cancelled_on"] == [first.isoformat()]

    proposal.accept(by=staff_agent)

    permanence.refresh_from_db()
    assert (permanence.min_age, permanence.max_age) == (16, 25)
    assert permanence.off_in_school_holidays
    assert [c.on_date for c in permanence.cancellations.all()] == [first]
    assert first not in permanence.next_dates(count=2) and second in permanence.next_dates()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("31/02/2030", "« 31/02/2030 » n&#x27;est pas une date : écrivez-la JJ/MM/AAAA."),
        (
            "01/01/2020",
            "Le 01/01/2020 est déjà passé : seules les séances à venir s&#x27;annulent.",
        ),
    ],
)
def test_a_cancellation_date_that_cannot_be_is_refused_in_french(
    partner_a_client, structure_a, structure_b, typed, message
):
    make_permanence(structure_b, structure_a, title="Permanence emploi")
    data = proposal_post(structure_a, **{"permanences-0-cancelled_on": typed})
    response = partner_a_client.post(reverse("partners:propose", args=[structure_a.slug]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ChangeProposal.objects.exists()


def test_a_proposal_made_before_permanences_had_ages_keeps_their_ages(
    structure_a, structure_b, partner_a, staff_agent
):
    permanence = make_permanence(structure_b, structure_a, min_age=16, max_age=25)
    from partners.proposal_fields import PermanencesField

    (item,) = PermanencesField().read(structure_a)
    old_item = {
        name: value
        for name, value in item.items()
        if name not in ("min_age", "max_age", "off_in_school_holidays", "cancelled_on")
    }
    proposal = ChangeProposal.objects.create(
        structure=structure_a,
        proposed_by=partner_a,
        base={"permanences": [old_item]},
        changes={"permanences": [{**old_item, "title": "Nouveau titre"}]},
    )
    # The agent sees the permanences changed since (they carry ages now) and keeps the
    # proposal's: what it did not know about stays as it is.
    proposal.accept(by=staff_agent, resolutions={"permanences": "proposed"})
    permanence.refresh_from_db()
    assert permanence.title == "Nouveau titre"
    assert (permanence.min_age, permanence.max_age) == (16, 25)
