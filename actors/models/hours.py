from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from actors.enums import ExceptionKind, Weekday
from actors.opening import format_period, format_slots


class OpeningSlot(models.Model):
    """One opening period on a weekday; several per day for a lunch break."""

    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="opening_slots",
        verbose_name=_("structure"),
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("ouvre à"))
    closes = models.TimeField(_("ferme à"))

    class Meta:
        verbose_name = _("créneau d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        # Structure first: the hours of a few structures are fetched by structure_id IN (…);
        # ordered by time alone, PostgreSQL may walk the whole time index instead (seen
        # after a 100,000-row import, before its statistics caught up: 0.28 s a query).
        ordering = ["structure_id", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                name="opening_slot_opens_before_closes",
                condition=models.Q(opens__lt=models.F("closes")),
            ),
            models.CheckConstraint(
                name="opening_slot_weekday_range",
                condition=models.Q(weekday__gte=0, weekday__lte=6),
            ),
            models.UniqueConstraint(
                fields=["structure", "weekday", "opens"], name="opening_slot_unique_start"
            ),
        ]
        indexes = [
            # Serves the "open now" / "open on <day>" search filters.
            models.Index(fields=["weekday", "opens", "closes"], name="opening_slot_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens and self.closes and self.opens >= self.closes:
            raise ValidationError(
                {"closes": _("L'heure de fermeture doit être après l'heure d'ouverture.")}
            )


class OpeningException(models.Model):
    """A dated closure or special hours (holidays, works), from start to end inclusive."""

    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="opening_exceptions",
        verbose_name=_("structure"),
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au (inclus)"))
    kind = models.CharField(
        _("type"), max_length=10, choices=ExceptionKind.choices, default=ExceptionKind.CLOSED
    )
    opens = models.TimeField(_("ouvre à"), null=True, blank=True)
    closes = models.TimeField(_("ferme à"), null=True, blank=True)
    label = models.CharField(
        _("motif"),
        max_length=200,
        blank=True,
        help_text=_("Affiché au public, ex. : « congés d'été »."),
    )

    class Meta:
        verbose_name = _("exception d'ouverture")
        verbose_name_plural = _("fermetures et horaires exceptionnels")
        ordering = ["structure_id", "starts_on", "opens"]  # see OpeningSlot
        constraints = [
            models.CheckConstraint(
                name="opening_exception_dates_in_order",
                condition=models.Q(starts_on__lte=models.F("ends_on")),
            ),
            models.CheckConstraint(
                name="opening_exception_kind_valid",
                condition=models.Q(kind__in=ExceptionKind.values),
            ),
            models.CheckConstraint(
                name="opening_exception_hours_match_kind",
                condition=(
                    models.Q(kind=ExceptionKind.CLOSED, opens__isnull=True, closes__isnull=True)
                    | models.Q(
                        kind=ExceptionKind.SPECIAL,
                        opens__isnull=False,
                        closes__isnull=False,
                        opens__lt=models.F("closes"),
                    )
                ),
            ),
        ]
        indexes = [
            # Serves "open now": exceptions covering today.
            models.Index(fields=["starts_on", "ends_on"], name="opening_exception_dates_idx"),
        ]

    def __str__(self):
        """ "Fermé du 24 décembre au 1er janvier", "Le 14 juillet : 10 h–12 h"."""
        period = format_period(self.starts_on, self.ends_on)
        if self.kind == ExceptionKind.CLOSED:
            return _("Fermé %(period)s") % {"period": period}
        return _("%(period)s : %(hours)s") % {
            "period": period[:1].upper() + period[1:],
            "hours": format_slots([(self.opens, self.closes)]),
        }

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            errors["ends_on"] = _(
                "La date de fin doit être le même jour ou après la date de début."
            )
        if self.kind == ExceptionKind.CLOSED:
            if self.opens or self.closes:
                errors["opens"] = _("Une fermeture n'a pas d'horaires : laissez-les vides.")
        elif not (self.opens and self.closes):
            errors["opens"] = _("Indiquez les horaires particuliers (ouverture et fermeture).")
        elif self.opens >= self.closes:
            errors["closes"] = _("L'heure de fermeture doit être après l'heure d'ouverture.")
        if errors:
            raise ValidationError(errors)
