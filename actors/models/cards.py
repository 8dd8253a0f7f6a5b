"""What a result card and a structure's page show, fetched in a constant number of queries.

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

from actors.enums import ExceptionKind, Status

from .rows import ModelRows

# Hours as plain rows: what actors.opening reads (a card shows them, nobody edits them there).
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
    the hosted permanences shown are limited to. Three queries whatever the number of rows
    (a fourth when a place hosts permanences)."""
    from actors import vocabulary
    from actors.models import Need, OpeningException, OpeningSlot, Permanence, Public, Structure

    structures = list(structures)
    if not structures:
        return structures
    words = vocabulary.current()
    ids = [s.pk for s in structures]

    # Fixed SQL for the fixed shapes: compiling these through the ORM cost more than
    # running them. One query for the needs, the publics and the hours.
    connection = connections[Structure.objects.db]
    quote, marks = connection.ops.quote_name, ", ".join(["%s"] * len(ids))
    needs_table = quote(Structure.needs.through._meta.db_table)
    publics_table = quote(Structure.publics.through._meta.db_table)
    need_ids, public_ids = defaultdict(list), defaultdict(list)
    slots, exceptions = defaultdict(list), defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            # The first branch gives the columns their types (PostgreSQL types a bare NULL
            # as text, and text does not go with a time).
            "SELECT 0, structure_id, need_id, CAST(NULL AS time), CAST(NULL AS time), "
            "CAST(NULL AS date), CAST(NULL AS date), CAST(NULL AS text), CAST(NULL AS text) "
            f"FROM {needs_table} WHERE structure_id IN ({marks}) "
            "UNION ALL "
            "SELECT 1, structure_id, public_id, NULL, NULL, NULL, NULL, NULL, NULL "
            f"FROM {publics_table} WHERE structure_id IN ({marks}) "
            "UNION ALL "
            "SELECT 2, structure_id, weekday, opens, closes, NULL, NULL, NULL, NULL "
            f"FROM {quote(OpeningSlot._meta.db_table)} WHERE structure_id IN ({marks}) "
            "UNION ALL "
            "SELECT 3, structure_id, NULL, opens, closes, starts_on, ends_on, kind, label "
            f"FROM {quote(OpeningException._meta.db_table)} "
            f"WHERE structure_id IN ({marks}) AND ends_on >= %s "
            "ORDER BY 1, 2, 3, 6, 4",
            [*ids, *ids, *ids, *ids, timezone.localdate()],
        )
        for which, owner, value, opens, closes, starts, ends, kind, label in cursor.fetchall():
            if which == 0:
                need_ids[owner].append(value)
            elif which == 1:
                public_ids[owner].append(value)
            elif which == 2:
                slots[owner].append(SlotRow(owner, value, _time(opens), _time(closes)))
            else:
                exceptions[owner].append(
                    ExceptionRow(
                        owner, _date(starts), _date(ends), kind, _time(opens), _time(closes), label
                    )
                )
    permanences = _hosted_permanences(connection, ids)
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
    # Limited to the needs searched for here rather than in SQL: an EXISTS there made
    # PostgreSQL read every permanence's needs for a handful of permanences.
    searched = {getattr(need, "pk", need) for need in needs}
    if searched:
        permanences = [p for p in permanences if searched.intersection(permanence_needs[p.pk])]
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


def _hosted_permanences(connection, ids):
    """The current permanences hosted at these places, each with its provider, in
    Permanence.Meta.ordering (what
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


def attach_detail_data(structures):
    """Fill in what a structure's page and its API detail show, in nine queries whatever
    the place: its needs, publics and languages, hours and upcoming exceptions, the current
    permanences it hosts (with their provider and professional) and those it holds at
    published places (with their host), each with its needs, publics, languages and
    calendar (cancellations, the host's and provider's closures: what Permanence.upcoming
    reads), its professionals in post with their needs, and its services with theirs.

    Through prefetch_related this was thirteen compiled queries and their managers, two
    thirds of the page; the rows are stored where prefetch_related stores them.
    """
    from actors import vocabulary
    from actors.models import (
        Actor,
        Language,
        Need,
        OpeningException,
        OpeningSlot,
        Permanence,
        PermanenceCancellation,
        Public,
        Service,
        Structure,
    )

    structures = list(structures)
    if not structures:
        return structures
    words = vocabulary.current()
    db = structures[0]._state.db or Structure.objects.db
    connection = connections[db]
    quote = connection.ops.quote_name
    by_pk = {structure.pk: structure for structure in structures}
    ids = list(by_pk)
    today = timezone.localdate()

    def marks(values):
        return ", ".join(["%s"] * len(values))

    def fetch(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def table(model):
        return quote(model._meta.db_table)

    def taxonomy(owner_column, through_tables, owner_ids):
        """{owner id: ([need ids], [public ids], [language ids])} from the through tables."""
        parts, params = [], []
        for which, (through, column) in enumerate(through_tables):
            parts.append(
                f"SELECT {which}, {owner_column}, {column} FROM {quote(through)} "
                f"WHERE {owner_column} IN ({marks(owner_ids)})"
            )
            params += owner_ids
        found = defaultdict(lambda: ([], [], []))
        if owner_ids:
            for which, owner, value in fetch(" UNION ALL ".join(parts), params):
                found[owner][which].append(value)
        return found

    need_rank = _need_order(words)
    languages = {language.pk: language for language in words.languages.values()}

    def needs_of(pks):
        return [words.need(pk) for pk in sorted(pks, key=need_rank)]

    def publics_of(pks):
        return sorted((words.public(pk) for pk in pks), key=lambda p: (p.position, p.label))

    def languages_of(pks):
        chosen = (languages[pk] for pk in pks if pk in languages)
        return sorted(chosen, key=lambda lang: (lang.position, lang.label))

    # 1. The places' needs, publics and languages.
    m2m = Structure._meta
    own = taxonomy(
        "structure_id",
        [
            (m2m.get_field(name).remote_field.through._meta.db_table, f"{column}_id")
            for name, column in (
                ("needs", "need"),
                ("publics", "public"),
                ("languages", "language"),
            )
        ],
        ids,
    )
    # 2. Hours: the usual week and the exceptions still to come.
    slot_rows, exception_rows = _rows(OpeningSlot), _rows(OpeningException)
    slots, exceptions = defaultdict(list), defaultdict(list)
    for values in fetch(
        f"SELECT {slot_rows.columns('o', connection)} FROM {table(OpeningSlot)} o "
        f"WHERE o.structure_id IN ({marks(ids)}) ORDER BY o.structure_id, o.weekday, o.opens",
        ids,
    ):
        slot = slot_rows.build(list(values), db)
        slots[slot.structure_id].append(slot)
    for values in fetch(
        f"SELECT {exception_rows.columns('e', connection)} FROM {table(OpeningException)} e "
        f"WHERE e.structure_id IN ({marks(ids)}) AND e.ends_on >= %s "
        "ORDER BY e.structure_id, e.starts_on, e.opens",
        [*ids, today],
    ):
        exception = exception_rows.build(list(values), db)
        exceptions[exception.structure_id].append(exception)

    # 3. Current permanences hosted here, or held by these places at published places.
    permanence_rows, structure_rows, actor_rows = _rows(Permanence), _rows(Structure), _rows(Actor)
    rows = fetch(
        f"SELECT {permanence_rows.columns('p', connection)}, "
        f"{structure_rows.columns('h', connection)}, {structure_rows.columns('v', connection)}, "
        f"{actor_rows.columns('a', connection)} "
        f"FROM {table(Permanence)} p "
        f"JOIN {table(Structure)} h ON h.id = p.host_id "
        f"JOIN {table(Structure)} v ON v.id = p.provider_id "
        f"LEFT JOIN {table(Actor)} a ON a.id = p.actor_id "
        f"WHERE (p.host_id IN ({marks(ids)}) OR (p.provider_id IN ({marks(ids)}) "
        "AND h.status = %s)) "
        "AND (p.starts_on IS NULL OR p.starts_on <= %s) AND (p.ends_on IS NULL OR p.ends_on >= %s) "
        "ORDER BY p.weekday, p.opens, p.id",
        [*ids, *ids, Status.PUBLISHED, today, today],
    )
    split = [len(permanence_rows), len(structure_rows), len(structure_rows), len(actor_rows)]
    permanences, others = [], {}  # others: hosts and providers that are not these places
    hosted, held = defaultdict(list), defaultdict(list)
    for values in rows:
        values = list(values)
        start = 0
        parts = []
        for size in split:
            parts.append(values[start : start + size])
            start += size
        permanence = permanence_rows.build(parts[0], db)
        ends = {}
        for role, part in (("host", parts[1]), ("provider", parts[2])):
            pk = part[0]
            if pk in by_pk:
                ends[role] = by_pk[pk]
            else:
                ends[role] = others.setdefault(pk, structure_rows.build(part, db))
        permanence._state.fields_cache["host"] = ends["host"]
        permanence._state.fields_cache["provider"] = ends["provider"]
        actor = actor_rows.build(parts[3], db) if parts[3][0] is not None else None
        permanence._state.fields_cache["actor"] = actor
        permanences.append(permanence)
        if permanence.host_id in by_pk:
            hosted[permanence.host_id].append(permanence)
        if permanence.provider_id in by_pk and ends["host"].status == Status.PUBLISHED:
            held[permanence.provider_id].append(permanence)
    keys = [permanence.pk for permanence in permanences]
    # 4. Their needs, publics and languages.
    theirs = taxonomy(
        "permanence_id",
        [
            (Permanence._meta.get_field(name).remote_field.through._meta.db_table, column)
            for name, column in (
                ("needs", "need_id"),
                ("publics", "public_id"),
                ("languages", "language_id"),
            )
        ],
        keys,
    )
    # 5. Their calendar: cancellations to come, and closures of the other places involved
    # (these places' own exceptions are all loaded above; Permanence.skip_reason keeps the
    # closures).
    cancellations = defaultdict(list)
    if keys:
        cancellation_rows = _rows(PermanenceCancellation)
        for values in fetch(
            f"SELECT {cancellation_rows.columns('c', connection)} "
            f"FROM {table(PermanenceCancellation)} c WHERE c.permanence_id IN ({marks(keys)}) "
            "AND c.on_date >= %s ORDER BY c.permanence_id, c.on_date",
            [*keys, today],
        ):
            cancellation = cancellation_rows.build(list(values), db)
            cancellations[cancellation.permanence_id].append(cancellation)
    closures = defaultdict(list)
    if others:
        for values in fetch(
            f"SELECT {exception_rows.columns('e', connection)} FROM {table(OpeningException)} e "
            f"WHERE e.structure_id IN ({marks(others)}) AND e.kind = %s AND e.ends_on >= %s "
            "ORDER BY e.structure_id, e.starts_on, e.opens",
            [*others, ExceptionKind.CLOSED, today],
        ):
            closure = exception_rows.build(list(values), db)
            closures[closure.structure_id].append(closure)
    for pk, other in others.items():
        _store(other, "opening_exceptions", OpeningException, closures[pk])
    for permanence in permanences:
        need_ids, public_ids, language_ids = theirs[permanence.pk]
        _store(permanence, "needs", Need, needs_of(need_ids))
        _store(permanence, "publics", Public, publics_of(public_ids))
        _store(permanence, "languages", Language, languages_of(language_ids))
        _store(permanence, "cancellations", PermanenceCancellation, cancellations[permanence.pk])
    # 6. Professionals in post, and their needs.
    people = defaultdict(list)
    for values in fetch(
        f"SELECT {actor_rows.columns('a', connection)} FROM {table(Actor)} a "
        f"WHERE a.structure_id IN ({marks(ids)}) AND a.is_active "
        "ORDER BY a.structure_id, a.role, a.name",
        ids,
    ):
        actor = actor_rows.build(list(values), db)
        people[actor.structure_id].append(actor)
    actors = [actor for group in people.values() for actor in group]
    actor_needs = taxonomy(
        "actor_id",
        [(Actor._meta.get_field("needs").remote_field.through._meta.db_table, "need_id")],
        [actor.pk for actor in actors],
    )
    for actor in actors:
        _store(actor, "needs", Need, needs_of(actor_needs[actor.pk][0]))
    # 7. Services, and their needs.
    service_rows = _rows(Service)
    services = defaultdict(list)
    for values in fetch(
        f"SELECT {service_rows.columns('s', connection)} FROM {table(Service)} s "
        f"WHERE s.structure_id IN ({marks(ids)}) ORDER BY s.structure_id, s.name",
        ids,
    ):
        service = service_rows.build(list(values), db)
        services[service.structure_id].append(service)
    service_needs = taxonomy(
        "service_id",
        [(Service._meta.get_field("needs").remote_field.through._meta.db_table, "need_id")],
        [service.pk for group in services.values() for service in group],
    )
    for group in services.values():
        for service in group:
            _store(service, "needs", Need, needs_of(service_needs[service.pk][0]))

    for structure in structures:
        structure._state.fields_cache["neighbourhood"] = words.neighbourhood(
            structure.neighbourhood_id
        )
        need_ids, public_ids, language_ids = own[structure.pk]
        _store(structure, "needs", Need, needs_of(need_ids))
        _store(structure, "publics", Public, publics_of(public_ids))
        _store(structure, "languages", Language, languages_of(language_ids))
        _store(structure, "opening_slots", OpeningSlot, slots[structure.pk])
        _store(structure, "opening_exceptions", OpeningException, exceptions[structure.pk])
        _store(structure, "hosted_permanences", Permanence, hosted[structure.pk])
        _store(structure, "held_permanences", Permanence, held[structure.pk])
        _store(structure, "actors", Actor, people[structure.pk])
        _store(structure, "services", Service, services[structure.pk])
    return structures
