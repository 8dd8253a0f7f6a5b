import collections
import contextlib
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from actors.enums import ContactVisibility, ExceptionKind, Recurrence, Weekday
from actors.opening import public_holiday, school_holiday
from actors.phones import PhoneValidator, normalize_phone

from .ages import AgeRange, age_constraints
from .hours import OpeningException


class Upcoming(collections.namedtuple("Upcoming", "dates skipped")):
    """The next sessions of a permanence, and the scheduled ones that will not take place
    before the last of them: [(date, Skip)]."""

    @property
    def skipped_runs(self):
        """[(first date, last date, Skip)]: consecutive skipped sessions for the same reason
        as one period ("du 7 juillet au 25 août (Vacances d'été)"), not eight dates."""
        runs = []
        for day, skip in self.skipped:
            if runs and runs[-1][2] == skip:
                runs[-1][1] = day
            else:
                runs.append([day, day, skip])
        return [tuple(run) for run in runs]


class Skip(collections.namedtuple("Skip", "kind label")):
    """Why a session is skipped; `label` is French data (a holiday's name, a closure's or
    a cancellation's reason), possibly empty."""

    CANCELLED = "cancelled"
    PUBLIC_HOLIDAY = "public-holiday"
    CLOSED = "closed"
    SCHOOL_HOLIDAYS = "school-holidays"


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
        on = on or timezone.localdate()
        return self.filter(
            models.Q(starts_on__isnull=True) | models.Q(starts_on__lte=on),
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on),
        )

    def with_calendar(self, on=None):
        """What `Permanence.upcoming` reads, in three queries for the whole list: the
        cancellations and the host's and provider's closures from `on` (default today)."""
        return self.prefetch_related(*calendar_prefetches(on))


def calendar_prefetches(on=None):
    """The prefetches of `PermanenceQuerySet.with_calendar`, also for
    `prefetch_related_objects` on permanences already loaded (the handout's)."""
    on = on or timezone.localdate()
    closures = OpeningException.objects.filter(kind=ExceptionKind.CLOSED, ends_on__gte=on)
    return [
        models.Prefetch(
            "cancellations",
            queryset=PermanenceCancellation.objects.filter(on_date__gte=on),
        ),
        models.Prefetch("host__opening_exceptions", queryset=closures),
        models.Prefetch("provider__opening_exceptions", queryset=closures),
    ]


class Permanence(AgeRange):
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
    languages = models.ManyToManyField(
        "actors.Language",
        blank=True,
        related_name="permanences",
        verbose_name=_("langues parlées"),
        help_text=_("Langues dans lesquelles la personne peut être reçue, en plus du français."),
    )
    off_in_school_holidays = models.BooleanField(
        _("pas pendant les vacances scolaires"),
        default=False,
        help_text=_(
            "Les séances qui tombent pendant les vacances scolaires de la zone B (Nantes) "
            "ne sont pas annoncées. Les jours fériés ne le sont jamais."
        ),
    )

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
            *age_constraints("permanence"),
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
        try:
            self.clean_ages()
        except ValidationError as error:
            errors.update(error.message_dict)
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

    def _scheduled(self, start, horizon_days):
        """The dates of the schedule from `start`, before any calendar is looked at."""
        day = start + datetime.timedelta(days=(self.weekday - start.weekday()) % 7)
        end = start + datetime.timedelta(days=horizon_days)
        while day <= end:
            if self.occurs_on(day):
                yield day
            day += datetime.timedelta(days=7)

    def skip_reason(self, day):
        """Why a scheduled session does not take place on this date (a `Skip`), or None.

        In order: a cancellation entered for the date, the school holidays (zone B) when
        the permanence stops during them (a public holiday inside them is part of them:
        the summer reads as one period), a public holiday, a dated closure of the host or
        of the provider. Reads `cancellations` and both structures' `opening_exceptions`
        (prefetched by `with_calendar`, else one query each).
        """
        for cancellation in self.cancellations.all():
            if cancellation.on_date == day:
                return Skip(Skip.CANCELLED, cancellation.reason)
        if self.off_in_school_holidays:
            name = school_holiday(day)
            if name:
                return Skip(Skip.SCHOOL_HOLIDAYS, name)
        holiday = public_holiday(day)
        if holiday:
            return Skip(Skip.PUBLIC_HOLIDAY, holiday)
        for structure in (self.host, self.provider):
            for closure in structure.opening_exceptions.all():
                if (
                    closure.kind == ExceptionKind.CLOSED
                    and closure.starts_on <= day <= closure.ends_on
                ):
                    return Skip(Skip.CLOSED, closure.label)
        return None

    def upcoming(self, now=None, count=3, horizon_days=120):
        """The next `count` sessions from `now` (default: now, Europe/Paris) and the
        scheduled ones skipped on the way. A session ended today is not "next"."""
        now = timezone.localtime(now)
        today, time = now.date(), now.time().replace(tzinfo=None)
        dates, skipped = [], []
        for day in self._scheduled(today, horizon_days):
            if day == today and self.closes <= time:
                continue
            reason = self.skip_reason(day)
            if reason:
                skipped.append((day, reason))
                continue
            dates.append(day)
            if len(dates) >= count:
                break
        return Upcoming(dates, skipped)

    def next_dates(self, after=None, count=3, horizon_days=120):
        """The next `count` session dates on or after the date `after` (default: from now,
        so that a session already over today is left out), calendar included."""
        if after is None:
            return self.upcoming(count=count, horizon_days=horizon_days).dates
        start = timezone.make_aware(datetime.datetime.combine(after, datetime.time.min))
        return self.upcoming(start, count=count, horizon_days=horizon_days).dates


class PermanenceCancellation(models.Model):
    """A dated session that will not take place (the adviser is ill, the room is taken)."""

    permanence = models.ForeignKey(
        Permanence,
        on_delete=models.CASCADE,
        related_name="cancellations",
        verbose_name=_("permanence"),
    )
    on_date = models.DateField(
        _("date annulée"),
        help_text=_("Une date où la permanence devait avoir lieu : elle n'est plus annoncée."),
    )
    reason = models.CharField(
        _("motif"),
        max_length=200,
        blank=True,
        help_text=_("Affiché au public, ex. : « conseillère absente »."),
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )

    class Meta:
        verbose_name = _("séance annulée")
        verbose_name_plural = _("séances annulées")
        ordering = ["permanence_id", "on_date"]
        constraints = [
            # Also the index of `with_calendar`'s lookup by permanence.
            models.UniqueConstraint(
                fields=["permanence", "on_date"], name="permanence_cancellation_unique_date"
            ),
        ]

    def __str__(self):
        return gettext("%(permanence)s annulée le %(date)s") % {
            "permanence": self.permanence.title,
            "date": self.on_date,
        }

    def clean(self):
        if self.permanence_id and self.on_date and not self.permanence.occurs_on(self.on_date):
            raise ValidationError(
                {"on_date": _("La permanence n'a pas lieu ce jour-là : vérifiez la date.")}
            )
