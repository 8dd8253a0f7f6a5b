"""The English locale: complete, compiled, and what an English-speaking visitor actually gets.

The source language is French (msgids are French); `locale/en/LC_MESSAGES/django.po` holds the
English, and the compiled `django.mo` is committed so that no gettext tool is needed to run.
"""

import datetime
import gettext
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.factories import BREIL_CENTRE, make_structure, offset

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

T = datetime.time
WEEKDAYS = [(day, T(9), T(12)) for day in range(7)] + [(day, T(14, 30), T(17)) for day in range(7)]
ENGLISH_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"


# --- A small .po reader (the standard library has none) -------------------------------------


def _unquote(line):
    """The text of one quoted .po line: `"a \\"b\\"\\n"` → `a "b"` + newline."""
    body = line.strip()
    assert body.startswith('"') and body.endswith('"'), line
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda match: escapes[match.group(1)], body[1:-1])


def read_po(path=PO_PATH):
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (list), flags.

    Obsolete entries (`#~`) are left out; the header (empty msgid) is kept first.
    """
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": []}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (.*)", line):
                keyword, index, value = match.groups()
                field = ("msgstr", int(index or 0)) if keyword.startswith("msgstr") else keyword
                text = _unquote(value)
                if isinstance(field, tuple):
                    entry["msgstr"][field[1]] = text
                else:
                    entry[field] = text
            elif line.startswith('"') and field is not None:
                if isinstance(field, tuple):
                    entry["msgstr"][field[1]] += _unquote(line)
                else:
                    entry[field] += _unquote(line)
        if entry["msgid"] is not None:
            entry["msgstr"] = [entry["msgstr"][n] for n in sorted(entry["msgstr"])]
            entries.append(entry)
    return entries


def messages():
    """The translatable entries (the header left out)."""
    return [entry for entry in read_po() if entry["msgid"]]


def label(entry):
    context = f"[{entry['msgctxt']}] " if entry["msgctxt"] else ""
    return context + entry["msgid"][:70]


# --- (a) Every message is translated, nothing is fuzzy, placeholders are kept ----------------


def test_the_po_file_has_the_whole_interface():
    entries = messages()
    assert len(entries) > 700  # the whole interface, not a stub
    header = read_po()[0]
    assert header["msgid"] == "" and "Language: en" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [
        label(entry) for entry in messages() if not all(text.strip() for text in entry["msgstr"])
    ]
    fuzzy = [label(entry) for entry in messages() if "fuzzy" in entry["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (gettext ignores them): {fuzzy[:10]}"
    plurals = [entry for entry in messages() if entry["msgid_plural"]]
    assert plurals and all(len(entry["msgstr"]) == 2 for entry in plurals)


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sd%]")
TAG = re.compile(r"<[^>]+>")


def test_translations_keep_placeholders_tags_and_spacing():
    problems = []
    for entry in messages():
        for text in entry["msgstr"]:
            # Python formatting is by name: the same names, whatever the order.
            if sorted(set(PLACEHOLDER.findall(entry["msgid"]))) != sorted(
                set(PLACEHOLDER.findall(text))
            ):
                problems.append(("placeholders", label(entry), text))
            if TAG.findall(entry["msgid"]) != TAG.findall(text):
                problems.append(("HTML tags", label(entry), text))
            # Separators (" ; ", " : ") are all typography: French spaces them, English does not.
            typography_only = not re.search(r"\w", entry["msgid"])
            leading = re.match(r"\s*", entry["msgid"]).group() != re.match(r"\s*", text).group()
            if leading and not typography_only:
                problems.append(("leading spaces", label(entry), text))
            if re.search(r"\s*$", entry["msgid"]).group() != re.search(r"\s*$", text).group():
                problems.append(("trailing spaces", label(entry), text))
    assert not problems, problems[:10]


def test_english_uses_english_typography():
    """No French space before « : ; ? ! », no « » quotes in the English text."""
    french = [
        text
        for entry in messages()
        for text in entry["msgstr"]
        if re.search(r"\s[:;?!](\s|$)", TAG.sub("", text)) or "«" in text or "»" in text
    ]
    assert not french, french[:10]


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext (msgfmt) is not installed")
def test_msgfmt_finds_no_error_and_counts_everything_translated():
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},  # the statistics line in English
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics


# --- (b) The committed .mo says what the .po says -----------------------------------------------


def test_the_committed_mo_matches_the_po():
    """A .mo compiled before the last .po change would give other (or no) translations."""
    with MO_PATH.open("rb") as mo_file:
        catalog = gettext.GNUTranslations(mo_file)
    stale = []
    for entry in messages():
        context, msgid, plural = entry["msgctxt"], entry["msgid"], entry["msgid_plural"]
        if plural:
            got = [
                catalog.npgettext(context, msgid, plural, n)
                if context
                else catalog.ngettext(msgid, plural, n)
                for n in (1, 2)
            ]
        else:
            got = [catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)]
        if got != entry["msgstr"]:
            stale.append(label(entry))
    assert not stale, f"recompile the .mo (compilemessages): {len(stale)} differ: {stale[:10]}"


def test_django_translates_with_the_committed_catalogue():
    """Django itself (LOCALE_PATHS first, before Django's own catalogues) gives our English."""
    wrong = []
    with translation.override("en"):
        for entry in messages():
            context, msgid, plural = entry["msgctxt"], entry["msgid"], entry["msgid_plural"]
            if plural:
                got = [
                    translation.npgettext(context, msgid, plural, n)
                    if context
                    else translation.ngettext(msgid, plural, n)
                    for n in (1, 2)
                ]
            else:
                got = [
                    translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                ]
            if got != entry["msgstr"]:
                wrong.append((label(entry), got))
    assert not wrong, wrong[:10]
    with translation.override("fr"):
        assert translation.gettext("Fiche orientation") == "Fiche orientation"


# --- (c) and (d) Pages an English-speaking visitor gets ------------------------------------------


def text(response):
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    page = response.content.decode()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def assert_english(response, expected, french):
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    body = text(response)
    for phrase in expected:
        assert phrase in body, phrase
    for phrase in french:
        assert phrase not in body, phrase
    assert not re.search(r"\b\d{1,2} h( \d\d)?\b", body), "French time format in an English page"
    return body


@pytest.fixture
def place(db):
    """A published place for the Year 10 work-experience week, 500 m north of the Breil centre."""
    return make_structure(
        name="Maison des Tilleuls",
        at=offset(BREIL_CENTRE, north_m=500),
        needs=["stage-de-3e"],
        phone="02 40 00 00 42",
        public_transport="Tram 2, arrêt Tilleuls",
        walk_in=True,
        what_to_bring="Une pièce d'identité",
        hours=WEEKDAYS,
    )


def test_the_handout_renders_in_english(client, place):
    response = client.post("/selection/ajouter/", {"slug": place.slug, "besoin": "stage-de-3e"})
    assert response.status_code in (200, 302)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/selection/fiche/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get("/selection/fiche/")
    body = assert_english(
        response,
        expected=[
            "Guidance sheet",
            "Printed on",
            "Maison des Tilleuls",
            "For: Year 10 work placement (stage de 3e)",  # the need in English (label_en)
            "Address:",
            "voie fictive de test",
            "Transport: Tram 2, arrêt Tilleuls",
            "When to go: no appointment needed.",
            "Opening hours: Mon–Sun 9:00–12:00 and 14:30–17:00",
            "Phone: 02 40 00 00 42",
            "What to bring: Une pièce d'identité",
            "Information not checked.",
            "The up-to-date page online",
            "Change language",
        ],
        french=[
            "Fiche orientation",
            "Imprimée le",
            "Adresse :",
            "Téléphone :",
            "Quand y aller",
            "sans rendez-vous",
            "À apporter",
            "Informations non vérifiées",
        ],
    )
    # Dates and times in English: "Printed on Friday 27 November 2026", "9:00–12:00".
    assert re.search(rf"Printed on ({ENGLISH_DAYS}) \d{{1,2}} [A-Z][a-z]+ \d{{4}}", body)
    assert re.search(r"\d{1,2}:\d\d–\d{1,2}:\d\d", body)
    # Free text without English is shown as written, marked as French for screen readers.
    assert '<span lang="fr">Une pièce d&#x27;identité</span>' in response.content.decode()


def test_what_to_bring_in_english_when_an_agent_wrote_it(client, place):
    place.what_to_bring_en = "An identity document"
    place.save()
    client.post("/selection/ajouter/", {"slug": place.slug})
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in ("/selection/fiche/", place.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "What to bring:</strong> An identity document" in page, url
        assert "Une pièce d&#x27;identité" not in page, url
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert (
        "À apporter :</strong> Une pièce d&#x27;identité"
        in client.get(place.get_absolute_url()).content.decode()
    )


def test_the_handout_stays_french_by_default(client, place):
    client.post("/selection/ajouter/", {"slug": place.slug})
    response = client.get("/selection/fiche/")
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Fiche orientation" in text(response) and "Guidance sheet" not in text(response)


def test_the_home_page_renders_in_english(client, place):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert_english(
        client.get("/"),
        expected=[
            "Who can help, near here?",
            "Year 10 work-experience week (stage de 3e)",
            "By need",
            "By Nantes neighbourhood",
            "Visitor's sheet",
            "Choose my desk",
            "Search",
            "About the data",
        ],
        french=["Qui peut aider", "Par besoin", "Fiche du visiteur", "Choisir mon accueil"],
    )


def test_the_search_results_render_in_english(client, place):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/recherche/", {"besoin": "stage-de-3e", "quartier": "breil-barberie"})
    body = assert_english(
        response,
        expected=[
            "Search results",
            "1 place, nearest first.",
            "Distances from: centre of the Breil - Barberie neighbourhood",
            "500 m",
            "min walk",
            "No appointment needed",
            "Add to the sheet",
            "Change the search",
        ],
        french=["Résultats de la recherche", "du plus proche", "à pied", "Ajouter à la fiche"],
    )
    assert "Mission locale (youth employment centre)" in body  # kinds in the search form


def test_a_search_error_is_explained_in_english(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/recherche/", {"rayon": "0.01"})
    assert response.status_code == 400
    body = text(response)
    assert "The search could not be carried out:" in body
    assert "The radius must be at least 0.1 km." in body


# --- (e) Every message the code marks is in the catalogue, and renders filled --------------


# Where the code that marks messages lives (tests and benchmarks mark none).
CODE_FOLDERS = [
    "actors", "demo", "frontdesk", "guide", "insights", "opendata", "partners", "templates",
    "transit",
]  # fmt: skip
FORMAT = re.compile(r"%\((\w+)\)([-#0 +]*\d*(?:\.\d+)?[sdif])")


def filled(text):
    """`text` % values of the right type for each of its placeholders."""
    values = {name: 3 if kind[-1] in "dif" else "X" for name, kind in FORMAT.findall(text)}
    return text % values if values else text.replace("%%", "%")


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_message_the_code_marks_is_translated_and_renders_filled(tmp_path):
    """makemessages run on the code, into a copy of the catalogue: it must add nothing.

    A message missing from the .po — a template's blocktranslate whose placeholder was
    renamed, "%(n)s résultats" in the code and "%(n)d résultats" in the .po — shows in
    French on an English page ("17 résultats"), and no other test sees it.
    """
    committed_text = PO_PATH.read_text(encoding="utf-8")
    # On a copy of the code and of the catalogue: makemessages writes the catalogue of the
    # folder it runs in, and would rewrite the committed one.
    base = Path(settings.BASE_DIR)
    for folder in CODE_FOLDERS:
        shutil.copytree(
            base / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc", "__pycache__")
        )
    copy = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(PO_PATH, copy)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
            call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    assert PO_PATH.read_text(encoding="utf-8") == committed_text
    committed = {(e["msgctxt"], e["msgid"]) for e in messages()}
    in_code = [e for e in read_po(copy) if e["msgid"]]
    missing = [label(e) for e in in_code if (e["msgctxt"], e["msgid"]) not in committed]
    assert not missing, f"{len(missing)} messages of the code are not in the .po: {missing[:10]}"

    # Each English text takes the values the code gives it, and none is left unfilled.
    unfilled = []
    with translation.override("en"):
        for entry in in_code:
            context, msgid, plural = entry["msgctxt"], entry["msgid"], entry["msgid_plural"]
            if not FORMAT.search(msgid):
                continue
            for n in (1, 2) if plural else (1,):
                if plural:
                    english = (
                        translation.npgettext(context, msgid, plural, n)
                        if context
                        else translation.ngettext(msgid, plural, n)
                    )
                else:
                    english = (
                        translation.pgettext(context, msgid)
                        if context
                        else translation.gettext(msgid)
                    )
                try:
                    text = filled(english)
                except (KeyError, TypeError, ValueError) as error:
                    unfilled.append((label(entry), f"{english!r}: {error!r}"))
                    continue
                if "%(" in text:
                    unfilled.append((label(entry), text))
    assert not unfilled, unfilled[:10]
