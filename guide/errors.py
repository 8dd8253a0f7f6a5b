"""The French pages of requests the guide cannot answer as asked (400, 404)."""

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import defaults

from actors.renderers import EscapingJsonResponse


def bad_request_page(request, form=None, message=""):
    """400 with each invalid parameter's label and message, or one message."""
    errors = []
    if form is not None:
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            errors.extend((label, message) for message in messages)
    response = TemplateResponse(
        request, "400.html", {"errors": errors, "message": message}, status=400
    )
    return response.render()


def page_not_found(request, exception):
    """404: JSON under /api/ (an address no API route matches), the French page elsewhere."""
    if request.path.startswith("/api/"):
        return EscapingJsonResponse({"detail": _("Cette adresse n'existe pas.")}, status=404)
    return defaults.page_not_found(request, exception)
