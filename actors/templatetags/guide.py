import datetime

from django import template
from django.forms.utils import flatatt
from django.utils import formats, timezone, translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from actors import geo, phones
from actors.hours import format_day, format_period, format_time

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
def day(value, weekday=""):
    """`{{ date|day }}` "1er décembre", `{{ date|day:"weekday" }}` "mardi 1er décembre"; an
    aware datetime is read in local time."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_day(value, weekday=bool(weekday))


@register.filter
def period(exception):
    """ "du 24 décembre au 1er janvier" of anything with starts_on and ends_on."""
    return format_period(exception.starts_on, exception.ends_on)


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


@register.simple_tag
def cards(results, add_form="", heading_level=2, extras=None):
    """The result cards of a page: `{% cards results add_form="selection-form" %}`.

    `extras` maps a structure's pk to markup that a layer above actors adds to its card
    (the nearby stops, from transit's `{% card_stops results as extras %}`).

    Written here rather than as a template looped over: a template resolves some forty
    variables per card, which made 20 cards cost more than the search that found them.
    `results` are structures with their card data (StructureQuerySet.with_card_data).
    """
    return render_cards(results, add_form=add_form, heading_level=heading_level, extras=extras)


def render_cards(results, *, add_form="", heading_level=2, extras=None):
    from django.urls import reverse

    if not results:
        return format_html('<ul class="cards">\n</ul>')
    url = reverse("actors:structure", args=["-slug-"])
    lang = french_lang()
    words = {
        "example": _("exemple"),
        "walk_in": _("Sans rendez-vous"),
        "appointment": _("Sur rendez-vous"),
        "referral": _("sur orientation d'un professionnel"),
        "needs": _("Besoins"),
        "stale": _("Informations à vérifier"),
        # The same messages as the template had (blocktranslate's form of its variables).
        "permanence": _("%(title)s : %(day)s de %(opens)s à %(closes)s (%(recurrence)s)"),
        "add": _('Ajouter à la fiche<span class="visually-hidden"> : %(name)s</span>'),
    }
    level = int(heading_level or 2)
    extras = extras or {}
    items = [_card(s, url, lang, words, add_form, level, extras.get(s.pk)) for s in results]
    return format_html('<ul class="cards">\n{}\n</ul>', mark_safe("\n".join(items)))


def _interpolate(message, **values):
    """A translated message with %(name)s placeholders, its values escaped (as
    blocktranslate does)."""
    return mark_safe(message % {key: conditional_escape(value) for key, value in values.items()})


def _card(structure, url, lang, words, add_form, level, extra=None):
    name = french(structure.name)
    meta = [format_html("<span>{}</span>", structure.kind_label)]
    if structure.neighbourhood:
        meta.append(format_html("<span>· {}</span>", french(structure.neighbourhood)))
    if structure.is_example:
        meta.append(format_html('<span class="badge badge-example">{}</span>', words["example"]))
    parts = [
        format_html(
            '<article class="card{}">',
            " is-example" if structure.is_example else "",
        ),
        format_html(
            '<h{} class="card-title"><a href="{}">{}</a></h{}>',
            level,
            url.replace("-slug-", structure.slug),
            name,
            level,
        ),
        format_html('<p class="card-meta">\n{}\n</p>', mark_safe("\n".join(meta))),
    ]
    distance = getattr(structure, "distance", None)
    if distance is not None:
        parts.append(
            format_html(
                '<p class="card-distance"><strong>{}</strong> · {}</p>',
                metres(distance),
                walking(distance),
            )
        )
    status = structure.opening_status()
    parts.append(
        format_html(
            '<p class="card-hours{}">{}</p>', " is-open" if status.open_now else "", status.label()
        )
    )
    access = []
    if structure.walk_in:
        access.append(words["walk_in"])
    elif structure.by_appointment:
        access.append(words["appointment"])
    if structure.referral_required:
        access.append(format_html(" · {}", words["referral"]))
    if structure.phone:
        access.append(
            format_html(' · <a href="{}">{}</a>', tel_uri(structure.phone), phone(structure.phone))
        )
    parts.append(
        format_html(
            '<p class="card-access">{}</p>',
            mark_safe("".join(conditional_escape(a) for a in access)),
        )
    )
    if extra:
        parts.append(extra)
    needs = structure.needs.all()
    if needs:
        chips = "".join(format_html("<li{}>{}</li>", lang, need.label) for need in needs)
        parts.append(
            format_html(
                '<ul class="chips" aria-label="{}">{}</ul>', words["needs"], mark_safe(chips)
            )
        )
    for permanence in structure.hosted_permanences.all():
        parts.append(
            format_html(
                '<p class="card-permanence">{}</p>',
                _interpolate(
                    words["permanence"],
                    title=french(permanence.title),
                    day=permanence.get_weekday_display(),
                    recurrence=str(permanence.get_recurrence_display()).lower(),
                    opens=format_time(permanence.opens),
                    closes=format_time(permanence.closes),
                ),
            )
        )
    if structure.is_stale:
        parts.append(format_html('<p class="stale">{}</p>', words["stale"]))
    if add_form:
        parts.append(
            format_html(
                '<div class="card-actions"><button type="submit" form="{}" name="slug" '
                'value="{}" class="secondary">{}</button></div>',
                add_form,
                structure.slug,
                _interpolate(words["add"], name=name),
            )
        )
    parts.append("</article>")
    return format_html("<li>{}</li>", mark_safe("\n".join(parts)))
