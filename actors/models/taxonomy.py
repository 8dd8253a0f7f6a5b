"""The vocabularies a passeur searches by: needs, publics, languages.

Loaded from fixtures (`fixtures/needs.json`, `publics.json`, `languages.json`)
by natural key, so re-loading updates rows instead of duplicating them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from actors.enums import StructureKind
from actors.text import normalize


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class KindManager(models.Manager):
    def get_by_natural_key(self, kind):
        return self.get(kind=kind)


class Need(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    synonyms = models.TextField(
        _("synonymes"),
        blank=True,
        help_text=_(
            "Un par ligne : les mots de tous les jours qui désignent ce besoin "
            "(« stage 3e », « stage d'observation »). Ils servent à la recherche libre."
        ),
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
        return self.label

    def natural_key(self):
        return (self.slug,)

    @property
    def synonym_list(self):
        return [line.strip() for line in self.synonyms.splitlines() if line.strip()]

    @property
    def search_words(self):
        """Normalised words of the label and synonyms, matched by free-text search."""
        return set(normalize(" ".join([self.label, self.slug, *self.synonym_list])).split())


class Public(models.Model):
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
        return self.label

    def natural_key(self):
        return (self.slug,)


class Language(models.Model):
    slug = models.SlugField(_("code ISO 639-1"), max_length=8, unique=True)
    label = models.CharField(_("langue"), max_length=60)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    objects = SlugManager()

    class Meta:
        verbose_name = _("langue")
        verbose_name_plural = _("langues")
        ordering = ["position", "label"]

    def __str__(self):
        return self.label

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
