"""Our opening hours in OpenStreetMap `opening_hours` syntax, both ways.

data·inclusion publishes hours in this syntax, and our CSV / JSON files use it
too, so one function writes both. We write (and read back exactly) a small,
regular subset of the syntax:

    Mo-Fr 09:00-12:30,13:30-17:30; Sa 09:00-12:00; PH off;
    2025 Jul 14 10:00-12:00 "horaires d'été"; 2025 Dec 24-2026 Jan 01 off "congés"

Rule order follows our precedence (actors.opening.hours_on): later OSM rules
override earlier ones, so the usual week comes first, then the public-holiday
rule, then dated special hours, then dated closures.

Real sources use the whole grammar (`24/7`, `Su,PH off`, `Jul,Aug off`,
`Sa[1] 10:00-12:00`, lowercase days, comments…). Anything the reference
parser accepts (opening-hours-py, a port of the OSM specification) is read:
it is evaluated over the coming year and turned into what our model holds — a
usual week, the public-holiday rule, dated exceptions. What that cannot hold
exactly (`Sa[1]`, `week 02-52/2`, `sunrise-sunset`, school holidays, "unknown")
keeps its usual week, and the expression itself is kept verbatim for an agent
to check (`ParsedHours.verbatim`).
"""

import collections
import datetime
import functools
import itertools
import re
from dataclasses import dataclass, field

import opening_hours
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.enums import ExceptionKind, HolidaysRule, Recurrence
from actors.opening import public_holiday

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
_END_OF_DAY = "24:00"


@dataclass
class ParsedHours:
    slots: list = field(default_factory=list)  # [(weekday, opens, closes)]
    exceptions: list = field(
        default_factory=list
    )  # [(starts_on, ends_on, kind, opens, closes, label)]
    holidays_rule: str = HolidaysRule.CLOSED
    note: str = ""  # the expression's comments, for the hours note
    # The expression itself when the rows above do not hold it exactly: to check by hand.
    verbatim: str = ""


# --- Writing ---------------------------------------------------------------------------


def _time(value):
    return _END_OF_DAY if value == datetime.time.max else f"{value:%H:%M}"


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


# A permanence's recurrence as an OSM week or nth-weekday selector. Our even and odd
# weeks are ISO week numbers, as OSM's `week` selector counts them.
_WEEKS = {Recurrence.EVEN_WEEKS: "week 02-52/2 ", Recurrence.ODD_WEEKS: "week 01-53/2 "}
_NTH = {
    Recurrence.FIRST: "[1]",
    Recurrence.SECOND: "[2]",
    Recurrence.THIRD: "[3]",
    Recurrence.FOURTH: "[4]",
    Recurrence.LAST: "[-1]",
}


def format_permanence_hours(permanence, closures=(), *, since):
    """OSM opening_hours of a permanence: its weekday and times with their recurrence and
    dates, never on public holidays, off in school holidays when it says so, and the
    dated `closures` from `since` on ([(starts_on, ends_on, label)]: cancellations, the
    host's and the provider's closures)."""
    period = ""
    if permanence.ends_on:
        period = f"{_dates(max(permanence.starts_on or since, since), permanence.ends_on)} "
    elif permanence.starts_on and permanence.starts_on > since:
        period = f"{_date(permanence.starts_on)}+ "
    rules = [
        f"{period}{_WEEKS.get(permanence.recurrence, '')}"
        f"{DAYS[permanence.weekday]}{_NTH.get(permanence.recurrence, '')} "
        f"{_times([(permanence.opens, permanence.closes)])}",
        "PH off",
    ]
    if permanence.off_in_school_holidays:
        rules.append("SH off")
    for starts_on, ends_on, label in sorted(closures):
        if ends_on >= since:
            rules.append(f"{_dates(max(starts_on, since), ends_on)} off{_comment(label)}")
    return "; ".join(rules)


# --- Reading ---------------------------------------------------------------------------

# How far ahead a general expression is evaluated: a year covers every dated rule
# without a year ("Jul,Aug off", "Dec 24-Jan 01 off") once.
HORIZON_DAYS = 366
# Dated periods (outside public holidays) a year beyond which an expression is a
# recurrence our rows cannot hold (Sa[1] gives 12, week 02-52/2 gives 26): an agent
# enters closures one by one, a handful a year.
MAX_DATED_PERIODS = 6
# What the reference parser reads but cannot evaluate here: school holidays, the sun
# (no position given), fallback rules.
_UNEVALUATED = re.compile(r"\bSH\b|sunrise|sunset|dawn|dusk|\|\|", re.IGNORECASE)
# Without a position, the reference parser puts the sun at fixed hours: no usual week then.
_SOLAR = re.compile(r"sunrise|sunset|dawn|dusk", re.IGNORECASE)


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
        opens_text, _sep, closes_text = part.strip().partition("-")
        match = _TIME_RANGE.match(part.strip())
        if closes_text == _END_OF_DAY and re.fullmatch(_TIME, opens_text):
            hour, minute = opens_text.split(":")
            pairs.append((datetime.time(int(hour), int(minute)), datetime.time.max))
            continue
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


def _parse_ours(text):
    """The subset written by format_opening_hours(), back to rows; ValueError otherwise.

    Without a `PH off` rule, public holidays follow the usual week (OSM semantics).
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
        if label:
            raise ValueError(rule)  # a comment on the week: the general reader keeps it
        if match := _DAY_SELECTOR.match(body):
            pairs = [] if match[2].strip() in _OFF else _parse_times(match[2], rule)
            for weekday in _parse_days(match[1]):
                # A later rule for the same day replaces the earlier one (OSM semantics).
                parsed.slots = [s for s in parsed.slots if s[0] != weekday]
                parsed.slots.extend((weekday, opens, closes) for opens, closes in pairs)
            continue
        raise ValueError(_("horaires illisibles : « %(rule)s »") % {"rule": rule})
    return parsed


def check_opening_hours(text):
    """ValueError with a French message unless the reference parser accepts `text`."""
    try:
        return opening_hours.OpeningHours(
            text, country="FR", auto_country=False, auto_timezone=False
        )
    except (opening_hours.ParserError, ValueError, SyntaxError):
        raise ValueError(
            _(
                "horaires illisibles (syntaxe OpenStreetMap attendue, ex. « Mo-Fr 09:00-12:00 ») : "
                "« %(value)s »"
            )
            % {"value": text[:200]}
        ) from None


def _day_table(expression, today):
    """{date: ((opens, closes), ...)} of the open periods, days with unknown state, comments."""
    start = datetime.datetime.combine(today, datetime.time.min)
    end = start + datetime.timedelta(days=HORIZON_DAYS)
    table = collections.defaultdict(list)
    unknown, comments = set(), collections.defaultdict(list)
    for begin, finish, state, comment in expression.intervals(start, end):
        cursor = begin
        while cursor < finish:  # an interval over midnight is one period per day
            midnight = datetime.datetime.combine(
                cursor.date() + datetime.timedelta(days=1), datetime.time.min
            )
            piece_end = min(finish, midnight)
            day = cursor.date()
            if state == opening_hours.State.OPEN:
                closes = datetime.time.max if piece_end == midnight else piece_end.time()
                table[day].append((cursor.time(), closes))
            elif state == opening_hours.State.UNKNOWN:
                unknown.add(day)
            if comment and comment not in comments[day]:
                comments[day].append(comment)
            cursor = piece_end
    return {day: tuple(periods) for day, periods in table.items()}, unknown, comments


def _closed_periods(days, deviating, pattern):
    """Runs of closed days holding deviating closures, as (first, last) deviating days."""
    periods, current = [], None
    for day in days:
        if pattern(day):
            current = None
            continue
        if day in deviating:
            if current is None:
                current = [day, day]
                periods.append(current)
            current[1] = day
    return [tuple(period) for period in periods]


def _interpret(text, today):
    expression = check_opening_hours(text)
    table, unknown, comments = _day_table(expression, today)
    days = [today + datetime.timedelta(days=n) for n in range(HORIZON_DAYS)]

    def pattern(day):
        return table.get(day, ())

    holidays = [day for day in days if public_holiday(day)]
    ordinary = [day for day in days if not public_holiday(day)]
    usual = {}
    for weekday in range(7):
        counts = collections.Counter(pattern(d) for d in ordinary if d.weekday() == weekday)
        usual[weekday] = counts.most_common(1)[0][0] if counts else ()
    parsed = ParsedHours()
    parsed.slots = [(w, o, c) for w in range(7) for o, c in usual[w]]

    def label(day):
        return " ; ".join(comments.get(day, []))[:200]

    # The public-holiday rule that leaves the fewest holidays to list one by one.
    as_usual = [d for d in holidays if pattern(d) != usual[d.weekday()]]
    closed_rule = [d for d in holidays if pattern(d)]
    if len(as_usual) < len(closed_rule):
        parsed.holidays_rule, listed = HolidaysRule.OPEN, as_usual
    else:
        parsed.holidays_rule, listed = HolidaysRule.CLOSED, closed_rule
    for day in listed:
        if pattern(day):
            parsed.exceptions.extend(_exception_rows(day, day, pattern(day), label(day)))

    deviating = {d for d in ordinary if pattern(d) != usual[d.weekday()]}
    # Closures run over the days closed anyway (weekends, holidays): one row for "Jul,Aug off".
    closed = {d for d in deviating if not pattern(d)} | {d for d in listed if not pattern(d)}
    closures = _closed_periods(days, closed, pattern)
    dated = [(a, b) for a, b in closures if any(a <= d <= b for d in deviating)]
    specials = []
    for day in sorted(d for d in deviating if pattern(d)):
        previous = specials[-1] if specials else None
        if (
            previous
            and previous[1] + datetime.timedelta(days=1) == day
            and previous[2] == pattern(day)
        ):
            previous[1] = day
        else:
            specials.append([day, day, pattern(day)])
    for first, last in closures:
        parsed.exceptions.extend(_exception_rows(first, last, (), label(first)))
    for first, last, periods in specials:
        parsed.exceptions.extend(_exception_rows(first, last, periods, label(first)))

    usual_comments = []
    for day in ordinary:
        if day not in deviating:
            usual_comments.extend(c for c in comments.get(day, []) if c not in usual_comments)
    parsed.note = " ; ".join(usual_comments)
    exact = (
        not unknown
        and not _UNEVALUATED.search(text)
        and len(dated) + len(specials) <= MAX_DATED_PERIODS
    )
    if not exact:
        # The usual week is still the best guide; the dated rows would be a guess.
        parsed.exceptions = []
        if _SOLAR.search(text):
            parsed.slots = []
        parsed.verbatim = text
    return parsed


def _exception_rows(first, last, periods, label):
    if not periods:
        return [(first, last, ExceptionKind.CLOSED, None, None, label)]
    return [(first, last, ExceptionKind.SPECIAL, o, c, label) for o, c in periods]


@functools.lru_cache(maxsize=2048)
def _read(text, today):
    try:
        return _parse_ours(text)
    except ValueError:
        return _interpret(text, today)


def parse_opening_hours(text, today=None):
    """ParsedHours of any OSM expression; ValueError (French message) if it is not one.

    Our own subset is read exactly; anything else is evaluated from `today` (see the
    module docstring). Cached: most places share a handful of patterns; callers must
    not modify the result.
    """
    text = (text or "").strip()
    if not text:
        return ParsedHours()
    return _read(text, today or timezone.localdate())
