"""Fast writes for imports: raw multi-row inserts with history rows.

A 100,000-row import writes ~1.5 million rows (structures, opening slots,
many-to-many rows). As model instances through `bulk_create` that takes
minutes; multi-row INSERTs (COPY on PostgreSQL) of plain values take seconds.

Imported rows go through the same history as any edit: when a model is
registered with django-simple-history (it then has `history`), every row
written or deleted here gets its historical row ("+", "~" or "-", with the
importing user and reason), inserted the same fast way. This fills the
fields of `Model.history.model` exactly as simple_history's own
`bulk_history_create` does, without building an instance per row.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.bulkinsert import IdPool, delete_in, insert_rows, select_in

BATCH = 1000


def has_history(model):
    return hasattr(model, "history")


def as_row(instance):
    """attname → value of a model instance, primary key included."""
    return {name: getattr(instance, name) for name in _attnames(type(instance))}


@functools.cache
def _attnames(model):
    return [f.attname for f in model._meta.concrete_fields if not f.generated]


def _record_history(model, rows, kind, user):
    """Historical rows for plain rows (which carry their primary key)."""
    if not (rows and has_history(model)):
        return
    now = timezone.now()
    given = {
        "history_date": now,
        "history_type": kind,
        "history_user_id": getattr(user, "pk", None),
        "history_change_reason": _("Import de données"),
    }
    # Rows carry every field of theirs (whole rows, or defaults merged in): the history
    # row is the row plus who, when and why — one C-level merge per row.
    insert_rows(model.history.model, [{**row, **given} for row in rows])


def create(model, instances, *, key, user=None, ids=None):
    """Insert new instances with their primary keys: taken from `ids` (an IdPool) where the
    database allows, else read back by a unique `key`."""
    if not instances:
        return
    now = timezone.now()
    stamped = [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for instance in instances:
        for attname in stamped:
            setattr(instance, attname, now)
    rows = [as_row(instance) for instance in instances]
    pk = model._meta.pk.attname
    ids = (ids or IdPool(block=0)).take(model, len(rows))
    if ids is None:  # SQLite: read back by the unique key
        insert_rows(model, rows)
        pks = dict(select_in(model, [key, "pk"], key, [row[key] for row in rows]))
        ids = [pks[row[key]] for row in rows]
    else:
        for row, id_ in zip(rows, ids, strict=True):
            row[pk] = id_
        insert_rows(model, rows, with_pk=True)
    for instance, row, id_ in zip(instances, rows, ids, strict=True):
        instance.pk = row[pk] = id_
        instance._state.adding = False
    _record_history(model, rows, "+", user)


def analyze(models):
    """Fresh planner statistics for tables an import has just filled (PostgreSQL).

    Until then PostgreSQL plans with what it knew before — an empty table, say — and
    reads a whole table for each batch of ids instead of its index: autovacuum may be
    a minute away, or off. Inside the import's transaction, which sees its own rows.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or not models:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(quote(m._meta.db_table) for m in models))


def update(model, instances, fields, *, user=None):
    if not instances:
        return
    model.objects.bulk_update(instances, fields, batch_size=BATCH)
    _record_history(model, [as_row(instance) for instance in instances], "~", user)


def insert_children(model, rows, *, parent, user=None, history=True):
    """Insert plain rows of a child model (their parents have no other children by now:
    new, or emptied by delete_children), then their history rows (`history`).

    The rows' ids are read back in id order, which is the order they were inserted in
    (a sequence, or SQLite's rowid, counts up row by row): only ids travel back, not
    whole rows (a 100,000-structure import writes a million opening slots).
    """
    if not rows:
        return
    insert_rows(model, rows)
    if not (history and has_history(model)):
        return
    parents = list({row[parent] for row in rows})
    ids = sorted(pk for (pk,) in select_in(model, ["pk"], parent, parents))
    if len(ids) != len(rows):  # not only ours after all: read them back whole
        _record_history(
            model, list(model.objects.filter(**{f"{parent}__in": parents}).values()), "+", user
        )
        return
    defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
    pk = model._meta.pk.attname
    _record_history(
        model, [{**defaults, **row, pk: id_} for row, id_ in zip(rows, ids, strict=True)], "+", user
    )


def delete_children(model, *, parent, ids, user=None):
    if not ids:
        return
    if has_history(model):
        rows = model.objects.filter(**{f"{parent}__in": ids}).values()
        _record_history(model, list(rows), "-", user)
    delete_in(model, model._meta.get_field(parent).attname, ids)
