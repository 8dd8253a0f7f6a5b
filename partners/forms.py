"""The partner's proposal form: the structure's fields plus one formset per kind of row.

`ProposalForms.values()` returns exactly the shapes of `partners.proposal_fields`, so
a field the partner did not touch compares equal to the live value.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.enums import ContactVisibility, ExceptionKind, Recurrence, Weekday
from actors.models import Language, Need, OpeningException, Public, Structure
from actors.models.ages import MAX_AGE
from actors.phones import PhoneField
from partners import proposal_fields
from partners.models import ErrorReport

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _checkboxes(model, label):
    """A taxonomy (needs, publics, languages) as checkboxes posting slugs."""
    return forms.ModelMultipleChoiceField(
        model.objects.all(),
        label=label,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
    )


class StructureForm(forms.ModelForm):
    """Never saved: its cleaned data becomes a proposal."""

    phone = PhoneField(label=_("Téléphone"), required=False)
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    acceslibre_url = forms.URLField(
        label=_("Fiche acceslibre"), required=False, assume_scheme="https"
    )
    needs = _checkboxes(Need, _("Besoins"))
    publics = _checkboxes(Public, _("Publics"))
    languages = _checkboxes(Language, _("Langues parlées"))

    class Meta:
        model = Structure
        fields = proposal_fields.SCALARS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "access_details": forms.Textarea(attrs={"rows": 3}),
            "accessibility_details": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, structure=None, **kwargs):
        # Work on a copy: ModelForm validation writes the values onto its instance.
        instance = Structure.objects.get(pk=structure.pk) if structure else Structure()
        initial = (
            proposal_fields.snapshot(structure, ["needs", "publics", "languages"])
            if structure
            else {}
        )
        super().__init__(*args, instance=instance, initial=initial, **kwargs)

    def values(self):
        data = self.cleaned_data
        values = {
            name: proposal_fields.normalize_text(data[name]) for name in proposal_fields.SCALARS
        }
        for name in ("needs", "publics", "languages"):
            values[name] = sorted(item.slug for item in data[name])
        return values


# A blank first choice, so an untouched extra row is not mistaken for a Monday.
WEEKDAYS = [("", "—"), *Weekday.choices]


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("jour"), choices=WEEKDAYS, coerce=int)
    opens = forms.TimeField(label=_("ouvre à"), widget=TIME)
    closes = forms.TimeField(label=_("ferme à"), widget=TIME)

    def clean(self):
        data = super().clean()
        if data.get("opens") and data.get("closes") and data["opens"] >= data["closes"]:
            raise ValidationError(_("L'heure de fermeture doit être après l'heure d'ouverture."))
        return data

    def value(self):
        data = self.cleaned_data
        return {
            "weekday": data["weekday"],
            "opens": proposal_fields.hhmm(data["opens"]),
            "closes": proposal_fields.hhmm(data["closes"]),
        }


class ExceptionForm(forms.Form):
    starts_on = forms.DateField(label=_("du"), widget=DATE)
    ends_on = forms.DateField(label=_("au (inclus)"), widget=DATE)
    kind = forms.ChoiceField(
        label=_("type"), choices=ExceptionKind.choices, initial=ExceptionKind.CLOSED
    )
    opens = forms.TimeField(label=_("ouvre à"), required=False, widget=TIME)
    closes = forms.TimeField(label=_("ferme à"), required=False, widget=TIME)
    label = forms.CharField(label=_("motif"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if not self.errors:
            # The model's own rules and French messages (closure without hours…).
            OpeningException(
                **{name: data[name] for name in proposal_fields.ExceptionsField.keys}
            ).clean()
        return data

    def value(self):
        data = self.cleaned_data
        return {
            "starts_on": data["starts_on"].isoformat(),
            "ends_on": data["ends_on"].isoformat(),
            "kind": data["kind"],
            "opens": proposal_fields.hhmm(data["opens"]),
            "closes": proposal_fields.hhmm(data["closes"]),
            "label": data["label"],
        }


class RowForm(forms.Form):
    """A row edited in place: the hidden id must be one of this structure's rows."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, known_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known_ids = set(known_ids)

    def clean(self):
        data = super().clean()
        # A non-field error: the id is hidden, so its own error would not show.
        if data.get("id") is not None and data["id"] not in self.known_ids:
            raise ValidationError(_("Cette ligne n'appartient pas à cette structure."))
        return data


class ActorForm(RowForm):
    name = forms.CharField(label=_("nom"), required=False, max_length=150)
    role = forms.CharField(label=_("fonction"), max_length=200)
    phone = PhoneField(label=_("téléphone"), required=False)
    email = forms.EmailField(label=_("courriel"), required=False)
    contact_visibility = forms.ChoiceField(
        label=_("visibilité des coordonnées"),
        choices=ContactVisibility.choices,
        initial=ContactVisibility.PROFESSIONALS,
    )

    def value(self):
        return {
            name: self.cleaned_data[name] for name in ("id", *proposal_fields.ActorsField.editable)
        }


class DateListField(forms.CharField):
    """Dates to come, typed as the French write them ("15/12/2026, 05/01/2027"); the value is
    the sorted list of "YYYY-MM-DD" a proposal stores."""

    FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(proposal_fields.french_date(day) for day in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        days = set()
        for word in re.split(r"[,;\s]+", text.strip()):
            if not word:
                continue
            day = self._parse(word)
            if day is None:
                raise ValidationError(
                    _("« %(value)s » n'est pas une date : écrivez-la JJ/MM/AAAA."),
                    params={"value": word},
                )
            if day < timezone.localdate():
                raise ValidationError(
                    _("Le %(date)s est déjà passé : seules les séances à venir s'annulent."),
                    params={"date": day.strftime("%d/%m/%Y")},
                )
            days.add(day.isoformat())
        return sorted(days)

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial or [])
        except ValidationError:
            return True

    def _parse(self, word):
        try:
            return forms.DateField(input_formats=self.FORMATS).to_python(word)
        except ValidationError:
            return None


class PermanenceForm(RowForm):
    host = forms.SlugField(
        label=_("lieu d'accueil"),
        help_text=_(
            "L'identifiant de la structure d'accueil, tel qu'il apparaît dans l'adresse de sa "
            "fiche sur ce site : …/structures/identifiant/"
        ),
    )
    title = forms.CharField(label=_("intitulé"), max_length=200)
    weekday = forms.TypedChoiceField(label=_("jour"), choices=WEEKDAYS, coerce=int)
    opens = forms.TimeField(label=_("de"), widget=TIME)
    closes = forms.TimeField(label=_("à"), widget=TIME)
    recurrence = forms.ChoiceField(
        label=_("fréquence"), choices=Recurrence.choices, initial=Recurrence.WEEKLY
    )
    walk_in = forms.BooleanField(label=_("sans rendez-vous"), required=False)
    by_appointment = forms.BooleanField(label=_("sur rendez-vous"), required=False)
    notes = forms.CharField(label=_("informations pratiques"), required=False, max_length=300)
    min_age = forms.IntegerField(
        label=_("âge minimum"), required=False, min_value=0, max_value=MAX_AGE
    )
    max_age = forms.IntegerField(
        label=_("âge maximum"), required=False, min_value=0, max_value=MAX_AGE
    )
    off_in_school_holidays = forms.BooleanField(
        label=_("pas pendant les vacances scolaires"), required=False
    )
    cancelled_on = DateListField(
        label=_("séances annulées"),
        required=False,
        max_length=300,
        help_text=_("Dates à venir, JJ/MM/AAAA, séparées par des virgules."),
    )

    def clean_host(self):
        slug = self.cleaned_data["host"]
        if not Structure.objects.published().filter(slug=slug).exists():
            raise ValidationError(_("Aucune structure publiée n'a l'identifiant « %s ».") % slug)
        return slug

    def clean(self):
        data = super().clean()
        if data.get("opens") and data.get("closes") and data["opens"] >= data["closes"]:
            raise ValidationError(_("L'heure de fin doit être après l'heure de début."))
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            raise ValidationError(_("L'âge maximum doit être supérieur ou égal à l'âge minimum."))
        return data

    def value(self):
        value = {
            name: self.cleaned_data[name]
            for name in ("id", *proposal_fields.PermanencesField.editable)
        }
        value["opens"] = proposal_fields.hhmm(value["opens"])
        value["closes"] = proposal_fields.hhmm(value["closes"])
        return value


def _formset(form, extra):
    return forms.formset_factory(form, extra=extra, can_delete=True)


class NoteForm(forms.Form):
    message = forms.CharField(
        label=_("Un mot pour l'équipe du guide (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProposalForms:
    """The structure form, its four formsets and a note, bound or pre-filled together."""

    FORMSETS = {
        # field name: (formset class, prefix, heading)
        "opening_slots": (_formset(SlotForm, 2), "horaires", _("Horaires d'ouverture")),
        "opening_exceptions": (
            _formset(ExceptionForm, 1),
            "exceptions",
            _("Fermetures et horaires exceptionnels à venir"),
        ),
        "actors": (_formset(ActorForm, 1), "professionnels", _("Professionnels")),
        "permanences": (
            _formset(PermanenceForm, 1),
            "permanences",
            _("Permanences tenues dans d'autres lieux"),
        ),
    }

    def __init__(self, data=None, *, structure=None):
        self.form = StructureForm(data, structure=structure)
        self.note = NoteForm(data)
        current = proposal_fields.snapshot(structure, self.FORMSETS) if structure else {}
        self.formsets = {}
        for name, (formset_class, prefix, heading) in self.FORMSETS.items():
            rows = current.get(name, [])
            known_ids = [row["id"] for row in rows if "id" in row]
            formset = formset_class(
                data, initial=rows, prefix=prefix, form_kwargs=_row_kwargs(name, known_ids)
            )
            formset.heading = heading
            self.formsets[name] = formset

    def __iter__(self):
        return iter(self.formsets.values())

    def is_valid(self):
        results = [self.form.is_valid(), self.note.is_valid()]
        results += [formset.is_valid() for formset in self]
        return all(results)

    def values(self):
        values = self.form.values()
        for name, formset in self.formsets.items():
            # Untouched extra rows clean to {}; rows ticked "supprimer" are dropped.
            values[name] = [
                form.value()
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
        values["opening_slots"].sort(key=lambda item: (item["weekday"], item["opens"]))
        values["opening_exceptions"].sort(key=proposal_fields.exception_order)
        return values


def _row_kwargs(name, known_ids):
    return {"known_ids": known_ids} if name in ("actors", "permanences") else {}


class ErrorReportForm(forms.ModelForm):
    # Honeypot: hidden from people (and screen readers); bots tend to fill it.
    website = forms.CharField(required=False, label=_("Laissez ce champ vide"))

    class Meta:
        model = ErrorReport
        fields = ["message", "email"]
        widgets = {"message": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def is_spam(self):
        return bool(self.cleaned_data.get("website"))
