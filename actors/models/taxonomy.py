"""The vocabularies a passeur searches by: needs, publics, languages.

Loaded from fixtures (`fixtures/needs.json`, `publics.json`, `languages.json`)
by natural key, so re-loading updates rows instead of duplicating them.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from actors.enums import StructureKind
from actors.text import normalize


class Term(models.Model):
    """A word of a vocabulary, written in French (`label`) and in English (`label_en`).

    The vocabularies are data agents edit in the admin, not messages of the code: their
    English is a field of their own rather than the gettext catalogue, so a need an
    agent adds is translated where it is written. A label without its English shows
    in French (and is marked as such on English pages)."""

    label_en = models.CharField(_("libellé en anglais"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def local_label(self):
        """The label in the language of the page (French when no English is written)."""
        return self.label_en if self.label_en and _english() else self.label

    @property
    def shown_in_french(self):
        """True when local_label is the French one (on an English page: lang="fr")."""
        return not (self.label_en and _english())


def _english():
    return (translation.get_language() or "fr").startswith("en")


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class KindManager(models.Manager):
    def get_by_natural_key(self, kind):
        return self.get(kind=kind)


class Need(Term):
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_en = models.CharField(_("description en anglais"), max_length=300, blank=True)
    synonyms = models.TextField(
        _("synonymes"),
        blank=True,
        help_text=_(
            "Un par ligne : les mots de tous les jours qui désignent ce besoin "
            "(« stage 3e », « stage d'observation »). Ils servent à la recherche libre."
        ),
    )
    synonyms_en = models.TextField(
        _("synonymes en anglais"),
        blank=True,
        help_text=_("Un par ligne, comme les synonymes : « internship », « work experience »."),
    )
    di_thematiques = models.JSONField(
        _("thématiques data·inclusion"),
        default=list,
        blank=True,
        help_text=_("Codes du référentiel « thématiques » de data·inclusion, pour l'export."),
    )
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    objects = SlugManager()

    class Meta:
        verbose_name = _("besoin")
        verbose_name_plural = _("besoins")
        ordering = ["position", "label"]

    def __str__(self):
        return self.local_label

    def natural_key(self):
        return (self.slug,)

    @property
    def local_description(self):
        """The description in the language of the page (French when no English is written)."""
        return self.description_en if self.description_en and _english() else self.description

    @property
    def synonym_list(self):
        lines = f"{self.synonyms}\n{self.synonyms_en}".splitlines()
        return [line.strip() for line in lines if line.strip()]

    @property
    def search_words(self):
        """Normalised words of the labels and synonyms (French and English), matched by
        free-text search."""
        text = " ".join([self.label, self.label_en, self.slug, *self.synonym_list])
        return set(normalize(text).split())


class Public(Term):
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    di_publics = models.JSONField(
        _("publics data·inclusion"),
        default=list,
        blank=True,
        help_text=_("Codes du référentiel « publics » de data·inclusion, pour l'export."),
    )
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    objects = SlugManager()

    class Meta:
        verbose_name = _("public")
        verbose_name_plural = _("publics")
        ordering = ["position", "label"]

    def __str__(self):
        return self.local_label

    def natural_key(self):
        return (self.slug,)


class Language(Term):
    slug = models.SlugField(_("code ISO 639-1"), max_length=8, unique=True)
    label = models.CharField(_("langue"), max_length=60)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    objects = SlugManager()

    class Meta:
        verbose_name = _("langue")
        verbose_name_plural = _("langues")
        ordering = ["position", "label"]

    def __str__(self):
        return self.local_label

    def natural_key(self):
        return (self.slug,)


class KindDefaults(models.Model):
    """What a kind of place serves, for whom, when a source says nothing about it.

    The annuaire says a place is a CIO, not what it does: an imported CIO gets the
    needs and publics of this table, so it is found by need from its first day.
    Loaded from `fixtures/kind_defaults.json`; read in the admin.
    """

    kind = models.CharField(_("type"), max_length=32, unique=True, choices=StructureKind.choices)
    needs = models.ManyToManyField(Need, blank=True, related_name="+", verbose_name=_("besoins"))
    publics = models.ManyToManyField(
        Public, blank=True, related_name="+", verbose_name=_("publics")
    )

    objects = KindManager()

    class Meta:
        verbose_name = _("besoins et publics par défaut d'un type")
        verbose_name_plural = _("besoins et publics par défaut des types")
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    def natural_key(self):
        return (self.kind,)
