from . import history  # noqa: F401  (gives each tracked model its historical model)
from .geocoding import GeocodedAddress
from .hours import OpeningException, OpeningSlot
from .neighbourhoods import Neighbourhood
from .people import Actor, Permanence, PermanenceCancellation
from .services import Service
from .sources import StructureSource
from .structures import Structure, StructureQuerySet, unique_slug
from .taxonomy import KindDefaults, Language, Need, Public

__all__ = [
    "Actor",
    "GeocodedAddress",
    "KindDefaults",
    "Language",
    "Need",
    "Neighbourhood",
    "OpeningException",
    "OpeningSlot",
    "Permanence",
    "PermanenceCancellation",
    "Public",
    "Service",
    "Structure",
    "StructureQuerySet",
    "StructureSource",
    "unique_slug",
]
