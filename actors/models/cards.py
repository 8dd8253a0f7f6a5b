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

import datetime
from collections import defaultdict, namedtuple

from django.db import connections
from django.db.models import QuerySet, sql
from django.utils import timezone

from .rows import ModelRows

# Hours as plain rows: what actors.hours reads (a card shows them, nobody edits them there).
SlotRow = namedtuple("SlotRow", "structure_id weekday opens closes")
ExceptionRow = namedtuple("ExceptionRow", "structure_id starts_on ends_on kind opens closes label")


_EMPTY_QUERIES = {}


def _holding(model, rows):
    """A queryset already evaluated: what prefetch_related leaves in an object's cache.

    Its SQL query is never run; one per model is shared (a queryset's methods clone
    it before changing it), since building one costs more than the rest of a card.
    """
    query = _EMPTY_QUERIES.get(model)
    if query is None:
        query = _EMPTY_QUERIES[model] = sql.Query(model)
    queryset = QuerySet(model, query=query)
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
    the hosted permanences shown are limited to. Four queries whatever the number of rows."""
    from actors import vocabulary
    from actors.models import Need, OpeningException, OpeningSlot, Permanence, Public, Structure

    structures = list(structures)
    if not structures:
        return structures
    words = vocabulary.current()
    ids = [s.pk for s in structures]

    # Fixed SQL for the fixed shapes: compiling these through the ORM cost more than
    # running them. One query for the needs and publics, one for the hours.
    connection = connections[Structure.objects.db]
    quote, marks = connection.ops.quote_name, ", ".join(["%s"] * len(ids))
    needs_table = quote(Structure.needs.through._meta.db_table)
    publics_table = quote(Structure.publics.through._meta.db_table)
    need_ids, public_ids = defaultdict(list), defaultdict(list)
    slots, exceptions = defaultdict(list), defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 0, structure_id, need_id FROM {needs_table} WHERE structure_id IN ({marks}) "
            "UNION ALL "
            f"SELECT 1, structure_id, public_id FROM {publics_table} "
            f"WHERE structure_id IN ({marks})",
            ids + ids,
        )
        for which, owner, value in cursor.fetchall():
            (public_ids if which else need_ids)[owner].append(value)
        cursor.execute(
            "SELECT 0, structure_id, weekday, opens, closes, NULL, NULL, NULL, NULL "
            f"FROM {quote(OpeningSlot._meta.db_table)} WHERE structure_id IN ({marks}) "
            "UNION ALL "
            "SELECT 1, structure_id, NULL, opens, closes, starts_on, ends_on, kind, label "
            f"FROM {quote(OpeningException._meta.db_table)} "
            f"WHERE structure_id IN ({marks}) AND ends_on >= %s "
            "ORDER BY 1, 2, 3, 6, 4",
            [*ids, *ids, timezone.localdate()],
        )
        for which, owner, weekday, opens, closes, starts, ends, kind, label in cursor.fetchall():
            opens, closes = _time(opens), _time(closes)
            if which:
                row = ExceptionRow(owner, _date(starts), _date(ends), kind, opens, closes, label)
                exceptions[owner].append(row)
            else:
                slots[owner].append(SlotRow(owner, weekday, opens, closes))
    permanences = _hosted_permanences(connection, ids, needs)
    permanence_needs = defaultdict(list)
    if permanences:
        keys = [p.pk for p in permanences]
        table = quote(Permanence.needs.through._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT permanence_id, need_id FROM {table} "
                f"WHERE permanence_id IN ({', '.join(['%s'] * len(keys))})",
                keys,
            )
            for permanence_id, need_id in cursor.fetchall():
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


def fetch_structures(ids, db):
    """{pk: Structure} of these ids, every column loaded (as `in_bulk` gives them)."""
    from actors.models import Structure

    if not ids:
        return {}
    connection = connections[db]
    rows = _rows(Structure)
    marks = ", ".join(["%s"] * len(ids))
    table = connection.ops.quote_name(Structure._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns('s', connection)} FROM {table} s WHERE s.id IN ({marks})", ids
        )
        found = [rows.build(list(values), db) for values in cursor.fetchall()]
    return {structure.pk: structure for structure in found}


def _hosted_permanences(connection, ids, needs):
    """The current permanences hosted at these places (for one of `needs` when given),
    each with its provider, in Permanence.Meta.ordering (what
    `Permanence.objects.current().filter(host__in=…).select_related("provider")` gave)."""
    from actors.models import Permanence, Structure

    permanence_rows, provider_rows = _rows(Permanence), _rows(Structure)
    quote = connection.ops.quote_name
    today = timezone.localdate()
    params = [*ids, today, today]
    where = [
        f"p.host_id IN ({', '.join(['%s'] * len(ids))})",
        "(p.starts_on IS NULL OR p.starts_on <= %s)",
        "(p.ends_on IS NULL OR p.ends_on >= %s)",
    ]
    need_ids = [getattr(need, "pk", need) for need in needs]
    if need_ids:
        table = quote(Permanence.needs.through._meta.db_table)
        where.append(
            f"EXISTS (SELECT 1 FROM {table} pn WHERE pn.permanence_id = p.id "
            f"AND pn.need_id IN ({', '.join(['%s'] * len(need_ids))}))"
        )
        params += need_ids
    sql = (
        f"SELECT {permanence_rows.columns('p', connection)}, "
        f"{provider_rows.columns('s', connection)} "
        f"FROM {quote(Permanence._meta.db_table)} p "
        f"JOIN {quote(Structure._meta.db_table)} s ON s.id = p.provider_id "
        f"WHERE {' AND '.join(where)} ORDER BY p.weekday, p.opens, p.id"
    )
    db, split = connection.alias, len(permanence_rows)
    permanences = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for values in cursor.fetchall():
            permanence = permanence_rows.build(list(values[:split]), db)
            provider = provider_rows.build(list(values[split:]), db)
            permanence._state.fields_cache["provider"] = provider
            permanences.append(permanence)
    return permanences


_ROWS = {}


def _rows(model):
    rows = _ROWS.get(model)
    if rows is None:
        rows = _ROWS[model] = ModelRows(model)
    return rows


def _time(value):
    # SQLite gives times and dates as text, PostgreSQL as objects.
    return datetime.time.fromisoformat(value) if isinstance(value, str) else value


def _date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _need_order(words):
    """Needs in their display order (Need.Meta.ordering), as prefetch_related gave them."""
    rank = {need.pk: i for i, need in enumerate(words.needs.values())}
    return lambda pk: rank.get(pk, len(rank))
