from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GeocodedAddress(models.Model):
    """A cached answer of the address geocoder, found or not.

    Keyed by an HMAC of the normalised query, so "12 Rue du Breil" and "12 rue
    du breil" share one row, a repeated search makes no network call, and the
    text a person typed is not kept. Misses are cached too; service failures
    (timeouts, 5xx) are not.
    """

    query = models.CharField(_("empreinte de la recherche"), max_length=255, unique=True)
    found = models.BooleanField(_("trouvée"))
    label = models.CharField(_("adresse trouvée"), max_length=255, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    score = models.FloatField(_("score du géocodeur"), null=True, blank=True)
    # Set on every write (refresh): rows older than GEOCODER_CACHE_DAYS are deleted.
    created_at = models.DateTimeField(_("interrogé le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("adresse géocodée (cache)")
        verbose_name_plural = _("adresses géocodées (cache)")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="geocoded_found_has_coordinates",
                condition=models.Q(found=False)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
            ),
        ]

    def __str__(self):
        return self.label or self.query
