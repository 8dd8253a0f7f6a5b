"""What a partner may propose to change on a structure, as plain JSON values.

A proposal stores, for each field it changes, the value the partner saw (`base`)
and the value it proposes (`changes`). Every field below knows how to read its
current value from a live structure, how to write a value back, and how to show
it to an agent. Hours, exceptions, actors and permanences are one field each:
they are reviewed, and in a conflict chosen, as a whole.

Values are JSON-friendly: strings, booleans, sorted lists of slugs, lists of
small dicts with times as "HH:MM" and dates as "YYYY-MM-DD". The same shapes
come out of the partner's form (partners.forms), so "unchanged" is plain
equality.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.enums import ContactVisibility, ExceptionKind, Recurrence, Weekday
from actors.models import (
    Actor,
    Language,
    Need,
    OpeningException,
    OpeningSlot,
    Permanence,
    Public,
    Structure,
)
from actors.phones import display_phone


def hhmm(value):
    return f"{value:%H:%M}" if value else None


def parse_time(value):
    return datetime.time.fromisoformat(value) if value else None


def parse_date(value):
    return datetime.date.fromisoformat(value) if value else None


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def normalize_text(value):
    """Browsers post textareas with CRLF line ends and forms strip spaces: compare like that."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


def exception_order(item):
    return (item["starts_on"], item["ends_on"], item["opens"] or "")


class ScalarField:
    """A column of Structure: text, boolean or choice."""

    deferred = False  # written before the structure is saved

    def __init__(self, name):
        self.name = name
        self.model_field = Structure._meta.get_field(name)

    @property
    def label(self):
        return self.model_field.verbose_name

    def read(self, structure):
        return normalize_text(getattr(structure, self.name))

    def write(self, structure, value):
        setattr(structure, self.name, value)

    def display(self, value):
        if isinstance(value, bool):
            return str(_("oui") if value else _("non"))
        if self.model_field.choices:
            return str(dict(self.model_field.flatchoices).get(value, value))
        if self.name == "phone":
            return display_phone(value) or "—"
        return value or "—"


class TaxonomyField:
    """needs, publics, languages: a sorted list of slugs."""

    deferred = True  # a many-to-many needs the structure saved first

    def __init__(self, name, model):
        self.name, self.model = name, model

    @property
    def label(self):
        return Structure._meta.get_field(self.name).verbose_name

    def read(self, structure):
        return sorted(item.slug for item in getattr(structure, self.name).all())

    def write(self, structure, value):
        items = list(self.model.objects.filter(slug__in=value))
        if len(items) != len(set(value)):
            raise ValidationError(
                _("« %(field)s » cite une valeur qui n'existe plus.") % {"field": self.label}
            )
        getattr(structure, self.name).set(items)

    def lines(self, value):
        labels = dict(self.model.objects.filter(slug__in=value).values_list("slug", "label"))
        return [labels.get(slug, slug) for slug in value]

    def display(self, value):
        return ", ".join(self.lines(value)) or "—"


class RowsField:
    """Related rows (hours, exceptions, actors, permanences) as a list of dicts."""

    deferred = True
    label = ""

    def read(self, structure):
        return [self.as_value(row) for row in self.rows(structure)]

    def lines(self, value):
        return [self.describe(item) for item in value]

    def display(self, value):
        return "\n".join(self.lines(value)) or "—"

    def _full_clean(self, row):
        # Model validation gives the same French messages as the admin.
        try:
            row.full_clean(exclude=["structure", "host", "provider"])
        except ValidationError as error:
            raise ValidationError(
                _("%(field)s : %(errors)s")
                % {"field": self.label, "errors": " ".join(error.messages)}
            ) from None


class SlotsField(RowsField):
    name = "opening_slots"
    label = _("horaires d'ouverture")

    def rows(self, structure):
        return structure.opening_slots.all()

    def as_value(self, slot):
        return {"weekday": slot.weekday, "opens": hhmm(slot.opens), "closes": hhmm(slot.closes)}

    def describe(self, item):
        return f"{_label(Weekday, item['weekday'])} {item['opens']}–{item['closes']}"

    def write(self, structure, value):
        wanted = {(item["weekday"], item["opens"], item["closes"]) for item in value}
        for slot in list(structure.opening_slots.all()):
            key = (slot.weekday, hhmm(slot.opens), hhmm(slot.closes))
            if key in wanted:
                wanted.discard(key)
            else:
                slot.delete()  # deletions are kept in the history
        for weekday, opens, closes in sorted(wanted):
            slot = OpeningSlot(
                structure=structure,
                weekday=weekday,
                opens=parse_time(opens),
                closes=parse_time(closes),
            )
            self._full_clean(slot)
            slot.save()


class ExceptionsField(RowsField):
    """Closures and special hours from today on; past ones are left alone."""

    name = "opening_exceptions"
    label = _("fermetures et horaires exceptionnels")
    keys = ("starts_on", "ends_on", "kind", "opens", "closes", "label")

    def rows(self, structure):
        return structure.opening_exceptions.filter(ends_on__gte=timezone.localdate())

    def read(self, structure):
        # Sorted in Python: databases disagree on where NULL hours go.
        return sorted(super().read(structure), key=exception_order)

    def as_value(self, exception):
        return {
            "starts_on": exception.starts_on.isoformat(),
            "ends_on": exception.ends_on.isoformat(),
            "kind": exception.kind,
            "opens": hhmm(exception.opens),
            "closes": hhmm(exception.closes),
            "label": exception.label,
        }

    def describe(self, item):
        hours = f" {item['opens']}–{item['closes']}" if item["opens"] else ""
        label = f" ({item['label']})" if item["label"] else ""
        return _("du %(start)s au %(end)s : %(kind)s%(hours)s%(label)s") % {
            "start": item["starts_on"],
            "end": item["ends_on"],
            "kind": _label(ExceptionKind, item["kind"]).lower(),
            "hours": hours,
            "label": label,
        }

    def write(self, structure, value):
        wanted = [tuple(item[key] for key in self.keys) for item in value]
        for exception in list(self.rows(structure)):
            key = tuple(self.as_value(exception)[k] for k in self.keys)
            if key in wanted:
                wanted.remove(key)
            else:
                exception.delete()
        for starts_on, ends_on, kind, opens, closes, label in wanted:
            exception = OpeningException(
                structure=structure,
                starts_on=parse_date(starts_on),
                ends_on=parse_date(ends_on),
                kind=kind,
                opens=parse_time(opens),
                closes=parse_time(closes),
                label=label,
            )
            self._full_clean(exception)
            exception.save()


class IdentifiedRowsField(RowsField):
    """Rows edited in place by id; an item without an id is a new row."""

    model = None
    editable = ()

    def as_value(self, row):
        return {"id": row.pk, **{name: self.value_of(row, name) for name in self.editable}}

    def value_of(self, row, name):
        return getattr(row, name)

    def assign(self, row, item):
        for name in self.editable:
            setattr(row, name, item[name])

    def write(self, structure, value):
        existing = {row.pk: row for row in self.rows(structure)}
        for item in value:
            if item.get("id") is None:
                row = self.new_row(structure)
            elif item["id"] in existing:
                row = existing.pop(item["id"])
            else:
                raise ValidationError(
                    _("%(field)s : une ligne a été supprimée depuis la proposition.")
                    % {"field": self.label}
                )
            self.assign(row, item)
            self._full_clean(row)
            row.save()
            self.saved(row, item)
        for row in existing.values():
            self.remove(row)

    def saved(self, row, item):
        """What is written once the row exists (rows that point to it)."""


class ActorsField(IdentifiedRowsField):
    name = "actors"
    label = _("professionnels")
    model = Actor
    editable = ("name", "role", "phone", "email", "contact_visibility")

    def rows(self, structure):
        return structure.actors.filter(is_active=True).order_by("pk")

    def new_row(self, structure):
        return Actor(structure=structure)

    def remove(self, actor):
        # Kept, not deleted: permanences and the history still point to them.
        actor.is_active = False
        actor.save(update_fields=["is_active"])

    def describe(self, item):
        who = f"{item['name']} — {item['role']}" if item["name"] else item["role"]
        contact = " · ".join(part for part in (display_phone(item["phone"]), item["email"]) if part)
        visibility = _label(ContactVisibility, item["contact_visibility"])
        return f"{who} ({contact or '—'} ; {visibility})"


class PermanencesField(IdentifiedRowsField):
    """Permanences the structure holds elsewhere (it is the provider)."""

    name = "permanences"
    label = _("permanences tenues ailleurs")
    model = Permanence
    editable = (
        "host",
        "title",
        "weekday",
        "opens",
        "closes",
        "recurrence",
        "walk_in",
        "by_appointment",
        "notes",
        "min_age",
        "max_age",
        "off_in_school_holidays",
        "cancelled_on",
    )
    # Proposals made before these existed do not carry them: the entry's values stay.
    ADDED_LATER = ("min_age", "max_age", "off_in_school_holidays")

    def rows(self, structure):
        return (
            structure.held_permanences.current()
            .select_related("host")
            .prefetch_related("cancellations")
            .order_by("pk")
        )

    def value_of(self, permanence, name):
        if name == "host":
            return permanence.host.slug
        if name in ("opens", "closes"):
            return hhmm(getattr(permanence, name))
        if name == "cancelled_on":
            return upcoming_cancellations(permanence)
        return getattr(permanence, name)

    def assign(self, permanence, item):
        for name in ("title", "weekday", "recurrence", "walk_in", "by_appointment", "notes"):
            setattr(permanence, name, item[name])
        for name in self.ADDED_LATER:
            if name in item:
                setattr(permanence, name, item[name])
        permanence.opens, permanence.closes = parse_time(item["opens"]), parse_time(item["closes"])
        host = Structure.objects.filter(slug=item["host"]).first()
        if host is None or host.pk == permanence.provider_id:
            raise ValidationError(
                _("%(field)s : le lieu d'accueil « %(host)s » n'existe pas.")
                % {"field": self.label, "host": item["host"]}
            )
        permanence.host = host

    def saved(self, permanence, item):
        if "cancelled_on" not in item:
            return
        # The sessions to come that will not take place: the list replaces the upcoming
        # cancellations (past ones stay, they are the permanence's record).
        wanted = set(item["cancelled_on"])
        upcoming = {
            cancellation.on_date.isoformat(): cancellation
            for cancellation in permanence.cancellations.filter(on_date__gte=timezone.localdate())
        }
        for day, cancellation in upcoming.items():
            if day not in wanted:
                cancellation.delete()
        for day in sorted(wanted - upcoming.keys()):
            permanence.cancellations.create(on_date=datetime.date.fromisoformat(day))

    def new_row(self, structure):
        return Permanence(provider=structure)

    def remove(self, permanence):
        permanence.delete()  # the history keeps a record of it

    def describe(self, item):
        text = _("%(title)s à %(host)s, le %(day)s de %(opens)s à %(closes)s (%(recurrence)s)") % {
            "title": item["title"],
            "host": item["host"],
            "day": _label(Weekday, item["weekday"]),
            "opens": item["opens"],
            "closes": item["closes"],
            "recurrence": _label(Recurrence, item["recurrence"]).lower(),
        }
        details = []
        if item.get("min_age") is not None or item.get("max_age") is not None:
            details.append(
                _("âges : %(min)s à %(max)s ans")
                % {"min": item.get("min_age") or 0, "max": item.get("max_age") or "…"}
            )
        if item.get("off_in_school_holidays"):
            details.append(_("pas pendant les vacances scolaires"))
        if item.get("cancelled_on"):
            details.append(
                _("annulée le %(dates)s")
                % {"dates": ", ".join(french_date(day) for day in item["cancelled_on"])}
            )
        return " ; ".join([text, *details])


def upcoming_cancellations(permanence):
    """The dates ("YYYY-MM-DD") of the sessions to come that will not take place."""
    today = timezone.localdate()
    return sorted(
        cancellation.on_date.isoformat()
        for cancellation in permanence.cancellations.all()
        if cancellation.on_date >= today
    )


def french_date(day):
    return datetime.date.fromisoformat(day).strftime("%d/%m/%Y")


SCALARS = [
    "name",
    "kind",
    "description",
    "street",
    "address_complement",
    "postcode",
    "city",
    "public_transport",
    "phone",
    "email",
    "website",
    "walk_in",
    "by_appointment",
    "by_phone",
    "online",
    "referral_required",
    "access_details",
    "what_to_bring",
    "what_to_bring_en",
    "is_free",
    "fees_details",
    "wheelchair",
    "acceslibre_url",
    "accessibility_details",
    "holidays_rule",
    "hours_note",
]

FIELDS = {
    field.name: field
    for field in [
        *(ScalarField(name) for name in SCALARS),
        TaxonomyField("needs", Need),
        TaxonomyField("publics", Public),
        TaxonomyField("languages", Language),
        SlotsField(),
        ExceptionsField(),
        ActorsField(),
        PermanencesField(),
    ]
}


def snapshot(structure, names=None):
    """Current values of a live structure, for the given fields (default: all)."""
    return {name: FIELDS[name].read(structure) for name in (names or FIELDS)}


def apply(structure, values):
    """Write the values onto the structure, save it and its related rows.

    Call inside a transaction: a ValidationError half-way must roll back.
    """
    for name, value in values.items():
        if not FIELDS[name].deferred:
            FIELDS[name].write(structure, value)
    # Validate what is being written, not old imported values nobody touched
    # (model-wide rules in clean() and the constraints still run).
    untouched = [field.name for field in Structure._meta.fields if field.name not in values]
    structure.full_clean(exclude=untouched if structure.pk else None)
    structure.mark_set_by_hand(values)
    structure.save()
    for name, value in values.items():
        if FIELDS[name].deferred:
            FIELDS[name].write(structure, value)
