"""What a passeur's words mean to the guide: "stage de 3ème", "parcoursupp", "internship".

People do not type the vocabulary's words. The search reads a query word by word:
each word is normalised (accents, case), ordinals are folded ("3ème", "3eme",
"troisième" are "3e"), and a word that starts no word of the needs' labels and
synonyms (French and English) is compared with them by edit distance (rapidfuzz): a
close enough one ("parcoursupp" → "parcoursup", "apprentisage" → "apprentissage") is
read as that word, and the page says so ("Vouliez-vous dire « Parcoursup » ?"). What
matched nothing is "not understood": the page says it, and the statistics count it
apart from "nothing within walking distance" (insights).
"""

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from actors import vocabulary
from actors.text import normalize, tokens

# A query counts this many significant words at most.
MAX_WORDS = 8
# Shorter words are never corrected: "cap" and "cfa" are words, not typos of each other.
MIN_CORRECTED_LENGTH = 5
# How close (rapidfuzz's ratio, 0–100) a word must be to a vocabulary word to be read as it.
CLOSE_ENOUGH = 85

_ORDINAL = re.compile(r"^(\d{1,2})(?:e|eme|ieme|iem|em|er|ere|re|nd|nde|d|de)$")
_ORDINAL_WORDS = {
    "premiere": "1e",
    "seconde": "2e",
    "deuxieme": "2e",
    "troisieme": "3e",
    "quatrieme": "4e",
    "cinquieme": "5e",
    "sixieme": "6e",
}


def fold(word):
    """A normalised word with ordinals folded: '3eme', '3ieme', 'troisieme' → '3e'."""
    match = _ORDINAL.match(word)
    if match:
        return f"{match.group(1)}e"
    return _ORDINAL_WORDS.get(word, word)


def words_of(text, limit=MAX_WORDS):
    """{folded: as typed (normalised)} of a query's significant words, in order."""
    folded = {}
    for word in tokens(text):
        folded.setdefault(fold(word), word)
        if len(folded) >= limit:
            break
    return folded


@dataclass(frozen=True)
class Reading:
    """How a query was read: each word, the needs it names, what was corrected."""

    words: tuple = ()  # the significant words, folded ("3e")
    spelled: dict = field(default_factory=dict)  # word → as typed, normalised ("3eme")
    needs: dict = field(default_factory=dict)  # word → the needs it names
    corrections: dict = field(default_factory=dict)  # word → the vocabulary word read

    @property
    def understood(self):
        """Words that name a need (after correction)."""
        return [word for word in self.words if self.needs.get(word)]

    @property
    def unknown(self):
        """Words that name no need: matched only against places' own text."""
        return [word for word in self.words if not self.needs.get(word)]

    @property
    def named_needs(self):
        """The needs the query names, in the vocabulary's order, each once."""
        found = {need.pk: need for word in self.words for need in self.needs.get(word, ())}
        return [need for need in vocabulary.current().needs.values() if need.pk in found]

    @property
    def suggested_need(self):
        """The need a corrected query points to ("Vouliez-vous dire « Parcoursup » ?"), when
        the corrections name exactly one."""
        needs = {need for word in self.corrections for need in self.needs.get(word, ())}
        return next(iter(needs)) if len(needs) == 1 else None


# Readings kept per vocabulary (the same few queries come back all day).
KEPT_READINGS = 1024


def read(text):
    """The Reading of a query (kept by the process with its vocabulary)."""
    words = vocabulary.current()
    kept = words.__dict__.get("_readings")
    if kept is None:
        kept = {}
        object.__setattr__(words, "_readings", kept)
    key = normalize(text or "")
    reading = kept.get(key)
    if reading is None:
        if len(kept) >= KEPT_READINGS:
            kept.clear()
        reading = kept[key] = _read(words_of(text), words)
    return reading


def _read(spelled, words):
    index = _index(words)
    needs, corrections = {}, {}
    typed = tuple(spelled)
    for word in typed:
        found = _needs_starting(index, word)
        if not found and len(word) >= MIN_CORRECTED_LENGTH:
            close = process.extractOne(
                word, index["words"], scorer=fuzz.ratio, score_cutoff=CLOSE_ENOUGH
            )
            if close is not None:
                corrections[word] = close[0]
                found = index["needs"][close[0]]
        needs[word] = tuple(found)
    return Reading(words=typed, spelled=spelled, needs=needs, corrections=corrections)


def _needs_starting(index, word):
    """The needs with a label or synonym word starting with `word`, in display order."""
    found = {}
    for candidate, needs in index["needs"].items():
        if candidate.startswith(word):
            for need in needs:
                found[need.pk] = need
    return [need for need in index["order"] if need.pk in found]


def _index(words):
    """{folded word: [needs]} of the needs' labels and synonyms, kept with the vocabulary."""
    index = words.__dict__.get("_reading_index")
    if index is None:
        by_word = {}
        for need in words.needs.values():
            for word in need.search_words:
                by_word.setdefault(fold(word), []).append(need)
        index = {"needs": by_word, "words": list(by_word), "order": list(words.needs.values())}
        object.__setattr__(words, "_reading_index", index)
    return index


def needs_named_in(text):
    """The needs every word of a query names (the statistics record them, never the text)."""
    reading = read(text)
    if not reading.words:
        return []
    common = None
    for word in reading.words:
        named = {need.pk for need in reading.needs.get(word, ())}
        common = named if common is None else common & named
    return [need for need in reading.named_needs if need.pk in common]
