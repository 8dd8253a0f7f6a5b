"""The visitor's selection: up to five places, kept in the session, no login.

Each item is a structure slug, the need it was picked for (so the handout can say what
the place does for that need) and, when it was picked from a search's results, where
that search started (so the handout says how far it is from there): a point rounded to
about ten metres and how it was given, never an address's words. Nothing else about the
visitor; all of it goes with "Vider la fiche" or the session.
"""

from dataclasses import dataclass
from urllib.parse import urlparse

from django.http import QueryDict
from django.urls import reverse

from actors import search as search_module
from actors.filters import StructureFilter
from actors.models import Need, Structure

MAX_ITEMS = 5
SESSION_KEY = "selection"
# An origin kept to four decimals: about ten metres, enough for a walking time.
ORIGIN_DECIMALS = 4
# The starts the handout names ("de l'arrêt …"); the desk is read from its cookie instead.
KEPT_ORIGINS = {
    search_module.OriginKind.ADDRESS,
    search_module.OriginKind.COORDINATES,
    search_module.OriginKind.STOP,
    search_module.OriginKind.NEIGHBOURHOOD,
}


class SelectionFull(Exception):
    pass


@dataclass(frozen=True)
class SearchOrigin:
    """Where the search a place was picked from started."""

    latitude: float
    longitude: float
    kind: str  # actors.search.OriginKind
    name: str  # the stop's or the quartier's name; "" for an address or coordinates

    def as_list(self):
        return [self.latitude, self.longitude, self.kind, self.name]

    @classmethod
    def from_list(cls, value):
        try:
            latitude, longitude, kind, name = value
            latitude, longitude = float(latitude), float(longitude)
        except (TypeError, ValueError):
            return None
        if kind not in KEPT_ORIGINS or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        return cls(latitude, longitude, kind, str(name))


def search_origin(url, desk=None):
    """The origin of the search whose results page (list or map) is `url`, or None: not a
    search, an invalid one, or one measured from the desk."""
    parsed = urlparse(url or "")
    if parsed.path not in (reverse("actors:search"), reverse("frontdesk:map")):
        return None
    filterset = StructureFilter(QueryDict(parsed.query))
    if not filterset.is_valid():
        return None
    origin, _notices, _degraded = search_module.resolve_origin(filterset.form.cleaned_data, desk)
    if origin is None or origin.kind not in KEPT_ORIGINS:
        return None
    name = ""
    if origin.kind == search_module.OriginKind.STOP:
        name = search_module.find_stop(filterset.form.cleaned_data["arret"]).name
    elif origin.kind == search_module.OriginKind.NEIGHBOURHOOD:
        name = filterset.form.cleaned_data["quartier"].name
    return SearchOrigin(
        round(origin.latitude, ORIGIN_DECIMALS),
        round(origin.longitude, ORIGIN_DECIMALS),
        origin.kind,
        name,
    )


class Selection:
    def __init__(self, request):
        self.session = request.session

    def items(self):
        raw = self.session.get(SESSION_KEY, [])
        return [item for item in raw if isinstance(item, dict) and item.get("slug")][:MAX_ITEMS]

    def slugs(self):
        return [item["slug"] for item in self.items()]

    def __len__(self):
        return len(self.items())

    @property
    def is_full(self):
        return len(self) >= MAX_ITEMS

    def add(self, structure, need=None, origin=None):
        items = [item for item in self.items() if item["slug"] != structure.slug]
        if len(items) >= MAX_ITEMS:
            raise SelectionFull
        item = {"slug": structure.slug, "need": need.slug if need else ""}
        if origin is not None:
            item["origin"] = origin.as_list()
        items.append(item)
        self._save(items)

    def remove(self, slug):
        self._save([item for item in self.items() if item["slug"] != slug])

    def clear(self):
        self.session.pop(SESSION_KEY, None)

    def _save(self, items):
        self.session[SESSION_KEY] = items

    def entries(self):
        """[(structure, need or None, SearchOrigin or None)] in the order they were added;
        unpublished ones dropped."""
        items = self.items()
        if not items:
            return []
        structures = {
            s.slug: s
            for s in Structure.objects.published()
            .filter(slug__in=[item["slug"] for item in items])
            .with_card_data()
        }
        needs = {
            n.slug: n for n in Need.objects.filter(slug__in=[i["need"] for i in items if i["need"]])
        }
        return [
            (structures[i["slug"]], needs.get(i["need"]), SearchOrigin.from_list(i.get("origin")))
            for i in items
            if i["slug"] in structures
        ]
