"""{% nearby_stops structure %}: the stops a short walk from a place, with their lines."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actors.geo import walking_minutes
from actors.templatetags.places import french_lang
from transit.models import Feed
from transit.nearby import stops_for, stops_line
from transit.rides import rides_for

register = template.Library()


@register.inclusion_tag("transit/_nearby_stops.html")
def nearby_stops(structure, heading_level=3):
    return {"stops": stops_for([structure.pk]).get(structure.pk, []), "level": heading_level}


@register.simple_tag
def card_stops(results, origin=None):
    """{structure pk: the card's lines for its nearest stop, and the one-seat ride from
    the origin when there is one}, for `{% cards … extras=… %}`:
    « Tram T9 · Station Fictive Breil · 2 min à pied »."""
    pks = [structure.pk for structure in results]
    found = stops_for(pks)
    rides = {}
    if found and origin is not None and origin.kind != "neighbourhood":
        rides = rides_for(origin.latitude, origin.longitude, list(found))
    walks = {s.pk: walking_minutes(getattr(s, "distance", None)) for s in results}
    # Built as strings, each value escaped once: format_html per piece cost more than
    # the two queries (a results page pays its stops well under a millisecond).
    example = f' <span class="badge badge-example">{escape(_("réseau fictif"))}</span>'
    lang = french_lang()
    walk_words = {}
    lines = {}
    for pk, stops in found.items():
        stop = stops[0]
        minutes = stop["minutes"]
        if minutes not in walk_words:
            walk_words[minutes] = escape(
                ngettext("%(minutes)s min à pied", "%(minutes)s min à pied", minutes)
                % {"minutes": minutes}
            )
        parts = [
            f'<span class="line-badge line-{line["pk"]}">{escape(line["label"])}</span> · '
            for line in stop["lines"]
        ]
        name = escape(stop["name"])
        parts.append(f"{f'<span{lang}>{name}</span>' if lang else name} · {walk_words[minutes]}")
        if stop["is_example"]:
            parts.append(example)
        html = f'<p class="card-transit">{"".join(parts)}</p>'
        if pk in rides:
            html += ride_sentence(rides[pk], walks.get(pk))
        lines[pk] = mark_safe(html)  # noqa: S308 — every value above is escaped
    return lines


def ride_sentence(ride, walking=None):
    """« En tram : Tram T9 direction Arrêt Fictif Île, de Station Fictive Breil à Arrêt
    Fictif Île, 2 arrêts, environ 12 min (19 min en tout avec la marche ; à pied : 45 min). »"""
    values = {
        "line": ride.line,
        "headsign": ride.headsign,
        "board": ride.board,
        "alight": ride.alight,
        "stops": ride.stops,
        "minutes": ride.ride_minutes,
        "total": ride.total_minutes,
        "walk": walking,
    }
    sentence = (
        ngettext(
            "%(line)s direction %(headsign)s, de %(board)s à %(alight)s : %(stops)d arrêt, "
            "environ %(minutes)d min (%(total)d min en tout avec la marche)",
            "%(line)s direction %(headsign)s, de %(board)s à %(alight)s : %(stops)d arrêts, "
            "environ %(minutes)d min (%(total)d min en tout avec la marche)",
            ride.stops,
        )
        % values
    )
    if walking is not None:
        if walking <= ride.total_minutes:
            sentence += " " + _("— à pied, c'est aussi rapide : %(walk)d min.") % values
        else:
            sentence += " " + _("— à pied : %(walk)d min.") % values
    return format_html(
        '<p class="card-ride"><span class="line-badge line-{}">{}</span> {}</p>',
        ride.route_pk,
        ride.line,
        sentence,
    )


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


@register.simple_tag(takes_context=True)
def stops_in_words(context, structure, places=(), most=2):
    """The nearest stops of a place in words, for print (the handout). ``places``: every
    structure of the page, whose stops are read once, in one query."""
    kept = context.render_context.setdefault("transit_stops", {})
    if structure.pk not in kept:
        pks = {structure.pk, *(place.pk for place in places)}
        kept.update({pk: [] for pk in pks})
        kept.update(stops_for(list(pks)))
    return [stops_line(stop) for stop in kept[structure.pk][:most]]
