"""A structure as a vCard 3.0 (RFC 2426), so a visitor can keep it in their phone.

Version 3.0 is what phone address books import most widely; values are escaped
and lines folded by the rules RFC 6350 states most precisely (the same as 3.0's).
"""

import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from actors.enums import Weekday
from actors.opening import format_time

# Every way a text can break a line, a lone carriage return included: a reader that
# splits on any of them would otherwise read what follows as a property of its own
# (an injected TEL or EMAIL line).
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Other control characters have no place in a vCard value (RFC 6350 §3.3: VALUE-CHAR).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def _escape(value):
    """A TEXT value (RFC 6350 §3.4): backslash, comma, semicolon and line breaks escaped."""
    text = _CONTROL.sub("", str(value or ""))
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return _LINE_BREAK.sub(r"\\n", text)


def _fold(line):
    """Lines longer than 75 octets are folded with CRLF + space, never inside a character
    (RFC 6350 §3.2)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > 74:
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def hours_summary(structure):
    days = []
    for weekday in Weekday:
        slots = [s for s in structure.opening_slots.all() if s.weekday == weekday.value]
        if slots:
            times = ", ".join(f"{format_time(s.opens)}–{format_time(s.closes)}" for s in slots)
            days.append(f"{weekday.label} {times}")
    return pgettext("list separator", " ; ").join(days)


def for_structure(structure, url):
    with translation.override(translation.get_language() or "fr"):
        note_parts = [hours_summary(structure)]
        if structure.walk_in:
            note_parts.append(_("Sans rendez-vous"))
        elif structure.by_appointment:
            note_parts.append(_("Sur rendez-vous"))
        if structure.is_example:
            note_parts.append(_("Structure fictive (donnée d'exemple)"))
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{_escape(structure.name)}",
        f"ORG:{_escape(structure.name)}",
        f"N:{_escape(structure.name)};;;;",
    ]
    if structure.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{_escape(structure.phone)}")
    if structure.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{_escape(structure.email)}")
    if structure.street or structure.city:
        street = ", ".join(p for p in [structure.street, structure.address_complement] if p)
        lines.append(
            f"ADR;TYPE=WORK:;;{_escape(street)};{_escape(structure.city)};;"
            f"{_escape(structure.postcode)};France"
        )
    if structure.latitude is not None:
        lines.append(f"GEO:{structure.latitude:.6f};{structure.longitude:.6f}")
    lines.append(f"URL:{_escape(url)}")
    note = " — ".join(part for part in note_parts if part)
    if note:
        lines.append(f"NOTE:{_escape(note)}")
    lines.append("END:VCARD")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
