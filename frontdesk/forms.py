import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actors import territories, vocabulary
from actors.models import Need, Structure
from actors.text import normalize, tokens


class GuideForm(forms.Form):
    """The neighbourhood guide's query string: the needs it covers (all by default), its format.

    Validated like the search parameters, so a mistyped or hostile value gets a
    French message instead of reaching the query (a NUL byte fails on PostgreSQL).
    """

    besoin = forms.ModelMultipleChoiceField(
        label=_("Besoin"), queryset=Need.objects.all(), to_field_name="slug", required=False
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("", _("page web")), ("pdf", _("PDF"))], required=False
    )

    def __init__(self, data):
        # A form's "Tous les besoins" option sends besoin= : no choice, not a bad one.
        data = data.copy()
        data.setlist("besoin", [value for value in data.getlist("besoin") if value.strip()])
        super().__init__(data)


def natural_key(text):
    """Sorts "Maison 14" before "Maison 143" and "Maison 40": numbers compare as numbers."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", normalize(text))
        if part
    ]


def neighbourhood_choices():
    """The quartiers grouped by commune, the default territory first, then A to Z."""
    ordered = sorted(
        territories.all_territories(),
        key=lambda t: (not territories.is_default(t.city, t.key), natural_key(t.name)),
    )
    return [("", _("Tous les quartiers"))] + [
        (
            territory.name,
            sorted(
                ((n.slug, n.name) for n in territory.neighbourhoods),
                key=lambda option: natural_key(option[1]),
            ),
        )
        for territory in ordered
    ]


class DeskForm(forms.Form):
    """The desk chooser's GET form: a few words (name, quartier, address) and a quartier."""

    q = forms.CharField(label=_("Nom, quartier ou adresse"), required=False, max_length=100)
    quartier = forms.ChoiceField(label=_("Quartier"), required=False)

    def __init__(self, data):
        super().__init__(data)
        self.fields["quartier"].choices = neighbourhood_choices()
        self.fields["quartier"].error_messages["invalid_choice"] = _(
            "Ce quartier n'existe pas : choisissez-en un dans la liste."
        )

    def candidates(self):
        """Published places matching the form; the maisons and mairies de quartier when empty."""
        places = Structure.objects.published().with_neighbourhood()
        if not self.is_valid():
            return places.none()
        query, slug = self.cleaned_data["q"].strip(), self.cleaned_data["quartier"]
        if slug:
            places = places.filter(neighbourhood__slug=slug)
        for word in tokens(query, limit=6):
            # search_text holds the name, kind, city and description, normalised; the
            # quartier is matched on its normalised name, the street as typed.
            in_quartiers = [
                n.pk
                for n in vocabulary.current().neighbourhoods.values()
                if word in normalize(n.name)
            ]
            places = places.filter(
                Q(search_text__contains=word)
                | Q(neighbourhood_id__in=in_quartiers)
                | Q(street__icontains=word)
            )
        if not query and not slug:
            places = places.filter(kind__in=["maison-de-quartier", "mairie-de-quartier"])
        return places
