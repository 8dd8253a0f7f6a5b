from django.utils.encoding import escape_uri_path
from django.utils.functional import SimpleLazyObject

from actors import vocabulary
from actors.desk import desk_from_request

# Past this, a link back to the page would be refused before it reached us (gunicorn takes
# request lines up to 4,094 bytes; some browsers cut links at about 2,000 characters).
LONGEST_LINK_BACK = 2000


def here(request):
    """This page's address, for the forms and links that come back to it (`next`); its
    path alone when the query string is too long to be sent back."""
    if len(request.META.get("QUERY_STRING", "")) > LONGEST_LINK_BACK:
        return escape_uri_path(request.path)
    return request.get_full_path()


def site(request):
    """Header data, each evaluated only if a template asks for it.

    `has_example_data`: kept by the process (actors.vocabulary); `desk`: one query, only
    with a desk cookie; `here`: where to come back to. (The visitor's sheet is frontdesk's:
    frontdesk.context_processors.)
    """
    return {
        "has_example_data": SimpleLazyObject(vocabulary.has_example_data),
        "desk": SimpleLazyObject(lambda: desk_from_request(request)),
        "here": SimpleLazyObject(lambda: here(request)),
    }
