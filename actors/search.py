"""A search: filters, an origin, a walking radius that widens when it must.

Used by the results page and the JSON API, so both answer the same thing for
the same URL parameters. Everything heavy runs in the database: the bounding
box prefilter uses the (status, latitude, longitude) index, the haversine
distance is an SQL expression, and ordering and limits are SQL too.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actors import geo
from actors.filters import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, StructureFilter
from actors.geocoding import GeocoderUnavailable, geocode
from actors.models import OpeningException, Permanence, Structure

# Fewer results than this within the walking radius: show the nearest ones further away.
MIN_RESULTS = 5
# Steps the radius widens through (km); the first one at least as far as the
# fifth-nearest place is used.
RADIUS_STEPS_KM = (2, 3, 4, 5, 8, 12, 20, MAX_RADIUS_KM)
# Nobody walks to the 101st place: counts stop here and lists are cut here.
RESULT_CAP = 100
PAGE_SIZE = 20


class OriginKind:
    COORDINATES = "coordinates"
    ADDRESS = "address"
    DESK = "desk"
    NEIGHBOURHOOD = "neighbourhood"


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float
    kind: str
    label: str


@dataclass
class Search:
    filterset: StructureFilter
    queryset: object = None  # ordered results, at most RESULT_CAP
    count: int = 0  # results listed (capped at RESULT_CAP)
    is_capped: bool = False
    origin: Origin | None = None
    radius_km: float | None = None  # asked for
    used_radius_km: float | None = None  # after widening
    count_within_radius: int | None = None  # within the radius asked for (capped)
    notices: list = field(default_factory=list)
    # Set when the answer is a fallback for a passing failure (the geocoder is down):
    # how long the page cache may keep it (no longer than the geocoder is left alone,
    # so the same URL starts from the address again once the service is back).
    cache_seconds: int | None = None

    @property
    def is_valid(self):
        return not self.filterset.errors

    @property
    def errors(self):
        return self.filterset.errors

    @property
    def error_list(self):
        """[(parameter, its French label, message)] for pages and API bodies."""
        form = self.filterset.form
        return [
            (name, form.fields[name].label if name in form.fields else name, message)
            for name, messages in self.errors.items()
            for message in messages
        ]

    @property
    def widened(self):
        return self.used_radius_km is not None and self.used_radius_km > self.radius_km

    @property
    def cleaned(self):
        return self.filterset.form.cleaned_data

    @property
    def needs(self):
        return list(self.cleaned.get("besoin") or [])

    def paginate(self, page_number, per_page=PAGE_SIZE):
        paginator = Paginator(self.queryset, per_page)
        paginator.count = self.count  # known already: no second COUNT query
        return paginator.get_page(page_number)

    def widening_message(self):
        if not self.widened:
            return ""
        asked, used = km(self.radius_km), km(self.used_radius_km)
        if self.count == 0:
            return _("Aucun résultat à moins de %(used)s.") % {"used": used}
        if self.count_within_radius == 0:
            return _("Rien à moins de %(asked)s : voici les plus proches, jusqu'à %(used)s.") % {
                "asked": asked,
                "used": used,
            }
        return ngettext(
            "Seulement %(n)d résultat à moins de %(asked)s : voici aussi les plus proches, "
            "jusqu'à %(used)s.",
            "Seulement %(n)d résultats à moins de %(asked)s : voici aussi les plus proches, "
            "jusqu'à %(used)s.",
            self.count_within_radius,
        ) % {"n": self.count_within_radius, "asked": asked, "used": used}


def km(value):
    return _("%(km)s km") % {"km": formats.number_format(value, decimal_pos=1 if value % 1 else 0)}


def upcoming_exceptions():
    """Closures and special hours that still matter: ending today or later."""
    return Prefetch(
        "opening_exceptions",
        queryset=OpeningException.objects.filter(ends_on__gte=timezone.localdate()),
    )


def result_prefetches(needs=()):
    """What a result card shows, in a constant number of queries whatever the page size."""
    permanences = Permanence.objects.current().select_related("provider").prefetch_related("needs")
    if needs:
        permanences = permanences.filter(needs__in=needs).distinct()
    return [
        "needs",
        "opening_slots",
        upcoming_exceptions(),
        Prefetch("hosted_permanences", queryset=permanences),
    ]


def resolve_origin(cleaned, desk=None):
    """(origin, notices, degraded): the first origin that applies, notices for the ones
    that failed, and whether one failed for a passing reason (the geocoder is down)."""
    notices, degraded = [], False
    if cleaned.get("lat") is not None and cleaned.get("lon") is not None:
        origin = Origin(
            float(cleaned["lat"]),
            float(cleaned["lon"]),
            OriginKind.COORDINATES,
            _("le point indiqué (latitude, longitude)"),
        )
        return origin, notices, degraded
    address = (cleaned.get("adresse") or "").strip()
    if address:
        try:
            found = geocode(address)
        except GeocoderUnavailable:
            degraded = True
            notices.append(
                _(
                    "Le service de recherche d'adresses ne répond pas pour le moment : "
                    "les distances sont calculées depuis un autre point."
                )
            )
        else:
            if found.found:
                origin = Origin(found.latitude, found.longitude, OriginKind.ADDRESS, found.label)
                return origin, notices, degraded
            notices.append(
                _("Adresse introuvable : « %(address)s ». Vérifiez-la ou choisissez un quartier.")
                % {"address": address}
            )
    desk = cleaned.get("depuis") or desk
    if desk is not None and desk.latitude is not None:
        return Origin(desk.latitude, desk.longitude, OriginKind.DESK, desk.name), notices, degraded
    neighbourhood = cleaned.get("quartier")
    if neighbourhood is not None:
        origin = Origin(
            neighbourhood.centroid_latitude,
            neighbourhood.centroid_longitude,
            OriginKind.NEIGHBOURHOOD,
            _("centre du quartier %(name)s") % {"name": neighbourhood.name},
        )
        return origin, notices, degraded
    if address:
        notices.append(_("Sans point de départ, les résultats sont classés par nom."))
    return None, notices, degraded


def run(params, *, desk=None):
    """Search with the URL parameters; `desk` is the default origin (the passeur's desk)."""
    filterset = StructureFilter(params)
    search = Search(filterset)
    if not filterset.is_valid():
        search.queryset = Structure.objects.none()
        return search
    cleaned = filterset.form.cleaned_data
    base = filterset.qs.with_neighbourhood()
    origin, search.notices, degraded = resolve_origin(cleaned, desk)
    if degraded:
        search.cache_seconds = settings.GEOCODER_PAUSE_SECONDS
    search.origin = origin
    neighbourhood = cleaned.get("quartier")
    prefetches = result_prefetches(search.needs)
    if neighbourhood is not None and (origin is None or origin.kind != OriginKind.NEIGHBOURHOOD):
        # With its own origin, a quartier narrows the list to the places inside it.
        base = base.filter(neighbourhood=neighbourhood)

    if origin is None:
        results = base.order_by("name", "pk")
        search.count = capped_count(results)
        search.queryset = results.prefetch_related(*prefetches)[:RESULT_CAP]
    elif neighbourhood is not None and origin.kind != OriginKind.NEIGHBOURHOOD:
        # Inside a quartier the list is bounded: all of it, nearest first.
        results = base.with_distance(origin.latitude, origin.longitude).order_by("distance", "name")
        search.count = capped_count(results)
        search.queryset = results.prefetch_related(*prefetches)[:RESULT_CAP]
    else:
        search.radius_km = float(cleaned.get("rayon") or DEFAULT_RADIUS_KM)
        lat, lon = origin.latitude, origin.longitude
        search.count_within_radius = search.count = capped_count(
            base.near(lat, lon, search.radius_km)
        )
        search.used_radius_km = search.radius_km
        if search.count_within_radius < MIN_RESULTS:
            search.used_radius_km, count = _widened_radius(base, lat, lon, search.radius_km)
            if search.used_radius_km > search.radius_km:
                search.count = count
        search.queryset = NearestFirst(
            base, lat, lon, search.used_radius_km, min(search.count, RESULT_CAP), prefetches
        )
    search.is_capped = search.count > RESULT_CAP
    search.count = min(search.count, RESULT_CAP)
    return search


def capped_count(queryset):
    """COUNT that stops at RESULT_CAP + 1 rows: unordered, so the database can stop early."""
    return queryset.order_by()[: RESULT_CAP + 1].count()


def _widened_radius(base, lat, lon, radius_km):
    """(radius, count): the first radius step holding MIN_RESULTS places, and how many it holds.

    The widest circle is probed first: when even it holds fewer than MIN_RESULTS
    places (a rare need, "open now" late in the evening), its count is exact and
    there is no point scanning every step on the way. Otherwise each step's count
    stops as soon as it has MIN_RESULTS rows.
    """

    def holds(step):
        return base.near(lat, lon, step).order_by()[:MIN_RESULTS].count()

    in_widest = holds(MAX_RADIUS_KM)
    if in_widest < MIN_RESULTS:
        return MAX_RADIUS_KM, in_widest
    for step in RADIUS_STEPS_KM:
        if step > radius_km and (step == MAX_RADIUS_KM or holds(step) >= MIN_RESULTS):
            return step, capped_count(base.near(lat, lon, step))
    return MAX_RADIUS_KM, capped_count(base.near(lat, lon, MAX_RADIUS_KM))


class NearestFirst:
    """Results within a radius, nearest first, fetched a slice at a time.

    Behaves like a sliced queryset for the paginator and the API: asking for
    rows [20:40] fetches the 40 nearest through StructureQuerySet.nearest()
    (small circles first), then prefetches what the cards show for those rows.
    """

    def __init__(self, base, lat, lon, radius_km, count, prefetches):
        self.base, self.lat, self.lon, self.radius_km = base, lat, lon, radius_km
        self._count = count
        self.prefetches = prefetches

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __iter__(self):
        return iter(self[: self._count])

    def __bool__(self):
        return self._count > 0

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        stop = self._count if key.stop is None else min(key.stop, self._count)
        rows = self.base.nearest(self.lat, self.lon, self.radius_km, stop) if stop > 0 else []
        rows = rows[key]
        prefetch_related_objects(rows, *self.prefetches)
        return rows


def distance_and_walk(structure):
    """(distance in metres, walking minutes) of an annotated result, or (None, None)."""
    distance = getattr(structure, "distance", None)
    return distance, geo.walking_minutes(distance)
