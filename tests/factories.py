"""Plain helpers that build rows with sensible defaults; override what a test cares about."""

import datetime
import itertools
import math

from actors import geo
from actors.enums import Status, StructureKind
from actors.models import (
    Need,
    Neighbourhood,
    OpeningSlot,
    Permanence,
    Public,
    Structure,
    StructureSource,
)

_counter = itertools.count(1)

BREIL_CENTRE = (47.23611, -1.57704)  # centroid of the Breil - Barberie polygon
ILE_DE_NANTES = (47.2075, -1.5400)  # near the Machines de l'île


def make_structure(**kwargs):
    n = next(_counter)
    needs = kwargs.pop("needs", [])
    publics = kwargs.pop("publics", [])
    hours = kwargs.pop("hours", None)
    source = (kwargs.pop("source", ""), kwargs.pop("source_id", ""))
    source_updated_at = kwargs.pop("source_updated_at", None)
    lat, lon = kwargs.pop("at", BREIL_CENTRE)
    values = {
        "name": f"Structure de test {n}",
        "kind": StructureKind.ASSOCIATION,
        "status": Status.PUBLISHED,
        "latitude": lat,
        "longitude": lon,
        "street": f"{n}, voie fictive de test",
        "postcode": "44300",
        "city": "Nantes",
    }
    values.update(kwargs)
    structure = Structure(**values)
    structure.save()
    if source[0]:
        StructureSource.objects.create(
            structure=structure,
            source=source[0],
            source_id=source[1],
            source_updated_at=source_updated_at,
        )
    if needs:
        structure.needs.set([need(slug) if isinstance(slug, str) else slug for slug in needs])
    if publics:
        structure.publics.set([public(slug) if isinstance(slug, str) else slug for slug in publics])
    for weekday, opens, closes in hours or []:
        OpeningSlot.objects.create(structure=structure, weekday=weekday, opens=opens, closes=closes)
    return structure


def make_permanence(host, provider, **kwargs):
    needs = kwargs.pop("needs", [])
    values = {
        "title": "Permanence de test",
        "weekday": 1,
        "opens": datetime.time(14),
        "closes": datetime.time(17),
    }
    values.update(kwargs)
    permanence = Permanence.objects.create(host=host, provider=provider, **values)
    permanence.needs.set([need(slug) if isinstance(slug, str) else slug for slug in needs])
    return permanence


def need(slug):
    return Need.objects.get(slug=slug)


def public(slug):
    return Public.objects.get(slug=slug)


def neighbourhood(slug):
    return Neighbourhood.objects.get(slug=slug)


def offset(point, north_m=0.0, east_m=0.0):
    """A point moved by metres north/east (small distances)."""
    lat, lon = point
    per_degree = geo.METRES_PER_DEGREE_LATITUDE
    return (lat + north_m / per_degree, lon + east_m / (per_degree * math.cos(math.radians(lat))))
