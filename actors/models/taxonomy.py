"""The vocabularies a passeur searches by: needs, publics, languages.

Loaded from fixtures (`fixtures/needs.json`, `publics.json`, `languages.json`)
by natural key, so re-loading updates rows instead of duplicating them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from actors.text import normalize


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


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
