import contextlib
import datetime
import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Floor
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from actors import geo
from actors import opening as opening_hours
from actors.enums import (
    CoordinatesSource,
    ExceptionKind,
    HolidaysRule,
    Status,
    StructureKind,
    VerificationMethod,
    Weekday,
    Wheelchair,
)
from actors.phones import PhoneValidator, normalize_phone
from actors.text import normalize

from .ages import AgeRange, age_constraints, holding
from .cards import attach_card_data, attach_detail_data, fetch_structures
from .hours import OpeningException, OpeningSlot
from .neighbourhoods import Neighbourhood
from .people import Permanence

postcode_validator = RegexValidator(r"^\d{5}$", _("Un code postal compte 5 chiffres."))
insee_validator = RegexValidator(r"^(\d{5}|2[AB]\d{3})$", _("Un code INSEE compte 5 caractères."))
siret_validator = RegexValidator(r"^\d{14}$", _("Un numéro SIRET compte 14 chiffres."))
# Where a field's value came from (Structure.field_origins): a source name, or this.
MANUAL = "manual"
# What imports may set, field by field ("hours" is the slots, exceptions and holiday rule).
IMPORTED_FIELDS = frozenset(
    {
        "name", "kind", "description", "siret", "street", "address_complement", "postcode",
        "city", "insee_code", "latitude", "longitude", "phone", "email", "website", "walk_in",
        "by_appointment", "by_phone", "online", "referral_required", "access_details",
        "what_to_bring", "is_free", "fees_details", "wheelchair", "acceslibre_url",
        "accessibility_details", "hours", "hours_note", "needs", "publics", "languages",
        "public_transport",
    }
)  # fmt: skip
HOURS_PARTS = {"slots": "hours", "exceptions": "hours", "holidays_rule": "hours"}


def _ids(items):
    return [getattr(item, "pk", item) for item in items]


def _directly_or_hosted(through, hosted_through, column, ids, on=None, first=False):
    """Rows linked to one of `ids` themselves or through a current permanence they host.

    Place-first (the default): one correlated EXISTS over a UNION ALL of the two ways,
    each on a (structure, value) unique index: cheap per row, and no join that would
    duplicate structures. Two EXISTS joined by OR would be turned by PostgreSQL into
    hashed subplans that read every structure serving the need (30 ms at 100,000 rows,
    against 3 ms this way). `first`: filter-first, `pk IN (the same UNION ALL)`, for
    a rare combination asked over a whole city (the search's widest circle): the
    database starts from the few places that match instead of testing every place of
    the circle.
    """
    owner = {"structure_id": OuterRef("pk")} if not first else {}
    host = {"permanence__host_id": OuterRef("pk")} if not first else {}
    direct = through.objects.filter(**owner, **{f"{column}__in": ids}).values("structure_id")
    hosted = (
        hosted_through.objects.filter(**host, **{f"{column}__in": ids})
        .filter(
            Q(permanence__ends_on__isnull=True)
            | Q(permanence__ends_on__gte=on or timezone.localdate())
        )
        .values("permanence__host_id")
    )
    either = direct.order_by().union(hosted.order_by(), all=True)
    return Q(pk__in=either) if first else Exists(either)


def serving_condition(needs, on=None, first=False):
    """SQL condition: the row serves one of the needs, itself or through a hosted
    permanence (see _directly_or_hosted)."""
    return _directly_or_hosted(
        Structure.needs.through, Permanence.needs.through, "need_id", _ids(needs), on, first
    )


class StructureQuerySet(models.QuerySet):
    # Set by with_card_data() / with_detail_data(): what the rows get when fetched.
    _page_data = None

    def _clone(self):
        clone = super()._clone()
        clone._page_data = self._page_data
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if (
            fresh
            and self._page_data is not None
            and self._iterable_class is models.query.ModelIterable
        ):
            what, needs = self._page_data
            if what == "detail":
                attach_detail_data(self._result_cache)
            else:
                attach_card_data(self._result_cache, needs)

    def with_card_data(self, needs=()):
        """What a result card and an API summary show (the quartier, needs, publics, hours,
        upcoming exceptions, the current permanences hosted here, limited to `needs` when
        given), in three or four queries for the whole page: see actors.models.cards."""
        clone = self._chain()
        clone._page_data = ("cards", tuple(needs))
        return clone

    def with_detail_data(self):
        """What a structure's page and its API detail show: the card's data, plus its
        languages, active professionals, services and the current permanences it hosts
        and holds (elsewhere, at published places only), with their calendars, in a fixed
        number of queries: see actors.models.cards.attach_detail_data."""
        clone = self._chain()
        clone._page_data = ("detail", ())
        return clone

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def relocate(self, index):
        """Derive again these structures' quartier (unless an agent chose it) and QPV from
        `index` (an AreaIndex of the layers now loaded), in bulk; the number changed. The
        columns are derived, not edited: no history row, no `updated_at`."""
        rows = list(
            self.filter(latitude__isnull=False, longitude__isnull=False).values_list(
                "pk",
                "latitude",
                "longitude",
                "neighbourhood_id",
                "neighbourhood_is_manual",
                "qpv_id",
                "qpv_distance_m",
            )
        )
        found = index.areas_many([row[1] for row in rows], [row[2] for row in rows])
        moved, near, changed = {}, [], set()
        for row, (quartier, qpv, distance) in zip(rows, found, strict=True):
            pk, _lat, _lon, current, manual, current_qpv, current_distance = row
            if not manual and quartier != current:
                moved.setdefault(quartier, []).append(pk)
                changed.add(pk)
            if qpv != current_qpv or distance != current_distance:
                near.append(self.model(pk=pk, qpv_id=qpv, qpv_distance_m=distance))
                changed.add(pk)
        manager = self.model._base_manager
        for quartier, pks in moved.items():
            for start in range(0, len(pks), 500):
                manager.filter(pk__in=pks[start : start + 500]).update(neighbourhood_id=quartier)
        manager.bulk_update(near, ["qpv", "qpv_distance_m"], batch_size=500)
        return len(changed)

    def with_neighbourhood(self):
        """The quartier joined in, without its polygon (tens of KB of JSON per row)."""
        return self.select_related("neighbourhood").defer(
            "neighbourhood__boundary", "neighbourhood__display_boundary"
        )

    def serving(self, needs, on=None, first=False):
        """Structures that serve any of these needs themselves or host a permanence for them."""
        return self.filter(serving_condition(needs, on, first))

    def for_publics(self, publics, first=False):
        """For any of these publics, directly or through a permanence hosted here."""
        return self.filter(
            _directly_or_hosted(
                Structure.publics.through,
                Permanence.publics.through,
                "public_id",
                _ids(publics),
                first=first,
            )
        )

    def speaking(self, languages, first=False):
        ids = _ids(languages)
        if first:
            chosen = Structure.languages.through.objects.filter(language_id__in=ids)
            return self.filter(pk__in=chosen.values("structure_id"))
        through = Structure.languages.through.objects.filter(
            structure_id=OuterRef("pk"), language_id__in=ids
        )
        return self.filter(Exists(through))

    def within_box(self, lat, lon, radius_km):
        """Cheap, indexed prefilter: the bounding box of the circle.

        A B-tree cannot range over two columns at once: on (latitude, longitude)
        the database would scan a whole east-west strip of the city. Listing the
        latitude bands the box covers turns it into a few short longitude ranges
        on the (status, latitude_band, longitude) index.
        """
        min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius_km)
        return self.filter(
            latitude_band__in=geo.latitude_bands(min_lat, max_lat),
            longitude__gte=min_lon,
            longitude__lte=max_lon,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
        )

    def with_distance(self, lat, lon):
        """Annotate `distance` in metres (haversine, computed by the database)."""
        return self.annotate(distance=geo.distance_expression(lat, lon))

    def near(self, lat, lon, radius_km):
        """Within radius_km of the point, nearest first."""
        return (
            self.within_box(lat, lon, radius_km)
            .with_distance(lat, lon)
            .filter(distance__lte=radius_km * 1000)
            .order_by("distance", "name")
        )

    def nearest_ids(self, lat, lon, radius_km, limit):
        """[(pk, distance in metres)] of the `limit` nearest rows within radius_km, nearest
        first (ties by name): see actors.proximity, which writes this query out."""
        from actors import proximity

        _count, pairs = proximity.nearest(proximity.filters_of(self), lat, lon, radius_km, limit)
        return pairs(limit)

    def nearest(self, lat, lon, radius_km, limit):
        """The `limit` nearest rows within radius_km, as a list, nearest first, each with its
        `distance` and what its card shows."""
        return self.model.objects.cards_in_order(self.nearest_ids(lat, lon, radius_km, limit))

    def cards_in_order(self, pairs, needs=()):
        """The structures of these (pk, distance) pairs, in their order, each with its
        `distance` and what its card shows (`needs`: the needs searched for, first)."""
        if not pairs:
            return []
        by_pk = fetch_structures([pk for pk, _ in pairs], self.db)
        attach_card_data(by_pk.values(), needs)
        rows = []
        for pk, distance in pairs:
            row = by_pk[pk]
            row.distance = distance
            rows.append(row)
        return rows

    def open_at(self, moment=None):
        """Open at this moment, with the same precedence as actors.opening.hours_on().

        Asked slot-first: the places with a slot or special hours running now come from
        the slot and exception time indexes (a small set, and none at all on a Sunday
        evening), and only those are checked against their closures and special days.
        Asked place-first, as NOT EXISTS / EXISTS per row, every place in a 30 km circle
        was checked when nothing is open (0.4 s at 100,000 places, 8.5 s at a million).
        The candidates are one IN over a UNION ALL, so the database joins from them.
        """
        local = timezone.localtime(moment)
        day, now = local.date(), local.time().replace(tzinfo=None)
        covering = OpeningException.objects.filter(starts_on__lte=day, ends_on__gte=day)
        special_now = covering.filter(kind=ExceptionKind.SPECIAL, opens__lte=now, closes__gt=now)
        running = (
            OpeningSlot.objects.filter(weekday=day.weekday(), opens__lte=now, closes__gt=now)
            .order_by()
            .values("structure_id")
            .union(special_now.order_by().values("structure_id"), all=True)
        )
        here = covering.filter(structure_id=OuterRef("pk"))
        usual = ~Exists(here.filter(kind=ExceptionKind.SPECIAL))
        if opening_hours.public_holiday(day):
            usual &= Q(holidays_rule=HolidaysRule.OPEN)
        special_open = Exists(special_now.filter(structure_id=OuterRef("pk")))
        return self.filter(pk__in=running).filter(
            ~Exists(here.filter(kind=ExceptionKind.CLOSED)) & (special_open | usual)
        )

    def for_age(self, age):
        """For a person of this age: the place's age range holds it (none: everyone)."""
        return self.filter(holding(age))

    def open_on_weekday(self, weekday):
        """Usually open on this weekday (0 = Monday)."""
        return self.filter(
            Exists(OpeningSlot.objects.filter(structure_id=OuterRef("pk"), weekday=weekday))
        )

    def stale(self, now=None):
        limit = (now or timezone.now()) - datetime.timedelta(days=settings.STALE_AFTER_DAYS)
        return self.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=limit))

    def fresh(self, now=None):
        limit = (now or timezone.now()) - datetime.timedelta(days=settings.STALE_AFTER_DAYS)
        return self.filter(last_verified_at__gte=limit)


@functools.cache
def french_kind_label(kind):
    """The French label of a kind code ("" if unknown), searched whatever the visitor's
    language; cached, since switching languages per row costs more than the rest."""
    if kind not in StructureKind.values:
        return ""
    with translation.override("fr"):
        return str(StructureKind(kind).label)


_KIND_LABELS = {}


def kind_labels():
    """{kind code: label} in the active language, built once per language
    (get_kind_display rebuilds the choices' dict on every call: 20 times per results page)."""
    language = translation.get_language()
    labels = _KIND_LABELS.get(language)
    if labels is None:
        labels = _KIND_LABELS[language] = {k: str(label) for k, label in StructureKind.choices}
    return labels


def kind_label(kind):
    """The label of a kind code in the active language."""
    return kind_labels().get(kind, kind)


class Structure(AgeRange):
    """A place that receives the public: a CIO, a Mission locale, a maison de quartier…"""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(
        _("identifiant dans l'adresse web"),
        max_length=220,
        unique=True,
        help_text=_("Lettres minuscules, chiffres et tirets. Ne le changez pas après publication."),
    )
    kind = models.CharField(_("type"), max_length=32, choices=StructureKind.choices)
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Ce que la structure fait, en quelques phrases simples."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("réseau ou structure mère"),
    )
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_(
            "Seules les fiches publiées sont visibles du public. On archive, on ne supprime pas."
        ),
    )
    is_example = models.BooleanField(
        _("donnée d'exemple"),
        default=False,
        help_text=_("Fiche fictive de démonstration : signalée comme telle sur toutes les pages."),
    )

    # Address and position
    street = models.CharField(_("adresse"), max_length=250, blank=True)
    address_complement = models.CharField(_("complément d'adresse"), max_length=250, blank=True)
    postcode = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[postcode_validator]
    )
    city = models.CharField(_("commune"), max_length=120, blank=True)
    insee_code = models.CharField(
        _("code INSEE"), max_length=5, blank=True, validators=[insee_validator]
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # Computed by the database from latitude (see geo.latitude_bands): what lets
    # the proximity search use one index for both coordinates.
    latitude_band = models.GeneratedField(
        expression=Floor(F("latitude") * geo.BANDS_PER_DEGREE),
        output_field=models.IntegerField(null=True),
        db_persist=True,
    )
    coordinates_source = models.CharField(
        _("origine de la position"), max_length=12, choices=CoordinatesSource.choices, blank=True
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="structures",
        limit_choices_to={"kind__in": ["quartier", "iris"]},
        verbose_name=_("quartier"),
        help_text=_("Déduit de la position, sauf si « quartier choisi à la main » est coché."),
    )
    neighbourhood_is_manual = models.BooleanField(
        _("quartier choisi à la main"),
        default=False,
        help_text=_("Cochez pour garder ce quartier même si la position change."),
    )
    # Derived from the position whenever it is saved (quartiers prioritaires overlap the
    # quartiers: a place has one of each at most). Searched by the `qpv` filter.
    qpv = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="structures_near",
        limit_choices_to={"kind": "qpv"},
        verbose_name=_("quartier prioritaire (QPV)"),
        help_text=_("Le QPV où se trouve la structure, ou le plus proche à moins de 300 m."),
    )
    qpv_distance_m = models.FloatField(
        _("distance au QPV (m)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("0 : dans le quartier prioritaire."),
    )
    public_transport = models.CharField(
        _("transports en commun"),
        max_length=300,
        blank=True,
        help_text=_("Ex. : « Tram 3, arrêt Chanzy, puis 5 minutes à pied »."),
    )

    # Contact
    phone = models.CharField(
        _("téléphone"),
        max_length=30,
        blank=True,
        validators=[PhoneValidator()],
        help_text=_("Tout numéro : 02 40 12 34 56, +33 2 40…, un numéro court (39 49), étranger."),
    )
    email = models.EmailField(_("courriel"), blank=True)
    website = models.URLField(_("site web"), blank=True)

    # How to get in
    walk_in = models.BooleanField(_("accueil sans rendez-vous"), default=False)
    by_appointment = models.BooleanField(_("sur rendez-vous"), default=False)
    by_phone = models.BooleanField(_("par téléphone"), default=False)
    online = models.BooleanField(_("en ligne"), default=False)
    referral_required = models.BooleanField(
        _("orientation par un professionnel obligatoire"),
        default=False,
        help_text=_("La personne doit être adressée par un professionnel (prescription)."),
    )
    access_details = models.TextField(_("conditions d'accès"), blank=True)
    what_to_bring = models.CharField(
        _("à apporter"), max_length=300, blank=True, help_text=_("Ex. : « pièce d'identité, CV »")
    )
    what_to_bring_en = models.CharField(
        _("à apporter, en anglais"),
        max_length=300,
        blank=True,
        help_text=_(
            "Pour les pages et les fiches en anglais, ex. : « ID card, CV ». Vide : le texte "
            "français y est montré, signalé comme français."
        ),
    )
    is_free = models.BooleanField(_("gratuit"), default=True)
    fees_details = models.CharField(_("tarifs"), max_length=300, blank=True)

    needs = models.ManyToManyField(
        "actors.Need", blank=True, related_name="structures", verbose_name=_("besoins")
    )
    publics = models.ManyToManyField(
        "actors.Public", blank=True, related_name="structures", verbose_name=_("publics")
    )
    languages = models.ManyToManyField(
        "actors.Language", blank=True, related_name="structures", verbose_name=_("langues parlées")
    )

    # Accessibility
    wheelchair = models.CharField(
        _("accès fauteuil roulant"),
        max_length=10,
        choices=Wheelchair.choices,
        default=Wheelchair.UNKNOWN,
    )
    acceslibre_url = models.URLField(_("fiche acceslibre"), blank=True)
    accessibility_details = models.TextField(_("détails d'accessibilité"), blank=True)

    # Opening hours: the slots and exceptions are related rows.
    holidays_rule = models.CharField(
        _("jours fériés"), max_length=8, choices=HolidaysRule.choices, default=HolidaysRule.CLOSED
    )
    hours_note = models.CharField(_("remarque sur les horaires"), max_length=1000, blank=True)
    hours_to_check = models.BooleanField(
        _("horaires à vérifier"),
        default=False,
        help_text=_(
            "Horaires importés qui ne tiennent pas exactement dans les créneaux : le texte "
            "d'origine est dans la remarque. Corrigez les créneaux, puis décochez."
        ),
    )

    # Freshness: a human check, distinct from updated_at (which any save bumps).
    last_verified_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vérifiée par"),
    )
    verification_method = models.CharField(
        _("mode de vérification"), max_length=10, choices=VerificationMethod.choices, blank=True
    )

    # Provenance: the records of every source are StructureSource rows; per field, where
    # the value came from ({"phone": "dora", "email": MANUAL}). A MANUAL value wins over
    # any import until an agent releases it.
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    field_origins = models.JSONField(_("provenance des champs"), default=dict, blank=True)

    # Normalised name + description + kind for accent-insensitive search.
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="structure_latitude_range",
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="structure_longitude_range",
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            ),
            models.CheckConstraint(
                name="structure_coordinates_both_or_neither",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
            models.CheckConstraint(
                name="structure_kind_valid", condition=Q(kind__in=StructureKind.values)
            ),
            models.CheckConstraint(
                name="structure_status_valid", condition=Q(status__in=Status.values)
            ),
            models.CheckConstraint(
                name="structure_wheelchair_valid", condition=Q(wheelchair__in=Wheelchair.values)
            ),
            models.CheckConstraint(
                name="structure_holidays_rule_valid",
                condition=Q(holidays_rule__in=HolidaysRule.values),
            ),
            models.CheckConstraint(
                name="structure_published_has_coordinates",
                condition=~Q(status=Status.PUBLISHED) | Q(latitude__isnull=False),
            ),
            *age_constraints("structure"),
        ]
        indexes = [
            # Serves the proximity search (within_box): status, latitude bands, then a
            # longitude range per band; latitude is included so the box is checked
            # from the index alone, and on PostgreSQL the id, so that counting the places
            # in a circle reads no row (an index-only scan: 2.2 → 1.4 ms at 100,000; SQLite's
            # indexes hold the id already).
            models.Index(
                fields=["status", "latitude_band", "longitude", "latitude"],
                include=["id"],
                name="structure_status_band_idx",
            ),
            # Serves listings without an origin (ordered by name within the filters).
            models.Index(fields=["status", "name"], name="structure_status_name_idx"),
            # Serves the stale-entries filter and the reminder command.
            models.Index(
                fields=["status", "last_verified_at"], name="structure_status_verified_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name)
        self.search_text = self.compute_search_text()
        with contextlib.suppress(ValueError):  # one canonical form, however it was typed
            self.phone = normalize_phone(self.phone)
        self.derive_neighbourhood()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", *self.DERIVED_AREAS}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("actors:structure", args=[self.slug])

    @property
    def is_closed(self):
        """Archived: the place no longer receives the public (its page says so, with others)."""
        return self.status == Status.ARCHIVED

    # Where an archived entry's page looks for places that replace it: a long walk or a tram.
    REPLACEMENTS_RADIUS_KM = 10

    def replacements(self, limit=5):
        """The nearest published places serving the same needs (of the same kind when it
        listed none), nearest first with their `distance`: what the page of a closed place
        offers, so that an old handout's QR code still helps. From the place's position,
        else its quartier's centre; [] without either."""
        lat, lon = self.latitude, self.longitude
        if lat is None and self.neighbourhood_id:
            lat = self.neighbourhood.centroid_latitude
            lon = self.neighbourhood.centroid_longitude
        if lat is None:
            return []
        candidates = Structure.objects.published().exclude(pk=self.pk)
        needs = list(self.needs.all())
        candidates = candidates.serving(needs) if needs else candidates.filter(kind=self.kind)
        return candidates.nearest(lat, lon, self.REPLACEMENTS_RADIUS_KM, limit)

    # --- Validation and derived fields ------------------------------------------------

    def clean(self):
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Indiquez la latitude et la longitude, ou aucune des deux.")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = _("La latitude doit être comprise entre -90 et 90.")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = _("La longitude doit être comprise entre -180 et 180.")
        if self.status == Status.PUBLISHED and self.latitude is None:
            errors["latitude"] = _(
                "Une fiche publiée doit avoir une position (latitude et longitude)."
            )
        try:
            self.clean_ages()
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        with contextlib.suppress(ValueError):  # an invalid number is the field's own error
            self.phone = normalize_phone(self.phone)

    def compute_search_text(self):
        kind_label = french_kind_label(self.kind)
        return normalize(" ".join([self.name, kind_label, self.city, self.description]))

    DERIVED_AREAS = ("neighbourhood", "qpv", "qpv_distance_m")

    def derive_neighbourhood(self):
        """Quartier from the point, unless an agent chose it by hand; the quartier
        prioritaire it lies in or near, always (one query)."""
        quartier, self.qpv, self.qpv_distance_m = Neighbourhood.objects.areas_at(
            self.latitude, self.longitude
        )
        if not self.neighbourhood_is_manual:
            self.neighbourhood = quartier

    @property
    def in_qpv(self):
        return self.qpv_distance_m == 0

    # --- Provenance -------------------------------------------------------------------

    def mark_set_by_hand(self, names):
        """Values an agent or a partner set: imports leave them alone until released."""
        for name in names:
            name = HOURS_PARTS.get(name, name)
            if name in IMPORTED_FIELDS:
                self.field_origins[name] = MANUAL

    def release(self, names):
        """Let the sources update these fields again (the next import sets them)."""
        for name in names:
            if self.field_origins.get(name) == MANUAL:
                del self.field_origins[name]

    @property
    def fields_set_by_hand(self):
        return sorted(name for name, origin in self.field_origins.items() if origin == MANUAL)

    # --- Business actions ---------------------------------------------------------

    @transaction.atomic
    def verify(self, *, by=None, method=VerificationMethod.AGENT, at=None):
        """Record a human check that the entry is still right; touches nothing else."""
        self.last_verified_at = at or timezone.now()
        self.verified_by = by
        self.verification_method = method
        super().save(update_fields=["last_verified_at", "verified_by", "verification_method"])

    @transaction.atomic
    def archive(self):
        self.status = Status.ARCHIVED
        self.save(update_fields=["status", "updated_at"])

    # --- Presentation helpers ---------------------------------------------------------

    @property
    def kind_label(self):
        return kind_label(self.kind)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    @property
    def is_stale(self):
        if self.last_verified_at is None:
            return True
        return timezone.now() - self.last_verified_at > datetime.timedelta(
            days=settings.STALE_AFTER_DAYS
        )

    @property
    def full_address(self):
        locality = " ".join(part for part in [self.postcode, self.city] if part)
        return ", ".join(part for part in [self.street, self.address_complement, locality] if part)

    @property
    def access_modes(self):
        """Human labels of the ways in, e.g. ['sans rendez-vous', 'sur rendez-vous']."""
        modes = []
        for field in ("walk_in", "by_appointment", "by_phone", "online"):
            if getattr(self, field):
                modes.append(self._meta.get_field(field).verbose_name)
        return modes

    def opening_status(self, now=None):
        """Uses prefetched opening_slots / opening_exceptions when available."""
        return opening_hours.opening_status(
            self.opening_slots.all(), self.opening_exceptions.all(), self.holidays_rule, now
        )

    def next_openings(self, now=None, count=3):
        return opening_hours.next_openings(
            self.opening_slots.all(),
            self.opening_exceptions.all(),
            self.holidays_rule,
            now,
            count,
        )

    def usual_week(self):
        """[(weekday label, [(opens, closes), ...])] Monday to Sunday, open days only."""
        slots = sorted(self.opening_slots.all(), key=lambda s: (s.weekday, s.opens))
        return [
            (day.label, [(s.opens, s.closes) for s in slots if s.weekday == day.value])
            for day in Weekday
            if any(s.weekday == day.value for s in slots)
        ]

    def week_hours(self, start=None):
        return opening_hours.week_table(
            self.opening_slots.all(),
            self.opening_exceptions.all(),
            self.holidays_rule,
            start or timezone.localdate(),
        )

    def distance_from(self, lat, lon):
        if self.latitude is None or lat is None:
            return None
        return geo.haversine_m(lat, lon, self.latitude, self.longitude)


def unique_slug(name, *, max_length=200, exclude_pk=None):
    base = slugify(name)[:max_length].strip("-") or "structure"
    slug, n = base, 2
    existing = Structure.objects.all()
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    while existing.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug
