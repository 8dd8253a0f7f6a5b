"""Application bugs that the journeys run into, reported to be fixed in the application.

Each marker applies only while its bug is present: once the application is
fixed, the journey runs for real again without anyone touching this file (and a
journey that passes while marked fails the run, strict=True).
"""

import pytest
from django.http import QueryDict


def _search_rejects_blank_selects():
    """A <select> left on its blank first option ("Tous les types"…) sends `type=`;
    actors/filters.py validates "" as a choice and the search answers 400."""
    from actors.filters import StructureFilter

    return not StructureFilter(QueryDict("type=")).is_valid()


blank_select_bug = pytest.mark.xfail(
    _search_rejects_blank_selects(),
    reason=(
        "actors/filters.py: the search form's blank options (besoin=, public=, type=) "
        "are rejected as invalid choices, so every search sent from the form answers 400"
    ),
    raises=AssertionError,
    strict=True,
)
