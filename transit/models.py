"""A public transport network read from its GTFS feed: stops, lines, and for each place
the stops within a short walk.

One feed per network (``Feed.key``); a re-import replaces the network's rows in one
transaction. What the guide keeps of the timetable is what a passeur says: which lines
stop here, and how long a ride takes on each line's usual pattern (``PatternStop``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Mode(models.TextChoices):
    TRAM = "tram", pgettext_lazy("mode de transport", "Tram")
    BUSWAY = "busway", pgettext_lazy("mode de transport", "Busway")
    BUS = "bus", pgettext_lazy("mode de transport", "Bus")
    METRO = "metro", pgettext_lazy("mode de transport", "Métro")
    TRAIN = "train", pgettext_lazy("mode de transport", "Train")
    FERRY = "ferry", pgettext_lazy("mode de transport", "Navette fluviale")
    COACH = "coach", pgettext_lazy("mode de transport", "Car")
    OTHER = "other", pgettext_lazy("mode de transport", "Ligne")


def line_label(mode, short_name, long_name):
    """« Tram 2 », « Bus 11 », « Navette fluviale N1 »: never the colour alone."""
    return f"{Mode(mode).label} {short_name or long_name}".strip()


class Feed(models.Model):
    key = models.SlugField(
        _("réseau"),
        unique=True,
        help_text=_("Identifiant court du réseau (ex. « naolib ») : réimporter le remplace."),
    )
    name = models.CharField(_("nom"), max_length=200)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    source_url = models.URLField(_("adresse de la source"), blank=True)
    version = models.CharField(_("version du fichier"), max_length=100, blank=True)
    valid_from = models.DateField(_("valable du"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    imported_at = models.DateTimeField(_("importé le"))
    is_example = models.BooleanField(
        _("exemple"), default=False, help_text=_("Réseau fictif, pour la démonstration.")
    )

    class Meta:
        verbose_name = _("réseau de transport")
        verbose_name_plural = _("réseaux de transport")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Route(models.Model):
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="routes")
    gtfs_id = models.CharField(max_length=100)
    short_name = models.CharField(_("numéro"), max_length=50, blank=True)
    long_name = models.CharField(_("nom"), max_length=200, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    colour = models.CharField(_("couleur"), max_length=6, blank=True)
    text_colour = models.CharField(_("couleur du texte"), max_length=6, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("ligne")
        verbose_name_plural = _("lignes")
        ordering = ["sort_order", "mode", "short_name"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "gtfs_id"], name="route_unique_in_feed")
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return line_label(self.mode, self.short_name, self.long_name)


class Stop(models.Model):
    """A stop where people wait (a station groups its platforms, and is what we show)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="stops")
    gtfs_id = models.CharField(max_length=100)
    name = models.CharField(_("nom"), max_length=200)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # The station shown for this platform; null for a station or a stop on its own.
    station = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="platforms"
    )
    is_station = models.BooleanField(default=False)
    wheelchair = models.BooleanField(_("accessible en fauteuil"), null=True)
    routes = models.ManyToManyField(Route, related_name="stops", blank=True)

    class Meta:
        verbose_name = _("arrêt")
        verbose_name_plural = _("arrêts")
        constraints = [
            models.UniqueConstraint(fields=["feed", "gtfs_id"], name="stop_unique_in_feed")
        ]

    def __str__(self):
        return self.name


class Pattern(models.Model):
    """A line's usual run in one direction: the weekday daytime trip that stops most."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="patterns")
    direction = models.PositiveSmallIntegerField(default=0)
    headsign = models.CharField(_("direction"), max_length=200, blank=True)

    def __str__(self):
        return f"{self.route} → {self.headsign}"


class PatternStop(models.Model):
    pattern = models.ForeignKey(Pattern, on_delete=models.CASCADE, related_name="calls")
    sequence = models.PositiveIntegerField()
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="calls")
    minutes = models.PositiveIntegerField(help_text=_("Minutes depuis le départ de la course."))

    class Meta:
        ordering = ["pattern", "sequence"]
        # Rides between two stops: the calls of a pattern in order.
        constraints = [
            models.UniqueConstraint(fields=["pattern", "sequence"], name="pattern_call_unique")
        ]

    def __str__(self):
        return f"{self.stop} (+{self.minutes} min)"


class NearbyStop(models.Model):
    """A stop a short walk from a structure, nearest first (computed, never typed)."""

    structure = models.ForeignKey(
        "actors.Structure", on_delete=models.CASCADE, related_name="nearby_stops"
    )
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="nearby_structures")
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    walking_minutes = models.PositiveSmallIntegerField(_("minutes à pied"))

    class Meta:
        ordering = ["structure", "distance_m"]
        verbose_name = _("arrêt proche")
        verbose_name_plural = _("arrêts proches")
        constraints = [
            models.UniqueConstraint(fields=["structure", "stop"], name="nearby_stop_unique")
        ]

    def __str__(self):
        return f"{self.stop} ({self.walking_minutes} min)"


class FeedImport(models.Model):
    """A feed uploaded in the admin, imported by the task worker (transit.jobs)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("importé")
        FAILED = "failed", _("refusé")

    key = models.SlugField(_("réseau"), help_text=Feed._meta.get_field("key").help_text)
    name = models.CharField(_("nom affiché"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    source_url = models.URLField(_("adresse de la source"), blank=True)
    is_example = models.BooleanField(_("réseau fictif"), default=False)
    file_name = models.CharField(_("fichier"), max_length=255)
    stored_name = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    report = models.JSONField(_("rapport"), default=list, blank=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("par")
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de réseau (GTFS)")
        verbose_name_plural = _("imports de réseau (GTFS)")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"
