"""Text normalisation shared by search, slugs and the taxonomy.

Search must be accent- and case-insensitive on SQLite and PostgreSQL alike, so
structures keep a normalised copy of their searchable text (`search_text`)
and queries go through the same `normalize()` before matching.
"""

import functools
import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Words too common to narrow a search ("stage de 3e" == "stage 3e").
# fmt: off
STOPWORDS = frozenset({
    "a", "au", "aux", "avec", "chez", "d", "de", "des", "du", "en", "et", "for", "l", "la", "le",
    "les", "ma", "mes", "mon", "of", "ou", "par", "pour", "sa", "ses", "son", "sur", "the", "un",
    "une",
})
# fmt: on


def normalize(text):
    """Lower-case ASCII words separated by single spaces: 'Élève  d'Œuvre' → 'eleve d oeuvre'."""
    if not text:
        return ""
    return _normalize(str(text))


@functools.lru_cache(maxsize=8192)  # an import normalises each name three times
def _normalize(text):
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_WORD.sub(" ", ascii_text).strip()


def tokens(text, *, limit=None):
    """Significant normalised words of a query, in order, without duplicates."""
    seen = []
    for word in normalize(text).split():
        if word in STOPWORDS or word in seen:
            continue
        seen.append(word)
        if limit is not None and len(seen) >= limit:
            break
    return seen
