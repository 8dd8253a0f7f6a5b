"""Rows written without model instances (actors.bulkinsert): COPY on PostgreSQL, multi-row
INSERTs on SQLite. What goes in comes back out exactly, whatever the text holds."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actors.bulkinsert import WriteBehind, insert_rows, select_in
from actors.enums import ExceptionKind
from actors.models import Need, OpeningException, OpeningSlot, Structure
from tests.factories import make_structure

pytestmark = pytest.mark.django_db

# What COPY's CSV and SQLite's parameters must carry untouched: quotes, separators,
# escapes, line breaks, a lone backslash-N (COPY's NULL marker), the empty string.
AWKWARD = [
    "",
    "\\N",
    "N",
    'des "guillemets", des ; points-virgules',
    "deux\nlignes\r\net une tabulation\tici",
    "anti\\slash \\t \\n",
    "accents : é è ç œ — « » ’ 😀",
    "NULL",
    " espaces autour ",
]


def test_text_comes_back_exactly_empty_strings_and_nulls_apart():
    structure = make_structure()
    day = datetime.date(2026, 7, 1)
    rows = [
        {
            "structure_id": structure.pk,
            "starts_on": day + datetime.timedelta(days=n),
            "ends_on": day + datetime.timedelta(days=n),
            "kind": ExceptionKind.SPECIAL if n % 2 else ExceptionKind.CLOSED,
            "opens": datetime.time(9, 30) if n % 2 else None,
            "closes": datetime.time(12, 0) if n % 2 else None,
            "label": label,
        }
        for n, label in enumerate(AWKWARD)
    ]

    insert_rows(OpeningException, rows)

    stored = list(
        OpeningException.objects.order_by("starts_on").values(
            "starts_on", "ends_on", "kind", "opens", "closes", "label"
        )
    )
    assert stored == [{k: v for k, v in row.items() if k != "structure_id"} for row in rows]


def test_a_whole_structure_row_comes_back_with_its_types():
    now = timezone.now().replace(microsecond=123456)
    origins = {"name": "data-inclusion/dora", "note": 'un "guillemet"\net une ligne'}
    insert_rows(
        Structure,
        [
            {
                "name": 'Lieu "fictif"\tavec tabulation',
                "slug": "lieu-fictif-bulk",
                "kind": "autre",
                "description": "\\N",
                "latitude": None,
                "longitude": None,
                "walk_in": True,
                "by_phone": False,
                "last_verified_at": now,
                "created_at": now,
                "updated_at": now,
                "field_origins": origins,
            }
        ],
    )

    structure = Structure.objects.get(slug="lieu-fictif-bulk")
    assert structure.name == 'Lieu "fictif"\tavec tabulation'
    assert structure.description == "\\N"
    assert (structure.latitude, structure.longitude) == (None, None)
    assert (structure.walk_in, structure.by_phone) == (True, False)
    assert structure.last_verified_at == now
    assert structure.field_origins == origins
    assert select_in(Structure, ["slug", "name"], "slug", ["lieu-fictif-bulk", "absente"]) == [
        ("lieu-fictif-bulk", structure.name)
    ]


def test_one_statement_per_thousand_rows_on_sqlite_one_copy_on_postgresql():
    structure = make_structure()
    rows = [
        {"structure_id": structure.pk, "starts_on": day, "ends_on": day, "label": "congés"}
        for day in (datetime.date(2027, 1, 1) + datetime.timedelta(days=n) for n in range(2500))
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(OpeningException, rows)
    # COPY goes around Django's cursor (not captured); SQLite's INSERTs too, for speed.
    assert len(queries) == 0
    assert OpeningException.objects.count() == 2500


def test_a_refused_row_is_a_django_database_error():
    """So that the importer's per-batch fallback (one savepoint per record) catches it."""
    structure = make_structure()
    row = {"structure_id": structure.pk, "starts_on": datetime.date(2027, 1, 2)}
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_rows(OpeningException, [{**row, "ends_on": datetime.date(2027, 1, 1)}])


def exception_rows(structure, days, label="congés"):
    first = datetime.date(2027, 3, 1)
    return [
        {
            "structure_id": structure.pk,
            "starts_on": first + datetime.timedelta(days=n),
            "ends_on": first + datetime.timedelta(days=n),
            "label": label,
        }
        for n in days
    ]


def test_written_behind_inserts_are_seen_by_the_next_statement_in_their_order():
    structure = make_structure()
    with transaction.atomic(), WriteBehind():
        insert_rows(OpeningException, exception_rows(structure, range(3)))
        insert_rows(OpeningException, exception_rows(structure, range(3, 5), label="travaux"))
        # Any statement waits for the inserts queued before it.
        assert OpeningException.objects.filter(structure=structure).count() == 5
        insert_rows(OpeningException, exception_rows(structure, range(5, 6)))
    # Leaving the context waits for the rest.
    assert list(OpeningException.objects.order_by("starts_on").values_list("label", flat=True)) == [
        "congés"
    ] * 3 + ["travaux"] * 2 + ["congés"]


def test_a_refused_insert_written_behind_is_raised_at_the_next_statement_then_forgotten():
    structure = make_structure()
    bad = {**exception_rows(structure, [0])[0], "ends_on": datetime.date(2027, 1, 1)}
    with transaction.atomic(), WriteBehind() as behind:
        sid = transaction.savepoint()
        insert_rows(OpeningException, [bad])
        insert_rows(OpeningException, exception_rows(structure, [1]))  # dropped: same batch
        with pytest.raises(DatabaseError):
            behind.wait()
        transaction.savepoint_rollback(sid)
        # The error was raised once: the import goes on with the next batch.
        insert_rows(OpeningException, exception_rows(structure, [2]))
        assert OpeningException.objects.count() == 1
    assert OpeningException.objects.get().starts_on == datetime.date(2027, 3, 3)


def test_leaving_on_an_exception_stops_the_thread_and_writes_nothing_more():
    structure = make_structure()
    with pytest.raises(RuntimeError), transaction.atomic(), WriteBehind() as behind:
        insert_rows(OpeningException, exception_rows(structure, range(2)))
        raise RuntimeError("le fichier s'arrête là")
    assert not behind.thread.is_alive()
    assert not OpeningException.objects.exists()
    assert getattr(connection, "write_behind", None) is None


def test_tuples_of_named_columns_go_in_like_dicts():
    structure = make_structure()
    need = Need.objects.create(slug="essai-tuples", label="Essai (fictif)")
    insert_rows(
        OpeningSlot,
        [(structure.pk, day, datetime.time(9), datetime.time(12, 30)) for day in range(3)],
        columns=("structure_id", "weekday", "opens", "closes"),
    )
    insert_rows(
        Structure.needs.through, [(structure.pk, need.pk)], columns=("structure_id", "need_id")
    )

    assert list(structure.opening_slots.values_list("weekday", "opens", "closes")) == [
        (day, datetime.time(9), datetime.time(12, 30)) for day in range(3)
    ]
    assert list(structure.needs.all()) == [need]


def test_a_column_type_the_writer_does_not_know_is_refused_not_written_wrong():
    from django.db import models

    from actors.bulkinsert import SUPPORTED_TYPES, insert_rows
    from actors.models import Structure

    field = models.UUIDField()
    field.set_attributes_from_name("token")
    assert field.get_internal_type() not in SUPPORTED_TYPES
    original = Structure._meta.concrete_fields
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "actors.bulkinsert.insertable_fields", lambda model, with_pk=False: [*original, field]
        )
        with pytest.raises(TypeError, match="cannot write Structure.token"):
            insert_rows(Structure, [{"name": "x"}])


@pytest.mark.django_db
def test_rows_are_deleted_by_their_column_in_chunks():
    from actors.bulkinsert import delete_in
    from actors.models import OpeningSlot
    from tests.factories import make_structure

    places = [make_structure(hours=[(0, datetime.time(9), datetime.time(12))]) for _ in range(3)]
    assert delete_in(OpeningSlot, "structure_id", [p.pk for p in places[:2]], chunk=1) == 2
    assert list(OpeningSlot.objects.values_list("structure_id", flat=True)) == [places[2].pk]


@pytest.mark.django_db
def test_the_rows_a_queryset_selects_are_deleted_in_one_statement():
    from actors.bulkinsert import delete_selected

    kept = make_structure(name="Lieu réel (test)", needs=["stage-de-3e"])
    examples = [make_structure(needs=["stage-de-3e"], is_example=True) for _ in range(2)]
    through = Structure.needs.through.objects

    with CaptureQueriesContext(connection) as queries:
        gone = delete_selected(
            through.filter(structure__in=Structure.objects.filter(is_example=True).values("pk"))
        )
    assert gone == 2 and len(queries) == 1
    assert list(through.values_list("structure_id", flat=True)) == [kept.pk]
    assert delete_selected(Structure.objects.filter(is_example=True)) == len(examples)
    assert list(Structure.objects.all()) == [kept]
