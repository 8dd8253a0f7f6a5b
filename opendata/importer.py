"""The upsert of imported records into the directory, batch by batch, in one transaction.

Every record is validated like an admin edit (model `full_clean()`, the same
field validators and `clean()` rules) before anything is written; the
database then enforces its constraints. A field that fails is set aside — the
record goes in without it and the report says which field, which value and
why; only a record that cannot be an entry (no name, no way to place it) is
refused. Records are written in batches for speed; if the database refuses a
batch, it is written again one record per savepoint, so a bad record is
reported and never leaves half an entry while the good ones go in.

The whole file is one transaction: a file that fails half-way (truncated,
unreadable, a crash) writes nothing. A dry run does all of it and rolls back;
`strict` rolls back everything at the first invalid record.

Records are matched to existing entries by opendata.matching (source record,
SIRET, name and position, address): one place is one entry, whatever the
number of sources. Per field, the entry remembers where its value came from
(`Structure.field_origins`); a value an agent or a partner set by hand is left
alone until an agent releases it.
"""

import collections
import contextlib
import gc
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DatabaseError, connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actors.bulkinsert import IdPool, WriteBehind, insert_rows
from actors.enums import CoordinatesSource, ExceptionKind, Status, StructureKind
from actors.geocoding import GeocoderUnavailable, geocode
from actors.models import (
    KindDefaults,
    Language,
    Need,
    Neighbourhood,
    OpeningException,
    OpeningSlot,
    Public,
    Service,
    Structure,
    StructureSource,
)
from actors.models.structures import MANUAL, french_kind_label
from actors.text import normalize

from . import bulk, readahead
from .matching import MatchIndex, Pending, name_key
from .records import ImportFileError, Problem, Report, Skipped
from .related import Related, RelatedLoader, exception_order

BATCH_SIZE = 1000
# Entries (or services) written past which the planner's statistics are renewed before
# the import queries what it wrote (opendata.bulk.analyze).
ANALYZE_AFTER = 5000
# Fields compared to tell "updated" from "unchanged" (timestamps aside).
TRACKED = [
    f.attname
    for f in Structure._meta.concrete_fields
    if not (f.primary_key or f.generated)
    and f.attname not in {"created_at", "updated_at", "field_origins"}
]
ADDRESS_FIELDS = ("street", "postcode", "city")
POSITION_FIELDS = ("latitude", "longitude", "coordinates_source")
RELATIONS = {"needs": Need, "publics": Public, "languages": Language}
# FK targets are resolved by the importer from rows it has loaded: not re-queried per row;
# field_origins is the importer's own dict of names and sources.
CLEAN_EXCLUDE = ["neighbourhood", "qpv", "parent", "verified_by", "field_origins"]
FIELDS = [
    (f.name, f.attname)
    for f in Structure._meta.concrete_fields
    if not (f.primary_key or f.generated or f.name in CLEAN_EXCLUDE)
]
# Fields whose values repeat from entry to entry (choices, flags, places, boilerplate):
# validated once per import. Names, e-mails, websites are new each time.
REPEATED = [
    (f.name, f.attname)
    for f in Structure._meta.concrete_fields
    if (f.name, f.attname) in FIELDS
    and (
        f.choices
        or isinstance(f, models.BooleanField)
        or f.name
        in {
            "postcode", "city", "insee_code", "description", "hours_note", "access_details",
            "what_to_bring", "fees_details", "public_transport", "accessibility_details",
        }
    )
]  # fmt: skip
# Fields whose whole validation is their type, emptiness and length (no choices, no
# validator but the length): checked in three operations instead of full_clean(), which
# keeps the values that fail them (for its message) and every field with real rules
# (e-mail, phone, SIRET, postcode, choices).
PLAIN = [
    (f.name, f.attname, f.max_length, f.blank)
    for f in Structure._meta.concrete_fields
    if (f.name, f.attname) in FIELDS
    and type(f) in (models.CharField, models.TextField)
    and not f.choices
    and all(type(v) is MaxLengthValidator for v in f.validators)
]
NUMBERS = [
    (f.name, f.attname, f.null)
    for f in Structure._meta.concrete_fields
    if (f.name, f.attname) in FIELDS and type(f) is models.FloatField and not f.validators
]
# How _full_clean() checks each field: (name, attname, field, kind, plain rule).
_REPEATED_NAMES = {name for name, _attname in REPEATED}
_PLAIN = {name: (limit, blank) for name, _attname, limit, blank in PLAIN}
_NUMBERS = {name: null for name, _attname, null in NUMBERS}
CHECKS = [
    (
        name,
        attname,
        Structure._meta.get_field(name),
        "plain" if name in _PLAIN else "number" if name in _NUMBERS
        else "repeated" if name in _REPEATED_NAMES else "full",
        _PLAIN.get(name, _NUMBERS.get(name)),
    )
    for name, attname in FIELDS
]  # fmt: skip
CHECK_OF = {name: check for check in CHECKS for name in (check[0],)}
_UNSET = object()
# What a new entry holds before a record's values are set on it.
_PROTOTYPE = Structure(kind=StructureKind.AUTRE)
NEW_ENTRY = {name: getattr(_PROTOTYPE, name) for name in TRACKED}


def _accepts(name, value):
    try:
        Structure._meta.get_field(name).clean(value, None)
    except ValidationError:
        return False
    return True


# The defaults a new entry may keep unchecked: not the empty name a record left empty.
VALID_DEFAULTS = {name: value for name, value in NEW_ENTRY.items() if _accepts(name, value)}
_PROTOTYPE_STATE = {k: v for k, v in vars(_PROTOTYPE).items() if k != "_state"}


def search_text(name, kind, city, description):
    """Structure.compute_search_text() of these values, normalised part by part.

    normalize() works character by character and collapses what separates words, so
    the normalised parts, joined, are the normalised whole (tests/opendata/test_import_csv.py
    checks it); and each part's normalize() is cached: a name normalised for matching,
    a city, a kind, a description met before cost nothing again.
    """
    parts = (name, french_kind_label(kind), city, description)
    return " ".join(text for text in map(normalize, parts) if text)


SLUG_LENGTH = Structure._meta.get_field("slug").max_length


def _slug_base(name):
    return slugify(name)[:200].strip("-") or "structure"


def _new_structure():
    """Structure(kind="autre"), from a prototype: Model.__init__ costs ~40 µs for 60 fields,
    a hundred thousand times. Its only mutable default (field_origins) is made anew."""
    structure = Structure.__new__(Structure)
    vars(structure).update(_PROTOTYPE_STATE)
    structure._state = ModelState()
    structure.field_origins = {}
    return structure


# Without these a record is not an entry: an error here refuses it.
ESSENTIAL = {"name", "slug", NON_FIELD_ERRORS}
SET_ASIDE_ROUNDS = 4


@contextlib.contextmanager
def fewer_collections():
    """The cyclic garbage collector, run less often while a file is imported.

    An import makes millions of short-lived objects (values, rows, records) and
    holds a few hundred thousand (its indexes): at Python's default threshold the
    collector runs every 700 allocations and walks them again and again — a
    quarter of an import's time, measured. Records, rows and plans make no
    cycles, so collecting every 50,000 allocations frees the same memory; what
    was alive before the import (Django, modules) is frozen out of the walks.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _known_services():
    """For the reader process: is a service record no newer than the one we hold?

    The importer still decides (opendata.services): this only spares the reader
    the validation of what an unchanged file repeats."""
    known = dict(
        Service.objects.exclude(source_updated_at=None)
        .values_list("source_id", "source_updated_at")
        .iterator(chunk_size=10_000)
    )

    def unchanged(record):
        held = known.get(record.source_id)
        return bool(held and record.source_updated_at and record.source_updated_at <= held)

    return unchanged


class StrictAbort(Exception):
    pass


class _FileFailed(Exception):
    """Raised inside the transaction so that it rolls back; carries the file error."""


@dataclass
class Plan:
    record: object
    structure: Structure
    new: bool
    fields: set = field(default_factory=set)
    slots: list | None = None  # replacement rows, None = keep
    exceptions: list | None = None
    relations: dict = field(default_factory=dict)  # "needs" → [ids] to set
    deferred_parent: str = ""
    # (source, source_id, date) records to attach, and attached ones whose date moves on.
    new_sources: list = field(default_factory=list)
    source_dates: list = field(default_factory=list)
    origins_changed: bool = False
    pending: Pending | None = None

    @property
    def changes_entry(self):
        return bool(
            self.new
            or self.fields
            or self.slots is not None
            or self.exceptions is not None
            or self.relations
            or self.deferred_parent
            or self.origins_changed
        )


def _label(name):
    if name in {f.name for f in Structure._meta.fields}:
        return str(Structure._meta.get_field(name).verbose_name)
    return name


def _messages(error):
    if hasattr(error, "message_dict"):
        parts = []
        for name, messages in error.message_dict.items():
            parts.extend(f"{_label(name)} : {message}" for message in messages)
        return " ; ".join(parts)
    return " ; ".join(error.messages)


def _join_notes(*parts):
    kept = []
    for part in parts:
        if part and not any(part in other for other in kept):
            kept.append(part)
    return " — ".join(kept)


class Importer:
    def __init__(
        self,
        *,
        dry_run=False,
        strict=False,
        communes=None,
        departement=None,
        user=None,
        batch_size=BATCH_SIZE,
    ):
        self.dry_run = dry_run
        self.strict = strict
        self.communes = set(communes or [])
        self.departement = departement or ""
        self.user = user
        self.batch_size = batch_size
        self.report = Report(dry_run=dry_run)
        self.seen = collections.defaultdict(dict)  # source → {id or slug → record number}
        self.present = collections.defaultdict(set)  # source → source ids met in the file
        self.claimed = {}  # entry id → number of the record that changed it in this import
        self.refused = set()  # (source, id) of invalid records: their services are reported
        self.written = set()  # entries this import created or changed
        self.outside = set()  # (source, id) of records outside the territory: services too
        self.deferred_parents = []  # (structure id, parent slug) once every row is in
        self.geocoder_down = False
        self.valid_values = set()  # (field name, value) pairs that passed validation
        self.related = {}  # entry id → Related, for the batch being planned
        self.writes = None  # WriteBehind, while an import writes through one
        self.ids = IdPool()  # primary keys of new rows, where the database gives them ahead
        self._in_flight = None  # (savepoint, plans) of the batch written last
        self._taken_slugs = None

    # --- Entry point ------------------------------------------------------------------------

    def run(self, records, services=None, *, read_ahead=False):
        """Import structure records, then service records (data·inclusion), in one transaction.

        `read_ahead`: read and complete the records in a second process while this one
        writes (opendata.readahead), for large files.
        """
        with fewer_collections():
            return self._run(records, services, read_ahead)

    def _run(self, records, services, read_ahead):
        self.needs = dict(Need.objects.values_list("slug", "pk"))
        self.publics = dict(Public.objects.values_list("slug", "pk"))
        self.languages = dict(Language.objects.values_list("slug", "pk"))
        # A place's quartier (quartier or IRIS layers) and its QPV, from the polygons read
        # once (actors.models.neighbourhoods.AreaIndex: an STRtree, no query per place).
        self.neighbourhoods = dict(Neighbourhood.objects.quartiers().values_list("slug", "pk"))
        self.areas = Neighbourhood.objects.index()
        self.loader = RelatedLoader()
        self.kind_defaults = {
            defaults.kind: (
                [need.slug for need in defaults.needs.all()],
                [public.slug for public in defaults.publics.all()],
            )
            for defaults in KindDefaults.objects.prefetch_related("needs", "publics")
        }
        self.index = MatchIndex()
        ahead = None
        if read_ahead and readahead.available():
            # Forked once the index is loaded: the reader skips what it says is unchanged.
            ahead = readahead.ReadAhead(
                records,
                services,
                skip=self._no_newer,
                skip_services=_known_services() if services is not None else None,
                prepare=self.prepare,
            )
            records, services = ahead.records, ahead.services
        try:
            with transaction.atomic(), self._writing():
                try:
                    self._consume(records or ())
                    if services is not None:
                        from .services import ServiceWriter

                        ServiceWriter(self).consume(services)
                except ImportFileError as error:
                    raise _FileFailed(str(error)) from None
                if not self.dry_run and django_apps.is_installed("transit"):
                    # Places written in bulk skip save(): their stops, from here.
                    from transit.nearby import refresh_written

                    refresh_written(self.written)
                transaction.set_rollback(self.dry_run)
        except StrictAbort:
            self.report.aborted = True
        except _FileFailed as error:
            self.report.file_error = str(error)
            if self.strict:
                self.report.aborted = True
        finally:
            if ahead is not None:
                ahead.close()
        if not (self.report.aborted or self.report.file_error):
            self._report_missing()
        return self.report

    @contextlib.contextmanager
    def _writing(self):
        """Inserts written behind (actors.bulkinsert.WriteBehind): while the database
        writes a batch — PostgreSQL's server in its own process, SQLite's engine in a
        thread of this one, which lets go of the interpreter meanwhile — this thread
        plans the next.

        On PostgreSQL, foreign keys are then checked as each insert runs (SET
        CONSTRAINTS ALL IMMEDIATE), while this process goes on, instead of all at the
        commit, where nothing else can be done: the same checks, and a row they refuse
        is refused with its batch, which is then written again record by record.
        """
        checking = connection.vendor == "postgresql"
        if checking:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with WriteBehind() as self.writes:
            try:
                yield
            finally:
                self.writes = None
        if checking and not connection.needs_rollback:  # (a dry run is rolled back)
            # Back to the schema's own mode, for whatever the transaction does next.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _consume(self, records):
        batch = []
        for item in records:
            if isinstance(item, Skipped):
                self._skip(item.reason)
                continue
            if item.source and item.source_id:
                self.present[item.source].add(item.source_id)
            if not self._in_territory(item.communes):
                self.outside.add(item.key)
                self._skip(_("hors du territoire demandé"))
                continue
            batch.append(item)
            if len(batch) >= self.batch_size:
                self._process(batch)
                batch = []
        if batch:
            self._process(batch)
        self._settle()
        self._resolve_deferred_parents()
        if self.report.created + self.report.updated >= ANALYZE_AFTER:
            bulk.analyze(
                [
                    Structure,
                    StructureSource,
                    OpeningSlot,
                    OpeningException,
                    *(getattr(Structure, name).through for name in RELATIONS),
                ]
            )

    # --- Report helpers -----------------------------------------------------------------------

    def _skip(self, reason):
        self.report.skipped += 1
        self.report.skipped_reasons[reason] += 1

    def _invalid(self, record, message):
        if record.source:
            self.refused.add((record.source, record.source_id))
        self.report.invalid += 1
        self.report.problems.append(Problem(record.number, record.label, message))
        if self.strict:
            raise StrictAbort

    def _in_territory(self, communes):
        if not self.communes and not self.departement:
            return True
        if self.communes and communes & self.communes:
            return True
        return bool(self.departement) and any(c.startswith(self.departement) for c in communes)

    # --- One batch -----------------------------------------------------------------------------

    def _process(self, batch):
        valid = []
        for record in batch:
            source, key = record.key
            if key:
                seen = self.seen[source]
                if key in seen:
                    self._invalid(
                        record,
                        _("en double dans le fichier (déjà n° %(number)s)") % {"number": seen[key]},
                    )
                    continue
                seen[key] = record.number
            if self._no_newer(record):
                self.report.unchanged += 1
                continue
            record.complete()
            if record.errors:
                self._invalid(record, " ; ".join(record.errors))
                continue
            self.prepare(record)
            valid.append(record)
        targets = self._targets(valid)
        current = self._load({entry for entry, _how in targets.values() if isinstance(entry, int)})
        plans, batch_plans = [], {}
        for record in valid:
            entry, how = targets[id(record)]
            link_to = None
            if isinstance(entry, Pending):
                link_to = entry.plan
            elif isinstance(entry, int) and entry in batch_plans:
                link_to = batch_plans[entry]
            elif isinstance(entry, int) and self.claimed.get(entry, record.number) != record.number:
                link_to = "written"
            if link_to is not None:
                self._link(record, entry, link_to, plans)
                continue
            try:
                plan = self._plan(record, current.get(entry), how)
            except ValidationError as error:
                self._invalid(record, _messages(error))
                continue
            if plan is None:
                self.report.unchanged += 1
                continue
            plans.append(plan)
            if plan.new:
                plan.pending = Pending(plan)
                self.index.add(
                    plan.pending,
                    record.source,
                    record.source_id,
                    plan.structure,
                    record.source_updated_at,
                    record.derived["normalized"],
                )
            else:
                batch_plans[plan.structure.pk] = plan
                self.claimed[plan.structure.pk] = record.number
        self._write(plans)

    def _no_newer(self, record):
        """An official record no newer than what we hold from it: nothing to read or write."""
        if not (record.source and record.follows_source_dates and record.source_updated_at):
            return False
        known = self.index.source_record(record.source, record.source_id)
        return bool(
            known
            and isinstance(known[0], int)
            and known[1]
            and record.source_updated_at <= known[1]
        )

    def _targets(self, records):
        """id(record) → (entry id | Pending | None, how it was matched)."""
        targets = {}
        slugs = [r.slug for r in records if not r.source and r.slug]
        by_slug = dict(Structure.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        for record in records:
            if not record.source:
                targets[id(record)] = (by_slug.get(record.slug), "slug")
                continue
            targets[id(record)] = self.index.find(
                record.source, record.source_id, record.values, record.derived["normalized"]
            )
        return targets

    def _load(self, pks):
        if not pks:
            return {}
        rows = list(Structure.objects.filter(pk__in=pks))
        self.related = self.loader.load(rows)
        return {row.pk: row for row in rows}

    def _link(self, record, entry, plan, plans):
        """The record is a place this import already wrote from another record: attach it."""
        if record.source:
            link = (record.source, record.source_id, record.source_updated_at)
            if plan == "written":
                plan = Plan(record, Structure(pk=entry), new=False)
                plans.append(plan)
            plan.new_sources.append(link)
        self.report.merged += 1

    # --- Deciding what changes -----------------------------------------------------------------

    def _plan(self, record, current, how):
        """A Plan for a new or changed entry, None if unchanged; ValidationError if invalid."""
        related = self.related[current.pk] if current else Related()
        if current is not None and not record.source and related.sources:
            raise ValidationError(
                _("l'identifiant « %(slug)s » est celui d'une fiche importée de %(source)s")
                % {"slug": record.slug, "source": related.source.source}
            )
        new = current is None
        structure = current or _new_structure()
        # A new entry starts from the defaults: no need to read them off it again.
        before = NEW_ENTRY if new else {name: getattr(structure, name) for name in TRACKED}
        values = {**record.on_create, **record.values} if new else dict(record.values)
        plan = Plan(record, structure, new)
        kept = self._keep_hand_set(record, structure, values)
        self._kind_defaults(record, structure, values, related)
        for name, value in values.items():
            setattr(structure, name, value)
        self._assign_slug(record, structure, current)
        self._locate(record, structure, current, before)
        self._assign_references(record, structure, related, plan)
        self._plan_children(record, structure, related, plan, kept)
        parts, text = record.derived["search"]
        if parts != (structure.name, structure.kind, structure.city, structure.description):
            text = structure.compute_search_text()
        structure.search_text = text
        self._track_sources(record, structure, plan, how, values)
        if not new:  # a new entry is written whole
            plan.fields = self._changed(structure, before)
        if kept:
            self.report.kept_by_hand += 1
        if not (plan.changes_entry or plan.new_sources or plan.source_dates):
            self._report_set_aside(record)  # still to fix in the source, though unchanged
            return None  # exactly what is stored: nothing to validate or write
        read_aside = len(record.set_aside)
        self._validate(record, structure, before, new)
        if len(record.set_aside) > read_aside and not new:
            plan.fields = self._changed(structure, before)
        self._report_set_aside(record)
        if structure.slug != before["slug"]:
            self.taken_slugs.add(structure.slug)
            self.taken_slugs.discard(before["slug"])
        return plan

    def _report_set_aside(self, record):
        if record.set_aside:
            self.report.partial.append(
                Problem(record.number, record.label, " ; ".join(map(str, record.set_aside)))
            )

    @staticmethod
    def _changed(structure, before):
        return {name for name in TRACKED if getattr(structure, name) != before[name]}

    def _keep_hand_set(self, record, structure, values):
        """Drop the values an agent set by hand (official sources only): True if any."""
        if not record.source or structure.pk is None:
            return False
        hand = {n for n, origin in structure.field_origins.items() if origin == MANUAL}
        if structure.coordinates_source == CoordinatesSource.MANUAL:
            hand |= {"latitude", "longitude"}  # placed on the map by an agent
        if "latitude" in hand or "longitude" in hand:
            hand |= set(POSITION_FIELDS)
        kept = [name for name in values if name in hand]
        for name in kept:
            del values[name]
        # An empty value does not erase what another source gave: nothing is lost to a merge.
        origins = structure.field_origins
        for name, value in list(values.items()):
            if (
                value in ("", None)
                and getattr(structure, name, None) not in ("", None)
                and origins.get(name) != record.source
            ):
                del values[name]
        for name in ("needs", "publics", "languages"):
            if name in hand and getattr(record, name) is not None:
                setattr(record, name, None)
                kept.append(name)
        if "hours" in hand and record.hours is not None:
            record.hours = None
            kept.append("hours")
        return bool(kept)

    def _kind_defaults(self, record, structure, values, related):
        """An annuaire CIO serves what a CIO serves: the KindDefaults table, when the record
        says nothing of needs or publics and the entry has none (or is new)."""
        if not record.kind_defaults:
            return
        kind = values.get("kind", structure.kind)
        defaults = dict(
            zip(("needs", "publics"), self.kind_defaults.get(kind, ([], [])), strict=True)
        )
        for name, slugs in defaults.items():
            if getattr(record, name) is not None or structure.field_origins.get(name) == MANUAL:
                continue
            if structure.pk is None or (slugs and not getattr(related, name)):
                setattr(record, name, list(slugs))

    def _track_sources(self, record, structure, plan, how, values):
        """The source record to attach or date, and where each written value came from."""
        if not record.source:
            return
        known = self.index.source_record(record.source, record.source_id)
        if known is None or not isinstance(known[0], int) or known[0] != structure.pk:
            plan.new_sources.append((record.source, record.source_id, record.source_updated_at))
            if not plan.new and how != "source":
                self.report.merged += 1
        elif record.source_updated_at and record.source_updated_at != known[1]:
            plan.source_dates.append((record.source, record.source_id, record.source_updated_at))
        written = set(values) - {"status", "last_verified_at", "verification_method"}
        written |= {n for n in ("needs", "publics", "languages") if getattr(record, n) is not None}
        if record.hours is not None:
            written |= {"hours", "hours_note"}
        origins = dict(structure.field_origins)
        for name in written:
            origins[name] = record.source
        if origins != structure.field_origins:
            structure.field_origins = origins
            plan.origins_changed = True

    def _validate(self, record, structure, before, new):
        """The admin's validation; a failing secondary field is set aside, not the record."""
        for _round in range(SET_ASIDE_ROUNDS):
            try:
                self._full_clean(record, structure, VALID_DEFAULTS if new else before)
                return
            except ValidationError as error:
                problems = getattr(error, "error_dict", None)
                if not problems or set(problems) & ESSENTIAL:
                    raise
                for name, errors in problems.items():
                    self._set_aside(record, structure, before, new, name, errors)
        self._full_clean(record, structure, VALID_DEFAULTS if new else before)

    def _set_aside(self, record, structure, before, new, name, errors):
        """Put the field back as it was (its default on a new entry) and say why."""
        field_ = Structure._meta.get_field(name)
        reason = " ; ".join(message for error in errors for message in error.messages)
        record.drop(field_.verbose_name, getattr(structure, field_.attname), reason)
        for each in POSITION_FIELDS if name in ("latitude", "longitude") else (name,):
            attname = Structure._meta.get_field(each).attname
            default = Structure._meta.get_field(each).get_default()
            setattr(structure, attname, default if new else before[attname])
        if name in ("latitude", "longitude") and structure.latitude is None:
            structure.coordinates_source = CoordinatesSource.UNKNOWN
            if structure.status == Status.PUBLISHED:
                structure.status = Status.DRAFT
            self.report.to_locate.append(
                Problem(record.number, record.label, _("position invalide, à placer sur la carte"))
            )

    def _full_clean(self, record, structure, before):
        """The admin's validation (Model.full_clean: each field's clean(), then the
        model's clean()), minus what is known valid already, in one pass.

        - What is not being written — a default, or a stored value — like a partner's
          proposal (partners.proposal_fields.apply); clean() still sees it all.
        - What the reader validated by the source's schema (`record.checked`).
        - Values that repeat ("published", "44000", "Nantes"): field validation depends
          on the value alone (foreign keys and uniqueness are the importer's own
          checks), so a value that passed once passes again.
        - Text whose only rule is its length, numbers whose only rule is their type
          (PLAIN, NUMBERS): checked here in two operations.
        The rest, and any value that fails these shortcuts, goes through the field's
        own clean(), for its message.
        """
        errors = {}
        checked = record.checked
        valid = record.derived["valid"]
        passed = []
        for check in CHECKS:
            name, attname = check[0], check[1]
            value = getattr(structure, attname)
            if (
                name in checked
                or valid.get(name, _UNSET) is value
                or (attname in before and value == before[attname])
            ):
                continue
            try:
                clean = self._clean_field(check, value, passed)
            except ValidationError as error:
                errors[name] = error.error_list
                continue
            if clean is not value:
                setattr(structure, attname, clean)
        try:
            structure.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        self._remember_valid(passed)

    def _clean_field(self, check, value, passed):
        """The value as the field cleans it (ValidationError if it cannot), by the
        shortcuts of _full_clean(); a repeated value that passed goes into `passed`."""
        name, _attname, field_, kind, extra = check
        if kind == "plain":
            limit, blank = extra
            if type(value) is str and (value or blank) and (limit is None or len(value) <= limit):
                return value
        elif kind == "number":
            if type(value) is float or (value is None and extra):
                return value
        elif kind == "repeated" and (name, value) in self.valid_values:
            return value
        if field_.blank and value in field_.empty_values:
            return value
        # No model instance: a field's rules depend on its value alone (foreign keys are
        # not among CHECKS, uniqueness is the importer's own check).
        clean = field_.clean(value, None)
        if kind == "repeated":
            passed.append((name, value))
        return clean

    def _remember_valid(self, passed):
        if len(self.valid_values) > 20_000:
            self.valid_values.clear()
        self.valid_values.update(passed)

    def prepare(self, record):
        """What a record's own values give, before any entry is looked at.

        The field validation of each value (the valid ones are not validated again
        while the entry holds them: a failing one is left to _full_clean, which sets it
        aside), the search text, the normalised name and street for matching, the
        slug's base, the neighbourhood of the position. It reads nothing from the
        database: a large file's reader process (opendata.readahead) runs it while
        this one writes, a small file's records get it here. Each piece is used only
        while the entry holds the very values it was worked out from.
        """
        if record.derived is not None:
            return
        values = {**NEW_ENTRY, **record.on_create, **record.values}
        valid, passed = {}, []
        for name, value in list(record.values.items()) + list(record.on_create.items()):
            check = CHECK_OF.get(name)
            if check is None or name in record.checked:
                continue
            try:
                clean = self._clean_field(check, value, passed)
            except ValidationError:
                continue
            valid[name] = clean
            if clean is not value:
                for given in (record.values, record.on_create):
                    if name in given:
                        given[name] = clean
        self._remember_valid(passed)
        name, street = values["name"], values["street"]
        parts = (name, values["kind"], values["city"], values["description"])
        latitude, longitude = values["latitude"], values["longitude"]
        record.derived = {
            "valid": valid,
            "search": (parts, search_text(*parts)),
            "normalized": {name: name_key(name), street: name_key(street)},
            "slug": (name, _slug_base(name)),
            "place": (latitude, longitude, self._areas(latitude, longitude)),
        }

    def _areas(self, latitude, longitude):
        """(quartier pk, QPV pk, distance to the QPV) of a point; Nones without one."""
        if latitude is None or longitude is None:
            return None, None, None
        return self.areas.areas(latitude, longitude)

    @property
    def taken_slugs(self):
        if self._taken_slugs is None:
            self._taken_slugs = set(Structure.objects.values_list("slug", flat=True))
        return self._taken_slugs

    def _assign_slug(self, record, structure, current):
        wanted = record.slug or (current.slug if current else "")
        if current is not None and wanted == current.slug:
            structure.slug = wanted
            return
        if wanted:
            if wanted in self.taken_slugs:
                raise ValidationError(
                    {
                        "slug": _("« %(slug)s » est déjà utilisé par une autre fiche.")
                        % {"slug": wanted}
                    }
                )
        else:
            name, base = record.derived["slug"]
            if name != structure.name:
                base = _slug_base(structure.name)
            wanted, n = base, 2
            while wanted in self.taken_slugs:
                wanted, n = f"{base}-{n}", n + 1
            if len(wanted) <= SLUG_LENGTH:  # slugify's letters, digits and dashes: valid
                record.derived["valid"]["slug"] = wanted
        structure.slug = wanted

    def _locate(self, record, structure, current, before):
        """Coordinates from the file, kept, geocoded, or none: then a draft to place by hand."""
        if structure.latitude is not None or structure.longitude is not None:
            return  # given (both, or one: full_clean() will say so)
        address_changed = any(getattr(structure, f) != before[f] for f in ADDRESS_FIELDS)
        if current is not None and before["latitude"] is not None and not address_changed:
            # The file has no position but we have one for the same address: keep it.
            structure.latitude, structure.longitude = before["latitude"], before["longitude"]
            structure.coordinates_source = before["coordinates_source"]
            return
        if current is None and not (structure.street or structure.postcode or structure.city):
            raise ValidationError(
                _("ni position ni adresse : impossible de placer la fiche sur la carte")
            )
        found = self._geocode(structure)
        if found:
            structure.latitude, structure.longitude = found.latitude, found.longitude
            structure.coordinates_source = CoordinatesSource.GEOCODED
            return
        structure.coordinates_source = CoordinatesSource.UNKNOWN
        if structure.status == Status.PUBLISHED:
            structure.status = Status.DRAFT
        self.report.to_locate.append(
            Problem(record.number, record.label, _("adresse introuvable, à placer sur la carte"))
        )

    def _geocode(self, structure):
        if self.geocoder_down or not structure.street:
            return None
        query = " ".join(p for p in (structure.street, structure.postcode, structure.city) if p)
        try:
            result = geocode(query)
        except GeocoderUnavailable:
            # One timeout is enough: the rest of the file is not slowed down by more.
            self.geocoder_down = True
            self.report.geocoder_unavailable = True
            return None
        return result if result.found else None

    def _assign_references(self, record, structure, related, plan):
        if record.neighbourhood_slug is not None:
            if record.neighbourhood_slug:
                if record.neighbourhood_slug in self.neighbourhoods:
                    structure.neighbourhood_id = self.neighbourhoods[record.neighbourhood_slug]
                    structure.neighbourhood_is_manual = True
                else:
                    record.drop(_("quartier"), record.neighbourhood_slug, _("quartier inconnu"))
            else:
                structure.neighbourhood_is_manual = False
        latitude, longitude, areas = record.derived["place"]
        if (latitude, longitude) != (structure.latitude, structure.longitude):
            areas = self._areas(structure.latitude, structure.longitude)
        quartier, structure.qpv_id, structure.qpv_distance_m = areas
        if not structure.neighbourhood_is_manual:
            structure.neighbourhood_id = quartier
        if record.parent_slug is not None:
            if not record.parent_slug:
                structure.parent_id = None
            elif record.parent_slug == structure.slug:
                record.drop(
                    _("réseau"),
                    record.parent_slug,
                    _("une structure ne peut être son propre réseau"),
                )
            elif related.parent_slug != record.parent_slug:
                plan.deferred_parent = record.parent_slug
        for name, model in RELATIONS.items():
            slugs = getattr(record, name)
            if slugs is None:
                continue
            known = getattr(self, name)
            unknown = [slug for slug in slugs if slug not in known]
            if unknown:
                record.drop(
                    model._meta.verbose_name_plural,
                    ", ".join(unknown),
                    _("inconnu(s) du guide : les autres sont importés"),
                )
            ids = sorted({known[slug] for slug in slugs if slug in known})
            if ids != sorted(item.pk for item in getattr(related, name)):
                plan.relations[name] = ids

    def _plan_children(self, record, structure, related, plan, kept):
        hours = record.hours
        if hours is None:
            return
        structure.holidays_rule = hours.holidays_rule
        # A quoted comment is for people: the note. What the rows cannot hold, verbatim.
        structure.hours_note = _join_notes(
            record.values.get("hours_note", structure.hours_note if plan.new else ""),
            hours.note,
            hours.verbatim,
        )[:1000]
        if "hours_to_check" not in record.values:
            structure.hours_to_check = bool(hours.verbatim)
        elif hours.verbatim:
            structure.hours_to_check = True
        slots = sorted(set(hours.slots))
        starts = collections.Counter((weekday, opens) for weekday, opens, _closes in slots)
        if any(count > 1 for count in starts.values()):
            record.drop(
                _("horaires"), "", _("deux créneaux commencent le même jour à la même heure")
            )
            return
        exceptions = sorted(set(hours.exceptions), key=exception_order)
        exceptions = [(*e[:5], e[5][:200]) for e in exceptions]
        old_slots = [tuple(slot) for slot in related.slots]
        old_exceptions = [tuple(exception) for exception in related.exceptions]
        if slots != old_slots:
            plan.slots = slots
        if exceptions != old_exceptions:
            plan.exceptions = exceptions

    # --- Writing ---------------------------------------------------------------------------------

    def _write(self, plans):
        """Write a batch in its own savepoint, released when the next batch is written.

        The batch's inserts may still be running when this returns (written behind,
        see _writing()): the next batch is planned meanwhile, and _settle() waits for
        them first. If the database refuses the batch, it is written again one record per
        savepoint: the others still go in, the culprit is reported.
        """
        self._settle()
        if not plans:
            return
        sid = transaction.savepoint()
        try:
            self._save(plans)
        except DatabaseError:
            self._one_by_one(sid, plans)
            return
        # Its entries have their ids: the next records find them by id, not by plan.
        self._registered(plans)
        self._in_flight = (sid, plans)

    def _settle(self):
        """The batch written last: its inserts done, its savepoint released (or redone)."""
        if self._in_flight is None:
            return
        sid, plans = self._in_flight
        self._in_flight = None
        try:
            if self.writes is not None:
                self.writes.wait()
        except DatabaseError:
            self._one_by_one(sid, plans)
            return
        transaction.savepoint_commit(sid)
        for plan in plans:
            self._count(plan)
            self.written.add(plan.structure.pk)

    def _one_by_one(self, sid, plans):
        """The batch refused: written again one record per savepoint to find the culprit."""
        transaction.savepoint_rollback(sid)
        transaction.savepoint_commit(sid)
        for plan in plans:
            if plan.new:
                plan.structure.pk = None
                plan.structure._state.adding = True
            try:
                with transaction.atomic():
                    self._save([plan])
            except DatabaseError as error:
                plan.structure.pk = None if plan.new else plan.structure.pk
                self._invalid(
                    plan.record,
                    _("refusée par la base de données : %(error)s") % {"error": error},
                )
            else:
                self._count(plan)
                self.written.add(plan.structure.pk)
        self._registered(plans)

    def _registered(self, plans):
        """The index learns the ids of these plans' entries."""
        for plan in plans:
            if plan.structure.pk is None:
                continue
            if plan.pending is not None:
                plan.pending.written(plan.structure.pk)
            for source, source_id, updated in plan.new_sources + plan.source_dates:
                self.index.set_source_record(source, source_id, plan.structure.pk, updated)

    def _count(self, plan):
        if plan.new:
            self.report.created += 1
        elif plan.changes_entry:
            self.report.updated += 1
        elif not plan.new_sources:
            self.report.unchanged += 1

    def _save(self, plans):
        now = timezone.now()
        created = [p.structure for p in plans if p.new]
        changed = [p for p in plans if not p.new and p.changes_entry]
        bulk.create(Structure, created, key="slug", user=self.user, ids=self.ids)
        if changed:
            for plan in changed:
                plan.structure.updated_at = now
            fields = set().union(*(plan.fields for plan in changed)) | {"updated_at"}
            if any(plan.origins_changed for plan in changed):
                fields.add("field_origins")
            bulk.update(Structure, [p.structure for p in changed], sorted(fields), user=self.user)
        self._replace_children(plans)
        self._save_sources(plans, now)
        for plan in plans:
            if plan.deferred_parent:
                self.deferred_parents.append((plan.structure.pk, plan.deferred_parent))

    def _save_sources(self, plans, now):
        insert_rows(
            StructureSource,
            [
                {
                    "structure_id": plan.structure.pk,
                    "source": source,
                    "source_id": source_id,
                    "source_updated_at": updated,
                    "created_at": now,
                }
                for plan in plans
                for source, source_id, updated in plan.new_sources
            ],
        )
        dates = [entry for plan in plans for entry in plan.source_dates]
        by_source = collections.defaultdict(dict)
        for source, source_id, updated in dates:
            by_source[source][source_id] = updated
        for source, updates in by_source.items():
            rows = list(StructureSource.objects.filter(source=source, source_id__in=updates))
            for row in rows:
                row.source_updated_at = updates[row.source_id]
            StructureSource.objects.bulk_update(rows, ["source_updated_at"], batch_size=1000)

    def _replace(self, model, plans, columns, rows_of):
        """Replace the `model` rows of these plans' structures by rows_of(plan): tuples
        of `columns`.

        The children of an entry this import creates get no history rows of their own:
        the entry's "+" row and the import's report say when and from what it was made
        (they were a sixth of the rows a first import wrote). What an import changes on
        an existing entry is in its history, row by row.
        """
        columns = ("structure_id", *columns)
        bulk.delete_children(
            model,
            parent="structure_id",
            ids=[p.structure.pk for p in plans if not p.new],
            user=self.user,
        )
        insert_rows(
            model,
            [(p.structure.pk, *row) for p in plans if p.new for row in rows_of(p)],
            columns=columns,
        )
        bulk.insert_children(
            model,
            [
                dict(zip(columns, (p.structure.pk, *row), strict=True))
                for p in plans
                if not p.new
                for row in rows_of(p)
            ],
            parent="structure_id",
            user=self.user,
        )

    def _replace_children(self, plans):
        self._replace(
            OpeningSlot,
            [p for p in plans if p.slots is not None],
            ("weekday", "opens", "closes"),
            lambda p: p.slots,
        )
        self._replace(
            OpeningException,
            [p for p in plans if p.exceptions is not None],
            ("starts_on", "ends_on", "kind", "opens", "closes", "label"),
            lambda p: [
                (
                    starts_on,
                    ends_on,
                    kind,
                    opens if kind == ExceptionKind.SPECIAL else None,
                    closes if kind == ExceptionKind.SPECIAL else None,
                    label,
                )
                for starts_on, ends_on, kind, opens, closes, label in p.exceptions
            ],
        )
        new = {p.structure.pk for p in plans if p.new}
        for name in RELATIONS:
            ids = {p.structure.pk: p.relations[name] for p in plans if name in p.relations}
            self.replace_relation(name, ids, new=new)

    def replace_relation(self, name, ids_by_structure, new=()):
        """Set a many-to-many relation of several structures at once (the relation's
        history is the structure's own: its through rows have none)."""
        column = f"{RELATIONS[name]._meta.model_name}_id"
        through = getattr(Structure, name).through
        bulk.delete_children(
            through,
            parent="structure_id",
            ids=[pk for pk in ids_by_structure if pk not in new],
            user=self.user,
        )
        insert_rows(
            through,
            [(pk, i) for pk, ids in ids_by_structure.items() for i in ids],
            columns=("structure_id", column),
        )

    def _resolve_deferred_parents(self):
        """Networks named by slug, once every row of the file is in."""
        if not self.deferred_parents:
            return
        slugs = {slug for _pk, slug in self.deferred_parents}
        parents = dict(Structure.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        for pk, slug in self.deferred_parents:
            if slug in parents:
                Structure.objects.filter(pk=pk).update(parent_id=parents[slug])
            else:
                self.report.warnings.append(Problem(0, slug, _("réseau introuvable : laissé vide")))
        self.deferred_parents = []

    def _report_missing(self):
        """Entries of the file's sources that the file no longer has: reported, never deleted."""
        for source, present in self.present.items():
            rows = (
                StructureSource.objects.filter(source=source)
                .exclude(structure__status=Status.ARCHIVED)
                .values_list("source_id", "structure__name", "structure__insee_code")
            )
            for source_id, name, insee in rows.iterator(chunk_size=10_000):
                if source_id in present:
                    continue
                if (self.communes or self.departement) and not self._in_territory({insee}):
                    continue
                self.report.missing.append((source, source_id, name))
        self.report.missing.sort()
