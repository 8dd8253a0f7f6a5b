import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from actors.enums import ContactVisibility, Recurrence, Weekday
from actors.phones import PhoneValidator, normalize_phone


class ActorQuerySet(models.QuerySet):
    def active(self):
        """Still in post: the only ones a structure's page and the API show."""
        return self.filter(is_active=True)


class Actor(models.Model):
    """A professional, or a named role, working at a structure (a PsyEN, an adviser)."""

    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="actors",
        verbose_name=_("structure"),
    )
    name = models.CharField(
        _("nom"),
        max_length=150,
        blank=True,
        help_text=_("Facultatif : un rôle suffit (« conseiller ou conseillère Mission locale »)."),
    )
    role = models.CharField(_("fonction"), max_length=200)
    phone = models.CharField(
        _("téléphone"), max_length=30, blank=True, validators=[PhoneValidator()]
    )
    email = models.EmailField(_("courriel"), blank=True)
    contact_visibility = models.CharField(
        _("visibilité des coordonnées"),
        max_length=16,
        choices=ContactVisibility.choices,
        default=ContactVisibility.PROFESSIONALS,
        help_text=_(
            "Par défaut, les coordonnées d'une personne ne sont pas publiées (RGPD) : "
            "le public voit celles de la structure."
        ),
    )
    needs = models.ManyToManyField(
        "actors.Need", blank=True, related_name="actors", verbose_name=_("besoins")
    )
    notes = models.TextField(_("remarques"), blank=True)
    is_active = models.BooleanField(_("en poste"), default=True)

    objects = ActorQuerySet.as_manager()

    class Meta:
        verbose_name = _("professionnel")
        verbose_name_plural = _("professionnels")
        ordering = ["structure", "role", "name"]
        constraints = [
            models.CheckConstraint(
                name="actor_contact_visibility_valid",
                condition=models.Q(contact_visibility__in=ContactVisibility.values),
            ),
        ]

    def __str__(self):
        return f"{self.name} — {self.role}" if self.name else self.role

    @property
    def contact_is_public(self):
        return self.contact_visibility == ContactVisibility.PUBLIC

    def clean(self):
        with contextlib.suppress(ValueError):  # an invalid number is the field's own error
            self.phone = normalize_phone(self.phone)


class PermanenceQuerySet(models.QuerySet):
    def current(self, on=None):
        """Permanences running on the given date (default: today, Europe/Paris)."""
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(
            models.Q(starts_on__isnull=True) | models.Q(starts_on__lte=on),
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on),
        )


class Permanence(models.Model):
    """A structure's service (or one of its actors) held at another, host structure.

    E.g. a Mission locale adviser every Tuesday afternoon at the maison de
    quartier: at neighbourhood scale this is often *the* nearby answer, so a
    host is found by the needs of the permanences it hosts.
    """

    host = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="hosted_permanences",
        verbose_name=_("lieu d'accueil"),
        help_text=_("Où la permanence a lieu (ex. : la maison de quartier)."),
    )
    provider = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="held_permanences",
        verbose_name=_("structure qui tient la permanence"),
        help_text=_("Dont le service est proposé (ex. : la Mission locale)."),
    )
    actor = models.ForeignKey(
        Actor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="permanences",
        verbose_name=_("professionnel"),
    )
    title = models.CharField(
        _("intitulé"), max_length=200, help_text=_("Ex. : « Permanence Mission locale »")
    )
    needs = models.ManyToManyField(
        "actors.Need", blank=True, related_name="permanences", verbose_name=_("besoins")
    )
    publics = models.ManyToManyField(
        "actors.Public", blank=True, related_name="permanences", verbose_name=_("publics")
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("de"))
    closes = models.TimeField(_("à"))
    recurrence = models.CharField(
        _("fréquence"), max_length=12, choices=Recurrence.choices, default=Recurrence.WEEKLY
    )
    starts_on = models.DateField(_("à partir du"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    walk_in = models.BooleanField(_("sans rendez-vous"), default=False)
    by_appointment = models.BooleanField(_("sur rendez-vous"), default=True)
    notes = models.CharField(_("informations pratiques"), max_length=300, blank=True)

    objects = PermanenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("permanence")
        verbose_name_plural = _("permanences")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                name="permanence_opens_before_closes",
                condition=models.Q(opens__lt=models.F("closes")),
            ),
            models.CheckConstraint(
                name="permanence_weekday_range", condition=models.Q(weekday__gte=0, weekday__lte=6)
            ),
            models.CheckConstraint(
                name="permanence_recurrence_valid",
                condition=models.Q(recurrence__in=Recurrence.values),
            ),
            models.CheckConstraint(
                name="permanence_dates_in_order",
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(starts_on__lte=models.F("ends_on")),
            ),
            models.CheckConstraint(
                name="permanence_host_is_not_provider",
                condition=~models.Q(host=models.F("provider")),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M})"

    def clean(self):
        errors = {}
        if self.opens and self.closes and self.opens >= self.closes:
            errors["closes"] = _("L'heure de fin doit être après l'heure de début.")
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            errors["ends_on"] = _("La date de fin doit être après la date de début.")
        if self.host_id and self.provider_id and self.host_id == self.provider_id:
            errors["provider"] = _(
                "Une permanence se tient dans une autre structure que celle qui la propose."
            )
        if self.actor_id and self.provider_id and self.actor.structure_id != self.provider_id:
            errors["actor"] = _(
                "Ce professionnel n'appartient pas à la structure qui tient la permanence."
            )
        if errors:
            raise ValidationError(errors)

    def occurs_on(self, day):
        """True when the permanence takes place on this date."""
        if day.weekday() != self.weekday:
            return False
        if (self.starts_on and day < self.starts_on) or (self.ends_on and day > self.ends_on):
            return False
        if self.recurrence == Recurrence.WEEKLY:
            return True
        if self.recurrence in (Recurrence.EVEN_WEEKS, Recurrence.ODD_WEEKS):
            even = day.isocalendar().week % 2 == 0
            return even == (self.recurrence == Recurrence.EVEN_WEEKS)
        if self.recurrence == Recurrence.LAST:
            return (day + datetime.timedelta(days=7)).month != day.month
        ordinal = (day.day - 1) // 7
        return ordinal == [
            Recurrence.FIRST,
            Recurrence.SECOND,
            Recurrence.THIRD,
            Recurrence.FOURTH,
        ].index(self.recurrence)

    def next_dates(self, after, count=3, horizon_days=120):
        """The next `count` dates on or after `after` (within a horizon)."""
        found = []
        day = after + datetime.timedelta(days=(self.weekday - after.weekday()) % 7)
        end = after + datetime.timedelta(days=horizon_days)
        while day <= end and len(found) < count:
            if self.occurs_on(day):
                found.append(day)
            day += datetime.timedelta(days=7)
        return found
