"""One anonymous row per search: the raw material of the dashboard of unmet demand.

A row is the whole privacy promise of the "À propos des données" page: the day
(not the time), the needs and publics searched for, the quartier the search
started from (not the point), how that start was given, and what the search
found within walking distance, and whether words of its free text were not
understood. Never an IP address, a cookie or session id, a user agent, the free
text typed, an address or coordinates: `RecordedSearch.from_search` is the only
place that decides what is kept. The words not understood are counted apart,
unlinked to any search (MissedWord, insights.words).
"""

from django.db import models
from django.db.models import Case, Count, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from actors import vocabulary
from actors.enums import OriginKind
from actors.models import Neighbourhood
from actors.reading import needs_named_in
from insights.words import WORDS_SHOWN_FROM

# Distances to the nearest help are kept to the nearest 50 m (under a minute's
# walk): precise enough for a median, too coarse to say where someone stood.
DISTANCE_STEP_M = 50


class Channel(models.TextChoices):
    SITE = "site", _("site (page de résultats)")
    API = "api", _("API")


class RecordedSearchQuerySet(models.QuerySet):
    def between(self, first_day, last_day):
        return self.filter(day__gte=first_day, day__lte=last_day)

    def summary(self):
        """{total, unanswered, not_understood, from_priority_areas,
        unanswered_in_priority_areas}: searches, those that found nothing within walking
        distance (understood, with a radius), those whose words were not understood, and
        the first two for the searches that started inside a QPV."""
        unanswered = Q(results_nearby=0, not_understood=False)
        figures = self.aggregate(
            # Aliases apart from the fields' names: a filter on `not_understood` after an
            # alias of that name would read the alias.
            n_total=Count("id"),
            n_unanswered=Count("id", filter=unanswered),
            n_not_understood=Count("id", filter=Q(not_understood=True)),
            n_from_priority_areas=Count("id", filter=Q(from_priority_area=True)),
            n_unanswered_in_priority_areas=Count(
                "id", filter=unanswered & Q(from_priority_area=True)
            ),
        )
        return {name.removeprefix("n_"): value for name, value in figures.items()}

    def grouped(self, *, by_month=False):
        """Counts per distinct (month,) place, needs, outcome, distance step and example flag.

        The dashboard's tallies and medians are computed in Python over these
        groups (insights.stats), so SQLite and PostgreSQL give the same figures
        in one query; their number is bounded by quartiers × need combinations
        × 50 m steps, not by the number of searches.
        """
        fields = [
            "neighbourhood_id",
            "origin_kind",
            "needs",
            "nothing_nearby",
            "nearest_m",
            "not_understood",
            "is_example",
        ]
        queryset = self.order_by().annotate(
            # A search whose words were not understood is not judged on what it found: it
            # did not say what it looked for.
            nothing_nearby=Case(
                When(results_nearby__isnull=True, then=Value(None)),
                When(not_understood=True, then=Value(None)),
                When(results_nearby=0, then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(null=True),
            )
        )
        if by_month:
            queryset = queryset.annotate(month=TruncMonth("day"))
            fields.insert(0, "month")
        return queryset.values(*fields).annotate(searches=Count("id"))


class RecordedSearch(models.Model):
    day = models.DateField(_("jour"), help_text=_("Le jour seulement, jamais l'heure."))
    channel = models.CharField(_("canal"), max_length=8, choices=Channel.choices)
    needs = models.JSONField(
        _("besoins"),
        default=list,
        blank=True,
        help_text=_(
            "Identifiants des besoins cherchés : ceux cochés et ceux que nomme le texte libre "
            "(le texte lui-même n'est jamais gardé)."
        ),
    )
    publics = models.JSONField(_("publics"), default=list, blank=True)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recorded_searches",
        verbose_name=_("quartier de départ"),
        help_text=_(
            "Le quartier du point de départ, jamais le point lui-même. "
            "Vide : hors des quartiers connus, ou sans point de départ."
        ),
    )
    origin_kind = models.CharField(_("point de départ"), max_length=16, choices=OriginKind.choices)
    results_nearby = models.PositiveSmallIntegerField(
        _("résultats à distance de marche"),
        null=True,
        blank=True,
        help_text=_(
            "Dans le rayon demandé (1,5 km par défaut), compté jusqu'à 101. Vide quand la "
            "recherche n'avait pas de rayon (sans point de départ, ou limitée à un quartier)."
        ),
    )
    nearest_m = models.PositiveIntegerField(
        _("distance du plus proche (m)"),
        null=True,
        blank=True,
        help_text=_("À vol d'oiseau, arrondie à 50 m. Vide quand rien n'a été trouvé."),
    )
    not_understood = models.BooleanField(
        _("pas comprise"),
        default=False,
        help_text=_(
            "Des mots du texte libre ne désignent aucun besoin ni aucun lieu connus du guide "
            "(les mots eux-mêmes ne sont pas gardés ici)."
        ),
    )
    from_priority_area = models.BooleanField(
        _("depuis un quartier prioritaire"),
        default=False,
        help_text=_(
            "Le point de départ de la recherche est dans un quartier prioritaire de la "
            "politique de la ville (QPV), quand une couche QPV est chargée."
        ),
    )
    is_example = models.BooleanField(
        _("exemple"), default=False, help_text=_("Recherche fictive créée pour la démonstration.")
    )

    objects = RecordedSearchQuerySet.as_manager()

    class Meta:
        verbose_name = _("recherche enregistrée")
        verbose_name_plural = _("recherches enregistrées")
        constraints = [
            models.CheckConstraint(
                name="recorded_search_no_place_without_origin",
                condition=~Q(origin_kind=OriginKind.NONE)
                | Q(neighbourhood__isnull=True, results_nearby__isnull=True),
            ),
            models.CheckConstraint(
                name="recorded_search_distance_only_with_outcome",
                condition=Q(nearest_m__isnull=True) | Q(results_nearby__isnull=False),
            ),
        ]
        indexes = [
            # Serves the dashboard's period filter (day between two dates).
            models.Index(fields=["day"], name="recorded_search_day_idx"),
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} · {', '.join(self.needs) or '-'}"

    @classmethod
    def from_search(cls, search, results, *, channel, desk=None, not_understood=False):
        """The anonymous row of a valid search (unsaved).

        `results`: its first results, nearest first. `desk`: the passeur's desk
        when the search measured from it (its quartier is known: no lookup).
        `not_understood`: words of its free text were not understood (insights.words).
        """
        cleaned, origin = search.cleaned, search.origin
        needs = {need.slug for need in search.needs}
        text = (cleaned.get("q") or "").strip()
        if text:
            needs.update(need.slug for need in needs_named_in(text))
        judged = search.count_within_radius is not None
        return cls(
            day=timezone.localdate(),
            channel=channel,
            needs=sorted(needs),
            publics=sorted(public.slug for public in cleaned.get("public") or ()),
            neighbourhood_id=_origin_neighbourhood_id(search, desk),
            origin_kind=origin.kind if origin else OriginKind.NONE,
            # A list narrowed to a quartier has no radius: counted as demand, not judged.
            results_nearby=search.count_within_radius,
            nearest_m=_nearest_m(results) if judged else None,
            not_understood=not_understood,
            from_priority_area=_from_priority_area(origin),
        )


def _origin_neighbourhood_id(search, desk):
    origin = search.origin
    if origin is None:
        return None
    if origin.kind == OriginKind.NEIGHBOURHOOD and search.cleaned.get("quartier") is not None:
        return search.cleaned["quartier"].pk
    desk = search.cleaned.get("depuis") or desk
    if origin.kind == OriginKind.DESK and desk is not None:
        return desk.neighbourhood_id
    # An address or coordinates: the quartier's polygons are kept by the process.
    return vocabulary.current().locate(origin.latitude, origin.longitude)


def _from_priority_area(origin):
    """The origin lies inside a QPV (the polygons are kept by the process; no QPV layer
    loaded: no question asked)."""
    words = vocabulary.current()
    if origin is None or not words.priority_areas:
        return False
    _qpv, distance = words.area_index().qpv(origin.latitude, origin.longitude)
    return distance == 0


def _nearest_m(results):
    first = next(iter(results), None)
    distance = getattr(first, "distance", None)
    if distance is None:
        return None
    return round(distance / DISTANCE_STEP_M) * DISTANCE_STEP_M


class MissedWord(models.Model):
    """How many searches of a day used a word the guide did not understand (insights.words).

    The word is kept as a keyed fingerprint; it is written in clear only once enough
    different searches have used it. Nothing links a row to a search.
    """

    day = models.DateField(_("jour"))
    digest = models.CharField(_("empreinte"), max_length=64)
    word = models.CharField(
        _("mot"),
        max_length=40,
        blank=True,
        help_text=format_lazy(
            _("Vide tant que moins de {n} recherches différentes ont employé ce mot."),
            n=WORDS_SHOWN_FROM,
        ),
    )
    searches = models.PositiveIntegerField(_("recherches"), default=0)
    is_example = models.BooleanField(
        _("exemple"), default=False, help_text=_("Mot d'une recherche fictive (démonstration).")
    )

    class Meta:
        verbose_name = _("mot non compris")
        verbose_name_plural = _("mots non compris")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "digest", "is_example"], name="missed_word_once_a_day"
            ),
        ]
        indexes = [
            # Serves the dashboard's period (day between two dates) and the count of a
            # word across days (digest) when it is counted.
            models.Index(fields=["day"], name="missed_word_day_idx"),
            models.Index(fields=["digest"], name="missed_word_digest_idx"),
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} · {self.word or '…'} · {self.searches}"
