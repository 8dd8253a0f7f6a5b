from django import template
from django.forms.utils import flatatt
from django.utils import formats, translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from actors import geo, phones
from actors.hours import format_time

register = template.Library()

# The directory's data (names, addresses, needs, descriptions) is written in French, whatever
# the language of the page around it.
DATA_LANGUAGE = "fr"


def _page_is_in_data_language():
    return (translation.get_language() or DATA_LANGUAGE).split("-")[0] == DATA_LANGUAGE


@register.filter(needs_autoescape=True)
def french(value, autoescape=True):
    """Data shown on a page in another language, marked as French for screen readers'
    voices (RGAA 8.7): `<span lang="fr">…</span>`; on a French page, the value as it is."""
    if value is None or value == "" or _page_is_in_data_language():
        return value
    text = conditional_escape(value) if autoescape else str(value)
    return format_html('<span lang="{}">{}</span>', DATA_LANGUAGE, mark_safe(text))


@register.simple_tag
def french_lang():
    """` lang="fr"` for an element holding only data, on a page in another language."""
    return "" if _page_is_in_data_language() else format_html(' lang="{}"', DATA_LANGUAGE)


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
    """The tel: link of a stored number: "+33261910000" → "tel:+33261910000", "3949" as is."""
    return phones.tel_uri(phone)


@register.filter
def phone(value):
    """A stored number as people write it: "02 61 91 00 00", "39 49", "+44 20 7946 0958"."""
    return phones.display_phone(value)


@register.filter
def aria_attrs(bound_field, described_by=""):
    """` aria-invalid="true" aria-describedby="… id_rayon_error"` for a form control written
    by hand whose field is in error, as Django writes them on a control it renders: the
    message is `{{ field.errors }}` (id "<field id>_error"). `described_by`: the ids the
    control is already described by (its help text). Nothing for a field without error."""
    ids = described_by.split()
    attrs = {}
    if bound_field is not None and bound_field.errors:
        attrs["aria-invalid"] = "true"
        ids.append(f"{bound_field.auto_id}_error")
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return flatatt(attrs)
