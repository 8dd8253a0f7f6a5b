"""Real-world OpenStreetMap opening_hours: every string the reference parser reads gets in."""

import collections
import datetime

import opening_hours
import pytest

from actors.enums import ExceptionKind, HolidaysRule
from actors.opening import hours_on
from opendata.osm_hours import (
    HORIZON_DAYS,
    format_opening_hours,
    parse_opening_hours,
)

TODAY = datetime.date(2026, 12, 1)
T = datetime.time
Slot = collections.namedtuple("Slot", "weekday opens closes")
Exception_ = collections.namedtuple("Exception_", "starts_on ends_on kind opens closes label")

# 35 strings as they are found in OpenStreetMap and data·inclusion; the last one is not
# OSM syntax at all (the reference parser refuses it).
REAL_WORLD = [
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Mo-Fr 08:30-12:30,13:30-17:30; PH off",
    "24/7",
    "Mo-Sa 10:00-19:00; Su,PH off",
    "Mo-Fr 09:00-17:00; Jul,Aug off",
    "Sa[1] 10:00-12:00",
    "PH 10:00-12:00",
    "mo-fr 09:00-12:00",
    'Mo-Fr 09:00-12:00 "sur rendez-vous l\'après-midi"',
    "Mo,We,Fr 09:00-12:00",
    "Tu-Sa 10:00-12:30,14:00-18:00",
    "Mo-Fr 09:00-18:00; Sa 09:00-12:00",
    "Mo-Fr 08:00-12:00,13:30-17:00; We 08:00-12:00",
    "Mo 14:00-18:00; Tu-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
    "Mo-Fr 09:00-12:00, Sa 10:00-12:00",
    "Mo-Su 00:00-24:00",
    "Mo-Fr 09:00-17:00; Dec 24-Jan 01 off",
    "Mo-Fr 09:00-17:00; 2026 Dec 24-2027 Jan 02 off",
    "Mo-Fr 09:00-12:00; Aug off",
    "Mo-Fr 09:00-12:00; Jul-Aug Mo-Fr 10:00-12:00",
    "week 02-52/2 Mo 09:00-12:00",
    "sunrise-sunset",
    "Mo-Fr 08:00-12:00; PH closed",
    "Mo-Fr 09:00-12:00; Tu 14:00-17:00",
    "Mo-Fr 09:00-12:00 open; Sa off",
    'Mo-Fr 09:00-12:00,13:30-17:00 || "sur rendez-vous"',
    "Mo-Th 08:30-12:00,13:30-17:30; Fr 08:30-12:00,13:30-16:30",
    "Mo-Fr 9:00-12:00",
    "Mo-Fr 09:00-12:00; SH off",
    "Mo-Fr 10:00-12:00; Sa[-1] 10:00-12:00",
    "Mo-Fr 22:00-02:00",
    'Mo-Fr 09:00-12:00 "accueil"; PH off',
    "Mo-Fr 09:00-12:00,14:00-17:00; PH off; Dec 25 off",
    "MO-FR 09:00-12:00",
    "Lundi-Vendredi 9h-12h",
]
VALID = REAL_WORLD[:-1]
# What our rows (weekly slots, holiday rule, dated exceptions) cannot hold exactly.
KEPT_TO_CHECK = {
    "Sa[1] 10:00-12:00",
    "Mo-Fr 09:00-12:00; Jul-Aug Mo-Fr 10:00-12:00",
    "week 02-52/2 Mo 09:00-12:00",
    "sunrise-sunset",
    'Mo-Fr 09:00-12:00,13:30-17:00 || "sur rendez-vous"',
    "Mo-Fr 09:00-12:00; SH off",
    "Mo-Fr 10:00-12:00; Sa[-1] 10:00-12:00",
}


def reference(text):
    return opening_hours.OpeningHours(text, country="FR", auto_country=False, auto_timezone=False)


def rows(parsed):
    return [Slot(*s) for s in parsed.slots], [Exception_(*e) for e in parsed.exceptions]


def reference_days(text):
    """{date: [(opens, closes)]} of the reference parser over the horizon."""
    start = datetime.datetime.combine(TODAY, T.min)
    days = collections.defaultdict(list)
    for begin, end, state, _comment in reference(text).intervals(
        start, start + datetime.timedelta(days=HORIZON_DAYS)
    ):
        while begin < end and state == opening_hours.State.OPEN:
            midnight = datetime.datetime.combine(begin.date() + datetime.timedelta(days=1), T.min)
            piece = min(end, midnight)
            days[begin.date()].append((begin.time(), T.max if piece == midnight else piece.time()))
            begin = piece
    return days


def test_the_sample_is_what_the_reference_parser_reads():
    for text in VALID:
        reference(text)
    with pytest.raises(opening_hours.ParserError):
        reference(REAL_WORLD[-1])


@pytest.mark.parametrize("text", VALID)
def test_every_valid_string_is_read(text):
    parsed = parse_opening_hours(text, TODAY)
    assert bool(parsed.verbatim) == (text in KEPT_TO_CHECK)


@pytest.mark.parametrize("text", sorted(set(VALID) - KEPT_TO_CHECK))
def test_what_is_read_exactly_opens_and_closes_like_the_reference_all_year(text):
    slots, exceptions = rows(parse_opening_hours(text, TODAY))
    rule = parse_opening_hours(text, TODAY).holidays_rule
    expected = reference_days(text)
    for offset in range(HORIZON_DAYS):
        day = TODAY + datetime.timedelta(days=offset)
        ours = list(hours_on(day, slots, exceptions, rule).slots)
        assert ours == sorted(expected.get(day, [])), (text, day)


@pytest.mark.parametrize("text", VALID)
def test_what_is_exported_is_valid_osm(text):
    slots, exceptions = rows(parse_opening_hours(text, TODAY))
    written = format_opening_hours(
        slots, exceptions, parse_opening_hours(text, TODAY).holidays_rule
    )
    if written:
        reference(written)


def test_the_invalid_string_is_refused_with_a_french_reason():
    with pytest.raises(ValueError, match="horaires illisibles"):
        parse_opening_hours(REAL_WORLD[-1], TODAY)


def test_the_forms_agents_meet_most_map_onto_our_rows():
    always = parse_opening_hours("24/7", TODAY)
    assert always.slots == [(day, T(0), T.max) for day in range(7)]
    assert format_opening_hours(*rows(always), always.holidays_rule) == "Mo-Su 00:00-24:00"

    weekdays = parse_opening_hours("Mo-Sa 10:00-19:00; Su,PH off", TODAY)
    assert weekdays.holidays_rule == HolidaysRule.CLOSED
    assert {s[0] for s in weekdays.slots} == {0, 1, 2, 3, 4, 5}

    summer = parse_opening_hours("Mo-Fr 09:00-17:00; Jul,Aug off", TODAY)
    assert summer.exceptions == [
        (
            datetime.date(2027, 7, 1),
            datetime.date(2027, 8, 31),
            ExceptionKind.CLOSED,
            None,
            None,
            "",
        )
    ]  # the coming summer

    holidays = parse_opening_hours("PH 10:00-12:00", TODAY)
    assert holidays.slots == [] and holidays.holidays_rule == HolidaysRule.CLOSED
    christmas = (datetime.date(2026, 12, 25),) * 2
    assert (*christmas, ExceptionKind.SPECIAL, T(10), T(12), "") in holidays.exceptions

    assert parse_opening_hours("mo-fr 09:00-12:00", TODAY).slots == [
        (day, T(9), T(12)) for day in range(5)
    ]
    comment = parse_opening_hours('Mo-Fr 09:00-12:00 "sur rendez-vous l\'après-midi"', TODAY)
    assert comment.note == "sur rendez-vous l'après-midi" and not comment.verbatim

    last_saturday = parse_opening_hours("Mo-Fr 10:00-12:00; Sa[-1] 10:00-12:00", TODAY)
    assert last_saturday.verbatim == "Mo-Fr 10:00-12:00; Sa[-1] 10:00-12:00"
    assert {s[0] for s in last_saturday.slots} == {0, 1, 2, 3, 4}  # the usual week stays
    assert last_saturday.exceptions == []


@pytest.mark.django_db
def test_no_row_of_a_csv_is_refused_for_its_hours(tmp_path):
    import io

    from django.core.management import call_command

    from actors.models import Structure
    from tests.factories import BREIL_CENTRE

    lat, lon = BREIL_CENTRE
    lines = ["identifiant;nom;type;statut;latitude;longitude;horaires"]
    for n, text in enumerate(REAL_WORLD):
        quoted = text.replace('"', '""')
        lines.append(f'h-{n};Horaires n° {n} (fictif);cio;published;{lat};{lon};"{quoted}"')
    path = tmp_path / "hours.csv"
    path.write_text("\n".join(lines) + "\n")
    out = io.StringIO()
    call_command("import_structures", str(path), "--format", "csv", "--no-progress", stdout=out)
    assert "35 créée(s)" in out.getvalue() and "0 invalide(s)" in out.getvalue()
    assert "horaires « Lundi-Vendredi 9h-12h »" in out.getvalue()  # set aside, said why
    to_check = Structure.objects.filter(hours_to_check=True).count()
    assert to_check == len(KEPT_TO_CHECK)

    # What the forms agents meet most become in the database, on either one.
    def entry(text):
        return Structure.objects.get(slug=f"h-{REAL_WORLD.index(text)}")

    assert entry("24/7").opening_slots.count() == 7
    closed_sundays = entry("Mo-Sa 10:00-19:00; Su,PH off")
    assert closed_sundays.holidays_rule == HolidaysRule.CLOSED
    assert sorted(closed_sundays.opening_slots.values_list("weekday", flat=True)) == list(range(6))
    summer = entry("Mo-Fr 09:00-17:00; Jul,Aug off").opening_exceptions.get()
    assert (summer.starts_on.month, summer.ends_on.month, summer.kind) == (7, 8, "closed")
    first_saturday = entry("Sa[1] 10:00-12:00")
    assert first_saturday.hours_to_check and first_saturday.hours_note == "Sa[1] 10:00-12:00"
    holidays = entry("PH 10:00-12:00")
    assert holidays.opening_exceptions.filter(kind=ExceptionKind.SPECIAL).exists()
    assert entry("mo-fr 09:00-12:00").opening_slots.count() == 5
    assert entry(REAL_WORLD[8]).hours_note == "sur rendez-vous l'après-midi"
