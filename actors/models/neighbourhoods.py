"""Quartiers and the other areas of the open polygon layers a Région loads.

A layer (`load_neighbourhoods`) is of one kind: a city's quartiers, the Insee's IRIS,
the national layer of quartiers prioritaires (QPV). A place's quartier comes from the
quartier layers, else the IRIS (a commune without a quartier layer of its own still
gets one); whether it lies in or near a QPV is kept apart, since QPVs overlap them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from actors import geo
from actors.enums import AreaKind

# The kinds a place's quartier comes from, in order of preference where they overlap.
QUARTIER_KINDS = (AreaKind.QUARTIER, AreaKind.IRIS)
# A place this close to a QPV (a few minutes' walk) serves its residents too: the search's
# "près d'un quartier prioritaire" and the place's page say so.
QPV_NEAR_M = 300
# Display polygons (maps, the API) drop the vertices that move the outline less than this:
# 3 m is 0.3 mm on a quartier's A4 map; the exact polygon still answers "is it inside".
DISPLAY_TOLERANCE_M = 3


class NeighbourhoodQuerySet(models.QuerySet):
    def quartiers(self):
        """The areas a place's quartier comes from (quartiers, IRIS): what lists show."""
        return self.filter(kind__in=QUARTIER_KINDS)

    def priority_areas(self):
        return self.filter(kind=AreaKind.QPV)

    def containing(self, lat, lon):
        """Areas whose bounding box holds the point (the polygon test is AreaIndex's)."""
        return self.filter(
            min_latitude__lte=lat,
            max_latitude__gte=lat,
            min_longitude__lte=lon,
            max_longitude__gte=lon,
        )

    def _around(self, lat, lon):
        """The quartiers whose box holds the point and the QPVs whose box comes within
        QPV_NEAR_M of it, in one query on the bounding-box index."""
        min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, QPV_NEAR_M / 1000)
        near_qpv = models.Q(
            kind=AreaKind.QPV,
            min_latitude__lte=max_lat,
            max_latitude__gte=min_lat,
            min_longitude__lte=max_lon,
            max_longitude__gte=min_lon,
        )
        holding = models.Q(
            kind__in=QUARTIER_KINDS,
            min_latitude__lte=lat,
            max_latitude__gte=lat,
            min_longitude__lte=lon,
            max_longitude__gte=lon,
        )
        return self.filter(holding | near_qpv).defer("display_boundary")

    def locate(self, lat, lon):
        """The quartier (Neighbourhood) whose polygon holds the point, or None."""
        if lat is None or lon is None:
            return None
        candidates = {n.pk: n for n in self.quartiers().containing(lat, lon)}
        return candidates.get(AreaIndex(candidates.values()).locate(lat, lon))

    def areas_at(self, lat, lon):
        """(quartier, qpv, distance to the QPV in metres) of a point, in one query:
        what a place saved with a position derives."""
        if lat is None or lon is None:
            return None, None, None
        candidates = {n.pk: n for n in self._around(lat, lon)}
        quartier, qpv, distance = AreaIndex(candidates.values()).areas(lat, lon)
        return candidates.get(quartier), candidates.get(qpv), distance

    def index(self):
        """An AreaIndex of these areas, their exact polygons read in one query (as JSON text,
        parsed by GEOS: 50,000 polygons in a couple of seconds)."""
        rows = list(
            self.annotate(text=Cast("boundary", models.TextField())).values_list(
                "pk", "kind", "text"
            )
        )
        shapes = geo.shapes_from_geojson([text for _pk, _kind, text in rows])
        return AreaIndex(
            (pk, kind, shape)
            for (pk, kind, _text), shape in zip(rows, shapes, strict=True)
            if shape is not None
        )


class AreaIndex:
    """Where a point lies among the areas of the loaded layers: its quartier (a quartier
    layer first, else an IRIS; the lowest primary key among overlapping ones of a kind)
    and the nearest QPV within QPV_NEAR_M. Built once from the exact polygons (geo.Locator:
    an STRtree and prepared geometries), it answers many points without a query:
    `Neighbourhood.objects.index()` for an import, actors.vocabulary for the search.

    `areas`: Neighbourhood instances or (pk, kind, GeoJSON boundary) rows.
    """

    def __init__(self, areas):
        quartiers, qpvs = [], []
        rank = {kind: position for position, kind in enumerate(QUARTIER_KINDS)}
        for area in areas:
            pk, kind, boundary = (
                area if isinstance(area, tuple) else (area.pk, area.kind, area.boundary)
            )
            if kind == AreaKind.QPV:
                qpvs.append((pk, pk, boundary))
            elif kind in rank:
                quartiers.append(((rank[kind], pk), pk, boundary))
        quartiers.sort(key=lambda item: item[0])
        qpvs.sort(key=lambda item: item[0])
        self.quartiers = geo.Locator((pk, boundary) for _order, pk, boundary in quartiers)
        self.qpvs = geo.Locator((pk, boundary) for _order, pk, boundary in qpvs)

    def locate(self, lat, lon):
        """The pk of the point's quartier, or None."""
        return self.quartiers.locate(lat, lon)

    def qpv(self, lat, lon):
        """(pk, distance in metres) of the nearest QPV within QPV_NEAR_M (0 inside), or
        (None, None)."""
        pk, distance = self.qpvs.nearest_within(lat, lon, QPV_NEAR_M)
        return pk, (round(distance, 1) if distance is not None else None)

    def areas(self, lat, lon):
        """(quartier pk, QPV pk, distance to the QPV) of a point; Nones where none."""
        return (self.locate(lat, lon), *self.qpv(lat, lon))

    def areas_many(self, lats, lons):
        """areas() of many points at once: the quartiers in one pass of the tree (C), the
        QPVs point by point only for the points near one."""
        quartiers = self.quartiers.locate_many(lats, lons)
        if not len(self.qpvs):
            return [(quartier, None, None) for quartier in quartiers]
        inside = self.qpvs.locate_many(lats, lons)
        found = []
        for quartier, qpv, lat, lon in zip(quartiers, inside, lats, lons, strict=True):
            if qpv is not None:
                found.append((quartier, qpv, 0.0))
            else:
                found.append((quartier, *self.qpv(lat, lon)))
        return found


class NeighbourhoodManager(models.Manager.from_queryset(NeighbourhoodQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Neighbourhood(models.Model):
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant"), max_length=140, unique=True)
    kind = models.CharField(
        _("type de zone"),
        max_length=12,
        choices=AreaKind.choices,
        default=AreaKind.QUARTIER,
        help_text=_(
            "Le quartier d'une structure vient des quartiers, sinon des IRIS ; "
            "un quartier prioritaire (QPV) s'y ajoute sans le remplacer."
        ),
    )
    city = models.CharField(_("commune"), max_length=120)
    insee_code = models.CharField(_("code INSEE de la commune"), max_length=5, blank=True)
    boundary = models.JSONField(
        _("contour"),
        help_text=_(
            "Géométrie GeoJSON (Polygon ou MultiPolygon) en WGS84, longitude puis latitude. "
            "Le contour exact : il décide si un point est dans la zone."
        ),
    )
    # Simplified for display (maps, the API's polygons): see DISPLAY_TOLERANCE_M.
    display_boundary = models.JSONField(_("contour simplifié"), editable=False, default=dict)
    centroid_latitude = models.FloatField(_("latitude du centre"), editable=False)
    centroid_longitude = models.FloatField(_("longitude du centre"), editable=False)
    # Bounding box of the boundary: lets `locate()` prefilter in SQL.
    min_latitude = models.FloatField(editable=False)
    max_latitude = models.FloatField(editable=False)
    min_longitude = models.FloatField(editable=False)
    max_longitude = models.FloatField(editable=False)
    area_m2 = models.FloatField(_("surface (m²)"), editable=False)
    layer = models.SlugField(
        _("couche"),
        max_length=60,
        blank=True,
        help_text=_(
            "La couche ouverte d'où vient la zone (load_neighbourhoods) : recharger la "
            "couche met à jour ses zones, par leur identifiant dans la source."
        ),
    )
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
            # A layer loaded again updates its areas: one row per (layer, id in it).
            models.UniqueConstraint(
                fields=["layer", "source_id"],
                condition=~models.Q(source_id=""),
                name="neighbourhood_unique_in_layer",
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
        from actors import territories

        if territories.is_default(self.city, self.insee_code):
            return self.name
        return f"{self.name} ({self.city})"

    def save(self, *args, **kwargs):
        self.set_geometry()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("actors:neighbourhood", args=[self.slug])

    @property
    def is_priority_area(self):
        return self.kind == AreaKind.QPV

    def set_geometry(self, polygon=None):
        """Centre, bounding box, area and display outline from the boundary (or from
        `polygon`, its shapely form, when the caller has it already)."""
        polygon = polygon if polygon is not None else geo.geometry_shape(self.boundary)
        centroid = polygon.centroid
        self.centroid_latitude, self.centroid_longitude = centroid.y, centroid.x
        self.min_longitude, self.min_latitude, self.max_longitude, self.max_latitude = (
            polygon.bounds
        )
        self.area_m2 = geo.area_m2(polygon)
        self.display_boundary = geo.as_geojson(geo.simplified(polygon, DISPLAY_TOLERANCE_M))

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        try:
            geo.geometry_shape(self.boundary)
        except ValueError:
            raise ValidationError(
                {"boundary": _("Le contour doit être un Polygon ou MultiPolygon GeoJSON valide.")}
            ) from None

    def contains(self, lat, lon):
        return geo.point_in_geometry(lat, lon, self.boundary)
