"""What a file reader hands the importer, and what the importer reports back.

Readers (annuaire, CSV, JSON, data·inclusion) turn each row of a file into a
`Record` — plain values for Structure fields plus the related rows — or a
`Skipped` when the row is outside what we import. They never touch the database.

A bad *field* does not lose the record: the reader sets it aside
(`Record.set_aside`), the record goes in without it, and the report says which
field, which value and why, for an agent to fix. Only what cannot be an entry
(no name, no identifier, control characters) makes the record invalid.
"""

import collections
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actors.phones import normalize_phone

# A field longer than this is a row error, not a value (descriptions are a few KB).
MAX_FIELD_CHARS = 100_000
# NUL and the C0 controls but tab, newline and carriage return: no text of ours holds them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters as repr() writes them (backslash, x, two hex digits).
_ESCAPED = re.compile(r"\\x(?:0[0-8bcef]|1[0-9a-f]|7f)")


def refusal(raw):
    """bad_text() of any value in a parsed JSON record, or "" if all can be read.

    Most records are fine: their repr() (C, and quicker than json.dumps) says so at
    once — it writes control characters escaped — before any walk of them. A false
    alarm (a backslash followed by "x00" in a text) only costs the walk.
    """
    text = repr(raw)
    if len(text) <= MAX_FIELD_CHARS and not _ESCAPED.search(text):
        return ""
    stack = [raw]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif problem := bad_text(value):
            return problem
    return ""


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, encoding, broken JSON)."""


def bad_text(value):
    """The French reason a raw value cannot be text of ours, or "" if it can."""
    if not isinstance(value, str):
        return ""
    if len(value) > MAX_FIELD_CHARS:
        return _("champ trop long (%(count)s caractères, %(limit)s au plus)") % {
            "count": len(value),
            "limit": MAX_FIELD_CHARS,
        }
    if _CONTROL.search(value):
        return _("caractère de contrôle (octet nul ou invisible) dans un champ")
    return ""


@dataclass
class Record:
    number: int  # line (CSV) or record (JSON) number, as the agent will look for it
    label: str  # what the report calls it: usually the name
    source: str = ""  # "" for entries born in this guide: they are keyed by slug
    source_id: str = ""
    slug: str = ""
    values: dict = field(default_factory=dict)  # Structure fields the file provides
    on_create: dict = field(default_factory=dict)  # applied to new entries only
    needs: list | None = None  # slugs; None when the file says nothing about them
    publics: list | None = None
    languages: list | None = None
    hours: object = None  # opening_hours.ParsedHours, or None when not provided
    parent_slug: str | None = None
    neighbourhood_slug: str | None = None  # "" = derive from the position
    communes: set = field(default_factory=set)  # INSEE codes, for the territory filter
    errors: list = field(default_factory=list)  # the record cannot be an entry
    set_aside: list = field(default_factory=list)  # SetAside: imported without these fields
    source_updated_at: object = None  # the source's own date for this record
    # Official sources: a record no newer than what we hold changes nothing, so
    # an agent's corrections survive until the source itself changes.
    follows_source_dates: bool = False
    # Sources that say what a place is, not what it does: the kind's default needs.
    kind_defaults: bool = False
    # Fields a reader already validated by the source's official schema (data·inclusion:
    # e-mail, web addresses), so the importer does not validate them a second time.
    checked: frozenset = frozenset()
    # Readers may key and date a record first and read the rest only when the importer
    # asks for it (complete()): an unchanged record then costs nothing more.
    # (function, raw record): complete() calls function(record, raw).
    pending: tuple | None = None
    # What the record's own values give, worked out ahead (Importer.prepare, in the
    # reader process when there is one): valid values, search text, keys, slug, place.
    derived: dict | None = None

    def complete(self):
        if self.pending is not None:
            (complete, raw), self.pending = self.pending, None
            complete(self, raw)
        return self

    @property
    def key(self):
        return (self.source, self.source_id) if self.source else ("", self.slug)

    def drop(self, name, value, reason):
        """Import without this field, and say so (`name` as the agent reads it)."""
        self.set_aside.append(SetAside(str(name), str(value)[:200], str(reason)))

    def set_phone(self, name, raw):
        """The canonical phone, or the field set aside."""
        try:
            self.values["phone"] = normalize_phone(raw)
        except ValueError as error:
            self.drop(name, raw, error)


@dataclass
class SetAside:
    field: str
    value: str
    reason: str

    def __str__(self):
        return _("%(field)s « %(value)s » : %(reason)s") % {
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class Skipped:
    number: int
    label: str
    reason: str


@dataclass
class Problem:
    number: int
    label: str
    message: str

    def __str__(self):
        return _("n° %(number)s (%(label)s) : %(message)s") % {
            "number": self.number,
            "label": _CONTROL.sub("", self.label or "") or "?",
            "message": self.message,
        }


@dataclass
class Report:
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid: int = 0
    merged: int = 0  # matched an entry of another source (SIRET, name and position, address)
    kept_by_hand: int = 0  # entries with fields an agent set by hand, left as they were
    skipped_reasons: collections.Counter = field(default_factory=collections.Counter)
    problems: list = field(default_factory=list)  # invalid rows: Problem
    partial: list = field(default_factory=list)  # imported without some fields: Problem
    to_locate: list = field(default_factory=list)  # imported as drafts, no position: Problem
    warnings: list = field(default_factory=list)  # Problem
    missing: list = field(default_factory=list)  # (source, source_id, name): gone from the file
    file_error: str = ""
    aborted: bool = False  # --strict stopped at the first invalid row
    geocoder_unavailable: bool = False
    services: collections.Counter = field(default_factory=collections.Counter)  # by outcome
    orphan_services: list = field(default_factory=list)  # Problem: structure unknown
    service_problems: list = field(default_factory=list)  # Problem: invalid services
    unmapped_thematiques: collections.Counter = field(default_factory=collections.Counter)

    @property
    def seen(self):
        return self.created + self.updated + self.unchanged + self.skipped + self.invalid

    @property
    def changed_nothing(self):
        return not (self.created or self.updated)

    def summary(self):
        return _(
            "%(created)s créée(s), %(updated)s mise(s) à jour, %(unchanged)s inchangée(s), "
            "%(skipped)s ignorée(s), %(invalid)s invalide(s)"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "invalid": self.invalid,
        }

    def lines(self, limit=50):
        """The report as French sentences, for the command and the admin page."""
        lines = []
        if self.dry_run:
            lines.append(_("Essai à blanc : rien n'a été enregistré."))
        if self.aborted:
            lines.append(
                _("Import interrompu à la première ligne invalide (--strict) : rien enregistré.")
            )
        if self.file_error:
            lines.append(_("Fichier illisible : %(error)s") % {"error": self.file_error})
        lines.append(self.summary() + ".")
        if self.merged:
            lines.append(
                ngettext(
                    "%(count)s fiche déjà connue d'une autre source : fusionnée, pas dupliquée.",
                    "%(count)s fiches déjà connues d'une autre source : fusionnées, "
                    "pas dupliquées.",
                    self.merged,
                )
                % {"count": self.merged}
            )
        if self.kept_by_hand:
            lines.append(
                ngettext(
                    "%(count)s fiche a des champs saisis à la main : la source ne les a pas "
                    "modifiés.",
                    "%(count)s fiches ont des champs saisis à la main : la source ne les a pas "
                    "modifiés.",
                    self.kept_by_hand,
                )
                % {"count": self.kept_by_hand}
            )
        if self.services:
            lines.append(
                _(
                    "Services : %(created)s créé(s), %(updated)s mis à jour, "
                    "%(unchanged)s inchangé(s), %(removed)s retiré(s), %(invalid)s invalide(s)."
                )
                % {
                    "created": self.services["created"],
                    "updated": self.services["updated"],
                    "unchanged": self.services["unchanged"],
                    "removed": self.services["removed"],
                    "invalid": self.services["invalid"],
                }
            )
        if self.seen and self.changed_nothing and not self.aborted:
            lines.append(_("Aucun changement : la base est déjà à jour pour ce fichier."))
        for reason, count in sorted(self.skipped_reasons.items()):
            lines.append(
                _("Ignorées — %(reason)s : %(count)s") % {"reason": reason, "count": count}
            )
        sections = [
            (_("Lignes invalides"), self.problems),
            (_("Importées sans certains champs, à corriger"), self.partial),
            (_("Services invalides"), self.service_problems),
            (_("Services dont la structure est inconnue (non importés)"), self.orphan_services),
            (_("Importées en brouillon, position à placer par un agent"), self.to_locate),
            (_("Avertissements"), self.warnings),
        ]
        for title, problems in sections:
            if problems:
                lines.append(f"{title} ({len(problems)}) :")
                lines.extend(f"  - {problem}" for problem in problems[:limit])
                if len(problems) > limit:
                    lines.append(_("  … et %(count)s autres") % {"count": len(problems) - limit})
        if self.unmapped_thematiques:
            count = sum(self.unmapped_thematiques.values())
            lines.append(
                ngettext(
                    "Thématiques qu'aucun besoin du guide ne reprend (%(count)s service) :",
                    "Thématiques qu'aucun besoin du guide ne reprend (%(count)s services) :",
                    count,
                )
                % {"count": count}
            )
            lines.extend(
                f"  - {code} : {count}"
                for code, count in self.unmapped_thematiques.most_common(limit)
            )
        if self.geocoder_unavailable:
            lines.append(
                _(
                    "Le service de géocodage ne répondait pas : les fiches sans position "
                    "ont été importées en brouillon."
                )
            )
        if self.missing:
            lines.append(
                ngettext(
                    "%(count)s fiche de cette source n'est plus dans le fichier "
                    "(conservée, à vérifier) :",
                    "%(count)s fiches de cette source ne sont plus dans le fichier "
                    "(conservées, à vérifier) :",
                    len(self.missing),
                )
                % {"count": len(self.missing)}
            )
            lines.extend(
                f"  - {name} ({source} {source_id})"
                for source, source_id, name in self.missing[:limit]
            )
            if len(self.missing) > limit:
                lines.append(_("  … et %(count)s autres") % {"count": len(self.missing) - limit})
        return lines

    def as_dict(self):
        """JSON-serialisable, to keep with an import run."""
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "merged": self.merged,
            "partial": len(self.partial),
            "services": dict(self.services),
            "file_error": self.file_error,
            "lines": [str(line) for line in self.lines(limit=500)],
        }
