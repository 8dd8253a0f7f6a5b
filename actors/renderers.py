from rest_framework.renderers import JSONRenderer


class EscapingJSONRenderer(JSONRenderer):
    """JSON with <, > and & written as \\u escapes: same data, but nothing a
    browser could ever mistake for markup, whatever a name or message holds."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        content = super().render(data, accepted_media_type, renderer_context)
        return content.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
