"""Rows written without model instances: COPY on PostgreSQL, multi-row INSERTs elsewhere.

`bulk_create` costs ~100 µs a row in Python (instances, per-field SQL
compilation): too slow for the millions of rows of a 100,000-structure seed or
import. Values still go through each field's `get_db_prep_save`, so dates and
times are adapted exactly as the ORM would; text, numbers, booleans and None
bind as they are on SQLite and PostgreSQL.
"""

import csv
import io
import json
import operator
import queue
import sqlite3
import threading

from django.db import DEFAULT_DB_ALIAS, connections

# Rows per INSERT statement (fewer when a row has many columns).
BATCH = 1000


class _Null(int):
    """NULL in the COPY CSV below: a number to the csv module, so written unquoted, as \\N.

    csv.QUOTE_NONNUMERIC quotes every other value (an empty string is "", not NULL) and
    escapes quotes and newlines in C: a million rows are not formatted value by value
    in Python.
    """

    def __str__(self):
        return "\\N"


NULL = _Null()


def insertable_fields(model, with_pk=False):
    """The columns a row gives: every concrete field but generated ones, and the primary
    key unless the rows carry theirs (`with_pk`)."""
    return [
        f
        for f in model._meta.concrete_fields
        if not ((f.primary_key and not with_pk) or f.generated)
    ]


def allocate_ids(model, count):
    """Primary keys for `count` rows about to be inserted, from the table's own sequence
    (PostgreSQL), so that nothing has to read them back; None on other databases."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or not count:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


class IdPool:
    """allocate_ids() by blocks, for an import's many batches: one query per `block` rows
    (a query waits for the inserts written behind before it). Ids taken and not used
    are only a gap in the sequence, as a rolled-back insert leaves."""

    def __init__(self, block=10_000):
        self.block = block
        self.free = {}

    def take(self, model, count):
        free = self.free.setdefault(model, [])
        if len(free) < count:
            fresh = allocate_ids(model, max(count - len(free), self.block))
            if fresh is None:
                return None
            free.extend(fresh)
        taken, self.free[model] = free[:count], free[count:]
        return taken


# The column types insert_rows writes as the ORM would: text and numbers as they are,
# booleans, dates and times through the backend's adaptation, JSON as its text. Any other
# (a UUID, a binary, a decimal on SQLite…) is refused rather than written wrong.
SUPPORTED_TYPES = frozenset(
    {
        "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
        "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
        "PositiveSmallIntegerField", "FloatField", "BooleanField", "CharField", "TextField",
        "SlugField", "EmailField", "URLField", "ForeignKey", "OneToOneField", "DateField",
        "TimeField", "DateTimeField", "JSONField",
    }
)  # fmt: skip


def insert_rows(model, rows, *, with_pk=False, columns=None):
    """Insert attname → value dicts (missing fields take their default); `with_pk`: the
    rows carry their primary key (allocate_ids).

    Or tuples of the attnames in `columns`, which must then be every column the table
    needs: no dict per row, for the millions of rows of relations and opening slots.
    """
    if not rows:
        return
    # The real wrapper, not the `connection` proxy: one attribute lookup per value counts.
    connection = connections[DEFAULT_DB_ALIAS]
    if columns is None:
        fields = insertable_fields(model, with_pk)
    else:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[attname] for attname in columns]
    unsupported = [f.name for f in fields if f.get_internal_type() not in SUPPORTED_TYPES]
    if unsupported:
        raise TypeError(f"insert_rows cannot write {model.__name__}.{', '.join(unsupported)}")
    column_list = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pairs = [(f.attname, f.get_default()) for f in fields]
    # Dates and times need the backend's adaptation, memoised (they repeat a lot).
    adapted = [
        (index, f, {})
        for index, f in enumerate(fields)
        if f.get_internal_type() in {"DateField", "TimeField", "DateTimeField"}
    ]
    # JSON as its text, which both SQLite and PostgreSQL (COPY included) read back.
    as_json = [
        (index, f.encoder) for index, f in enumerate(fields) if f.get_internal_type() == "JSONField"
    ]

    defaults = dict(pairs)
    names = [attname for attname, _default in pairs]
    pick = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    copying = connection.vendor == "postgresql"

    def adapt(row):
        # Two C-level steps (merge, pick) rather than a .get() per field: millions of rows.
        values = list(pick({**defaults, **row})) if columns is None else list(row)
        for index, encoder in as_json:
            values[index] = json.dumps(values[index], cls=encoder, ensure_ascii=False)
        for index, f, memo in adapted:
            value = values[index]
            if value is not None:
                if value not in memo:
                    value_ = f.get_db_prep_save(value, connection)
                    memo[value] = str(value_) if copying else value_
                values[index] = memo[value]
        return values

    # Tuples of plain values (ids, numbers, text) need nothing done per row.
    plain = columns is not None and not (adapted or as_json)
    prepared = (lambda row: row) if plain else adapt

    def copied(row):
        return [NULL if value is None else value for value in prepared(row)]

    if plain and not any(f.null for f in fields):
        copied = prepared

    if copying:
        # COPY is several times faster than INSERT on PostgreSQL.
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerows(map(copied, rows))
        buffer.seek(0)
        sql = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        statements = [(sql, buffer)]
    else:
        per_statement = max(1, min(BATCH, 30_000 // len(fields)))
        row_sql = "(" + ", ".join(["?"] * len(fields)) + ")"
        sql = {}
        statements = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            if len(chunk) not in sql:
                values = ", ".join([row_sql] * len(chunk))
                sql[len(chunk)] = f"INSERT INTO {table} ({column_list}) VALUES {values}"
            statements.append(
                (sql[len(chunk)], [value for row in chunk for value in prepared(row)])
            )
    behind = getattr(connection, "write_behind", None)
    if behind is not None:
        behind.submit(statements)
        return
    # Raw calls: their errors made Django's (DatabaseError, IntegrityError…), as the ORM's
    # are, so that callers can catch them.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _execute(cursor.cursor, copying, statements)


def _execute(cursor, copying, statements):
    """Run prepared statements on a raw cursor: COPY with its data, or INSERTs with their
    parameters (sqlite3's own execute, with its own placeholders: Django's wrapper would
    rewrite every statement of a thousand rows with a regular expression first)."""
    for sql, data in statements:
        if copying:
            cursor.copy_expert(sql, data)
        else:
            sqlite3.Cursor.execute(cursor, sql, data)


class WriteBehind:
    """Bulk inserts run by a second thread, on the same connection, while this one goes on.

    An import spends much of its time waiting for the database to write what it
    prepared: COPY, its indexes and its foreign keys' checks run in the PostgreSQL
    server while the importing process sits idle. Within this context, insert_rows()
    prepares its rows here and hands the statements to a thread that runs them on the
    same connection (psycopg2 and sqlite3 let other threads run while they wait), so
    the next batch is prepared meanwhile.

    Every other statement through Django's cursor first waits for the inserts queued
    before it (an execute wrapper), so statements run in the order they were made and
    reads see what was written; the first error of a queued insert is raised there,
    as Django's DatabaseError, and the inserts queued after it are dropped. `wait()`
    is that barrier, on demand. Leaving the context waits for the rest (or, on an
    exception, for the statement in progress only): use it inside the transaction,
    `with transaction.atomic(), WriteBehind(): …`, never around its commit.
    """

    def __init__(self, using=DEFAULT_DB_ALIAS, depth=16):
        self.connection = connections[using]
        self.queue = queue.Queue(maxsize=depth)
        self.error = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="write-behind", daemon=True)
        self._barrier = None

    def __enter__(self):
        self.connection.ensure_connection()
        self.thread.start()
        self._barrier = self.connection.execute_wrapper(self._wait_first)
        self._barrier.__enter__()
        self.connection.write_behind = self
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.connection.write_behind = None
        self._barrier.__exit__(exc_type, exc, traceback)
        self.stopping = exc_type is not None
        self.queue.put(None)
        self.thread.join()
        if exc_type is None:
            self._raise()

    def submit(self, statements):
        self.queue.put(statements)

    def wait(self):
        """Once every queued insert is written; raises the first one's error, if any."""
        self.queue.join()
        self._raise()

    def _wait_first(self, execute, sql, params, many, context):
        self.wait()
        return execute(sql, params, many, context)

    def _raise(self):
        error, self.error = self.error, None
        if error is not None:
            with self.connection.wrap_database_errors:
                raise error

    def _run(self):
        copying = self.connection.vendor == "postgresql"
        raw = self.connection.connection
        while True:
            statements = self.queue.get()
            try:
                if statements is None:
                    return
                if self.error is None and not self.stopping:
                    cursor = raw.cursor()
                    try:
                        _execute(cursor, copying, statements)
                    finally:
                        cursor.close()
            except BaseException as error:  # noqa: BLE001 (raised in the importing thread)
                self.error = error
            finally:
                self.queue.task_done()


def select_in(model, columns, column, values, *, where=None, chunk=900):
    """Tuples of `columns` of the rows whose `column` is in `values` (ints and text only).

    Raw SQL: the ORM resolves every value of a large IN list in Python (~5 µs each),
    which an import of 100,000 entries pays a million times. `where` adds column =
    value conditions. Chunks of 900 stay under every backend's parameter limit.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name

    def name(attname):
        field = model._meta.pk if attname == "pk" else model._meta.get_field(attname)
        return quote(field.column)

    selected = ", ".join(name(c) for c in columns)
    conditions = "".join(f" AND {name(c)} = %s" for c in (where or {}))
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), chunk):
            part = list(values[start : start + chunk])
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT {selected} FROM {quote(model._meta.db_table)} "
                f"WHERE {name(column)} IN ({placeholders}){conditions}",
                [*part, *(where or {}).values()],
            )
            found.extend(cursor.fetchall())
    return found


def delete_in(model, column, values, *, chunk=900):
    """DELETE the rows whose `column` is in `values`, in raw SQL: no signals, no cascade
    collection, no history — the caller writes what history it keeps (imports, the
    example data's removal). Django's own shortcut for this is private
    (QuerySet._raw_delete)."""
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    field = model._meta.pk if column == "pk" else model._meta.get_field(column)
    values = list(values)
    deleted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            cursor.execute(
                f"DELETE FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(field.column)} IN ({', '.join(['%s'] * len(part))})",
                part,
            )
            deleted += cursor.rowcount
    return deleted


def delete_selected(queryset):
    """DELETE the rows a queryset selects, in one statement: `… WHERE pk IN (its SQL)`,
    no row loaded, no signals, no cascade collection, no history (as `delete_in`).
    Returns how many rows went."""
    model = queryset.model
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    selected, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} IN ({selected})",
            params,
        )
        return cursor.rowcount
