"""The search vocabularies (needs, publics, languages, quartiers), kept in this process.

Every search validates its parameters against them, every card shows need labels and
the refine form lists them all: read from the database, that was three to five queries
and a few hundred model instances per page. They change a few times a year, in the
admin or from the fixtures, so each process keeps them for TAXONOMY_CACHE_SECONDS and
drops them at once when one is saved or deleted in the process itself (another
process sees the change within that delay, as the page cache already lets a results
page be a minute old).
"""

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from actors.models import Language, Need, Neighbourhood, Public, Structure


@dataclass(frozen=True)
class Vocabulary:
    needs: dict  # slug → Need, in display order
    publics: dict  # slug → Public
    languages: dict  # slug → Language
    neighbourhoods: dict  # slug → quartier (Neighbourhood without its polygons), by city, name
    priority_areas: dict = None  # pk → QPV (without its polygons)

    def __post_init__(self):
        by_id = {}
        for name in ("needs", "publics", "languages", "neighbourhoods"):
            by_id[name] = {item.pk: item for item in getattr(self, name).values()}
        object.__setattr__(self, "_by_id", by_id)
        if self.priority_areas is None:
            object.__setattr__(self, "priority_areas", {})

    def places_with(self, name, items, up_to):
        """How many places have one of these `items` of the vocabulary `name` ("needs",
        "publics", "languages"), counted up to `up_to` (enough to know a set is not small)
        once per process and vocabulary: how a search chooses where to start
        (actors.search)."""
        counted = self.__dict__.get("_counted")
        if counted is None:
            counted = {}
            object.__setattr__(self, "_counted", counted)
        key = (name, tuple(sorted(item.pk for item in items)), up_to)
        if key not in counted:
            through = getattr(Structure, name).through
            column = {"needs": "need", "publics": "public", "languages": "language"}[name]
            rows = through.objects.filter(**{f"{column}_id__in": key[1]})
            counted[key] = rows[:up_to].count()
        return counted[key]

    def published_count(self):
        """How many places are published, counted once per process and vocabulary."""
        if "_published" not in self.__dict__:
            object.__setattr__(self, "_published", Structure.objects.published().count())
        return self.__dict__["_published"]

    def need(self, pk):
        return self._by_id["needs"][pk]

    def public(self, pk):
        return self._by_id["publics"][pk]

    def neighbourhood(self, pk):
        return self._by_id["neighbourhoods"].get(pk)

    def qpv(self, pk):
        """The quartier prioritaire of that pk (without its polygons), or None."""
        return self.priority_areas.get(pk)

    def locate(self, lat, lon):
        """The pk of the quartier whose polygon holds the point, or None: as
        Neighbourhood.objects.locate(), on an index of the polygons built once per process
        (actors.models.neighbourhoods.AreaIndex) and kept while no quartier changes."""
        return self.area_index().locate(lat, lon)

    def area_index(self):
        """The AreaIndex of every loaded area, rebuilt only when an area was added, changed
        or removed (checked on the vocabulary's own rows: no query when it was not)."""
        index = self.__dict__.get("_index")
        if index is None:
            version = tuple(
                (n.pk, n.updated_at)
                for group in (self.neighbourhoods, self.priority_areas)
                for n in group.values()
            )
            kept_version, index = _index["version"], _index["value"]
            if index is None or kept_version != version:
                index = Neighbourhood.objects.index()
                with _lock:
                    _index["version"], _index["value"] = version, index
            object.__setattr__(self, "_index", index)
        return index


_lock = threading.Lock()
_cached = {"value": None, "at": 0.0}
_examples = {"value": None, "at": 0.0}
# The polygons' index outlives a vocabulary while the areas stay the same (see area_index).
_index = {"version": None, "value": None}


def _load():
    areas = Neighbourhood.objects.defer("boundary", "display_boundary").order_by("city", "name")
    quartiers, priority_areas = {}, {}
    for area in areas:
        if area.is_priority_area:
            priority_areas[area.pk] = area
        else:
            quartiers[area.slug] = area
    return Vocabulary(
        needs={n.slug: n for n in Need.objects.all()},
        publics={p.slug: p for p in Public.objects.all()},
        languages={lang.slug: lang for lang in Language.objects.all()},
        neighbourhoods=quartiers,
        priority_areas=priority_areas,
    )


def current():
    """The vocabularies, at most TAXONOMY_CACHE_SECONDS old."""
    value, at = _cached["value"], _cached["at"]
    if value is None or time.monotonic() - at > settings.TAXONOMY_CACHE_SECONDS:
        value = _load()
        with _lock:
            _cached["value"], _cached["at"] = value, time.monotonic()
    return value


def forget(**kwargs):
    with _lock:
        _cached["value"] = None
        _examples["value"] = None


def has_example_data():
    """Whether any published place is example data (every page then says so), at most
    TAXONOMY_CACHE_SECONDS old: it changes when example data is seeded or removed, and a
    page asked it with a query on every request. An example place saved or deleted in
    this process asks again at once."""
    value, at = _examples["value"], _examples["at"]
    if value is None or time.monotonic() - at > settings.TAXONOMY_CACHE_SECONDS:
        value = Structure.objects.published().filter(is_example=True).exists()
        with _lock:
            _examples["value"], _examples["at"] = value, time.monotonic()
    return value


def _forget_examples(instance, **kwargs):
    # Only an example place can change the answer (seeding writes in bulk, without
    # signals: the delay above covers it).
    if instance.is_example:
        _examples["value"] = None


post_save.connect(_forget_examples, sender=Structure, dispatch_uid="vocabulary-examples")
post_delete.connect(_forget_examples, sender=Structure, dispatch_uid="vocabulary-examples-del")
for _model in (Need, Public, Language, Neighbourhood):
    post_save.connect(forget, sender=_model, dispatch_uid=f"vocabulary-{_model.__name__}")
    post_delete.connect(forget, sender=_model, dispatch_uid=f"vocabulary-del-{_model.__name__}")
