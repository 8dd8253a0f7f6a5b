"""One readable history per structure: the entry itself and every row shown on its page.

Edits to hours, exceptions, professionals and permanences are recorded on their own
history tables (actors.models.history); an agent wants them on the structure's history,
in one list: who, when, what, which field, before → after, and why.

The queries do not grow with the number of records: one per tracked table, one per
many-to-many field (its history rows for all records at once), and one per model a
foreign key or a many-to-many field points to (to name the values).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.models import Actor, OpeningException, OpeningSlot, Permanence, Structure
from actors.models.history import TRACKED

# Timestamps the history itself already gives, and pointers to the structure whose
# history this is: noise in a diff.
SKIPPED = {"id", "created_at", "updated_at"}

SECTIONS = [
    # (model, the filter that finds its rows of structure `pk`, what an agent calls them)
    (Structure, lambda pk: Q(id=pk), gettext_lazy("Fiche")),
    (OpeningSlot, lambda pk: Q(structure_id=pk), gettext_lazy("Horaires")),
    (OpeningException, lambda pk: Q(structure_id=pk), gettext_lazy("Exception aux horaires")),
    (Actor, lambda pk: Q(structure_id=pk), gettext_lazy("Professionnel")),
    (Permanence, lambda pk: Q(host_id=pk) | Q(provider_id=pk), gettext_lazy("Permanence")),
]
PARENT_FIELDS = {OpeningSlot: "structure", OpeningException: "structure", Actor: "structure"}

# Records of one row this close together, by one person for one reason, that change only
# many-to-many fields, are one edit (see _edits).
ONE_EDIT = datetime.timedelta(seconds=5)

ACTIONS = {
    "+": gettext_lazy("Création"),
    "~": gettext_lazy("Modification"),
    "-": gettext_lazy("Suppression"),
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    record: object  # the last history record of the edit
    model: type
    section: str
    subject: str
    action: str
    changes: list = field(default_factory=list)
    restorable: bool = False
    can_restore: bool = False  # restorable, by the agent reading the page (set by the view)

    @property
    def date(self):
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user

    @property
    def reason(self):
        return self.record.history_change_reason or ""

    @property
    def opts(self):
        return self.model._meta


def _fields(model):
    """The tracked model's fields an agent reads, in the order of the model."""
    history = model.history.model
    parent = PARENT_FIELDS.get(model)
    kept = []
    for f in model._meta.concrete_fields:
        if f.name in SKIPPED or f.name == parent or isinstance(f, models.GeneratedField):
            continue
        try:
            history._meta.get_field(f.name)
        except FieldDoesNotExist:
            continue  # excluded from the history (derived columns)
        kept.append(f)
    return kept


def _m2m_fields(model):
    return [model._meta.get_field(name) for name in TRACKED[model].get("m2m_fields", [])]


def _m2m_values(model, records):
    """{m2m field name: {history_id: frozenset of target ids}}, one query per field."""
    history = model.history.model
    ids = [record.history_id for record in records]
    values = {}
    for m2m in _m2m_fields(model):
        through = history._meta.get_field(
            f"historical{model._meta.model_name}_{m2m.name}"
        ).related_model
        target = f"{m2m.related_model._meta.model_name}_id"
        grouped = defaultdict(set)
        for history_id, target_id in through.objects.filter(history_id__in=ids).values_list(
            "history_id", target
        ):
            grouped[history_id].add(target_id)
        values[m2m.name] = {key: frozenset(value) for key, value in grouped.items()}
    return values


class _Names:
    """Names of the rows foreign keys and many-to-many fields point to, fetched in bulk."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.names = {}

    def want(self, model, ids):
        self.wanted[model].update(i for i in ids if i is not None)

    def fetch(self):
        for model, ids in self.wanted.items():
            manager = model._base_manager
            self.names[model] = {obj.pk: str(obj) for obj in manager.filter(pk__in=ids)}

    def name(self, model, pk):
        return self.names.get(model, {}).get(pk) or _("n°%(pk)s (supprimé)") % {"pk": pk}


def _display(f, value, names):
    if value is None or value == "":
        return "—"
    if f.is_relation:
        return names.name(f.related_model, value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return _("oui") if value else _("non")
    if isinstance(value, dict | list):
        return ", ".join(str(item) for item in value) or "—"
    return str(formats.localize(value, use_l10n=True))


def _changes(model, fields, m2m, previous, record, names):
    changes = []
    for f in fields:
        before = getattr(previous, f.attname) if previous is not None else None
        after = getattr(record, f.attname) if record.history_type != "-" else None
        if before != after and not (before in (None, "") and after in (None, "")):
            changes.append(
                Change(f.verbose_name, _display(f, before, names), _display(f, after, names))
            )
    for m2m_field in _m2m_fields(model):
        values = m2m[m2m_field.name]
        before = (
            values.get(previous.history_id, frozenset()) if previous is not None else frozenset()
        )
        after = (
            values.get(record.history_id, frozenset())
            if record.history_type != "-"
            else frozenset()
        )
        if before != after:
            target = m2m_field.related_model

            def listed(ids, target=target):
                return ", ".join(sorted(names.name(target, pk) for pk in ids)) or "—"

            changes.append(Change(m2m_field.verbose_name, listed(before), listed(after)))
    return changes


def _edits(fields, records):
    """The records of each row, grouped into edits: lists of consecutive records.

    One save in the admin, or one `needs.set([...])`, writes several history records:
    the row itself, then one per many-to-many signal (a set() removes, then adds). A
    record continues the edit before it when it changes only many-to-many fields, a few
    seconds after the previous record of the same row, by the same person for the same
    reason: the agent reads one change, before → after.
    """
    edits, open_edit = [], {}
    for record in records:
        edit = open_edit.get(record.id)
        if edit is not None and _continues(edit[-1], record, fields):
            edit.append(record)
            continue
        edit = [record]
        edits.append(edit)
        open_edit[record.id] = edit
    return edits


def _continues(last, record, fields):
    return (
        record.history_type == "~"
        and last.history_type != "-"
        and record.history_date - last.history_date <= ONE_EDIT
        and record.history_user_id == last.history_user_id
        and (record.history_change_reason or "") == (last.history_change_reason or "")
        and all(getattr(record, f.attname) == getattr(last, f.attname) for f in fields)
    )


def structure_timeline(structure_pk):
    """Every change to the structure and to the rows shown on its page, newest first."""
    names = _Names()
    loaded = []
    for model, rows_of, section in SECTIONS:
        records = list(
            model.history.filter(rows_of(structure_pk))
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        fields = _fields(model)
        for f in fields:
            if f.is_relation:
                names.want(f.related_model, (getattr(r, f.attname) for r in records))
        m2m = _m2m_values(model, records)
        for m2m_field in _m2m_fields(model):
            for ids in m2m[m2m_field.name].values():
                names.want(m2m_field.related_model, ids)
        loaded.append((model, section, fields, m2m, records))
    names.fetch()

    entries = []
    for model, section, fields, m2m, records in loaded:
        is_structure = model is Structure
        previous_of = {}
        for edit in _edits(fields, records):
            first, record = edit[0], edit[-1]
            previous = previous_of.get(record.id)
            previous_of[record.id] = record
            if is_structure and first.history_type == "+":
                changes = []  # the creation of the entry: its first version is the content
            else:
                changes = _changes(model, fields, m2m, previous, record, names)
            if first.history_type == "~" and not changes:
                continue  # a save that changed nothing an agent reads
            entries.append(
                Entry(
                    record=record,
                    model=model,
                    section=str(section),
                    subject="" if is_structure else str(record.instance),
                    action=str(ACTIONS.get(first.history_type, "")),
                    changes=changes,
                    # A deleted row comes back from its last version (the deletion's
                    # record holds it); a deleted entry from the admin's own recovery.
                    restorable=not (is_structure and record.history_type == "-"),
                )
            )
    entries.sort(key=lambda entry: (entry.date, entry.record.history_id), reverse=True)
    return entries
