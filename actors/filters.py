"""The search parameters, shared by the results page, the JSON API and exports.

One django-filter FilterSet declares every query parameter (French names, so
shareable URLs read naturally): its label, its choices, its default and bounds,
and where the search form shows it. The results page renders its form from it
(actors.searchform), the API validates with it and documents it in the OpenAPI
schema (actors.api.schema.search_parameters). Filters that narrow the list are applied by
`.qs`; the origin parameters (lat, lon, adresse, depuis, rayon) only describe
where distances are measured from, and are read by `actors.search`.
"""

from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from actors import vocabulary
from actors.enums import StructureKind, Weekday, Wheelchair
from actors.models import Permanence, Structure
from actors.models.ages import MAX_AGE
from actors.models.structures import serving_condition
from actors.reading import read

Q_MAX_LENGTH = 200
DEFAULT_RADIUS_KM = 1.5
MIN_RADIUS_KM = Decimal("0.1")
MAX_RADIUS_KM = 30

WEEKDAY_SLUGS = {str(day.label): day.value for day in Weekday}  # "lundi" → 0
OPEN_CHOICES = [("maintenant", _("ouvert maintenant"))] + [
    (str(day.label), day.label) for day in Weekday
]
# "Près d'un arrêt de…" (the stops come from the transit app, through the
# structures' `nearby_stops`): the values are transit's line modes.
TRANSIT_CHOICES = [
    ("tram", _("tram")),
    ("busway", _("busway")),
    ("bus", _("bus")),
    ("tout", _("n'importe quelle ligne")),
]
TRANSIT_NEAR_MINUTES = 5
# In or near a quartier prioritaire (actors.models.neighbourhoods.QPV_NEAR_M): the values.
QPV_CHOICES = [
    ("dans", _("dans un quartier prioritaire")),
    ("proche", _("dans un quartier prioritaire ou à moins de 300 m")),
]
# The distances the search form offers; any other within the bounds is accepted in a URL.
RADIUS_CHOICES = [
    ("0.5", _("500 m")),
    ("1", _("1 km")),
    ("1.5", _("1,5 km")),
    ("3", _("3 km")),
    ("5", _("5 km")),
]


class FlagField(forms.Field):
    """A checkbox in a URL: `1`, `true`, `on` or `oui` mean yes; absent means no filter."""

    TRUE = {"1", "true", "on", "oui"}
    FALSE = {"0", "false", "off", "non", ""}
    default_error_messages = {"invalid": _("Valeur attendue : 1 (oui) ou 0 (non).")}

    def to_python(self, value):
        # Exactly these words, as the API schema lists them: no case or space variants.
        value = value or ""
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return None
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class _FromVocabulary:
    """Choices checked against actors.vocabulary (kept in the process), not with a query."""

    def __init__(self, *, vocabulary, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(choices=(), **kwargs)

    def items(self):
        return getattr(vocabulary.current(), self.vocabulary)

    def valid_value(self, value):
        return value in self.items()


class VocabularyField(_FromVocabulary, forms.ChoiceField):
    """The slug of a need, a public, a language or a quartier; cleans to that object."""

    def clean(self, value):
        value = super().clean(value)
        return self.items()[value] if value else None


class VocabularyMultipleField(_FromVocabulary, forms.MultipleChoiceField):
    """Several slugs of one vocabulary; cleans to their objects, in the vocabulary's order."""

    def clean(self, value):
        chosen = set(super().clean(value))
        return [item for slug, item in self.items().items() if slug in chosen]


class Shown:
    """How the search form shows a parameter, declared with its filter.

    `group`: where the form puts it ("main", "more" for "Plus de critères", "checks"
    for the conditions' checkboxes; None: not in the form). `empty_label`: the option
    that means "any". `hint`: the help text under the label. `wide`: the field takes
    the form's whole width. `attrs`: more attributes of a text input (its type…).
    `looks_elsewhere`: the filter reads other tables (a subquery per place), so it is
    applied after those on the place's own columns.
    """

    def __init__(
        self,
        *args,
        group=None,
        empty_label=None,
        hint=None,
        wide=False,
        attrs=None,
        looks_elsewhere=False,
        **kwargs,
    ):
        self.group, self.empty_label, self.hint = group, empty_label, hint
        self.wide, self.attrs = wide, attrs
        self.looks_elsewhere = looks_elsewhere
        super().__init__(*args, **kwargs)


class FlagFilter(Shown, django_filters.Filter):
    """Keeps rows whose boolean `field_name` is true when the flag is set."""

    field_class = FlagField

    def filter(self, qs, value):
        return qs.filter(**{self.field_name: True}) if value else qs


class TextFilter(Shown, django_filters.CharFilter):
    pass


class NumberFilter(Shown, django_filters.NumberFilter):
    """A number with bounds; `options` are the values the form offers, `default` applies
    when none is given (the search reads it from here)."""

    def __init__(self, *args, options=None, default=None, **kwargs):
        self.options, self.default = options or [], default
        super().__init__(*args, **kwargs)


class WholeNumberFilter(NumberFilter):
    """A whole number with bounds (an age)."""

    field_class = forms.IntegerField


class ChoiceFilter(Shown, django_filters.ChoiceFilter):
    pass


class MultipleChoiceFilter(Shown, django_filters.MultipleChoiceFilter):
    pass


class VocabularyFilter(Shown, django_filters.Filter):
    """One entry of a search vocabulary, by slug (actors.vocabulary)."""

    field_class = VocabularyField
    many = False


class VocabularyMultipleFilter(Shown, django_filters.Filter):
    """Entries of a search vocabulary, by slug; `?besoin=a&besoin=b` means either."""

    field_class = VocabularyMultipleField
    many = True


def _lazy_format(message, **values):
    """`message % values`, translated when shown (in the language of that request)."""
    return lazy(lambda: str(message) % values, str)()


class SharedFields(dict):
    """A form's fields that its instances share instead of deep-copying them.

    Django's Form deep-copies its fields for every instance, so that one request may
    change them; the search form never does (its choices are read from
    actors.vocabulary when a value is checked), and the copy of its fifteen fields was
    a good part of validating a search."""

    def __deepcopy__(self, memo):
        return dict(self)


class SearchForm(forms.Form):
    """The FilterSet's form: French messages for numbers, and lat/lon go together.

    Its labels are the ones the search form shows, so an error message names the field
    a person sees (RGAA 11.10). A field in error is tied to its message by Django when
    it renders it (BoundField: aria-invalid="true", aria-describedby="id_<name>_error",
    the id of `{{ field.errors }}`); fields written by hand take the same attributes from
    the `aria_attrs` template filter.
    """

    # Parameters only the site's own links set (the desk, a language): the search form
    # has no field for them, so their errors are named without a field to go to.
    WITHOUT_FIELD = frozenset({"langue", "depuis"})

    MESSAGES = {
        "lat": _("La latitude doit être comprise entre -90 et 90."),
        "lon": _("La longitude doit être comprise entre -180 et 180."),
    }

    @classmethod
    def with_messages(cls):
        """The form with the search's own messages, set once on its fields (a form built
        per request deep-copied them, with every field, for every search)."""
        for name, message in cls.MESSAGES.items():
            cls.base_fields[name].error_messages.update(min_value=message, max_value=message)
        cls.base_fields["rayon"].error_messages.update(
            min_value=_("Le rayon doit être d'au moins 0,1 km."),
            max_value=_lazy_format(
                _("Le rayon ne peut pas dépasser %(max)s km."), max=MAX_RADIUS_KM
            ),
        )
        cls.base_fields["q"].error_messages["max_length"] = _lazy_format(
            _("La recherche est trop longue (%(max)s caractères au plus)."), max=Q_MAX_LENGTH
        )
        # Nothing changes a field per request: each form shares them (see SharedFields).
        cls.base_fields = SharedFields(cls.base_fields)
        return cls

    def clean(self):
        cleaned = super().clean()
        if "lat" in self.errors or "lon" in self.errors:
            return cleaned  # given but unreadable: that message says it
        has_lat = cleaned.get("lat") is not None
        has_lon = cleaned.get("lon") is not None
        if has_lat != has_lon:
            self.add_error(
                "lon" if has_lat else "lat", _("Indiquez la latitude et la longitude ensemble.")
            )
        return cleaned


def _ignore(queryset, name, value):
    """Origin parameters do not filter: actors.search reads them."""
    return queryset


class StructureFilter(django_filters.FilterSet):
    q = TextFilter(
        label=_("Que cherche la personne ?"),
        method="filter_text",
        looks_elsewhere=True,
        max_length=Q_MAX_LENGTH,
        group="main",
        wide=True,
        attrs={"type": "search"},
        hint=_("Des mots simples : « stage 3e », « Parcoursup », « CV », « apprentissage »…"),
    )
    besoin = VocabularyMultipleFilter(
        label=_("Besoin"),
        vocabulary="needs",
        method="filter_needs",
        looks_elsewhere=True,
        group="main",
        empty_label=_("Tous les besoins"),
    )
    public = VocabularyMultipleFilter(
        label=_("Public"),
        vocabulary="publics",
        method="filter_publics",
        looks_elsewhere=True,
        group="more",
        empty_label=_("Tous les publics"),
    )
    type = MultipleChoiceFilter(
        label=_("Type de structure"),
        field_name="kind",
        choices=StructureKind.choices,
        group="more",
        empty_label=_("Tous les types"),
    )
    quartier = VocabularyFilter(
        label=_("Quartier"),
        vocabulary="neighbourhoods",
        method=_ignore,  # both a filter and an origin: see actors.search
        group="main",
        empty_label=_("Tous les quartiers"),
        error_messages={
            "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
        },
    )
    langue = VocabularyMultipleFilter(
        label=_("Langue parlée"),
        vocabulary="languages",
        method="filter_languages",
        looks_elsewhere=True,
    )
    sans_rdv = FlagFilter(label=_("Sans rendez-vous"), field_name="walk_in", group="checks")
    gratuit = FlagFilter(label=_("Gratuit"), field_name="is_free", group="checks")
    accessible = FlagFilter(
        label=_("Accessible en fauteuil roulant"), method="filter_accessible", group="checks"
    )
    ouvert = ChoiceFilter(
        label=_("Ouvert"),
        choices=OPEN_CHOICES,
        method="filter_open",
        looks_elsewhere=True,
        empty_label=_("peu importe"),
        group="more",
    )
    pres_de = ChoiceFilter(
        label=_("À 5 min à pied d'un arrêt de"),
        choices=TRANSIT_CHOICES,
        method="filter_transit",
        looks_elsewhere=True,
        empty_label=_("peu importe"),
        group="more",
    )
    qpv = ChoiceFilter(
        label=_("Quartier prioritaire (QPV)"),
        choices=QPV_CHOICES,
        method="filter_qpv",
        empty_label=_("peu importe"),
        group="more",
    )
    age = WholeNumberFilter(
        label=_("Âge de la personne"),
        method="filter_age",
        min_value=0,
        max_value=MAX_AGE,
        group="more",
        attrs={"type": "number", "inputmode": "numeric"},
        hint=_("En années : les lieux réservés à d'autres âges sont écartés."),
    )
    # Where distances are measured from (first that applies): lat+lon, adresse, arret
    # (a tram or bus stop, by name), depuis (a desk), quartier (its centre).
    lat = NumberFilter(label=_("Latitude"), method=_ignore, min_value=-90, max_value=90)
    lon = NumberFilter(label=_("Longitude"), method=_ignore, min_value=-180, max_value=180)
    adresse = TextFilter(
        label=_("ou une adresse"),
        method=_ignore,
        max_length=200,
        group="main",
        attrs={"autocomplete": "street-address"},
        hint=_("Pour mesurer les distances depuis chez la personne."),
    )
    arret = TextFilter(
        label=_("ou un arrêt de tram ou de bus"),
        method=_ignore,
        max_length=200,
        group="more",
        hint=_("Son nom, par exemple celui où la personne descend d'habitude."),
    )
    depuis = django_filters.ModelChoiceFilter(
        label=_("Depuis la structure"),
        queryset=Structure.objects.published(),
        to_field_name="slug",
        method=_ignore,
    )
    rayon = NumberFilter(
        label=_("À pied, jusqu'à"),
        method=_ignore,
        # A Decimal: the float 0.1 is a hair above 0.1, so rayon=0.1 was refused.
        min_value=MIN_RADIUS_KM,
        max_value=MAX_RADIUS_KM,
        default=DEFAULT_RADIUS_KM,
        options=RADIUS_CHOICES,
        group="more",
    )

    class Meta:
        model = Structure
        fields = []
        form = SearchForm

    MULTIPLE = ("besoin", "public", "type", "langue")

    @classmethod
    def narrowing(cls):
        """The parameters that narrow the list (the others say where distances start)."""
        return tuple(name for name, f in cls.base_filters.items() if f.method is not _ignore)

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = Structure.objects.published()
        if data is not None and hasattr(data, "getlist"):
            # A form's "Tous les besoins" option sends besoin= : no choice, not a bad one.
            data = data.copy()
            for name in self.MULTIPLE:
                if name in data:
                    data.setlist(name, [value for value in data.getlist(name) if value.strip()])
        # As django-filter's own __init__, without its deep copy of every filter for every
        # search: the declared filters are shared (nothing changes them per request), and
        # filter_queryset() below hands each its FilterSet instead of setting `parent`.
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters

    _form_class = None

    def get_form_class(self):
        """The form, built once per process from the filters' fields (django-filter built
        a new class, and fifteen fields, for every search)."""
        cls = type(self)
        if cls.__dict__.get("_form_class") is None:
            cls._form_class = super().get_form_class().with_messages()
        return cls._form_class

    def filter_queryset(self, queryset):
        # The conditions on the place's own columns first, then those that look elsewhere
        # (subqueries): the database tests them in this order, so the costly ones run
        # only on the places the cheap ones kept.
        cleaned = self.form.cleaned_data
        for name in sorted(
            cleaned, key=lambda name: getattr(self.filters[name], "looks_elsewhere", False)
        ):
            value = cleaned[name]
            filter_ = self.filters[name]
            method = filter_.method
            if method is None:
                queryset = filter_.filter(queryset, value)
            elif value not in EMPTY_VALUES:
                method = method if callable(method) else getattr(self, method)
                queryset = method(queryset, filter_.field_name, value)
        return queryset

    # --- Filters --------------------------------------------------------------------

    # The filter asked first (`pk IN (…)`: the database starts from its places), the others
    # checked on each of them; None: all checked place by place. See filter_first_qs().
    driver = None

    @classmethod
    def drivers(cls):
        """The filters a search may start from: sets of places (needs, publics, languages)."""
        return tuple(
            name
            for name, f in cls.base_filters.items()
            if isinstance(f, VocabularyMultipleFilter) and f.method is not None
        )

    def filter_first_qs(self, driver):
        """The same filters, started from the places of `driver` (one of drivers()): for a
        rare combination over a whole city, the database starts from the few places that
        match it instead of testing every place of the circle (actors.search)."""
        self.driver = driver
        try:
            return self.filter_queryset(self.queryset.all())
        finally:
            self.driver = None

    def filter_needs(self, queryset, name, value):
        return queryset.serving(value, first=self.driver == name) if value else queryset

    def filter_publics(self, queryset, name, value):
        return queryset.for_publics(value, first=self.driver == name) if value else queryset

    def filter_languages(self, queryset, name, value):
        return queryset.speaking(value, first=self.driver == name) if value else queryset

    def filter_age(self, queryset, name, value):
        return queryset.for_age(value)

    def filter_accessible(self, queryset, name, value):
        return queryset.filter(wheelchair=Wheelchair.YES) if value else queryset

    def filter_transit(self, queryset, name, value):
        # Through the relation the transit app adds (NearbyStop): no import of it here.
        near = {"nearby_stops__walking_minutes__lte": TRANSIT_NEAR_MINUTES}
        if value != "tout":
            near["nearby_stops__stop__routes__mode"] = value
        return queryset.filter(pk__in=Structure.objects.filter(**near).values("pk"))

    def filter_qpv(self, queryset, name, value):
        # The place's own derived column (no join): the nearest-first walk tests it per row.
        if value == "dans":
            return queryset.filter(qpv_distance_m=0)
        return queryset.filter(qpv_distance_m__isnull=False)

    def filter_open(self, queryset, name, value):
        if value == "maintenant":
            return queryset.open_at(timezone.now())
        return queryset.open_on_weekday(WEEKDAY_SLUGS[value])

    def filter_text(self, queryset, name, value):
        """Every word must match: the place's own text (as typed, or folded: "3eme", "3e"),
        a need it serves (actors.reading: synonyms, English, typos), or the name of a
        structure holding a permanence there ("mission locale" finds the maison de
        quartier where the Mission locale comes on Tuesdays)."""
        reading = read(value)
        for word in reading.words:
            spellings = {word, reading.spelled.get(word, word)}
            condition = Q()
            for spelling in spellings:
                condition |= Q(search_text__contains=spelling) | Exists(
                    Permanence.objects.current().filter(
                        host_id=OuterRef("pk"), provider__search_text__contains=spelling
                    )
                )
            needs = reading.needs.get(word)
            if needs:
                condition |= serving_condition(needs)
            queryset = queryset.filter(condition)
        return queryset
