"""The French page of a request the guide cannot answer as asked (400)."""

from django.template.response import TemplateResponse


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
