"""What the guide did not understand in a search's free text, for the dashboard's "pas compris".

`unmatched_words(search)` is the one place that decides it: the words of the free text
that the search's reading (actors.reading: synonyms, English, ordinals, typos) found no
need for, and that no published place holds in its name or description either. A search
that found places understood all its words: free text narrows the list word by word
(each word a need or a place's text), so a word that matched nothing leaves nothing.

Counting the words without keeping anyone's text (MissedWord): each search adds one to
each of its words' count for the day; a word is stored as a keyed fingerprint (HMAC with
the SECRET_KEY) and written in clear only once WORDS_SHOWN_FROM different searches have
used it — a name or an address typed once is never written down. The dashboard lists the
words seen in at least WORDS_SHOWN_FROM searches of its period, never a search.
"""

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.crypto import salted_hmac

from actors.models import Structure

# A word is written in clear, and shown, once this many different searches used it.
WORDS_SHOWN_FROM = 3
# Longer "words" are not words people ask about (a pasted link, an identifier).
MAX_WORD_LENGTH = 40


def unmatched_words(search):
    """The words of the search's free text the guide did not understand ([] when none)."""
    if not search.is_valid:
        return []
    reading = search.reading
    unmatched = reading.unknown if reading is not None else []
    if not unmatched or search.count:
        return []
    # Nothing found: the other filters may be why. A word some place holds is understood
    # (one indexed query per word: a trigram index on PostgreSQL), and only then is it
    # asked, on the rare search that found nothing.
    places = Structure.objects.published()
    return [word for word in unmatched if not places.filter(search_text__contains=word).exists()]


def countable(words):
    """The words worth counting: not numbers (a phone number's pieces), not single letters,
    not a pasted link."""
    return [w for w in words if len(w) > 1 and not w.isdigit() and len(w) <= MAX_WORD_LENGTH]


def fingerprint(word):
    return salted_hmac("insights.missed-word", word, algorithm="sha256").hexdigest()


def count_words(words, day, *, is_example=False):
    """Add one search to each word's count for `day` (see the module docstring)."""
    from insights.models import MissedWord

    for word in countable(words):
        digest = fingerprint(word)
        _add_one(MissedWord, day, digest, is_example)
        rows = MissedWord.objects.filter(digest=digest, is_example=is_example)
        if rows.filter(word="").exists():
            total = rows.aggregate(total=Sum("searches"))["total"]
            if total >= WORDS_SHOWN_FROM:
                rows.update(word=word)


def _add_one(model, day, digest, is_example):
    rows = model.objects.filter(day=day, digest=digest, is_example=is_example)
    if rows.update(searches=F("searches") + 1):
        return
    try:
        with transaction.atomic():
            model.objects.create(day=day, digest=digest, searches=1, is_example=is_example)
    except IntegrityError:  # created meanwhile by another request
        rows.update(searches=F("searches") + 1)
