from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(share):
    """0.25 → "25 %"; nothing for an unknown share."""
    if share is None:
        return ""
    return _("%(n)s %%") % {"n": formats.number_format(round(100 * share), 0)}
