"""Our opening hours in OpenStreetMap `opening_hours` syntax, both ways.

data·inclusion publishes hours in this syntax, and our CSV / JSON files use it
too, so one function writes both. We write (and read back) a small, regular
subset of the syntax:

    Mo-Fr 09:00-12:30,13:30-17:30; Sa 09:00-12:00; PH off;
    2025 Jul 14 10:00-12:00 "horaires d'été"; 2025 Dec 24-2026 Jan 01 off "congés"

Rule order follows our precedence (actors.hours.hours_on): later OSM rules
override earlier ones, so the usual week comes first, then the public-holiday
rule, then dated special hours, then dated closures.
"""

import datetime
import functools
import itertools
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from actors.enums import ExceptionKind, HolidaysRule

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

_TIME = r"([01]?\d|2[0-3]):([0-5]\d)"
_TIME_RANGE = re.compile(rf"^{_TIME}-{_TIME}$")
_COMMENT = re.compile(r'^(.*?)\s*"([^"]*)"$')
_DAY_SELECTOR = re.compile(r"^((?:Mo|Tu|We|Th|Fr|Sa|Su)(?:[-,](?:Mo|Tu|We|Th|Fr|Sa|Su))*)\s+(.+)$")
_DATE_SELECTOR = re.compile(
    r"^(\d{4}) ([A-Z][a-z]{2}) (\d{1,2})"
    r"(?:-(?:(\d{4}) )?(?:([A-Z][a-z]{2}) )?(\d{1,2}))?\s+(.+)$"
)
_OFF = {"off", "closed"}


@dataclass
class ParsedHours:
    slots: list = field(default_factory=list)  # [(weekday, opens, closes)]
    exceptions: list = field(
        default_factory=list
    )  # [(starts_on, ends_on, kind, opens, closes, label)]
    holidays_rule: str = HolidaysRule.CLOSED


# --- Writing ---------------------------------------------------------------------------


def _time(value):
    return f"{value:%H:%M}"


def _times(pairs):
    return ",".join(f"{_time(opens)}-{_time(closes)}" for opens, closes in pairs)


def _days(weekdays):
    """[0, 1, 2, 4] → 'Mo-We,Fr': runs of consecutive days become ranges."""
    parts = []
    for _key, run in itertools.groupby(enumerate(weekdays), key=lambda item: item[1] - item[0]):
        run = [day for _, day in run]
        parts.append(DAYS[run[0]] if len(run) == 1 else f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
    return ",".join(parts)


def _date(value):
    return f"{value.year} {MONTHS[value.month - 1]} {value.day:02d}"


def _dates(starts_on, ends_on):
    if starts_on == ends_on:
        return _date(starts_on)
    return f"{_date(starts_on)}-{_date(ends_on)}"


def _comment(label):
    # A comment cannot hold a double quote: the typographic one reads the same.
    return f' "{label.replace(chr(34), "”")}"' if label else ""


def format_opening_hours(slots, exceptions, holidays_rule, *, since=None):
    """OSM opening_hours of weekly slots, dated exceptions and the holiday rule.

    `slots` and `exceptions` are model instances (or objects with the same
    attributes); exceptions ending before `since` are left out when given.
    """
    by_day = {}
    for slot in slots:
        by_day.setdefault(slot.weekday, []).append((slot.opens, slot.closes))
    groups = {}  # identical hours on several days form one rule
    for weekday in sorted(by_day):
        groups.setdefault(tuple(sorted(by_day[weekday])), []).append(weekday)
    rules = [f"{_days(days)} {_times(pairs)}" for pairs, days in groups.items()]

    specials, closures = {}, []
    for exception in sorted(exceptions, key=lambda e: (e.starts_on, e.ends_on, e.opens or 0)):
        if since is not None and exception.ends_on < since:
            continue
        if exception.kind == ExceptionKind.CLOSED:
            closures.append(
                f"{_dates(exception.starts_on, exception.ends_on)} off{_comment(exception.label)}"
            )
        else:
            special = specials.setdefault(
                (exception.starts_on, exception.ends_on), {"pairs": [], "label": ""}
            )
            special["pairs"].append((exception.opens, exception.closes))
            special["label"] = special["label"] or exception.label
    if holidays_rule == HolidaysRule.CLOSED and (rules or specials or closures):
        rules.append("PH off")
    for (starts_on, ends_on), special in specials.items():
        rules.append(
            f"{_dates(starts_on, ends_on)} {_times(sorted(special['pairs']))}"
            f"{_comment(special['label'])}"
        )
    return "; ".join(rules + closures)


# --- Reading ---------------------------------------------------------------------------


def _split_rules(text):
    """Split on ';' outside double-quoted comments."""
    rules, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            rules.append("".join(current))
            current = []
        else:
            current.append(char)
    rules.append("".join(current))
    return [rule.strip() for rule in rules if rule.strip()]


def parse_time(text):
    """'9:30', '09:30' or '09:30:00' → time; ValueError otherwise."""
    match = re.fullmatch(rf"{_TIME}(?::[0-5]\d)?", text.strip())
    if not match:
        raise ValueError(_("heure illisible : « %(value)s »") % {"value": text})
    return datetime.time(int(match[1]), int(match[2]))


def _parse_times(text, rule):
    pairs = []
    for part in text.split(","):
        match = _TIME_RANGE.match(part.strip())
        if not match:
            raise ValueError(_("horaires illisibles : « %(rule)s »") % {"rule": rule})
        opens = datetime.time(int(match[1]), int(match[2]))
        closes = datetime.time(int(match[3]), int(match[4]))
        if opens >= closes:
            raise ValueError(
                _("l'heure de fermeture doit suivre l'heure d'ouverture : « %(rule)s »")
                % {"rule": rule}
            )
        pairs.append((opens, closes))
    return pairs


def _parse_days(selector):
    days = []
    for part in selector.split(","):
        first, _sep, last = part.partition("-")
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            end += 7  # Sa-Mo wraps around the week
        days.extend(day % 7 for day in range(start, end + 1))
    return days


def _month(name, rule):
    if name not in MONTHS:
        raise ValueError(_("mois illisible : « %(rule)s »") % {"rule": rule})
    return MONTHS.index(name) + 1


def _parse_dates(match, rule):
    year, month, day = int(match[1]), _month(match[2], rule), int(match[3])
    try:
        starts_on = datetime.date(year, month, day)
        ends_on = starts_on
        if match[6]:
            ends_on = datetime.date(
                int(match[4]) if match[4] else year,
                _month(match[5], rule) if match[5] else month,
                int(match[6]),
            )
    except ValueError:
        raise ValueError(_("date impossible : « %(rule)s »") % {"rule": rule}) from None
    if ends_on < starts_on:
        raise ValueError(_("dates dans le désordre : « %(rule)s »") % {"rule": rule})
    return starts_on, ends_on


@functools.lru_cache(maxsize=1024)
def parse_opening_hours(text):
    """The subset written by format_opening_hours(), back to rows; ValueError if unreadable.

    Without a `PH off` rule, public holidays follow the usual week (OSM semantics).
    Cached: most places share a handful of patterns; callers must not modify the result.
    """
    parsed = ParsedHours()
    rules = _split_rules(text or "")
    parsed.holidays_rule = HolidaysRule.OPEN if rules else HolidaysRule.CLOSED
    for rule in rules:
        body, label = rule, ""
        comment = _COMMENT.match(rule)
        if comment:
            body, label = comment[1], comment[2].strip()
        if body in {"PH off", "PH closed"}:
            parsed.holidays_rule = HolidaysRule.CLOSED
            continue
        if match := _DATE_SELECTOR.match(body):
            starts_on, ends_on = _parse_dates(match, rule)
            if match[7].strip() in _OFF:
                parsed.exceptions.append(
                    (starts_on, ends_on, ExceptionKind.CLOSED, None, None, label)
                )
            else:
                for opens, closes in _parse_times(match[7], rule):
                    parsed.exceptions.append(
                        (starts_on, ends_on, ExceptionKind.SPECIAL, opens, closes, label)
                    )
            continue
        if match := _DAY_SELECTOR.match(body):
            pairs = [] if match[2].strip() in _OFF else _parse_times(match[2], rule)
            for weekday in _parse_days(match[1]):
                # A later rule for the same day replaces the earlier one (OSM semantics).
                parsed.slots = [s for s in parsed.slots if s[0] != weekday]
                parsed.slots.extend((weekday, opens, closes) for opens, closes in pairs)
            continue
        raise ValueError(_("horaires illisibles : « %(rule)s »") % {"rule": rule})
    return parsed
