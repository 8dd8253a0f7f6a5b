"""What a result card shows, fetched for a page of structures in a constant number of queries.

`prefetch_related` builds a related manager and a filtered queryset for every object
and every relation before it stores the rows it fetched: for a page of 20 cards, some
hundred querysets and ~325 model instances, a third of a computed results page. Here
each relation is one query for the whole page; needs and publics are the shared
objects of actors.vocabulary (the through rows are read as pairs of ids), the quartier
too, and the rows are stored where `prefetch_related` stores them, so
`structure.needs.all()`, `structure.opening_status()` and the serializers read them
without a query, as before.
"""

from collections import defaultdict, namedtuple

from django.db.models import QuerySet
from django.utils import timezone

# Hours as plain rows: what actors.hours reads (a card shows them, nobody edits them there).
SlotRow = namedtuple("SlotRow", "structure_id weekday opens closes")
ExceptionRow = namedtuple("ExceptionRow", "structure_id starts_on ends_on kind opens closes label")


def _holding(model, rows):
    """A queryset already evaluated: what prefetch_related leaves in an object's cache."""
    queryset = QuerySet(model)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset


def _store(instance, name, model, rows):
    try:
        cache = instance._prefetched_objects_cache
    except AttributeError:
        cache = instance._prefetched_objects_cache = {}
    cache[name] = _holding(model, rows)


def attach_card_data(structures, needs=()):
    """Fill in what a card and an API summary show; `needs`: the needs searched for, which
    the hosted permanences shown are limited to. Six queries whatever the number of rows."""
    from actors import vocabulary
    from actors.models import Need, OpeningException, OpeningSlot, Permanence, Public, Structure

    structures = list(structures)
    if not structures:
        return structures
    words = vocabulary.current()
    ids = [s.pk for s in structures]

    def pairs(through, column, value_column):
        grouped = defaultdict(list)
        rows = through.objects.filter(**{f"{column}__in": ids}).values_list(column, value_column)
        for owner, value in rows.order_by():
            grouped[owner].append(value)
        return grouped

    need_ids = pairs(Structure.needs.through, "structure_id", "need_id")
    public_ids = pairs(Structure.publics.through, "structure_id", "public_id")
    slots, exceptions = defaultdict(list), defaultdict(list)
    rows = OpeningSlot.objects.filter(structure_id__in=ids).values_list(*SlotRow._fields)
    for slot in map(SlotRow._make, rows):
        slots[slot.structure_id].append(slot)
    upcoming = OpeningException.objects.filter(
        structure_id__in=ids, ends_on__gte=timezone.localdate()
    ).values_list(*ExceptionRow._fields)
    for exception in map(ExceptionRow._make, upcoming):
        exceptions[exception.structure_id].append(exception)
    permanences = Permanence.objects.current().filter(host_id__in=ids).select_related("provider")
    if needs:
        permanences = permanences.filter(needs__in=needs).distinct()
    permanences = list(permanences)
    permanence_needs = defaultdict(list)
    if permanences:
        rows = Permanence.needs.through.objects.filter(
            permanence_id__in=[p.pk for p in permanences]
        ).values_list("permanence_id", "need_id")
        for permanence_id, need_id in rows.order_by():
            permanence_needs[permanence_id].append(need_id)
    hosted = defaultdict(list)
    for permanence in permanences:
        chosen = sorted(permanence_needs[permanence.pk], key=_need_order(words))
        _store(permanence, "needs", Need, [words.need(pk) for pk in chosen])
        hosted[permanence.host_id].append(permanence)

    order = _need_order(words)
    for structure in structures:
        neighbourhood = words.neighbourhood(structure.neighbourhood_id)
        structure._state.fields_cache["neighbourhood"] = neighbourhood
        chosen = sorted(need_ids[structure.pk], key=order)
        _store(structure, "needs", Need, [words.need(pk) for pk in chosen])
        publics = sorted(
            (words.public(pk) for pk in public_ids[structure.pk]),
            key=lambda p: (p.position, p.label),
        )
        _store(structure, "publics", Public, publics)
        _store(structure, "opening_slots", OpeningSlot, slots[structure.pk])
        _store(structure, "opening_exceptions", OpeningException, exceptions[structure.pk])
        _store(structure, "hosted_permanences", Permanence, hosted[structure.pk])
    return structures


def _need_order(words):
    """Needs in their display order (Need.Meta.ordering), as prefetch_related gave them."""
    rank = {need.pk: i for i, need in enumerate(words.needs.values())}
    return lambda pk: rank.get(pk, len(rank))
