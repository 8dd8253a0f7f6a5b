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

from actors import geo
from actors.models import Language, Need, Neighbourhood, Public, Structure


@dataclass(frozen=True)
class Vocabulary:
    needs: dict  # slug → Need, in display order
    publics: dict  # slug → Public
    languages: dict  # slug → Language
    neighbourhoods: dict  # slug → Neighbourhood (without its polygon), by city then name

    def __post_init__(self):
        by_id = {}
        for name in ("needs", "publics", "languages", "neighbourhoods"):
            by_id[name] = {item.pk: item for item in getattr(self, name).values()}
        object.__setattr__(self, "_by_id", by_id)

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

    def locate(self, lat, lon):
        """The pk of the quartier whose polygon holds the point, or None: as
        Neighbourhood.objects.locate(), on polygons read and decoded once per process
        (decoding them was a few milliseconds of every search from an address)."""
        polygons = self.__dict__.get("_polygons")
        if polygons is None:
            polygons = list(
                Neighbourhood.objects.order_by("pk").values_list(
                    "pk",
                    "min_latitude",
                    "max_latitude",
                    "min_longitude",
                    "max_longitude",
                    "boundary",
                )
            )
            object.__setattr__(self, "_polygons", polygons)
        for pk, min_lat, max_lat, min_lon, max_lon, boundary in polygons:
            inside_box = min_lat <= lat <= max_lat and min_lon <= lon <= max_lon
            if inside_box and geo.point_in_geometry(lat, lon, boundary):
                return pk
        return None


_lock = threading.Lock()
_cached = {"value": None, "at": 0.0}
_examples = {"value": None, "at": 0.0}


def _load():
    return Vocabulary(
        needs={n.slug: n for n in Need.objects.all()},
        publics={p.slug: p for p in Public.objects.all()},
        languages={lang.slug: lang for lang in Language.objects.all()},
        neighbourhoods={
            n.slug: n for n in Neighbourhood.objects.defer("boundary").order_by("city", "name")
        },
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
