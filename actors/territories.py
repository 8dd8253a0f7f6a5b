"""Territories: the communes whose quartiers a visitor browses.

One guide may hold the quartiers of many communes (every layer a Région loads). The
home page shows one commune's quartiers, the visitor's: the one picked on the page
(`?commune=`, then kept in a cookie), else the commune of the passeur's desk, else
DEFAULT_TERRITORY from the settings, else the commune with the most quartiers. Lists
group quartiers by commune, the default one first. A commune is known by its INSEE code
when the layer gives it (two communes may share a name), else by its name.
"""

from dataclasses import dataclass

from django.conf import settings

from actors import vocabulary
from actors.enums import AreaKind
from actors.text import normalize

PARAMETER = "commune"
COOKIE = "territoire"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Territory:
    key: str  # the commune's INSEE code, else its name
    name: str  # as shown: the commune's name, with its département if another has the name
    city: str
    neighbourhoods: tuple  # its quartiers, in the vocabulary's order (by name)


def key_of(city, insee_code):
    return insee_code or city


def is_default(city, insee_code):
    """Whether the commune is DEFAULT_TERRITORY (given by name or INSEE code)."""
    wanted = (settings.DEFAULT_TERRITORY or "").strip()
    return bool(wanted) and normalize(wanted) in (normalize(city), insee_code)


def all_territories():
    """Every commune with quartiers, the default first, then A to Z: kept with the
    vocabulary (no query)."""
    words = vocabulary.current()
    kept = words.__dict__.get("_territories")
    if kept is None:
        kept = _territories(words.neighbourhoods.values())
        object.__setattr__(words, "_territories", kept)
    return kept


def _territories(neighbourhoods):
    groups = {}
    for neighbourhood in neighbourhoods:
        key = key_of(neighbourhood.city, neighbourhood.insee_code)
        groups.setdefault(key, (neighbourhood.city, neighbourhood.insee_code, []))[2].append(
            neighbourhood
        )
    names = {}
    for city, _insee, _areas in groups.values():
        names[normalize(city)] = names.get(normalize(city), 0) + 1
    territories = []
    for key, (city, insee, areas) in groups.items():
        # A commune with its own quartier layer lists those, not the IRIS that overlap them.
        if any(area.kind == AreaKind.QUARTIER for area in areas):
            areas = [area for area in areas if area.kind == AreaKind.QUARTIER]
        shared = names[normalize(city)] > 1 and insee
        name = f"{city} ({insee[:2]})" if shared else city
        territories.append(Territory(key, name, city, tuple(areas)))
    territories.sort(key=lambda t: (not is_default(t.city, t.key), normalize(t.name)))
    return territories


def find(key):
    """The territory of a key (INSEE code, or a commune's name), or None."""
    if not key:
        return None
    key = key.strip()
    territories = all_territories()
    for territory in territories:
        if territory.key == key:
            return territory
    folded = normalize(key)
    return next((t for t in territories if normalize(t.city) == folded), None)


def default():
    """DEFAULT_TERRITORY, else the commune with the most quartiers, else None."""
    territories = all_territories()
    if not territories:
        return None
    first = territories[0]
    if is_default(first.city, first.key):
        return first
    return max(territories, key=lambda t: len(t.neighbourhoods))


def chosen(request, desk=None):
    """(territory, picked): the visitor's territory (see the module), and whether the
    request picked it (the view then keeps it in the cookie)."""
    picked = find(request.GET.get(PARAMETER, ""))
    if picked is not None:
        return picked, True
    kept = find(request.COOKIES.get(COOKIE, ""))
    if kept is not None:
        return kept, False
    neighbourhood = vocabulary.current().neighbourhood(getattr(desk, "neighbourhood_id", None))
    if neighbourhood is not None:
        return find(key_of(neighbourhood.city, neighbourhood.insee_code)), False
    return default(), False
