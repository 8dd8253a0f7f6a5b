"""One place, one entry: finding the entry an imported record is about.

The same CIO arrives from the annuaire, from data·inclusion and perhaps from an
agent's hand. A record is matched to an existing entry by, in order:

1. its source and its id in that source (it was imported before);
2. its SIRET;
3. the same normalised name within MATCH_RADIUS_M of its position;
4. the same normalised address (street and postcode) and the same kind — not
   the address alone: one building often hosts several places (a maison de
   quartier and the permanences it lends rooms to), and generic kinds
   (association, autre) are never matched by address.

Every entry's keys are held in memory for the whole import (a few tens of MB at
100,000 entries): one query at the start instead of four per record, and the
entries created by the import itself are found by the records after them.
Source records are held by source, then id: no (source, id) tuple per entry, and
each source's name once.
"""

import sys

from actors import geo
from actors.enums import StructureKind
from actors.models import Structure, StructureSource
from actors.text import normalize

MATCH_RADIUS_M = 50
GENERIC_KINDS = {StructureKind.ASSOCIATION.value, StructureKind.AUTRE.value, ""}


def name_key(name, normalized=None):
    """`normalized`: texts already normalised (text → normalize(text)), if any."""
    if normalized and name in normalized:
        return normalized[name]
    return normalize(name)


def address_key(street, postcode, normalized=None):
    street = name_key(street, normalized)
    return f"{street}|{postcode}" if street and postcode else ""


def _put(index, key, item):
    held = index.get(key)
    if held is None:
        index[key] = item
    elif isinstance(held, list):
        held.append(item)
    else:
        index[key] = [held, item]


def _all(index, key):
    held = index.get(key)
    if held is None:
        return ()
    return held if isinstance(held, list) else (held,)


class Pending:
    """An entry this import is creating: its plan until written, then its id."""

    __slots__ = ("pk", "plan")

    def __init__(self, plan):
        self.pk, self.plan = None, plan

    def written(self, pk):
        self.pk, self.plan = pk, None  # the plan (and its instance) can go


def resolved(entry):
    """An entry id, or the Pending of an entry not written yet."""
    return entry.pk if isinstance(entry, Pending) and entry.pk is not None else entry


class MatchIndex:
    """Entries by source record, SIRET, name and address: entry ids, or a Pending."""

    def __init__(self):
        self.by_source = {}  # source → {source_id → (entry, source's date)}
        # SIRET, name and address keys: read from the entries when a record first needs
        # them (`_keys_loaded`). A file whose records are all known by their source id — an
        # unchanged file imported again — never pays for 100,000 names normalised.
        self._by_siret = {}
        # name key → (entry, lat, lon), or a list of them when several places share a name
        # (most names are unique: no list each, at 100,000 entries it counts).
        self._by_name = {}
        self._by_address = {}  # address key → (entry, kind), or a list of them
        self._keys_loaded = False
        rows = StructureSource.objects.values_list(
            "source", "source_id", "structure_id", "source_updated_at"
        )
        dates = {}  # one datetime object per distinct date, not one per row
        for source, source_id, pk, updated in rows.iterator(chunk_size=10_000):
            self.set_source_record(source, source_id, pk, dates.setdefault(updated, updated))

    def _load_keys(self):
        """The entries' keys, once. Entries this import wrote are read back like the others;
        those it is still writing were added (add()) after this ran."""
        self._keys_loaded = True
        rows = Structure.objects.values_list(
            "pk", "name", "siret", "latitude", "longitude", "street", "postcode", "kind"
        )
        for pk, name, siret, lat, lon, street, postcode, kind in rows.iterator(chunk_size=10_000):
            self._add_keys(pk, name, siret, lat, lon, street, postcode, kind)

    @property
    def by_siret(self):
        if not self._keys_loaded:
            self._load_keys()
        return self._by_siret

    @property
    def by_name(self):
        if not self._keys_loaded:
            self._load_keys()
        return self._by_name

    @property
    def by_address(self):
        if not self._keys_loaded:
            self._load_keys()
        return self._by_address

    def _add_keys(self, entry, name, siret, lat, lon, street, postcode, kind, normalized=None):
        if siret:
            self._by_siret.setdefault(siret, entry)
        if lat is not None and lon is not None:
            _put(self._by_name, name_key(name, normalized), (entry, lat, lon))
        if kind not in GENERIC_KINDS and (key := address_key(street, postcode, normalized)):
            _put(self._by_address, key, (entry, kind))

    def source_record(self, source, source_id):
        """(entry, source's date) of a known source record, or None."""
        held = self.by_source.get(source)
        return held.get(source_id) if held else None

    def set_source_record(self, source, source_id, entry, updated):
        held = self.by_source.get(source)
        if held is None:
            held = self.by_source[sys.intern(source)] = {}
        held[source_id] = (entry, updated)

    def find(self, source, source_id, values, normalized=None):
        """(entry, how) for a record's source key and values; (None, "") if new."""
        if source and (known := self.source_record(source, source_id)):
            return resolved(known[0]), "source"
        siret = values.get("siret")
        if siret and siret in self.by_siret:
            return resolved(self.by_siret[siret]), "siret"
        lat, lon = values.get("latitude"), values.get("longitude")
        if lat is not None and lon is not None:
            key = name_key(values.get("name"), normalized)
            for entry, entry_lat, entry_lon in _all(self.by_name, key):
                if geo.haversine_m(lat, lon, entry_lat, entry_lon) <= MATCH_RADIUS_M:
                    return resolved(entry), "name"
        kind = values.get("kind", "")
        key = address_key(values.get("street", ""), values.get("postcode", ""), normalized)
        if key and kind not in GENERIC_KINDS:
            for entry, entry_kind in _all(self.by_address, key):
                if entry_kind == kind:
                    return resolved(entry), "address"
        return None, ""

    def add(self, entry, source, source_id, structure, updated=None, normalized=None):
        """Register an entry (id or Pending) under a record's source key and its values."""
        if source:
            self.set_source_record(source, source_id, entry, updated)
        if not self._keys_loaded:
            self._load_keys()
        self._add_keys(
            entry,
            structure.name,
            structure.siret,
            structure.latitude,
            structure.longitude,
            structure.street,
            structure.postcode,
            structure.kind,
            normalized,
        )
