from .geocoding import GeocodedAddress
from .hours import OpeningException, OpeningSlot
from .neighbourhoods import Neighbourhood
from .people import Actor, Permanence
from .structures import Structure, StructureQuerySet, unique_slug
from .taxonomy import Language, Need, Public

__all__ = [
    "Actor",
    "GeocodedAddress",
    "Language",
    "Need",
    "Neighbourhood",
    "OpeningException",
    "OpeningSlot",
    "Permanence",
    "Public",
    "Structure",
    "StructureQuerySet",
    "unique_slug",
]
