"""Who changed what and when, for every model a structure's page shows (django-simple-history).

Registered here, where the models live: each tracked model gets a `history` manager and a
historical model in this app (`HistoricalStructure`…). Partners' moderation, the history
page and the restore read them; the derived columns (search text, generated columns,
field origins) are left out, they would only be noise in a diff.
"""

import simple_history
from django.db import models

from .hours import OpeningException, OpeningSlot
from .neighbourhoods import Neighbourhood
from .people import Actor, Permanence
from .structures import Structure


def _generated(model):
    return [field.name for field in model._meta.fields if isinstance(field, models.GeneratedField)]


TRACKED = {
    Structure: {
        "excluded_fields": ["search_text", "field_origins", *_generated(Structure)],
        "m2m_fields": ["needs", "publics", "languages"],
    },
    Actor: {"m2m_fields": ["needs"]},
    Permanence: {"m2m_fields": ["needs", "publics"]},
    OpeningSlot: {},
    OpeningException: {},
    Neighbourhood: {},
}

for _model, _options in TRACKED.items():
    simple_history.register(_model, **_options)
