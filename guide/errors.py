"""The French pages of requests the guide cannot answer as asked (400, 403, 404, CSRF).

Django's own handlers render 403.html and 500.html (the latter without a request
nor context processors: base.html copes); these add what they do not do.
"""

from django.shortcuts import render
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


def csrf_failure(request, reason=""):
    """403 of a form whose CSRF check failed (an old tab, cookies refused), in the site's
    layout instead of Django's English page; the reason stays in the server log."""
    return render(request, "403_csrf.html", status=403)
