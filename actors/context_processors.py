from django.utils.functional import SimpleLazyObject

from actors import vocabulary
from actors.desk import desk_from_request


def site(request):
    """Header data, each evaluated only if a template asks for it.

    `has_example_data`: kept by the process (actors.vocabulary); `desk`: one query, only
    with a desk cookie. (The visitor's sheet is frontdesk's: frontdesk.context_processors.)
    """
    return {
        "has_example_data": SimpleLazyObject(vocabulary.has_example_data),
        "desk": SimpleLazyObject(lambda: desk_from_request(request)),
    }
