import datetime
import html

from django import template
from django.forms.utils import flatatt
from django.utils import formats, timezone, translation
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe

from actors import geo, phones, vocabulary
from actors.enums import Recurrence, Weekday
from actors.i18n import gettext as _
from actors.models.structures import kind_labels
from actors.opening import format_day, format_period, format_time, opening_status

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


@register.filter(needs_autoescape=True)
def what_to_bring(structure, autoescape=True):
    """What to bring, in the page's language: the English an agent or partner wrote for an
    English page, otherwise the French, marked as such."""
    english = "" if _page_is_in_data_language() else structure.what_to_bring_en
    if english:
        return conditional_escape(english) if autoescape else english
    return french(structure.what_to_bring, autoescape)


@register.filter(needs_autoescape=True)
def term(item, autoescape=True):
    """A word of a vocabulary (a need, a public, a language) in the page's language; its
    French label, marked as French on a page in another language, when it has no English."""
    if item is None:
        return ""
    if item.shown_in_french:
        return french(item.label, autoescape)
    return conditional_escape(item.local_label) if autoescape else item.local_label


@register.filter(needs_autoescape=True)
def term_description(need, autoescape=True):
    """A need's description in the page's language, as `term` gives its label."""
    if need.description_en and not need.shown_in_french:
        return conditional_escape(need.local_description) if autoescape else need.description_en
    return french(need.description, autoescape)


@register.filter(needs_autoescape=True)
def terms(items, autoescape=True):
    """Words of a vocabulary, separated by commas: `{{ structure.languages.all|terms }}`."""
    return mark_safe(", ".join(str(term(item, autoescape)) for item in items))


@register.filter
def quoted(words):
    """« stage », « 3e »: words as the page quotes them."""
    return ", ".join(_("« %(word)s »") % {"word": word} for word in words)


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
def qpv_label(structure):
    """Where a place stands to the quartiers prioritaires: "Dans le quartier prioritaire
    Breil Malville", "À 150 m du quartier prioritaire …", or "" (none within 300 m).
    From the process's vocabulary: no query."""
    if getattr(structure, "qpv_id", None) is None:
        return ""
    area = vocabulary.current().qpv(structure.qpv_id)
    if area is None:
        return ""
    name = conditional_escape(french(area.name))  # marked French on a page in another language
    if structure.qpv_distance_m == 0:
        return mark_safe(_("Dans le quartier prioritaire %(name)s") % {"name": name})
    return mark_safe(
        _("À %(distance)s du quartier prioritaire %(name)s")
        % {"distance": escape(metres(structure.qpv_distance_m)), "name": name}
    )


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
    words = _card_words(reverse("actors:structure", args=["-slug-"]))
    level = int(heading_level or 2)
    extras = extras or {}
    now = timezone.localtime()
    items = [_card(s, words, escape(add_form), level, extras.get(s.pk), now) for s in results]
    return mark_safe('<ul class="cards">\n' + "\n".join(items) + "\n</ul>")


def _card_words(url):
    """What every card of a page says the same way, in the page's language."""
    return {
        "url": url,
        # Data is French: marked as such on a page in another language (RGAA 8.7).
        "lang": french_lang(),
        "english": (translation.get_language() or "fr").startswith("en"),
        "kinds": kind_labels(),
        "weekdays": {value: str(label) for value, label in Weekday.choices},
        "recurrences": {value: str(label).lower() for value, label in Recurrence.choices},
        "example": _("exemple"),
        "qpv": _("quartier prioritaire"),
        "walk_in": _("Sans rendez-vous"),
        "appointment": _("Sur rendez-vous"),
        "referral": _("sur orientation d'un professionnel"),
        "needs": escape(_("Besoins")),
        "stale": _("Informations à vérifier"),
        "hours": {},  # each different week's line, filled by the cards (_hours_line)
        # The same messages as the template had (blocktranslate's form of its variables).
        "permanence": _("%(title)s : %(day)s de %(opens)s à %(closes)s (%(recurrence)s)"),
        "add": _('Ajouter à la fiche<span class="visually-hidden"> : %(name)s</span>'),
    }


def _interpolate(message, **values):
    """A translated message with %(name)s placeholders, its values escaped (as
    blocktranslate does)."""
    return mark_safe(message % {key: conditional_escape(value) for key, value in values.items()})


def _prefetched(instance, name):
    """Rows that the card data stored (actors.models.cards), without building a manager."""
    try:
        return instance._prefetched_objects_cache[name]._result_cache
    except (AttributeError, KeyError):
        return list(getattr(instance, name).all())


def _hours_line(structure, lines, now):
    """The card's line on its hours ("Ouvert maintenant, jusqu'à 17 h"), computed once per
    page for each different week: places often keep the same hours."""
    slots = _prefetched(structure, "opening_slots")
    exceptions = _prefetched(structure, "opening_exceptions")
    key = (
        structure.holidays_rule,
        tuple((s.weekday, s.opens, s.closes) for s in slots),
        tuple((e.starts_on, e.ends_on, e.kind, e.opens, e.closes, e.label) for e in exceptions),
    )
    line = lines.get(key)
    if line is None:
        status = opening_status(slots, exceptions, structure.holidays_rule, now)
        open_class = " is-open" if status.open_now else ""
        line = lines[key] = f'<p class="card-hours{open_class}">{_text(status.label(now))}</p>'
    return line


def _text(value):
    """Django's `escape` without its lazy-string wrapper and SafeString: a card is one
    string, marked safe once (sixteen escapes a card were a quarter of its time)."""
    return html.escape(str(value))


def _card(structure, words, add_form, level, extra, now):
    """One card. Written with plain string operations: twenty cards through format_html
    were some five hundred calls, a fifth of a results page. Every value from the data
    is escaped here; the words are the translations, which may hold markup."""
    lang = words["lang"]
    name = _text(structure.name)
    if lang:
        name = f'<span lang="fr">{name}</span>'
    meta = [f"<span>{_text(words['kinds'].get(structure.kind, structure.kind))}</span>"]
    neighbourhood = structure.neighbourhood
    if neighbourhood:
        label = _text(str(neighbourhood))
        meta.append(
            f'<span>· <span lang="fr">{label}</span></span>' if lang else f"<span>· {label}</span>"
        )
    if structure.qpv_distance_m == 0:
        meta.append(f'<span class="badge badge-qpv">{words["qpv"]}</span>')
    if structure.is_example:
        meta.append(f'<span class="badge badge-example">{words["example"]}</span>')
    href = words["url"].replace("-slug-", _text(structure.slug))
    parts = [
        '<article class="card is-example">' if structure.is_example else '<article class="card">',
        f'<h{level} class="card-title"><a href="{href}">{name}</a></h{level}>',
        '<p class="card-meta">\n' + "\n".join(meta) + "\n</p>",
    ]
    distance = getattr(structure, "distance", None)
    if distance is not None:
        parts.append(
            f'<p class="card-distance"><strong>{_text(metres(distance))}</strong> · '
            f"{_text(walking(distance))}</p>"
        )
    parts.append(_hours_line(structure, words["hours"], now))
    access = []
    if structure.walk_in:
        access.append(_text(words["walk_in"]))
    elif structure.by_appointment:
        access.append(_text(words["appointment"]))
    if structure.referral_required:
        access.append(_text(words["referral"]))
    if structure.phone:
        access.append(
            f'<a href="{_text(tel_uri(structure.phone))}">{_text(phone(structure.phone))}</a>'
        )
    if access:  # no "·" before the first part, whichever it is
        parts.append(f'<p class="card-access">{" · ".join(access)}</p>')
    if extra:
        parts.append(extra)
    needs = _prefetched(structure, "needs")
    if needs:
        # Need.local_label, with the page's language read once (words["english"]).
        english = words["english"]
        chips = "".join(
            f"<li>{_text(need.label_en)}</li>"
            if english and need.label_en
            else f"<li{lang}>{_text(need.label)}</li>"
            for need in needs
        )
        parts.append(f'<ul class="chips" aria-label="{words["needs"]}">{chips}</ul>')
    for permanence in _prefetched(structure, "hosted_permanences"):
        text = _interpolate(
            words["permanence"],
            title=french(permanence.title),
            day=words["weekdays"].get(permanence.weekday, permanence.weekday),
            recurrence=words["recurrences"].get(permanence.recurrence, permanence.recurrence),
            opens=format_time(permanence.opens),
            closes=format_time(permanence.closes),
        )
        parts.append(f'<p class="card-permanence">{text}</p>')
    if structure.is_stale:
        parts.append(f'<p class="stale">{_text(words["stale"])}</p>')
    if add_form:
        parts.append(
            f'<div class="card-actions"><button type="submit" form="{add_form}" name="slug" '
            f'value="{_text(structure.slug)}" class="secondary">'
            f"{_interpolate(words['add'], name=mark_safe(name))}</button></div>"
        )
    parts.append("</article>")
    return "<li>" + "\n".join(parts) + "</li>"
