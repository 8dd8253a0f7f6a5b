"""What a place does for a need: the services published to data·inclusion.

A data·inclusion *service* belongs to a structure and says what it offers
(« Accompagnement à la recherche de stage de 3e »), for whom, on which
thematiques. The structure serves the needs of its services, and its page
lists them by name, so the passeur sees *what* the place does for the need.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .ages import AgeRange, age_constraints


class Service(AgeRange):
    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="services",
        verbose_name=_("structure"),
    )
    source = models.CharField(_("source"), max_length=50)
    source_id = models.CharField(_("identifiant dans la source"), max_length=200)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    needs = models.ManyToManyField(
        "actors.Need", blank=True, related_name="services", verbose_name=_("besoins")
    )
    publics = models.ManyToManyField(
        "actors.Public", blank=True, related_name="services", verbose_name=_("publics")
    )
    # The source's own codes, kept as published (export, and the ones no need maps to).
    thematiques = models.JSONField(_("thématiques data·inclusion"), default=list, blank=True)
    is_free = models.BooleanField(_("gratuit"), null=True, blank=True)
    fees_details = models.CharField(_("tarifs"), max_length=300, blank=True)
    in_person = models.BooleanField(_("sur place"), default=False)
    remote = models.BooleanField(_("à distance"), default=False)
    access_details = models.TextField(_("conditions d'accès"), blank=True)
    opening_hours = models.CharField(
        _("horaires (OpenStreetMap)"),
        max_length=1000,
        blank=True,
        help_text=_("Quand ils diffèrent de ceux de la structure."),
    )
    source_updated_at = models.DateTimeField(_("mise à jour dans la source"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["structure_id", "name"]
        constraints = [
            # The upsert key of the data·inclusion import.
            models.UniqueConstraint(fields=["source", "source_id"], name="service_unique_record"),
            *age_constraints("service"),
        ]

    def __str__(self):
        return self.name
