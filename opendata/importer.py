"""The upsert of imported records into the directory, batch by batch.

Every record is validated like an admin edit (model `full_clean()`, the same
field validators and `clean()` rules) before anything is written; the
database then enforces its constraints. Records are written in batches for
speed; if the database refuses a batch, it is written again one record per
savepoint, so a bad record is reported and never leaves half an entry while
the good ones go in. A dry run does all of it inside a transaction that is
rolled back; `strict` rolls back everything at the first invalid record.
"""

import collections
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actors.enums import CoordinatesSource, ExceptionKind, Status
from actors.geocoding import GeocoderUnavailable, geocode
from actors.models import (
    Language,
    Need,
    Neighbourhood,
    OpeningException,
    OpeningSlot,
    Public,
    Structure,
)

from . import bulk
from .records import ImportFileError, Problem, Report, Skipped
from .related import Related, RelatedLoader, exception_order

BATCH_SIZE = 500
# Fields compared to tell "updated" from "unchanged" (timestamps aside).
TRACKED = [
    f.attname
    for f in Structure._meta.concrete_fields
    if not (f.primary_key or f.generated) and f.attname not in {"created_at", "updated_at"}
]
ADDRESS_FIELDS = ("street", "postcode", "city")
RELATIONS = {"needs": Need, "publics": Public, "languages": Language}
# FK targets are resolved by the importer from rows it has loaded: not re-queried per row.
CLEAN_EXCLUDE = ["neighbourhood", "parent", "verified_by"]
FIELDS = [
    (f.name, f.attname)
    for f in Structure._meta.concrete_fields
    if not (f.primary_key or f.generated or f.name in CLEAN_EXCLUDE)
]


class StrictAbort(Exception):
    pass


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


def _messages(error):
    if hasattr(error, "message_dict"):
        parts = []
        for name, messages in error.message_dict.items():
            label = name
            if name in {f.name for f in Structure._meta.fields}:
                label = str(Structure._meta.get_field(name).verbose_name)
            parts.extend(f"{label} : {message}" for message in messages)
        return " ; ".join(parts)
    return " ; ".join(error.messages)


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
        self.seen = {}  # key → record number: duplicates in the file
        self.present = collections.defaultdict(set)  # source → source ids met in the file
        self.deferred_parents = []  # (structure id, parent slug) once every row is in
        self.geocoder_down = False
        self.valid_values = set()  # (field name, value) pairs that passed validation
        self._taken_slugs = None

    # --- Entry point ------------------------------------------------------------------------

    def run(self, records):
        self.needs = dict(Need.objects.values_list("slug", "pk"))
        self.publics = dict(Public.objects.values_list("slug", "pk"))
        self.languages = dict(Language.objects.values_list("slug", "pk"))
        neighbourhoods = list(Neighbourhood.objects.all())
        self.neighbourhoods = {n.slug: n.pk for n in neighbourhoods}
        self.locator = bulk.NeighbourhoodIndex(neighbourhoods)
        self.loader = RelatedLoader()
        try:
            if self.dry_run or self.strict:
                with transaction.atomic():
                    self._consume(records)
                    transaction.set_rollback(self.dry_run)
            else:
                self._consume(records)
        except StrictAbort:
            self.report.aborted = True
        except ImportFileError as error:
            self.report.file_error = str(error)
            if self.strict:
                self.report.aborted = True
        if not (self.report.aborted or self.report.file_error):
            self._report_missing()
        return self.report

    def _consume(self, records):
        batch = []
        for item in records:
            if isinstance(item, Skipped):
                self._skip(item.reason)
                continue
            if item.source and item.source_id:
                self.present[item.source].add(item.source_id)
            if not self._in_territory(item.communes):
                self._skip(_("hors du territoire demandé"))
                continue
            batch.append(item)
            if len(batch) >= self.batch_size:
                self._process(batch)
                batch = []
        if batch:
            self._process(batch)
        self._resolve_deferred_parents()

    # --- Report helpers -----------------------------------------------------------------------

    def _skip(self, reason):
        self.report.skipped += 1
        self.report.skipped_reasons[reason] += 1

    def _invalid(self, record, message):
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
            if record.errors:
                self._invalid(record, " ; ".join(record.errors))
                continue
            if record.key in self.seen:
                self._invalid(
                    record,
                    _("en double dans le fichier (déjà n° %(number)s)")
                    % {"number": self.seen[record.key]},
                )
                continue
            self.seen[record.key] = record.number
            valid.append(record)
        self.related = {}
        existing = self._existing(valid)
        plans = []
        for record in valid:
            try:
                plan = self._plan(record, existing.get(record.key))
            except ValidationError as error:
                self._invalid(record, _messages(error))
                continue
            if plan is None:
                self.report.unchanged += 1
            else:
                plans.append(plan)
        self._write(plans)

    def _existing(self, records):
        by_source = collections.defaultdict(list)
        slugs = []
        for record in records:
            if record.source:
                by_source[record.source].append(record.source_id)
            else:
                slugs.append(record.slug)
        if not records:
            return {}
        condition = None
        for source, ids in by_source.items():
            part = Structure.objects.filter(source=source, source_id__in=ids)
            condition = part if condition is None else condition | part
        if slugs:
            part = Structure.objects.filter(slug__in=slugs)
            condition = part if condition is None else condition | part
        rows = list(condition)
        self.related.update(self.loader.load(rows))
        found = {}
        for structure in rows:
            if structure.source:
                found[(structure.source, structure.source_id)] = structure
            found.setdefault(("", structure.slug), structure)
        return found

    # --- Deciding what changes -----------------------------------------------------------------

    def _plan(self, record, current):
        """A Plan for a new or changed entry, None if unchanged; ValidationError if invalid."""
        if current is not None and not record.source and current.source:
            raise ValidationError(
                _("l'identifiant « %(slug)s » est celui d'une fiche importée de %(source)s")
                % {"slug": record.slug, "source": current.source}
            )
        incoming_date = record.values.get("source_updated_at")
        if (
            current is not None
            and record.follows_source_dates
            and incoming_date
            and current.source_updated_at
            and incoming_date <= current.source_updated_at
        ):
            return None
        new = current is None
        structure = current or Structure(source=record.source, source_id=record.source_id)
        before = {name: getattr(structure, name) for name in TRACKED}
        values = {**record.on_create, **record.values} if new else dict(record.values)
        manual = current is not None and current.coordinates_source == CoordinatesSource.MANUAL
        if manual and record.follows_source_dates:
            # An agent placed it by hand: the official file does not move it.
            for name in ("latitude", "longitude", "coordinates_source"):
                values.pop(name, None)
        for name, value in values.items():
            setattr(structure, name, value)
        plan = Plan(record, structure, new)
        related = self.related.get(structure.pk) if current else Related()
        self._assign_slug(record, structure, current)
        self._locate(record, structure, current, before)
        self._assign_references(record, structure, related, plan)
        structure.search_text = structure.compute_search_text()
        self._plan_children(record, structure, related, plan)
        plan.fields = {name for name in TRACKED if getattr(structure, name) != before[name]}
        children = plan.slots is not None or plan.exceptions is not None or plan.relations
        if not (new or plan.fields or children or plan.deferred_parent):
            return None  # exactly what is stored: nothing to validate or write
        self._full_clean(structure)
        if structure.slug != before["slug"]:
            self.taken_slugs.add(structure.slug)
            self.taken_slugs.discard(before["slug"])
        return plan

    def _full_clean(self, structure):
        """The admin's validation, minus what is known valid already.

        Field validation depends on the value alone (foreign keys and uniqueness are
        checked by the importer itself), so a value that passed once passes again:
        "published", "44000" or "Nantes" are validated once per import, not per row.
        The model's clean() (rules across fields) runs every time.
        """
        values = {name: getattr(structure, attname) for name, attname in FIELDS}
        known = [name for name, value in values.items() if (name, value) in self.valid_values]
        structure.full_clean(
            exclude=CLEAN_EXCLUDE + known, validate_unique=False, validate_constraints=False
        )
        if len(self.valid_values) > 100_000:
            self.valid_values.clear()
        self.valid_values.update(values.items())

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
            base = slugify(structure.name)[:200].strip("-") or "structure"
            wanted, n = base, 2
            while wanted in self.taken_slugs:
                wanted, n = f"{base}-{n}", n + 1
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
                if record.neighbourhood_slug not in self.neighbourhoods:
                    raise ValidationError(
                        _("quartier inconnu : « %(slug)s »") % {"slug": record.neighbourhood_slug}
                    )
                structure.neighbourhood_id = self.neighbourhoods[record.neighbourhood_slug]
                structure.neighbourhood_is_manual = True
            else:
                structure.neighbourhood_is_manual = False
        if not structure.neighbourhood_is_manual:
            structure.neighbourhood_id = self.locator.locate(
                structure.latitude, structure.longitude
            )
        if record.parent_slug is not None:
            if not record.parent_slug:
                structure.parent_id = None
            elif record.parent_slug == structure.slug:
                raise ValidationError(_("une structure ne peut pas être son propre réseau"))
            elif related.parent_slug != record.parent_slug:
                plan.deferred_parent = record.parent_slug
        for name, model in RELATIONS.items():
            slugs = getattr(record, name)
            if slugs is None:
                continue
            known = getattr(self, name)
            unknown = [slug for slug in slugs if slug not in known]
            if unknown:
                raise ValidationError(
                    _("%(what)s inconnu(s) : %(slugs)s")
                    % {"what": model._meta.verbose_name_plural, "slugs": ", ".join(unknown)}
                )
            ids = sorted({known[slug] for slug in slugs})
            if ids != sorted(item.pk for item in getattr(related, name)):
                plan.relations[name] = ids

    def _plan_children(self, record, structure, related, plan):
        hours = record.hours
        if hours is None:
            return
        structure.holidays_rule = hours.holidays_rule
        slots = sorted(set(hours.slots))
        starts = collections.Counter((weekday, opens) for weekday, opens, _closes in slots)
        if any(count > 1 for count in starts.values()):
            raise ValidationError(_("deux créneaux commencent le même jour à la même heure"))
        exceptions = sorted(set(hours.exceptions), key=exception_order)
        for *_dates, label in exceptions:
            if len(label) > 200:
                raise ValidationError(_("motif de fermeture trop long (200 caractères au plus)"))
        old_slots = [tuple(slot) for slot in related.slots]
        old_exceptions = [tuple(exception) for exception in related.exceptions]
        if slots != old_slots:
            plan.slots = slots
        if exceptions != old_exceptions:
            plan.exceptions = exceptions

    # --- Writing ---------------------------------------------------------------------------------

    def _write(self, plans):
        if not plans:
            return
        try:
            with transaction.atomic():
                self._save(plans)
        except DatabaseError:
            # Find the culprit: one savepoint per record, the others still go in.
            for plan in plans:
                if plan.new:
                    plan.structure.pk = None
                    plan.structure._state.adding = True
                try:
                    with transaction.atomic():
                        self._save([plan])
                except DatabaseError as error:
                    self._invalid(
                        plan.record,
                        _("refusée par la base de données : %(error)s") % {"error": error},
                    )
                else:
                    self._count(plan)
        else:
            for plan in plans:
                self._count(plan)

    def _count(self, plan):
        if plan.new:
            self.report.created += 1
        else:
            self.report.updated += 1

    def _save(self, plans):
        now = timezone.now()
        created = [p.structure for p in plans if p.new]
        changed = [p for p in plans if not p.new]
        bulk.create(Structure, created, key="slug", user=self.user)
        if changed:
            for plan in changed:
                plan.structure.updated_at = now
            fields = set().union(*(plan.fields for plan in changed)) | {"updated_at"}
            bulk.update(Structure, [p.structure for p in changed], sorted(fields), user=self.user)
        self._replace_children(plans)
        for plan in plans:
            if plan.deferred_parent:
                self.deferred_parents.append((plan.structure.pk, plan.deferred_parent))

    def _replace(self, model, plans, rows_of):
        """Replace the `model` rows of these plans' structures by rows_of(plan)."""
        bulk.delete_children(
            model,
            parent="structure_id",
            ids=[p.structure.pk for p in plans if not p.new],
            user=self.user,
        )
        bulk.insert_children(
            model,
            [{"structure_id": p.structure.pk, **row} for p in plans for row in rows_of(p)],
            parent="structure_id",
            user=self.user,
        )

    def _replace_children(self, plans):
        self._replace(
            OpeningSlot,
            [p for p in plans if p.slots is not None],
            lambda p: [{"weekday": d, "opens": o, "closes": c} for d, o, c in p.slots],
        )
        self._replace(
            OpeningException,
            [p for p in plans if p.exceptions is not None],
            lambda p: [
                {
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "kind": kind,
                    "opens": opens if kind == ExceptionKind.SPECIAL else None,
                    "closes": closes if kind == ExceptionKind.SPECIAL else None,
                    "label": label,
                }
                for starts_on, ends_on, kind, opens, closes, label in p.exceptions
            ],
        )
        for name, model in RELATIONS.items():
            column = f"{model._meta.model_name}_id"
            self._replace(
                getattr(Structure, name).through,
                [p for p in plans if name in p.relations],
                lambda p, name=name, column=column: [{column: pk} for pk in p.relations[name]],
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
            rows = Structure.objects.filter(source=source).exclude(status=Status.ARCHIVED)
            if self.communes or self.departement:
                in_territory = []
                for row in rows.values_list("source_id", "name", "insee_code"):
                    if self._in_territory({row[2]}):
                        in_territory.append(row)
                candidates = in_territory
            else:
                candidates = rows.values_list("source_id", "name", "insee_code")
            for source_id, name, _insee in candidates:
                if source_id not in present:
                    self.report.missing.append((source, source_id, name))
        self.report.missing.sort()
