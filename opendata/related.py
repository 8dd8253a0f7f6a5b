"""What surrounds a structure (needs, publics, languages, hours, network), loaded per chunk.

Django's prefetch_related builds a model instance for every related row and
a queryset per structure and relation: ~2.5 ms a structure, minutes for
100,000. Imports and exports only need plain values, so this loads each
relation of a chunk of structures with one `values_list` query and shares
the few taxonomy instances (needs, publics, languages) between rows.
"""

import collections
from dataclasses import dataclass, field

from actors.models import (
    Language,
    Need,
    Neighbourhood,
    OpeningException,
    OpeningSlot,
    Public,
    Structure,
    StructureSource,
)

Slot = collections.namedtuple("Slot", "weekday opens closes")
SourceRecord = collections.namedtuple("SourceRecord", "source source_id source_updated_at")
DatedException = collections.namedtuple(
    "DatedException", "starts_on ends_on kind opens closes label"
)
TAXONOMIES = {"needs": Need, "publics": Public, "languages": Language}


@dataclass
class Related:
    needs: list = field(default_factory=list)  # taxonomy instances, in display order
    publics: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    slots: list = field(default_factory=list)  # Slot
    exceptions: list = field(default_factory=list)  # DatedException
    parent_slug: str = ""
    neighbourhood_slug: str = ""
    sources: list = field(default_factory=list)  # SourceRecord, the first one first

    @property
    def source(self):
        """The record the entry first came from (the upsert key of our own formats)."""
        return self.sources[0] if self.sources else None


class RelatedLoader:
    def __init__(self):
        # Model ordering (position, label) is the display order: kept by list order.
        self.taxonomy = {
            name: {item.pk: item for item in model.objects.all()}
            for name, model in TAXONOMIES.items()
        }
        self.rank = {
            name: {pk: index for index, pk in enumerate(items)}
            for name, items in self.taxonomy.items()
        }
        self.neighbourhood_slugs = dict(Neighbourhood.objects.values_list("pk", "slug"))

    def load(self, structures):
        """{structure pk: Related} for model instances (parent_id, neighbourhood_id read)."""
        related = {s.pk: Related() for s in structures}
        ids = list(related)
        if not ids:
            return related
        for name in TAXONOMIES:
            through = getattr(Structure, name).through
            column = f"{TAXONOMIES[name]._meta.model_name}_id"
            items, rank = self.taxonomy[name], self.rank[name]
            pairs = through.objects.filter(structure_id__in=ids).values_list("structure_id", column)
            for structure_id, pk in sorted(pairs, key=lambda pair: (pair[0], rank[pair[1]])):
                getattr(related[structure_id], name).append(items[pk])
        slots = OpeningSlot.objects.filter(structure_id__in=ids).values_list(
            "structure_id", "weekday", "opens", "closes"
        )
        for structure_id, *values in slots:
            related[structure_id].slots.append(Slot(*values))
        exceptions = OpeningException.objects.filter(structure_id__in=ids).values_list(
            "structure_id", "starts_on", "ends_on", "kind", "opens", "closes", "label"
        )
        for structure_id, *values in exceptions:
            related[structure_id].exceptions.append(DatedException(*values))
        sources = StructureSource.objects.filter(structure_id__in=ids).order_by("pk")
        for structure_id, *values in sources.values_list(
            "structure_id", "source", "source_id", "source_updated_at"
        ):
            related[structure_id].sources.append(SourceRecord(*values))
        parent_ids = {s.parent_id for s in structures if s.parent_id}
        parents = dict(Structure.objects.filter(pk__in=parent_ids).values_list("pk", "slug"))
        for structure in structures:
            bundle = related[structure.pk]
            bundle.slots.sort()
            bundle.exceptions.sort(key=exception_order)
            bundle.parent_slug = parents.get(structure.parent_id, "")
            if structure.neighbourhood_is_manual and structure.neighbourhood_id:
                bundle.neighbourhood_slug = self.neighbourhood_slugs.get(
                    structure.neighbourhood_id, ""
                )
        return related


def exception_order(exception):
    """A total order on (starts_on, ends_on, kind, opens, closes, label), None times first."""
    starts_on, ends_on, kind, opens, closes, label = exception
    return (starts_on, ends_on, kind, opens is not None, opens or 0, closes or 0, label)


def chunked(queryset, size):
    """Lists of `size` model instances from a streamed queryset."""
    chunk = []
    for item in queryset.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
