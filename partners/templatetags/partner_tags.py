from django import template

from partners.forms import ErrorReportForm

register = template.Library()


@register.inclusion_tag("partners/includes/_report_form.html", takes_context=True)
def error_report_form(context, structure):
    """The "Signaler une erreur" form, for a page whose view knows nothing about it.

    Without a request (a page rendered for a PDF, say) there is no CSRF token and
    no form to post: the partial then renders nothing.
    """
    return {
        "form": ErrorReportForm(),
        "structure": structure,
        "csrf_token": context.get("csrf_token"),
    }
