"""Where entries come from: one row per record of a source, many per entry.

The same CIO arrives from the annuaire and from data·inclusion (and perhaps was
first entered by hand): it is one Structure, with one StructureSource per
source record, so each later import of either source finds it again.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StructureSource(models.Model):
    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="sources",
        verbose_name=_("structure"),
    )
    source = models.CharField(_("source"), max_length=50)
    source_id = models.CharField(_("identifiant dans la source"), max_length=200)
    source_updated_at = models.DateTimeField(_("mise à jour dans la source"), null=True, blank=True)
    created_at = models.DateTimeField(_("rattachée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("source de la fiche")
        verbose_name_plural = _("sources de la fiche")
        ordering = ["structure_id", "pk"]
        constraints = [
            # One record of a source is one entry: the key every import looks up first.
            models.UniqueConstraint(
                fields=["source", "source_id"], name="structure_source_unique_record"
            ),
        ]

    def __str__(self):
        return f"{self.source} : {self.source_id}"
