"""A search: filters, an origin, a walking radius that widens when it must.

Used by the results page and the JSON API, so both answer the same thing for
the same URL parameters. Everything heavy runs in the database: the bounding
box prefilter uses the (status, latitude, longitude) index, the haversine
distance is an SQL expression, and ordering and limits are SQL too.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actors import proximity, vocabulary
from actors.enums import OriginKind
from actors.filters import MAX_RADIUS_KM, StructureFilter
from actors.geocoding import GeocoderUnavailable, geocode
from actors.models import Structure
from actors.reading import Reading, read
from actors.text import normalize

# Fewer results than this within the walking radius: show the nearest ones further away.
MIN_RESULTS = 5
# Steps the radius widens through (km); the first one at least as far as the
# fifth-nearest place is used.
RADIUS_STEPS_KM = (2, 3, 4, 5, 8, 12, 20, MAX_RADIUS_KM)
# Nobody walks to the 101st place: counts stop here and lists are cut here.
RESULT_CAP = 100
PAGE_SIZE = 20
# The parameters whose values are the search's filters (see _filters_key).
NARROWING = StructureFilter.narrowing()


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float
    kind: str
    label: str


@dataclass
class Search:
    """A search's answer: how many places, from where, and its pages (`page(number)`).

    The rows are fetched a page at a time: `fetch(start, stop)` gives the structures
    `start` to `stop` of the ordered results, with what their cards show.
    """

    filterset: StructureFilter
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
    fetch: object = None  # (start, stop) → [Structure], see run()
    reading: Reading | None = None  # how the free text was read (actors.reading)
    # No point to measure from, and a list of the whole city would not help (the
    # geocoder is down and nothing else gives one): the page asks where the person is.
    asks_origin: bool = False
    # "Ouvert maintenant" found nothing: the places are listed anyway, each card saying
    # when it opens next ("Ouvre demain à 9 h").
    opens_later: bool = False

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

    def page(self, number, per_page=PAGE_SIZE):
        """Page `number` of the results (a bad or too large number gives the last page, as
        Paginator.get_page does), with only that page's rows fetched."""
        numbers = Paginator(range(self.count), per_page).get_page(number)
        start = (numbers.number - 1) * per_page
        rows = self.results(start, start + per_page)
        return Page(rows, numbers.number, numbers.paginator)

    def results(self, start=0, stop=None):
        """Structures `start` to `stop` (default: all of them, at most RESULT_CAP)."""
        stop = self.count if stop is None else min(stop, self.count)
        if self.fetch is None or stop <= start:
            return []
        return self.fetch(start, stop)

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


def find_stop(name):
    """The station or stop of the imported networks named ``name`` (accents and case
    aside; else the shortest name containing it), or None. The transit app holds them."""
    from django.apps import apps

    if not apps.is_installed("transit"):
        return None
    Stop = apps.get_model("transit", "Stop")
    wanted = normalize(name)
    if not wanted:
        return None
    candidates = Stop.objects.filter(station__isnull=True).only("name", "latitude", "longitude")
    best = None
    for stop in candidates.iterator():
        folded = normalize(stop.name)
        if folded == wanted:
            return stop
        if wanted in folded and (best is None or len(stop.name) < len(best.name)):
            best = stop
    return best


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
            # One notice, saying where distances are measured from instead (the quartier
            # the address names, the desk, or nowhere: the page then asks).
            fallback = _fallback_origin(address, cleaned, desk)
            if fallback is not None:
                notices.append(
                    _(
                        "Le service de recherche d'adresses ne répond pas pour le moment : "
                        "distances depuis %(origin)s."
                    )
                    % {"origin": fallback.label}
                )
            else:
                notices.append(
                    _(
                        "Le service de recherche d'adresses ne répond pas pour le moment : "
                        "choisissez le quartier de la personne pour classer les lieux par "
                        "distance."
                    )
                )
            return fallback, notices, degraded
        else:
            if found.found:
                origin = Origin(found.latitude, found.longitude, OriginKind.ADDRESS, found.label)
                return origin, notices, degraded
            notices.append(
                _("Adresse introuvable : « %(address)s ». Vérifiez-la ou choisissez un quartier.")
                % {"address": address}
            )
    stop_name = (cleaned.get("arret") or "").strip()
    if stop_name:
        stop = find_stop(stop_name)
        if stop is not None:
            label = _("l'arrêt %(name)s") % {"name": stop.name}
            return Origin(stop.latitude, stop.longitude, OriginKind.STOP, label), notices, degraded
        notices.append(
            _("Arrêt introuvable : « %(name)s ». Vérifiez son nom ou choisissez un quartier.")
            % {"name": stop_name}
        )
    desk = cleaned.get("depuis") or desk
    if desk is not None and desk.latitude is not None:
        return Origin(desk.latitude, desk.longitude, OriginKind.DESK, desk.name), notices, degraded
    neighbourhood = cleaned.get("quartier")
    if neighbourhood is not None:
        return _neighbourhood_origin(neighbourhood), notices, degraded
    if address:
        notices.append(_("Sans point de départ, les résultats sont classés par nom."))
    return None, notices, degraded


def _fallback_origin(address, cleaned, desk):
    """Where to measure from when the address cannot be located: the quartier it names
    ("12 rue X, Breil" → Breil - Barberie), else the stop, the desk or the quartier chosen,
    else None."""
    named = neighbourhood_named_in(address)
    if named is not None:
        return _neighbourhood_origin(named)
    rest = {**cleaned, "adresse": ""}
    origin, _notices, _degraded = resolve_origin(rest, desk)
    return origin


# Words of quartier names that name no quartier in particular.
GENERIC_PLACE_WORDS = frozenset({"centre", "ville", "quartier", "nord", "sud", "ouest", "bourg"})


def neighbourhood_named_in(text):
    """The quartier a text (an address) names by a distinctive word of its name ("3 rue du
    Breil" → Breil - Barberie), the one with most such words, or None. City names are
    not distinctive: "44300 Nantes" names no quartier."""
    words = set(normalize(text).split())
    neighbourhoods = list(vocabulary.current().neighbourhoods.values())
    cities = {word for n in neighbourhoods for word in normalize(n.city).split()}
    best, best_size = None, 0
    for neighbourhood in neighbourhoods:
        distinctive = {
            word
            for word in normalize(neighbourhood.name).split()
            if len(word) >= 4 and word not in cities and word not in GENERIC_PLACE_WORDS
        }
        shared = len(distinctive & words)
        if shared > best_size:
            best, best_size = neighbourhood, shared
    return best


def _neighbourhood_origin(neighbourhood):
    return Origin(
        neighbourhood.centroid_latitude,
        neighbourhood.centroid_longitude,
        OriginKind.NEIGHBOURHOOD,
        _("centre du quartier %(name)s") % {"name": neighbourhood.name},
    )


def run(params, *, desk=None):
    """Search with the URL parameters; `desk` is the default origin (the passeur's desk)."""
    filterset = StructureFilter(params)
    search = Search(filterset)
    if not filterset.is_valid():
        return search
    cleaned = filterset.form.cleaned_data
    origin, search.notices, degraded = resolve_origin(cleaned, desk)
    if degraded:
        search.cache_seconds = settings.GEOCODER_PAUSE_SECONDS
    search.origin = origin
    if cleaned.get("q"):
        search.reading = read(cleaned["q"])
    if origin is None and degraded:
        search.asks_origin = True  # not a list of the whole city: the page asks where
        return search
    neighbourhood = cleaned.get("quartier")
    needs = search.needs

    if origin is None or (neighbourhood is not None and origin.kind != OriginKind.NEIGHBOURHOOD):
        # By name, or inside a quartier (a bounded list): all of it, nearest first.
        base = filterset.qs
        if neighbourhood is not None:
            # With its own origin, a quartier narrows the list to the places inside it.
            base = base.filter(neighbourhood=neighbourhood)
        if origin is None:
            results = base.order_by("name", "pk")
        else:
            results = base.with_distance(origin.latitude, origin.longitude).order_by(
                "distance", "name"
            )
        search.count = capped_count(results)
        cards = results.with_card_data(needs)
        search.fetch = lambda start, stop: list(cards[start:stop])
    else:
        search.radius_km = float(
            cleaned.get("rayon") or StructureFilter.base_filters["rayon"].default
        )
        search.used_radius_km = search.radius_km
        lat, lon = origin.latitude, origin.longitude
        key = _filters_key(filterset)
        driver = _driver(filterset)
        if driver is None:
            # Place first: the nearest places, each tested against the filters.
            filters = proximity.compiled_filters(key, lambda: filterset.qs)
            count, pairs = proximity.nearest(filters, lat, lon, search.radius_km, RESULT_CAP + 1)
            search.count_within_radius = search.count = count
            if count >= MIN_RESULTS:
                search.fetch = lambda start, stop: Structure.objects.cards_in_order(
                    pairs(stop)[start:stop], needs
                )
            else:
                # Few places nearby: asked from the smallest set of the filters over the
                # widest circle, in one query that also gives the rows to list.
                driver = _driver(filterset, rare=True)
        if search.fetch is None:
            first = proximity.compiled_filters(
                key and (key, driver), lambda: filterset.filter_first_qs(driver)
            )
            rows = proximity.circle(first, lat, lon, MAX_RADIUS_KM, RESULT_CAP + 1)
            within = [row for row in rows if row[1] <= search.radius_km * 1000]
            search.count_within_radius = search.count = len(within)
            if len(within) < MIN_RESULTS:
                search.used_radius_km, within = _widened(rows, search.radius_km)
                if search.used_radius_km > search.radius_km:
                    search.count = len(within)
            search.fetch = lambda start, stop: Structure.objects.cards_in_order(
                within[start:stop], needs
            )
    search.is_capped = search.count > RESULT_CAP
    search.count = min(search.count, RESULT_CAP)
    if search.count == 0 and cleaned.get("ouvert") == "maintenant":
        later = run(_without(params, "ouvert"), desk=desk)
        if later.count:
            later.opens_later = True
            return later
    return search


def _without(params, name):
    params = params.copy()
    params.pop(name, None)
    return params


# A search starts from the places of its smallest set (a language, a need, a public) when
# that is cheaper than testing the nearest places one by one: when the set holds at most
# FEW_PLACES of the published places and the filters together match few of them (testing
# the nearest places would then go through the whole circle). Else, and always without
# such a set, it starts from the nearest places.
FEW_PLACES = 0.05
DRIVERS = StructureFilter.drivers()


def _driver(filterset, rare=False):
    """The filter to start from (see FEW_PLACES), or None to start from the nearest places.
    `rare`: the filters are known to match few places near here; start from the smallest
    set if there is one."""
    cleaned = filterset.form.cleaned_data
    words = vocabulary.current()
    chosen = [name for name in DRIVERS if cleaned.get(name)]
    if not chosen:
        return None
    published = max(words.published_count(), 1)
    small = int(FEW_PLACES * published) + 1  # counted this far: a set at it is not small
    sizes = sorted(
        (
            words.places_with(
                StructureFilter.base_filters[name].extra["vocabulary"], cleaned[name], small
            ),
            name,
        )
        for name in chosen
    )
    size, name = sizes[0]
    if rare:
        return name
    if size >= small:
        return None
    # The share of places the sets together keep (as if independent): testing the nearest
    # places one by one finds RESULT_CAP of them after RESULT_CAP / share places.
    share = 1.0
    for count, _name in sizes:
        share *= min(count, published) / published
    return name if size * share < RESULT_CAP else None


def _filters_key(filterset):
    """What a search's filters are, as a key of the compiled filters kept by the process
    (actors.proximity), or None when they depend on the moment (open now). Today's
    date is part of it: which permanences are current is."""
    cleaned = filterset.form.cleaned_data
    if cleaned.get("ouvert") == "maintenant":
        return None
    values = tuple((name, _plain(cleaned.get(name))) for name in NARROWING)
    return values, timezone.localdate()


def _plain(value):
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    return getattr(value, "pk", value)


def capped_count(queryset):
    """COUNT that stops at RESULT_CAP + 1 rows: unordered, so the database can stop early."""
    return queryset.order_by()[: RESULT_CAP + 1].count()


def _widened(rows, radius_km):
    """(radius, nearest): the first radius step holding MIN_RESULTS places, and the (pk,
    distance) pairs within it, from the (at most RESULT_CAP + 1) nearest `rows` of the
    widest circle: one query, where every place of the 30 km circle was tested once per
    widening step."""
    if len(rows) < MIN_RESULTS:
        return MAX_RADIUS_KM, rows
    fifth = rows[MIN_RESULTS - 1][1]
    step = next((s for s in RADIUS_STEPS_KM if s > radius_km and fifth <= s * 1000), MAX_RADIUS_KM)
    return step, [(pk, distance) for pk, distance in rows if distance <= step * 1000]
