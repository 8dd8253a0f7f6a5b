"""{% nearby_stops structure %}: the stops a short walk from a place, with their lines."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actors.templatetags.guide import french
from transit.models import Feed, Mode, NearbyStop, Stop

register = template.Library()


def stops_for(structure_ids):
    """{structure id: [{name, minutes, metres, lines: [{label, pk}]}]}, in two plain
    queries whatever the number of places (no model instances: a results page pays
    for the stops of its cards well under a millisecond)."""
    rows = list(
        NearbyStop.objects.filter(structure_id__in=structure_ids)
        .order_by("structure_id", "distance_m")
        .values_list(
            "structure_id",
            "stop_id",
            "stop__name",
            "walking_minutes",
            "distance_m",
            "stop__wheelchair",
            "stop__feed__is_example",
        )  # fmt: skip
    )
    if not rows:
        return {}
    lines = {}
    modes = {mode.value: str(mode.label) for mode in Mode}
    served = (
        Stop.routes.through.objects.filter(stop_id__in={row[1] for row in rows})
        .order_by("route__sort_order", "route__mode", "route__short_name")
        .values_list("stop_id", "route_id", "route__mode", "route__short_name", "route__long_name")
    )
    for stop_id, route_id, mode, short_name, long_name in served:
        lines.setdefault(stop_id, []).append(
            {"pk": route_id, "label": f"{modes[mode]} {short_name or long_name}".strip()}
        )
    found = {}
    for structure_id, stop_id, name, minutes, metres, wheelchair, is_example in rows:
        found.setdefault(structure_id, []).append(
            {
                "name": name,
                "minutes": minutes,
                "metres": metres,
                "wheelchair": wheelchair,
                "is_example": is_example,
                "lines": lines.get(stop_id, []),
            }
        )
    return found


@register.inclusion_tag("transit/_nearby_stops.html")
def nearby_stops(structure, heading_level=3):
    return {"stops": stops_for([structure.pk]).get(structure.pk, []), "level": heading_level}


@register.simple_tag
def card_stops(results):
    """{structure pk: the card's line for its nearest stop}, for `{% cards … extras=… %}`:
    « Tram T9 · Station Fictive Breil · 2 min à pied », in two queries for the page."""
    found = stops_for([structure.pk for structure in results])
    lines = {}
    for pk, stops in found.items():
        stop = stops[0]
        badges = format_html_join(
            " ",
            '<span class="line-badge line-{}">{}</span>',
            ((line["pk"], line["label"]) for line in stop["lines"]),
        )
        walk = ngettext("%(minutes)s min à pied", "%(minutes)s min à pied", stop["minutes"]) % {
            "minutes": stop["minutes"]
        }
        where = format_html("{} · {}", french(stop["name"]), walk)
        if stop["is_example"]:
            where = format_html(
                '{} <span class="badge badge-example">{}</span>', where, _("réseau fictif")
            )
        if badges:
            where = format_html("{} · {}", badges, where)
        lines[pk] = format_html('<p class="card-transit">{}</p>', where)
    return lines


@register.simple_tag
def lines_stylesheet():
    """The link to the lines' colours, once per page that shows stops."""
    from django.urls import reverse

    return format_html('<link rel="stylesheet" href="{}">', reverse("transit:lines_css"))


@register.inclusion_tag("transit/_sources.html")
def transit_sources():
    """The networks read, for /a-propos/donnees/: who publishes them, under which
    licence, which version."""
    return {"feeds": Feed.objects.all()}
