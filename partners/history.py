"""Who changed what and when, for every directory model, with django-simple-history.

The historical models are registered under this app (`app="partners"`) so their
migrations live here and the `actors` app keeps its own migrations untouched.
Consequence for whoever changes a tracked actors model: run
`makemigrations partners` as well, or the history table falls behind.
"""

from functools import partial

import simple_history
from django.db import models
from simple_history.models import HistoricalRecords

from actors.models import Actor, Neighbourhood, OpeningException, OpeningSlot, Permanence, Structure


def _generated(model):
    return [field.name for field in model._meta.fields if isinstance(field, models.GeneratedField)]


# `register(app=…)` only chooses the module; the app label of the many-to-many
# history models comes from HistoricalRecords(app=…), so set both.
_records = partial(HistoricalRecords, app="partners")

TRACKED = {
    # Derived columns (search_text, database-generated ones) would only be noise in a diff.
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


def register_all():
    for model, options in TRACKED.items():
        simple_history.register(model, app="partners", records_class=_records, **options)
