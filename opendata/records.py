"""What a file reader hands the importer, and what the importer reports back.

Readers (annuaire, CSV, JSON) turn each row of a file into a `Record` — plain
values for Structure fields plus the related rows — or a `Skipped` when the
row is outside what we import. They never touch the database.
"""

import collections
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, encoding, broken JSON)."""


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
    errors: list = field(default_factory=list)
    # Official sources: a record no newer than what we hold changes nothing, so
    # an agent's corrections survive until the source itself changes.
    follows_source_dates: bool = False

    @property
    def key(self):
        return (self.source, self.source_id) if self.source else ("", self.slug)


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
            "label": self.label or "?",
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
    skipped_reasons: collections.Counter = field(default_factory=collections.Counter)
    problems: list = field(default_factory=list)  # invalid rows: Problem
    to_locate: list = field(default_factory=list)  # imported as drafts, no position: Problem
    warnings: list = field(default_factory=list)  # Problem
    missing: list = field(default_factory=list)  # (source, source_id, name): gone from the file
    file_error: str = ""
    aborted: bool = False  # --strict stopped at the first invalid row
    geocoder_unavailable: bool = False

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
        if self.seen and self.changed_nothing and not self.aborted:
            lines.append(_("Aucun changement : la base est déjà à jour pour ce fichier."))
        for reason, count in sorted(self.skipped_reasons.items()):
            lines.append(
                _("Ignorées — %(reason)s : %(count)s") % {"reason": reason, "count": count}
            )
        sections = [
            (_("Lignes invalides"), self.problems),
            (_("Importées en brouillon, position à placer par un agent"), self.to_locate),
            (_("Avertissements"), self.warnings),
        ]
        for title, problems in sections:
            if problems:
                lines.append(f"{title} ({len(problems)}) :")
                lines.extend(f"  - {problem}" for problem in problems[:limit])
                if len(problems) > limit:
                    lines.append(_("  … et %(count)s autres") % {"count": len(problems) - limit})
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
            "lines": [str(line) for line in self.lines(limit=500)],
        }
