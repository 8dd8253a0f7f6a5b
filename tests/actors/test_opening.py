import datetime
import zoneinfo

import pytest

from actors.enums import ExceptionKind, HolidaysRule
from actors.models import OpeningException, Structure
from actors.opening import hours_on, opening_status
from tests.factories import make_structure

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
T = datetime.time
WEEKDAYS_WITH_LUNCH = [(d, T(9), T(12)) for d in range(5)] + [(d, T(14), T(17)) for d in range(5)]


def at(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def test_open_during_a_slot_and_closed_at_lunch():
    structure = make_structure(hours=WEEKDAYS_WITH_LUNCH)
    open_status = structure.opening_status(now=at(2026, 12, 1, 10, 0))  # a Tuesday
    assert open_status.open_now and open_status.closes_at == T(12)
    lunch = structure.opening_status(now=at(2026, 12, 1, 12, 30))
    assert not lunch.open_now
    assert lunch.next_opening == at(2026, 12, 1, 14, 0)
    assert lunch.label(now=at(2026, 12, 1, 12, 30)) == "Ouvre aujourd'hui à 14 h"


def test_friday_evening_announces_monday():
    structure = make_structure(hours=WEEKDAYS_WITH_LUNCH)
    friday_evening = at(2026, 11, 27, 18, 0)
    status = structure.opening_status(now=friday_evening)
    assert status.next_opening == at(2026, 11, 30, 9, 0)
    assert status.label(now=friday_evening) == "Ouvre lundi à 9 h"


def test_public_holidays_close_unless_the_rule_says_open():
    christmas = at(2026, 12, 25, 10, 0)  # a Friday
    closed = make_structure(hours=WEEKDAYS_WITH_LUNCH)
    status = closed.opening_status(now=christmas)
    assert not status.open_now and status.reason == "Noël"
    always = make_structure(hours=WEEKDAYS_WITH_LUNCH, holidays_rule=HolidaysRule.OPEN)
    assert always.opening_status(now=christmas).open_now


def test_dated_closure_and_special_hours_win_over_the_week():
    structure = make_structure(hours=WEEKDAYS_WITH_LUNCH)
    OpeningException.objects.create(
        structure=structure,
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 2),
        kind=ExceptionKind.CLOSED,
        label="Travaux",
    )
    OpeningException.objects.create(
        structure=structure,
        starts_on=datetime.date(2026, 12, 3),
        ends_on=datetime.date(2026, 12, 3),
        kind=ExceptionKind.SPECIAL,
        opens=T(18),
        closes=T(20),
    )
    structure = Structure.objects.get(pk=structure.pk)
    status = structure.opening_status(now=at(2026, 12, 1, 10, 0))
    assert not status.open_now and status.reason == "Travaux"
    assert status.next_opening == at(2026, 12, 3, 18, 0)
    day = hours_on(
        datetime.date(2026, 12, 3),
        structure.opening_slots.all(),
        structure.opening_exceptions.all(),
    )
    assert day.slots == ((T(18), T(20)),)


def test_no_hours_is_said_plainly():
    status = opening_status([], [], HolidaysRule.CLOSED, now=at(2026, 12, 1, 10))
    assert not status.known
    assert status.label() == "Horaires non renseignés"


def test_sql_open_now_filter_agrees_with_python():
    lunch_break = make_structure(hours=WEEKDAYS_WITH_LUNCH)
    evening = make_structure(hours=[(1, T(17), T(20))])
    closed_today = make_structure(hours=WEEKDAYS_WITH_LUNCH)
    OpeningException.objects.create(
        structure=closed_today,
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 1),
    )
    special = make_structure(hours=[])
    OpeningException.objects.create(
        structure=special,
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 1),
        kind=ExceptionKind.SPECIAL,
        opens=T(9),
        closes=T(11),
    )
    everyone = [lunch_break, evening, closed_today, special]
    for moment in [
        at(2026, 12, 1, 10),
        at(2026, 12, 1, 12, 30),
        at(2026, 12, 1, 18),
        at(2026, 12, 25, 10),
    ]:
        in_sql = set(Structure.objects.filter(pk__in=[s.pk for s in everyone]).open_at(moment))
        in_python = {
            s
            for s in everyone
            if Structure.objects.get(pk=s.pk).opening_status(now=moment).open_now
        }
        assert in_sql == in_python, moment
