"""When is a place open? Weekly slots, dated exceptions and French public holidays.

Pure functions over already-loaded rows (the search prefetches them), evaluated
in Europe/Paris local time. Public holidays come from the `holidays` package;
school holidays from `vacances-scolaires-france`, which ships the Ministère de
l'Éducation nationale's calendar (data.education.gouv.fr) as a CSV, by zone.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy, pgettext
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

from actors.enums import ExceptionKind, HolidaysRule
from actors.i18n import gettext as _

# Far enough to look past a summer closure when announcing the next opening.
LOOKAHEAD_DAYS = 60


@lru_cache(maxsize=8)
def _french_holidays(year):
    return holidays.country_holidays("FR", years=year, language="fr")


def public_holiday(day):
    """The French name of the public holiday on this date, or None."""
    return _french_holidays(day.year).get(day)


# Nantes is in school-holiday zone B.
SCHOOL_HOLIDAY_ZONE = "B"


@lru_cache(maxsize=1)
def _school_calendar():
    # Reads the package's whole CSV (1990-2028) once per process.
    return SchoolHolidayDates()


def school_holiday(day, zone=SCHOOL_HOLIDAY_ZONE):
    """The French name of the school holidays on this date ("Vacances de Noël"), or "".

    A year the package does not cover yet counts as term time: a permanence then
    shows its usual dates rather than none.
    """
    calendar = _school_calendar()
    try:
        if not calendar.is_holiday_for_zone(day, zone):
            return ""
    except UnsupportedYearException:
        return ""
    return calendar.data[day]["nom_vacances"]


@dataclass(frozen=True)
class DayHours:
    day: datetime.date
    slots: tuple  # ((opens, closes), ...) sorted
    reason: str = ""  # why it differs from the usual week: exception label or holiday


def hours_on(day, weekly_slots, exceptions, holidays_rule=HolidaysRule.CLOSED):
    """The opening slots that apply on `day`.

    `weekly_slots`: iterable of objects with weekday/opens/closes;
    `exceptions`: iterable of objects with starts_on/ends_on/kind/opens/closes/label.
    Precedence: a dated closure, then dated special hours, then the holiday
    rule, then the usual week.
    """
    covering = [e for e in exceptions if e.starts_on <= day <= e.ends_on]
    closures = [e for e in covering if e.kind == ExceptionKind.CLOSED]
    if closures:
        return DayHours(day, (), closures[0].label or _("fermeture exceptionnelle"))
    special = sorted((e.opens, e.closes) for e in covering if e.kind == ExceptionKind.SPECIAL)
    if special:
        labels = [e.label for e in covering if e.label]
        return DayHours(day, tuple(special), labels[0] if labels else _("horaires exceptionnels"))
    holiday = public_holiday(day)
    if holiday and holidays_rule == HolidaysRule.CLOSED:
        return DayHours(day, (), holiday)
    usual = sorted((s.opens, s.closes) for s in weekly_slots if s.weekday == day.weekday())
    return DayHours(day, tuple(usual), holiday or "")


@dataclass(frozen=True)
class OpeningStatus:
    known: bool  # False when the place publishes no hours at all
    open_now: bool = False
    closes_at: datetime.time | None = None
    next_opening: datetime.datetime | None = None  # aware, Europe/Paris
    reason: str = ""  # e.g. why it is closed today

    def label(self, now=None):
        """'Ouvert maintenant, jusqu'à 17 h' / 'Ouvre mardi à 9 h' / …, in the active language."""
        if not self.known:
            return _("Horaires non renseignés")
        if self.open_now:
            return _("Ouvert maintenant, jusqu'à %(time)s") % {"time": format_time(self.closes_at)}
        if self.next_opening is None:
            return _("Fermé pour le moment")
        now = timezone.localtime(now)
        day = self.next_opening.date()
        time = format_time(self.next_opening.time())
        if day == now.date():
            return _("Ouvre aujourd'hui à %(time)s") % {"time": time}
        if day == now.date() + datetime.timedelta(days=1):
            return _("Ouvre demain à %(time)s") % {"time": time}
        if day < now.date() + datetime.timedelta(days=7):
            return _("Ouvre %(weekday)s à %(time)s") % {
                "weekday": formats.date_format(day, "l"),
                "time": time,
            }
        return _("Ouvre le %(date)s à %(time)s") % {
            "date": format_day(day),
            "time": time,
        }


def format_time(value):
    """9 h, 9 h 30 — the French way of writing opening times."""
    if value is None:
        return ""
    if value.minute:
        return _("%(hour)d h %(minute)02d") % {"hour": value.hour, "minute": value.minute}
    return _("%(hour)d h") % {"hour": value.hour}


def opening_status(weekly_slots, exceptions, holidays_rule, now=None):
    weekly_slots = list(weekly_slots)
    exceptions = list(exceptions)
    if not weekly_slots and not any(e.kind == ExceptionKind.SPECIAL for e in exceptions):
        return OpeningStatus(known=False)
    now = timezone.localtime(now)
    today = now.date()
    current_time = now.time().replace(tzinfo=None)
    today_hours = hours_on(today, weekly_slots, exceptions, holidays_rule)
    for opens, closes in today_hours.slots:
        if opens <= current_time < closes:
            return OpeningStatus(True, True, closes_at=closes, reason=today_hours.reason)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + datetime.timedelta(days=offset)
        day_hours = (
            today_hours if offset == 0 else hours_on(day, weekly_slots, exceptions, holidays_rule)
        )
        for opens, _closes in day_hours.slots:
            if offset == 0 and opens <= current_time:
                continue
            next_opening = timezone.make_aware(datetime.datetime.combine(day, opens))
            return OpeningStatus(True, False, next_opening=next_opening, reason=today_hours.reason)
    return OpeningStatus(True, False, reason=today_hours.reason)


def week_table(weekly_slots, exceptions, holidays_rule, start):
    """Seven DayHours from `start`: what the coming week really looks like."""
    weekly_slots = list(weekly_slots)
    exceptions = list(exceptions)
    return [
        hours_on(start + datetime.timedelta(days=offset), weekly_slots, exceptions, holidays_rule)
        for offset in range(7)
    ]


def next_openings(weekly_slots, exceptions, holidays_rule, now=None, count=3):
    """The next `count` opening periods (aware start, aware end), current one included."""
    weekly_slots = list(weekly_slots)
    exceptions = list(exceptions)
    now = timezone.localtime(now)
    found = []
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = now.date() + datetime.timedelta(days=offset)
        for opens, closes in hours_on(day, weekly_slots, exceptions, holidays_rule).slots:
            end = timezone.make_aware(datetime.datetime.combine(day, closes))
            if end <= now:
                continue
            found.append((timezone.make_aware(datetime.datetime.combine(day, opens)), end))
            if len(found) >= count:
                return found
    return found


# --- Dates and hours as people write them ------------------------------------------------

WEEKDAY_ABBREVIATIONS = [
    gettext_lazy("lun."),
    gettext_lazy("mar."),
    gettext_lazy("mer."),
    gettext_lazy("jeu."),
    gettext_lazy("ven."),
    gettext_lazy("sam."),
    gettext_lazy("dim."),
]


def format_day(day, weekday=False):
    """ "1er décembre", "mardi 1er décembre" ("1 December", "Tuesday 1 December" in English):
    French writes the first of a month as an ordinal."""
    number = pgettext("the first day of a month", "1er") if day.day == 1 else str(day.day)
    month = formats.date_format(day, "F")
    if weekday:
        return _("%(weekday)s %(day)s %(month)s") % {
            "weekday": formats.date_format(day, "l"),
            "day": number,
            "month": month,
        }
    return _("%(day)s %(month)s") % {"day": number, "month": month}


def format_period(starts_on, ends_on):
    """ "le 24 décembre", "du 24 décembre au 1er janvier"."""
    if starts_on == ends_on:
        return _("le %(day)s") % {"day": format_day(starts_on)}
    return _("du %(start)s au %(end)s") % {
        "start": format_day(starts_on),
        "end": format_day(ends_on),
    }


def format_slots(pairs):
    """ "9 h–12 h et 14 h–17 h"."""
    separator = pgettext("between two opening times", " et ")
    return separator.join(f"{format_time(opens)}–{format_time(closes)}" for opens, closes in pairs)


def usual_week(weekly_slots):
    """The usual week in one line, days with the same hours together: "lun.–ven. 9 h–12 h et
    14 h–17 h ; sam. 9 h–12 h", "lun., mer., ven. 14 h–18 h". "" without slots."""
    by_day = {}
    for slot in weekly_slots:
        by_day.setdefault(slot.weekday, []).append((slot.opens, slot.closes))
    days_by_hours = {}  # the same hours, the days that have them, in the week's order
    for weekday in sorted(by_day):
        days_by_hours.setdefault(tuple(sorted(by_day[weekday])), []).append(weekday)
    parts = [f"{_days(days)} {format_slots(pairs)}" for pairs, days in days_by_hours.items()]
    return pgettext("list separator", " ; ").join(parts)


def _days(weekdays):
    """ "lun.–ven.", "lun., mar.", "lun., mer.–ven.": three days or more in a row as a range."""
    runs = []  # [first, last]
    for weekday in weekdays:
        if runs and runs[-1][1] == weekday - 1:
            runs[-1][1] = weekday
        else:
            runs.append([weekday, weekday])
    names = []
    for first, last in runs:
        if last - first >= 2:
            names.append(f"{WEEKDAY_ABBREVIATIONS[first]}–{WEEKDAY_ABBREVIATIONS[last]}")
        else:
            names.extend(str(WEEKDAY_ABBREVIATIONS[day]) for day in range(first, last + 1))
    return ", ".join(names)
