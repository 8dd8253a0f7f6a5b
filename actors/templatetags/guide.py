import re

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from actors import geo
from actors.hours import format_time

register = template.Library()


@register.filter
def metres(value):
    """350 m, 1,2 km — distances as a passeur says them."""
    if value is None:
        return ""
    if value < 1000:
        return _("%(n)d m") % {"n": round(value / 10) * 10}
    return _("%(n)s km") % {"n": formats.number_format(value / 1000, 1)}


@register.filter
def walking(distance_m):
    minutes = geo.walking_minutes(distance_m)
    if minutes is None:
        return ""
    return _("%(n)d min à pied") % {"n": minutes}


@register.filter
def hhmm(value):
    return format_time(value)


@register.filter
def tel_uri(phone):
    """International tel: URI for a French number: "02 61 91 00 00" → "tel:+33261910000"."""
    digits = re.sub(r"[^0-9+]", "", phone or "")
    if digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return f"tel:{digits}"
