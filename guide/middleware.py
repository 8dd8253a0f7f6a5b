from django.core.exceptions import TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from guide.errors import bad_request_page


class QueryStringLimitMiddleware:
    """More query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000): a French 400 page.

    Django raises TooManyFieldsSent wherever request.GET is first read; with
    DEBUG on, its error page reads request.GET again and fails with a 500. The
    query string is parsed once here, and replaced by an empty one if refused.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET  # noqa: B018 (parsing is the point)
        except TooManyFieldsSent:
            request.GET = QueryDict()
            message = _("Cette adresse compte trop de paramètres : le guide en lit 1 000 au plus.")
            return bad_request_page(request, message=message)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached (a restart, a failover), say so: 503, not 500.

    Writes are atomic, so a request cut short this way has stored nothing; the
    page tells the person to try again in a moment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            response = TemplateResponse(request, "503.html", status=503)
            response["Retry-After"] = "5"
            return response.render()
        return None
