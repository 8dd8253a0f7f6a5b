import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actors.enums import ExceptionKind, Status
from actors.models import OpeningException, OpeningSlot, Permanence, Structure
from tests.factories import (
    BREIL_CENTRE,
    ILE_DE_NANTES,
    make_permanence,
    make_structure,
    neighbourhood,
)

pytestmark = pytest.mark.django_db

T = datetime.time


def _rejected(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


@pytest.mark.parametrize(("lat", "lon"), [(90.5, 0), (-91, 0), (47, 180.1), (47, -181)])
def test_database_rejects_coordinates_out_of_range(lat, lon):
    _rejected(lambda: make_structure(at=(lat, lon)))


def test_database_rejects_half_a_position():
    _rejected(lambda: make_structure(at=(47.2, None), status=Status.DRAFT))


def test_database_rejects_a_published_entry_without_position():
    _rejected(lambda: make_structure(at=(None, None), status=Status.PUBLISHED))


def test_a_draft_may_wait_for_its_position():
    assert make_structure(at=(None, None), status=Status.DRAFT).neighbourhood is None


def test_database_rejects_unknown_kind_and_status():
    _rejected(lambda: make_structure(kind="boulangerie"))
    _rejected(lambda: make_structure(status="deleted"))


def test_database_rejects_duplicate_slugs():
    make_structure(slug="cio-nantes-nord")
    _rejected(lambda: make_structure(slug="cio-nantes-nord"))


def test_database_rejects_two_rows_for_the_same_source_record():
    make_structure(source="annuaire", source_id="cio-44109-01")
    _rejected(lambda: make_structure(source="annuaire", source_id="cio-44109-01"))
    # Manual entries (no source id) are not concerned.
    make_structure()
    make_structure()


def test_database_rejects_a_slot_that_closes_before_it_opens():
    structure = make_structure()
    _rejected(
        lambda: OpeningSlot.objects.create(structure=structure, weekday=0, opens=T(14), closes=T(9))
    )
    _rejected(
        lambda: OpeningSlot.objects.create(structure=structure, weekday=7, opens=T(9), closes=T(12))
    )


def test_database_rejects_inconsistent_exceptions():
    structure = make_structure()
    day = datetime.date(2026, 12, 24)
    _rejected(
        lambda: OpeningException.objects.create(
            structure=structure, starts_on=day, ends_on=day - datetime.timedelta(days=1)
        )
    )
    _rejected(
        lambda: OpeningException.objects.create(
            structure=structure, starts_on=day, ends_on=day, kind=ExceptionKind.SPECIAL
        )
    )
    _rejected(
        lambda: OpeningException.objects.create(
            structure=structure,
            starts_on=day,
            ends_on=day,
            kind=ExceptionKind.CLOSED,
            opens=T(9),
            closes=T(12),
        )
    )


def test_database_rejects_a_permanence_held_at_its_own_structure():
    structure = make_structure()
    _rejected(lambda: make_permanence(structure, structure))


def test_clean_explains_problems_in_french():
    structure = Structure(
        name="X", slug="x", kind="cio", status=Status.PUBLISHED, latitude=95, longitude=None
    )
    with pytest.raises(ValidationError) as error:
        structure.full_clean()
    messages = str(error.value.message_dict)
    assert "latitude" in messages and "longitude" in messages
    assert (
        "Une fiche publiée doit avoir une position" in messages
        or "comprise entre -90 et 90" in messages
    )

    slot = OpeningSlot(weekday=0, opens=T(14), closes=T(9))
    with pytest.raises(ValidationError, match="après l'heure d'ouverture"):
        slot.clean()

    exception = OpeningException(
        starts_on=datetime.date(2026, 1, 2),
        ends_on=datetime.date(2026, 1, 1),
        kind=ExceptionKind.SPECIAL,
    )
    with pytest.raises(ValidationError, match="date de fin"):
        exception.clean()


def test_neighbourhood_is_derived_from_the_position():
    structure = make_structure(at=BREIL_CENTRE)
    assert structure.neighbourhood.slug == "breil-barberie"
    structure.latitude, structure.longitude = ILE_DE_NANTES
    structure.save()
    assert structure.neighbourhood.slug == "ile-de-nantes"


def test_an_agent_can_override_the_derived_neighbourhood():
    structure = make_structure(at=BREIL_CENTRE)
    structure.neighbourhood = neighbourhood("nantes-nord")
    structure.neighbourhood_is_manual = True
    structure.save()
    structure.refresh_from_db()
    assert structure.neighbourhood.slug == "nantes-nord"


def test_verify_touches_only_the_verification_fields():
    structure = make_structure(description="Avant")
    before = Structure.objects.get(pk=structure.pk)
    Structure.objects.filter(pk=structure.pk).update(description="Modifiée ailleurs")
    structure.verify()
    after = Structure.objects.get(pk=structure.pk)
    assert after.last_verified_at is not None
    assert after.updated_at == before.updated_at
    assert after.description == "Modifiée ailleurs"


def test_search_text_is_accent_and_case_insensitive():
    structure = make_structure(name="Élan Jeunesse", description="Accueil des ÉLÈVES")
    assert "elan jeunesse" in structure.search_text
    assert "eleves" in structure.search_text


def test_permanence_recurrences():
    host, provider = make_structure(), make_structure()
    tuesday = datetime.date(2026, 12, 1)  # first Tuesday of December 2026
    first = make_permanence(host, provider, weekday=1, recurrence="first")
    assert first.occurs_on(tuesday)
    assert not first.occurs_on(tuesday + datetime.timedelta(days=7))
    last = make_permanence(host, provider, weekday=1, recurrence="last")
    assert last.occurs_on(datetime.date(2026, 12, 29))
    assert not last.occurs_on(datetime.date(2026, 12, 22))
    weekly = make_permanence(host, provider, weekday=1, ends_on=datetime.date(2026, 12, 10))
    assert weekly.next_dates(datetime.date(2026, 11, 27)) == [
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 8),
    ]
    assert (
        Permanence.objects.current(on=datetime.date(2026, 12, 11)).filter(pk=weekly.pk).count() == 0
    )
