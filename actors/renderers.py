from django.http import JsonResponse
from rest_framework.renderers import JSONRenderer


def escape_markup(content):
    """JSON bytes with <, > and & written as \\u escapes: same data, but nothing a
    browser could ever mistake for markup, whatever a name or message holds."""
    return content.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


class EscapingJSONRenderer(JSONRenderer):
    """The API's JSON, through escape_markup()."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return escape_markup(super().render(data, accepted_media_type, renderer_context))


class EscapingJsonResponse(JsonResponse):
    """A plain view's JSON (exports' errors, the selection), escaped like the API's."""

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.content = escape_markup(self.content)
