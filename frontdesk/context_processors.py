from django.utils.functional import SimpleLazyObject

from frontdesk.selection import Selection


def selection(request):
    """The slugs on the visitor's sheet (the header's count, the cards' "Sur la fiche"),
    read from the session only if a template asks for them."""
    return {"selection_slugs": SimpleLazyObject(lambda: Selection(request).slugs())}
