"""Writing data·inclusion services onto the entries the structures import made or found.

A service belongs to the entry its structure record is attached to (through
StructureSource). A service whose structure is known neither from the file
nor from an earlier import is reported, never silently dropped. A structure
serves the needs of its services: once the services are in, each touched
entry's needs and publics become its kind's defaults plus what its services
serve — unless an agent set them by hand.
"""

import collections

from django.utils import timezone
from django.utils.translation import gettext as _

from actors.bulkinsert import delete_in, insert_rows, select_in
from actors.models import Need, Public, Service, Structure
from actors.models.structures import MANUAL

from . import bulk
from .datainclusion_reader import SOURCE_PREFIX
from .importer import ANALYZE_AFTER, StrictAbort
from .records import Problem

BATCH_SIZE = 2000
COMPARED = [
    "name",
    "description",
    "thematiques",
    "is_free",
    "fees_details",
    "in_person",
    "remote",
    "access_details",
    "opening_hours",
    "source_updated_at",
]


class ServiceWriter:
    def __init__(self, importer):
        self.importer = importer
        self.report = importer.report
        self.by_thematique = collections.defaultdict(set)  # code or category → need ids
        for pk, codes in Need.objects.values_list("pk", "di_thematiques"):
            for code in codes:
                self.by_thematique[code].add(pk)
                self.by_thematique[code.split("--")[0]].add(pk)
        self.by_public = collections.defaultdict(set)
        for pk, codes in Public.objects.values_list("pk", "di_publics"):
            for code in codes:
                self.by_public[code].add(pk)
        # data·inclusion ids hold their producer ("dora--…"): the id alone is the key.
        self.seen = {}  # id → record number
        self.sources = set()
        self.touched = set()  # entry ids with services in the file
        self.changed = set()  # entry ids whose services changed: their needs are recomputed
        # Sources with services in the guide already: a first import asks nothing per batch.
        self.held_sources = set(
            Service.objects.order_by().values_list("source", flat=True).distinct()
        )

    def consume(self, records):
        batch = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                self._process(batch)
                batch = []
        if batch:
            self._process(batch)
        # The places of this import's structures file: their services are the file's too.
        for source, ids in self.importer.present.items():
            if source.startswith(SOURCE_PREFIX):
                self.sources.add(source)
                for source_id in ids:
                    known = self.importer.index.source_record(source, source_id)
                    if known and isinstance(known[0], int):
                        self.touched.add(known[0])
        if self.report.services["created"] + self.report.services["updated"] >= ANALYZE_AFTER:
            bulk.analyze(
                [
                    Service,
                    Service.needs.through,
                    Service.publics.through,
                    Structure.needs.through,
                    Structure.publics.through,
                ]
            )
        self._remove_stale()
        self._serve_needs()

    def _invalid(self, record, message):
        self.report.services["invalid"] += 1
        self.report.service_problems.append(Problem(record.number, record.label, message))
        if self.importer.strict:
            raise StrictAbort

    def _entry(self, record):
        known = self.importer.index.source_record(record.source, record.structure_id)
        if known and isinstance(known[0], int):
            return known[0]
        key = (record.source, record.structure_id)
        if key in self.importer.outside:
            return "outside"
        reason = (
            _("sa structure « %(id)s » est refusée (voir plus haut)")
            if key in self.importer.refused
            else _("structure « %(id)s » absente du fichier des structures et du guide")
        )
        self.report.services["orphan"] += 1
        self.report.orphan_services.append(
            Problem(record.number, record.label, reason % {"id": record.structure_id})
        )
        return None

    def _process(self, batch):
        keyed = []
        for record in batch:
            if record.source_id in self.seen:
                self._invalid(
                    record,
                    _("en double dans le fichier (déjà n° %(number)s)")
                    % {"number": self.seen[record.source_id]},
                )
                continue
            self.seen[record.source_id] = record.number
            entry = self._entry(record)
            if entry == "outside":
                self.report.skipped += 1
            elif entry is not None:
                self.sources.add(record.source)
                self.touched.add(entry)
                keyed.append((record, entry))
        known = self._known(keyed)
        fresh = []
        for record, entry in keyed:
            dated = known.get((record.source, record.source_id))
            if dated is not None and self._no_newer(record, entry, *dated):
                self.report.services["unchanged"] += 1
            else:
                fresh.append((record, entry))
        existing = self._existing(
            [record for record, _entry in fresh if (record.source, record.source_id) in known]
        )
        created, changed, relations = [], [], []
        for record, entry in fresh:
            current = existing.get((record.source, record.source_id))
            record.complete()
            if record.errors:
                self._invalid(record, " ; ".join(record.errors))
                continue
            if record.set_aside:
                self.report.partial.append(
                    Problem(
                        record.number,
                        record.label,
                        _("service : %(fields)s")
                        % {"fields": " ; ".join(map(str, record.set_aside))},
                    )
                )
            needs = set()
            for code in record.values["thematiques"]:
                if code in self.by_thematique:
                    needs |= self.by_thematique[code]
                else:
                    self.report.unmapped_thematiques[code] += 1
            publics = set().union(*(self.by_public.get(code, set()) for code in record.publics))
            if current is None:
                row = {
                    "structure_id": entry,
                    "source": record.source,
                    "source_id": record.source_id,
                    **record.values,
                }
                created.append(row)
                relations.append((row, needs, publics))
                self.changed.add(entry)
                continue
            service, old_needs, old_publics = current
            differs = service.structure_id != entry or any(
                getattr(service, name) != record.values[name] for name in COMPARED
            )
            if differs:
                self.changed.update({service.structure_id, entry})
                service.structure_id = entry
                for name in COMPARED:
                    setattr(service, name, record.values[name])
                changed.append(service)
            if differs or needs != old_needs or publics != old_publics:
                self.changed.add(entry)
                relations.append((service, needs, publics))
                self.report.services["updated"] += 1
            else:
                self.report.services["unchanged"] += 1
        self._create(created)
        now = timezone.now()
        for service in changed:
            service.updated_at = now
        Service.objects.bulk_update(changed, [*COMPARED, "structure_id", "updated_at"], 1000)
        self._set_relations(relations, new={id(row) for row in created})

    @staticmethod
    def _no_newer(record, entry, structure_id, source_updated_at):
        """Dated by its source, no newer than ours and still at the same place: unchanged."""
        return bool(
            record.source_updated_at
            and source_updated_at
            and record.source_updated_at <= source_updated_at
            and structure_id == entry
        )

    def _known(self, keyed):
        """(source, id) → (entry id, source's date) of the batch's services already in."""
        by_source = collections.defaultdict(list)
        for record, _entry in keyed:
            if record.source in self.held_sources:
                by_source[record.source].append(record.source_id)
        known = {}
        for source, ids in by_source.items():
            rows = Service.objects.filter(source=source, source_id__in=ids).values_list(
                "source_id", "structure_id", "source_updated_at"
            )
            for source_id, structure_id, updated in rows:
                known[(source, source_id)] = (structure_id, updated)
        return known

    def _create(self, rows):
        """Plain rows in (COPY on PostgreSQL), then their ids, found by (source, id)."""
        if not rows:
            return
        now = timezone.now()
        for row in rows:
            row["updated_at"] = now
        self.report.services["created"] += len(rows)
        ids = self.importer.ids.take(Service, len(rows))
        if ids is not None:
            for row, pk in zip(rows, ids, strict=True):
                row["id"] = row["pk"] = pk
            insert_rows(Service, rows, with_pk=True)
            return
        insert_rows(Service, rows)  # SQLite: read back by (source, id)
        by_source = collections.defaultdict(list)
        for row in rows:
            by_source[row["source"]].append(row["source_id"])
        ids = {}
        for source, source_ids in by_source.items():
            found = select_in(
                Service, ["source_id", "pk"], "source_id", source_ids, where={"source": source}
            )
            for source_id, pk in found:
                ids[(source, source_id)] = pk
        for row in rows:
            row["pk"] = ids[(row["source"], row["source_id"])]

    def _existing(self, records):
        """(source, id) → (Service, need ids, public ids) of these records' services."""
        by_source = collections.defaultdict(list)
        for record in records:
            by_source[record.source].append(record.source_id)
        found = {}
        for source, ids in by_source.items():
            for service in Service.objects.filter(source=source, source_id__in=ids):
                found[(service.source, service.source_id)] = service
        pks = {service.pk: key for key, service in found.items()}
        needs, publics = collections.defaultdict(set), collections.defaultdict(set)
        for service_id, need_id in Service.needs.through.objects.filter(
            service_id__in=pks
        ).values_list("service_id", "need_id"):
            needs[service_id].add(need_id)
        for service_id, public_id in Service.publics.through.objects.filter(
            service_id__in=pks
        ).values_list("service_id", "public_id"):
            publics[service_id].add(public_id)
        return {key: (s, needs[s.pk], publics[s.pk]) for key, s in found.items()}

    def _set_relations(self, items, new):
        """Needs and publics of services: rows (new, plain dicts) or Service instances."""

        def pk_of(service):
            return service["pk"] if isinstance(service, dict) else service.pk

        old = [pk_of(service) for service, _n, _p in items if id(service) not in new]
        for through, column, position in (
            (Service.needs.through, "need_id", 1),
            (Service.publics.through, "public_id", 2),
        ):
            delete_in(through, "service_id", old)
            insert_rows(
                through,
                [(pk_of(item[0]), pk) for item in items for pk in sorted(item[position])],
                columns=("service_id", column),
            )

    def _remove_stale(self):
        """Services a source no longer publishes for the places it still publishes."""
        touched = sorted(self.touched)
        for start in range(0, len(touched), BATCH_SIZE):
            # By place alone: with the source too, SQLite walks the (source, id) index instead.
            rows = select_in(
                Service,
                ["pk", "source", "source_id"],
                "structure_id",
                touched[start : start + BATCH_SIZE],
            )
            stale = [
                pk
                for pk, source, source_id in rows
                if source in self.sources and source_id not in self.seen
            ]
            if stale:
                self.changed.update(
                    Service.objects.filter(pk__in=stale).values_list("structure_id", flat=True)
                )
                Service.objects.filter(pk__in=stale).delete()
                self.report.services["removed"] += len(stale)

    def _serve_needs(self):
        """Each touched entry serves its kind's defaults and what its services serve.

        Raw queries by chunk of entries (the ORM would resolve each of the thousands of
        ids of an IN list): 3 + 2 × 2 queries per chunk, plus the writes of what changed.
        """
        defaults = {
            kind: (
                {self.importer.needs[slug] for slug in needs if slug in self.importer.needs},
                {self.importer.publics[slug] for slug in publics if slug in self.importer.publics},
            )
            for kind, (needs, publics) in self.importer.kind_defaults.items()
        }
        # Entries whose services or own record changed: the others serve what they served.
        touched = sorted(self.changed | (self.importer.written & self.touched))
        for start in range(0, len(touched), BATCH_SIZE):
            chunk = touched[start : start + BATCH_SIZE]
            # Only the two origins read here, not each entry's whole provenance.
            entries = {
                pk: (kind, {"needs": needs, "publics": publics})
                for pk, kind, needs, publics in Structure.objects.filter(pk__in=chunk).values_list(
                    "pk", "kind", "field_origins__needs", "field_origins__publics"
                )
            }
            place_of = dict(select_in(Service, ["pk", "structure_id"], "structure_id", chunk))
            moved = collections.defaultdict(list)  # entry → names now served by services
            for name, through, column in (
                ("needs", Service.needs.through, "need_id"),
                ("publics", Service.publics.through, "public_id"),
            ):
                wanted = collections.defaultdict(set)
                for pk, (kind, origins) in entries.items():
                    if origins[name] != MANUAL:
                        wanted[pk] = set(defaults.get(kind, (set(), set()))[name == "publics"])
                for service_id, pk in select_in(
                    through, ["service_id", column], "service_id", list(place_of)
                ):
                    structure_id = place_of[service_id]
                    if structure_id in wanted:
                        wanted[structure_id].add(pk)
                current = collections.defaultdict(set)
                structure_through = getattr(Structure, name).through
                for structure_id, pk in select_in(
                    structure_through, ["structure_id", column], "structure_id", list(wanted)
                ):
                    current[structure_id].add(pk)
                changes = {
                    pk: sorted(ids) for pk, ids in wanted.items() if ids != current.get(pk, set())
                }
                # Most entries only gain their services' needs: add those rows; the few
                # that lose one are rewritten whole.
                shrinking = {
                    pk: ids for pk, ids in changes.items() if current.get(pk, set()) - set(ids)
                }
                self.importer.replace_relation(name, shrinking)
                insert_rows(
                    structure_through,
                    [
                        (pk, id_)
                        for pk, ids in changes.items()
                        if pk not in shrinking
                        for id_ in sorted(set(ids) - current.get(pk, set()))
                    ],
                    columns=("structure_id", column),
                )
                for pk in changes:
                    if not str(entries[pk][1][name] or "").startswith(SOURCE_PREFIX):
                        moved[pk].append(name)
            self._mark_served(moved)

    @staticmethod
    def _mark_served(moved):
        """What these entries serve now comes from data·inclusion services (provenance)."""
        if not moved:
            return
        entries = []
        for pk, origins in Structure.objects.filter(pk__in=list(moved)).values_list(
            "pk", "field_origins"
        ):
            for name in moved[pk]:
                origins[name] = SOURCE_PREFIX
            entries.append(Structure(pk=pk, field_origins=origins))
        Structure.objects.bulk_update(entries, ["field_origins"], batch_size=1000)
