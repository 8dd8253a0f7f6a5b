"""The search form, rendered from the FilterSet's declarations (actors.filters).

Each parameter's label, choices, "any" option, default, hint and place in the form
are declared once, on its filter; this module turns them into the form's controls,
re-filled from the URL, with the FilterSet form's errors tied to their fields
(RGAA 11.10: aria-invalid, aria-describedby). The layout around them is
templates/actors/includes/_search_form.html.

The controls are written here, with format_html, rather than through Django's widget
templates: a select renders one template per option, and the ~100 options of the form
would cost more than the search they refine. The options come from actors.vocabulary,
so the form costs no query.
"""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from actors import territories, vocabulary
from actors.filters import (
    ChoiceFilter,
    FlagFilter,
    MultipleChoiceFilter,
    NumberFilter,
    StructureFilter,
    VocabularyFilter,
    VocabularyMultipleFilter,
)
from actors.templatetags.places import aria_attrs, french_lang

# Shown as a select: one value in the form, even where a URL may give several.
SELECTS = (VocabularyFilter, VocabularyMultipleFilter, ChoiceFilter, MultipleChoiceFilter)


class SearchFormView:
    """What _search_form.html shows: `main`, `more` and `checks` (HTML), `more_open`, and
    `form` (the FilterSet's form, for the coordinates to correct)."""

    def __init__(self, params, form=None):
        self.params = params
        self.form = form if form is not None else StructureFilter().form
        self.filters = StructureFilter.base_filters
        self._lang = french_lang()  # ` lang="fr"` for data on a page in another language

    def __getattr__(self, name):
        # The template reads `search_form.lat.errors` and friends: the form's bound fields.
        if name in StructureFilter.base_filters:
            return self.form[name]
        raise AttributeError(name)

    def _group(self, group):
        return [
            (name, f)
            for name, f in self.filters.items()
            if getattr(f, "group", None) == group and (name != "qpv" or self._has_qpv)
        ]

    @property
    def _has_qpv(self):
        # "Quartier prioritaire" only where the guide has loaded the QPV layer.
        return bool(vocabulary.current().priority_areas)

    @property
    def main(self):
        return self._render("main")

    @property
    def more(self):
        return self._render("more")

    @property
    def checks(self):
        return self._render("checks")

    @property
    def quartier_options(self):
        """The quartier list's options, for the "Où est la personne ?" form."""
        return self._all_options("quartier", self.filters["quartier"])

    @property
    def more_open(self):
        return any(
            self.params.get(name) for name, _f in self._group("more") + self._group("checks")
        )

    def _render(self, group):
        return mark_safe("\n".join(self._kept_control(name, f) for name, f in self._group(group)))

    # Controls kept per vocabulary, for this many (name, language, value) at most.
    KEPT_CONTROLS = 2048

    def _kept_control(self, name, filter_):
        """A control without error depends only on its value and the page's language: written
        once, kept with the vocabulary (which its options come from)."""
        if self.form.is_bound and name in self.form.errors:
            return self._control(name, filter_)
        words = vocabulary.current()
        kept = words.__dict__.get("_form_controls")
        if kept is None:
            kept = {}
            object.__setattr__(words, "_form_controls", kept)
        key = (name, get_language(), self.params.get(name) or "")
        html = kept.get(key)
        if html is None:
            if len(kept) >= self.KEPT_CONTROLS:
                kept.clear()
            html = kept[key] = self._control(name, filter_)
        return html

    def _errors(self, bound):
        return str(bound.errors) if bound.errors else ""

    def _control(self, name, filter_):
        bound = self.form[name]
        value = self.params.get(name) or ""
        if isinstance(filter_, FlagFilter):
            return format_html(
                '<label><input type="checkbox" name="{}" id="id_{}" value="1"{}{}> {}</label>{}',
                name,
                name,
                mark_safe(" checked" if value else ""),
                aria_attrs(bound),
                filter_.label,
                self._errors(bound),
            )
        label = format_html('<label for="id_{}">{}</label>', name, filter_.label)
        hint, described_by = "", ""
        if filter_.hint:
            described_by = f"{name}-help"
            hint = format_html(
                '\n<span class="helptext" id="{}">{}</span>', described_by, filter_.hint
            )
        if isinstance(filter_, SELECTS) or getattr(filter_, "options", None):
            control = self._select(name, bound, value, filter_)
        else:
            attrs = dict(filter_.attrs or {})
            control = format_html(
                '<input type="{}" name="{}" id="id_{}" value="{}" maxlength="{}"{}{}>',
                attrs.pop("type", "text"),
                name,
                name,
                value,
                filter_.extra.get("max_length", 200),
                mark_safe("".join(format_html(' {}="{}"', k, v) for k, v in attrs.items())),
                aria_attrs(bound, described_by),
            )
        return format_html(
            '<div class="field{}">\n{}{}\n{}{}\n</div>',
            " field-wide" if filter_.wide else "",
            label,
            hint,
            control,
            self._errors(bound),
        )

    def _select(self, name, bound, value, filter_):
        return format_html(
            '<select name="{}" id="id_{}"{}>\n<option value="">{}</option>\n{}\n</select>',
            name,
            name,
            aria_attrs(bound),
            self._empty_label(filter_),
            self._options(name, value, filter_),
        )

    def _empty_label(self, filter_):
        if isinstance(filter_, NumberFilter):
            from actors.search import km

            return _("%(distance)s (par défaut)") % {"distance": km(filter_.default)}
        return filter_.empty_label

    def _options(self, name, value, filter_):
        """The options, the chosen one marked: the list is written once per language and
        vocabulary (some hundred escaped options, the same for every search)."""
        html = self._all_options(name, filter_)
        if value:
            marker = format_html('<option value="{}"', value)
            html = mark_safe(html.replace(marker, f"{marker} selected", 1))
        return html

    def _all_options(self, name, filter_):
        words = vocabulary.current()
        written = words.__dict__.get("_form_options")
        if written is None:
            written = {}
            object.__setattr__(words, "_form_options", written)  # kept with the vocabulary
        key = (name, get_language())
        html = written.get(key)
        if html is None:
            html = written[key] = self._write_options(filter_, words)
        return html

    def _write_options(self, filter_, words):
        def option(slug, label, lang=""):
            return format_html('<option value="{}"{}>{}</option>', slug, lang, label)

        if isinstance(filter_, VocabularyFilter | VocabularyMultipleFilter):
            items = getattr(words, filter_.extra["vocabulary"])
            if filter_.extra["vocabulary"] == "neighbourhoods":
                return self._grouped_by_city(items, option)
            return mark_safe(
                "".join(
                    option(slug, item.local_label, self._lang if item.shown_in_french else "")
                    for slug, item in items.items()
                )
            )
        choices = getattr(filter_, "options", None) or filter_.extra["choices"]
        if isinstance(filter_, NumberFilter):
            # The empty option already says "1,5 km (par défaut)": not that distance twice.
            choices = [(v, label) for v, label in choices if Decimal(v) != Decimal(filter_.default)]
        return mark_safe("".join(option(v, label) for v, label in choices))

    def _grouped_by_city(self, neighbourhoods, option):
        """The quartiers by commune, the default territory first, then A to Z."""
        return format_html_join(
            "\n",
            '<optgroup label="{}"{}>{}</optgroup>',
            (
                (
                    territory.name,
                    self._lang,
                    mark_safe("".join(option(n.slug, n.name) for n in territory.neighbourhoods)),
                )
                for territory in territories.all_territories()
            ),
        )
