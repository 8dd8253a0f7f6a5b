"""Permanences that know the calendar: public and school holidays, closures, cancellations,
sessions already over; languages and ages on the pages; data·inclusion services."""

import datetime
import json

import pytest
from data_inclusion.schema import v1
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actors.enums import ExceptionKind, Recurrence
from actors.models import Language, OpeningException, PermanenceCancellation
from actors.models.people import Skip
from opendata.osm_hours import check_opening_hours
from tests.factories import ILE_DE_NANTES, make_permanence, make_structure

pytestmark = pytest.mark.django_db

D = datetime.date
T = datetime.time
MONDAY, TUESDAY, FRIDAY = 0, 1, 4


def at(day, hour=8, minute=0):
    """An aware moment in Nantes."""
    return timezone.make_aware(datetime.datetime.combine(day, T(hour, minute)))


@pytest.fixture
def places():
    """A maison de quartier (the host) and a Mission locale (the provider), both fictional."""
    host = make_structure(name="Maison de quartier des essais (exemple)", kind="maison-de-quartier")
    provider = make_structure(
        name="Mission locale des essais (exemple)",
        kind="mission-locale",
        phone="02 61 91 40 01",
        at=ILE_DE_NANTES,
    )
    return host, provider


def test_public_holidays_are_never_next(places):
    friday = make_permanence(*places, weekday=FRIDAY)
    upcoming = friday.upcoming(at(D(2026, 12, 21)))
    # 25 December and 1 January are Fridays in 2026.
    assert upcoming.dates == [D(2027, 1, 8), D(2027, 1, 15), D(2027, 1, 22)]
    assert [day for day, _skip in upcoming.skipped] == [D(2026, 12, 25), D(2027, 1, 1)]
    assert upcoming.skipped[0][1].kind == Skip.PUBLIC_HOLIDAY
    assert "Noël" in upcoming.skipped[0][1].label
    monday = make_permanence(*places, weekday=MONDAY)
    # Easter Monday 2027 is 29 March.
    assert D(2027, 3, 29) not in monday.next_dates(D(2027, 3, 22))


def test_the_hosts_and_the_providers_closures_skip_their_sessions(places):
    host, provider = places
    permanence = make_permanence(host, provider, weekday=TUESDAY)
    OpeningException.objects.create(
        structure=host, starts_on=D(2027, 2, 1), ends_on=D(2027, 2, 3), label="Travaux"
    )
    OpeningException.objects.create(
        structure=provider, starts_on=D(2027, 2, 9), ends_on=D(2027, 2, 9)
    )
    # Special hours are not a closure: the session stays.
    OpeningException.objects.create(
        structure=host,
        starts_on=D(2027, 2, 16),
        ends_on=D(2027, 2, 16),
        kind=ExceptionKind.SPECIAL,
        opens=T(10),
        closes=T(12),
    )
    upcoming = permanence.upcoming(at(D(2027, 2, 1)))
    assert upcoming.dates == [D(2027, 2, 16), D(2027, 2, 23), D(2027, 3, 2)]
    assert upcoming.skipped == [
        (D(2027, 2, 2), Skip(Skip.CLOSED, "Travaux")),
        (D(2027, 2, 9), Skip(Skip.CLOSED, "")),
    ]


def test_a_cancelled_session_is_skipped_with_its_reason(places, staff_agent):
    permanence = make_permanence(*places, weekday=TUESDAY)
    PermanenceCancellation.objects.create(
        permanence=permanence,
        on_date=D(2027, 1, 12),
        reason="Conseillère absente",
        created_by=staff_agent,
    )
    upcoming = permanence.upcoming(at(D(2027, 1, 11)))
    assert upcoming.dates[0] == D(2027, 1, 19)
    assert upcoming.skipped == [(D(2027, 1, 12), Skip(Skip.CANCELLED, "Conseillère absente"))]


def test_a_cancellation_must_fall_on_a_session(places):
    permanence = make_permanence(*places, weekday=TUESDAY)
    with pytest.raises(ValidationError) as error:
        PermanenceCancellation(permanence=permanence, on_date=D(2027, 1, 13)).full_clean()
    assert "n'a pas lieu ce jour-là" in str(error.value)
    PermanenceCancellation.objects.create(permanence=permanence, on_date=D(2027, 1, 12))
    with pytest.raises(IntegrityError), transaction.atomic():
        PermanenceCancellation.objects.create(permanence=permanence, on_date=D(2027, 1, 12))


def test_a_session_already_over_today_is_not_next(places):
    permanence = make_permanence(*places, weekday=TUESDAY, opens=T(14), closes=T(17))
    tuesday = D(2026, 12, 1)
    assert permanence.upcoming(at(tuesday, 21)).dates[0] == D(2026, 12, 8)
    assert permanence.upcoming(at(tuesday, 15)).dates[0] == tuesday  # still on: go now
    assert permanence.upcoming(at(tuesday, 17)).dates[0] == D(2026, 12, 8)


def test_school_holidays_of_zone_b_skip_sessions_only_when_the_permanence_says_so(places):
    stops = make_permanence(*places, weekday=MONDAY, off_in_school_holidays=True)
    goes_on = make_permanence(*places, weekday=MONDAY)
    # Winter 2026: zone A from 7 February, zone B (Nantes) from 14 February to 1 March.
    start = at(D(2026, 2, 9))
    assert stops.upcoming(start).dates == [D(2026, 2, 9), D(2026, 3, 2), D(2026, 3, 9)]
    assert stops.upcoming(start).skipped == [
        (D(2026, 2, 16), Skip(Skip.SCHOOL_HOLIDAYS, "Vacances d'hiver")),
        (D(2026, 2, 23), Skip(Skip.SCHOOL_HOLIDAYS, "Vacances d'hiver")),
    ]
    assert goes_on.upcoming(start).dates == [D(2026, 2, 9), D(2026, 2, 16), D(2026, 2, 23)]
    # Told as one period, not session by session.
    assert stops.upcoming(start).skipped_runs == [
        (D(2026, 2, 16), D(2026, 2, 23), Skip(Skip.SCHOOL_HOLIDAYS, "Vacances d'hiver"))
    ]
    # Christmas 2026-2027: from 19 December to 3 January.
    christmas = make_permanence(*places, weekday=TUESDAY, off_in_school_holidays=True)
    assert christmas.next_dates(D(2026, 12, 15)) == [D(2026, 12, 15), D(2027, 1, 5), D(2027, 1, 12)]


def test_the_calendar_and_the_recurrence_combine(places):
    first_tuesday = make_permanence(*places, weekday=TUESDAY, recurrence=Recurrence.FIRST)
    # 5 January 2027 is in term time; 2 February too; the January session is cancelled.
    PermanenceCancellation.objects.create(permanence=first_tuesday, on_date=D(2027, 1, 5))
    assert first_tuesday.next_dates(D(2026, 12, 2), count=2) == [D(2027, 2, 2), D(2027, 3, 2)]


def test_ages_must_be_in_order_and_plausible(places):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_permanence(*places, min_age=26, max_age=16)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_permanence(*places, max_age=500)
    permanence = make_permanence(*places)
    permanence.min_age, permanence.max_age = 26, 16
    with pytest.raises(ValidationError) as error:
        permanence.full_clean()
    assert "âge maximum" in str(error.value)


@pytest.mark.parametrize(
    ("ages", "label"),
    [
        ((16, 25), "De 16 à 25 ans"),
        ((16, None), "Dès 16 ans"),
        ((None, 25), "Jusqu'à 25 ans"),
        ((None, None), ""),
    ],
)
def test_the_age_range_reads_as_a_sentence(places, ages, label):
    permanence = make_permanence(*places, min_age=ages[0], max_age=ages[1])
    assert permanence.age_range_label() == label


# --- On the pages ----------------------------------------------------------------------


def _next_session(permanence):
    return permanence.upcoming().dates[0]


def test_the_summer_holidays_are_one_period_on_the_page(client, places):
    host, provider = places
    make_permanence(host, provider, weekday=TUESDAY, off_in_school_holidays=True)
    # Summer 2026 in zone B: from 4 July to 31 August.
    upcoming = host.hosted_permanences.get().upcoming(at(D(2026, 6, 30), 18))
    assert upcoming.dates[0] == D(2026, 9, 1)
    runs = upcoming.skipped_runs
    assert [(run[0], run[1]) for run in runs if run[2].kind == Skip.SCHOOL_HOLIDAYS] == [
        (D(2026, 7, 7), D(2026, 8, 25))
    ]


def test_the_structure_page_says_which_session_will_not_take_place_and_for_whom(client, places):
    host, provider = places
    permanence = make_permanence(
        host, provider, title="Permanence emploi (exemple)", min_age=16, max_age=25, weekday=TUESDAY
    )
    permanence.languages.set([Language.objects.get(slug="en"), Language.objects.get(slug="ar")])
    cancelled = _next_session(permanence)
    PermanenceCancellation.objects.create(
        permanence=permanence, on_date=cancelled, reason="Conseillère en formation"
    )
    for page in (host, provider):
        text = client.get(page.get_absolute_url()).content.decode()
        assert "De 16 à 25 ans" in text
        assert "Langues : anglais, arabe" in text or "Langues : arabe, anglais" in text
        assert "Pas de permanence" in text
        assert "Conseillère en formation" in text


def test_the_handout_skips_cancelled_sessions_in_constant_queries(client, places):
    host, provider = places
    providers = [provider] + [make_structure(kind="mission-locale") for _ in range(2)]
    hosts = [host] + [make_structure(kind="maison-de-quartier") for _ in range(2)]

    def sheet(count):
        for place, holder in zip(hosts[:count], providers[:count], strict=True):
            permanence = make_permanence(place, holder, needs=["trouver-un-emploi"], weekday=FRIDAY)
            PermanenceCancellation.objects.create(
                permanence=permanence, on_date=_next_session(permanence), reason="Salle prise"
            )
            client.post(reverse("frontdesk:selection-add"), {"slug": place.slug})
        client.get(reverse("frontdesk:handout"))  # the vocabulary and the session, once
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("frontdesk:handout"))
        return response.content.decode(), len(queries)

    one_text, one = sheet(1)
    client.post(reverse("frontdesk:selection-clear"))
    PermanenceCancellation.objects.all().delete()
    three_text, three = sheet(3)
    assert "Salle prise" in one_text
    assert three_text.count("Salle prise") == 3
    assert three == one


# --- data·inclusion ----------------------------------------------------------------------


def test_permanences_are_exported_as_services_at_the_hosts_address(client, places):
    host, provider = places
    host.street, host.postcode, host.insee_code = "1, voie fictive des essais", "44300", "44109"
    host.save()
    permanence = make_permanence(
        host,
        provider,
        title="Permanence emploi (exemple)",
        needs=["trouver-un-emploi"],
        min_age=16,
        max_age=25,
        weekday=TUESDAY,
        off_in_school_holidays=True,
        walk_in=True,
    )
    permanence.languages.set([Language.objects.get(slug="en")])
    PermanenceCancellation.objects.create(
        permanence=permanence, on_date=_next_session(permanence), reason="Conseillère absente"
    )
    response = client.get(reverse("opendata:data-inclusion-services"))
    records = json.loads(b"".join(response.streaming_content))
    for record in records:
        v1.Service.model_validate(record)
    service = next(r for r in records if r["id"].endswith(f"--permanence-{permanence.pk}"))
    assert service["structure_id"].endswith(f"--{provider.slug}")
    assert (service["adresse"], service["code_postal"], service["code_insee"]) == (
        "1, voie fictive des essais",
        "44300",
        "44109",
    )
    assert (service["latitude"], service["longitude"]) == (host.latitude, host.longitude)
    assert service["publics_precisions"] == "De 16 à 25 ans"
    assert "Langues : anglais." in service["description"]
    assert service["horaires_accueil"].startswith("Tu 14:00-17:00; PH off; SH off; ")
    assert '"Conseillère absente"' in service["horaires_accueil"]
    check_opening_hours(service["horaires_accueil"])
    assert "se-presenter" in service["modes_mobilisation"]
    assert service["thematiques"]


def test_a_permanence_at_an_unpublished_host_is_not_exported(client, places):
    host, provider = places
    make_permanence(host, provider, title="Permanence au brouillon")
    host.status = "draft"
    host.save()
    response = client.get(reverse("opendata:data-inclusion-services"))
    assert "Permanence au brouillon" not in b"".join(response.streaming_content).decode()


def test_the_api_announces_no_session_on_a_public_holiday(client, places):
    host, provider = places
    permanence = make_permanence(host, provider, weekday=TUESDAY)
    body = client.get(reverse("actors:api-structure", args=[host.slug])).json()
    dates = [D.fromisoformat(day) for day in body["hosted_permanences"][0]["next_dates"]]
    assert dates == permanence.next_dates()
    assert all(permanence.skip_reason(day) is None for day in dates)


# --- In the admin ------------------------------------------------------------------------


def test_an_agent_cancels_a_session_from_the_permanences_admin_page(
    staff_client, staff_agent, places
):
    from tests.admin_helpers import admin_post_data

    permanence = make_permanence(*places, weekday=TUESDAY, needs=["trouver-un-emploi"])
    url = reverse("admin:actors_permanence_change", args=[permanence.pk])
    page = staff_client.get(url)
    assert "Séances annulées" in page.content.decode()
    data = admin_post_data(page)
    data.update(
        {
            "cancellations-TOTAL_FORMS": 1,
            "cancellations-INITIAL_FORMS": 0,
            "cancellations-0-on_date": "13/01/2027",  # a Wednesday: refused, said why
            "cancellations-0-reason": "Conseillère absente",
        }
    )
    refused = staff_client.post(url, data)
    assert refused.status_code == 200
    assert not refused.context["adminform"].form.errors
    (errors,) = [inline.formset.errors for inline in refused.context["inline_admin_formsets"]]
    assert "La permanence n'a pas lieu ce jour-là" in str(errors)
    data["cancellations-0-on_date"] = "12/01/2027"
    assert staff_client.post(url, data).status_code == 302
    cancellation = permanence.cancellations.get()
    assert (cancellation.on_date, cancellation.reason) == (D(2027, 1, 12), "Conseillère absente")
    assert cancellation.created_by == staff_agent
    assert D(2027, 1, 12) not in permanence.next_dates(D(2027, 1, 11))
