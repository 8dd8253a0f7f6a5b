from django.utils.functional import SimpleLazyObject

from actors import vocabulary
from actors.desk import desk_from_request


def site(request):
    """Header data, each evaluated only if a template asks for it.

    `has_example_data`: kept by the process (actors.vocabulary); `desk`: one query, only
    with a desk cookie; `selection_slugs`: read from the session only if the visitor has one.
    """
    return {
        "has_example_data": SimpleLazyObject(vocabulary.has_example_data),
        "desk": SimpleLazyObject(lambda: desk_from_request(request)),
        "selection_slugs": SimpleLazyObject(lambda: _selection_slugs(request)),
    }


def _selection_slugs(request):
    from frontdesk.selection import Selection

    return Selection(request).slugs()
