"""Spreadsheet formula injection: OWASP's rule for every CSV a person may open.

A cell starting with =, +, -, @, a tab or a carriage return is run as a formula
by spreadsheets (`=HYPERLINK(…)`, `+cmd|…`): it is written with a leading single
quote, which they show as text. Numbers (a negative longitude) are left alone:
they compute nothing; a leading "+" is not a number of ours but a phone number in
E.164 (`+33240123456`), which a spreadsheet would turn into 33240123456: quoted
too. Our own import takes the quote off again, so an export
read back gives the original value: `restore(neutralize(value)) == value`.
"""

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# A value already starting with quotes before a trigger gets one more, so that
# restore() can tell it from a neutralised one and gives it back unchanged.
_QUOTED_TRIGGER = re.compile(r"'+[=+\-@\t\r]")


def neutralize(value):
    """The cell as written to a CSV: a text that a spreadsheet would run gets a quote."""
    if not isinstance(value, str) or not value or _NUMBER.fullmatch(value):
        return value
    if value.startswith(TRIGGERS) or _QUOTED_TRIGGER.match(value):
        return "'" + value
    return value


def restore(cell):
    """The value of a cell read from a CSV: the quote neutralize() added, taken off."""
    if _QUOTED_TRIGGER.match(cell):
        return cell[1:]
    return cell
