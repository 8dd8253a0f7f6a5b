"""Reading JSON files of any size as a stream, and refusing hostile ones in bounded time.

Records are parsed one at a time with ijson (its C backend), so a national file
of hundreds of MB never sits in memory. Before that, `check()` walks the whole
file once with ijson's lowest-level parser — no objects built, no prefixes —
and refuses a file that is broken (truncated, not JSON) or nested deeper than
any real record (a 200 kB file nested 40,000 deep made ijson's prefix strings
take 4 GB): a failed file is refused before anything is written.
"""

import ijson
from django.utils.translation import gettext as _

from .records import ImportFileError

# Real records are 4 or 5 levels deep (list, record, address list, address).
MAX_DEPTH = 32
_OPENING = {"start_map", "start_array"}
_CLOSING = {"end_map", "end_array"}


def check(stream):
    """ImportFileError unless the whole file is JSON at most MAX_DEPTH deep; rewinds."""
    depth = 0
    try:
        for event, _value in ijson.basic_parse(stream, use_float=True):
            if event in _OPENING:
                depth += 1
                if depth > MAX_DEPTH:
                    raise ImportFileError(
                        _("fichier JSON imbriqué sur plus de %(depth)s niveaux : refusé.")
                        % {"depth": MAX_DEPTH}
                    )
            elif event in _CLOSING:
                depth -= 1
    except ijson.JSONError as error:
        raise ImportFileError(_("JSON illisible : %(error)s") % {"error": _reason(error)}) from None
    except UnicodeDecodeError:
        raise ImportFileError(_("le fichier n'est pas en UTF-8.")) from None
    stream.seek(0)


def records_prefix(stream, prefixes, expected):
    """'service.item', 'items.item', 'item'…: the first array met at one of `prefixes`."""
    try:
        # Metadata (counts, facets) may come first; the records are not far behind.
        for _n, (prefix, event, _value) in zip(range(10_000), ijson.parse(stream), strict=False):
            if event == "start_array" and prefix in prefixes:
                stream.seek(0)
                return f"{prefix}.item" if prefix else "item"
    except ijson.JSONError as error:
        raise ImportFileError(_("JSON illisible : %(error)s") % {"error": _reason(error)}) from None
    raise ImportFileError(expected)


def items(stream, prefix):
    """(number, raw record) of the records under `prefix`."""
    number = 0
    try:
        for raw in ijson.items(stream, prefix, use_float=True):
            number += 1
            yield number, raw
    except ijson.JSONError as error:
        raise ImportFileError(
            _("JSON illisible après la fiche n° %(number)s : %(error)s")
            % {"number": number, "error": _reason(error)}
        ) from None


def _reason(error):
    """The parser's own words ("parse error: …"), without the excerpt of the file and the
    caret it draws below them; a cut-off file (a download that stopped) said in French."""
    words = (str(error).strip().splitlines() or [""])[0].strip()
    if "premature EOF" in words:
        return _("le fichier s'arrête avant la fin du JSON (téléchargement interrompu ?)")
    return words
