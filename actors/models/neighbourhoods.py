from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from actors import geo


class NeighbourhoodQuerySet(models.QuerySet):
    def containing(self, lat, lon):
        """Neighbourhoods whose bounding box holds the point (polygon test is in Python)."""
        return self.filter(
            min_latitude__lte=lat,
            max_latitude__gte=lat,
            min_longitude__lte=lon,
            max_longitude__gte=lon,
        )

    def locate(self, lat, lon):
        """The neighbourhood whose polygon contains the point, or None.

        A few dozen polygons: a bounding-box prefilter in SQL, then an exact
        ray-casting test in Python, is fast and needs no spatial database.
        """
        if lat is None or lon is None:
            return None
        for neighbourhood in self.containing(lat, lon).order_by("pk"):
            if neighbourhood.contains(lat, lon):
                return neighbourhood
        return None


class NeighbourhoodManager(models.Manager.from_queryset(NeighbourhoodQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Neighbourhood(models.Model):
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant"), max_length=140, unique=True)
    city = models.CharField(_("commune"), max_length=120)
    insee_code = models.CharField(_("code INSEE de la commune"), max_length=5, blank=True)
    boundary = models.JSONField(
        _("contour"),
        help_text=_(
            "Géométrie GeoJSON (Polygon ou MultiPolygon) en WGS84, longitude puis latitude."
        ),
    )
    centroid_latitude = models.FloatField(_("latitude du centre"), editable=False)
    centroid_longitude = models.FloatField(_("longitude du centre"), editable=False)
    # Bounding box of the boundary: lets `locate()` prefilter in SQL.
    min_latitude = models.FloatField(editable=False)
    max_latitude = models.FloatField(editable=False)
    min_longitude = models.FloatField(editable=False)
    max_longitude = models.FloatField(editable=False)
    area_m2 = models.FloatField(_("surface (m²)"), editable=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_id = models.CharField(_("identifiant dans la source"), max_length=50, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = NeighbourhoodManager()

    class Meta:
        verbose_name = _("quartier")
        verbose_name_plural = _("quartiers")
        ordering = ["city", "name"]
        constraints = [
            models.CheckConstraint(
                name="neighbourhood_centroid_latitude_range",
                condition=models.Q(centroid_latitude__gte=-90, centroid_latitude__lte=90),
            ),
            models.CheckConstraint(
                name="neighbourhood_centroid_longitude_range",
                condition=models.Q(centroid_longitude__gte=-180, centroid_longitude__lte=180),
            ),
        ]
        indexes = [
            # Serves NeighbourhoodQuerySet.containing() (point → candidate polygons).
            models.Index(
                fields=["min_latitude", "max_latitude", "min_longitude", "max_longitude"],
                name="neighbourhood_bbox_idx",
            ),
        ]

    def __str__(self):
        return self.name if self.city == "Nantes" else f"{self.name} ({self.city})"

    def save(self, *args, **kwargs):
        self.centroid_latitude, self.centroid_longitude = geo.geometry_centroid(self.boundary)
        (self.min_latitude, self.max_latitude, self.min_longitude, self.max_longitude) = (
            geo.geometry_bbox(self.boundary)
        )
        self.area_m2 = geo.geometry_area_m2(self.boundary)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("actors:neighbourhood", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        try:
            geo.geometry_centroid(self.boundary)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            raise ValidationError(
                {"boundary": _("Le contour doit être un Polygon ou MultiPolygon GeoJSON valide.")}
            ) from None

    def contains(self, lat, lon):
        return geo.point_in_geometry(lat, lon, self.boundary)
