"""An age range a place, a service or a permanence is for: "De 16 à 25 ans".

A Mission locale receives young people of 16 to 25; a CIO anyone. Ages are in whole
years, both ends included, each optional (empty: no limit). The search's `age` keeps the
places whose range holds it (StructureQuerySet.for_age).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

MAX_AGE = 120


class AgeRange(models.Model):
    min_age = models.PositiveSmallIntegerField(
        _("âge minimum"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_AGE)],
        help_text=_("En années, inclus. Vide : pas d'âge minimum."),
    )
    max_age = models.PositiveSmallIntegerField(
        _("âge maximum"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_AGE)],
        help_text=_("En années, inclus (ex. : 25 pour une Mission locale). Vide : pas de limite."),
    )

    class Meta:
        abstract = True

    def clean_ages(self):
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError(
                {"max_age": _("L'âge maximum doit être supérieur ou égal à l'âge minimum.")}
            )

    def age_range_label(self):
        """ "De 16 à 25 ans", "Dès 16 ans", "Jusqu'à 25 ans", or "" for everyone."""
        low, high = self.min_age, self.max_age
        if low is not None and high is not None:
            if low == high:
                return ngettext("%(age)d an", "%(age)d ans", low) % {"age": low}
            return gettext("De %(min)d à %(max)d ans") % {"min": low, "max": high}
        if low is not None:
            return ngettext("Dès %(age)d an", "Dès %(age)d ans", low) % {"age": low}
        if high is not None:
            return ngettext("Jusqu'à %(age)d an", "Jusqu'à %(age)d ans", high) % {"age": high}
        return ""


def age_constraints(prefix):
    """The database's rules for an age range, named after the model (`prefix`)."""
    return [
        models.CheckConstraint(
            name=f"{prefix}_age_range_in_order",
            condition=Q(min_age__isnull=True)
            | Q(max_age__isnull=True)
            | Q(min_age__lte=models.F("max_age")),
        ),
        models.CheckConstraint(
            name=f"{prefix}_ages_plausible",
            condition=(Q(min_age__isnull=True) | Q(min_age__lte=MAX_AGE))
            & (Q(max_age__isnull=True) | Q(max_age__lte=MAX_AGE)),
        ),
    ]


def holding(age):
    """Q: the row's age range holds `age` (an empty end is no limit)."""
    return (Q(min_age__isnull=True) | Q(min_age__lte=age)) & (
        Q(max_age__isnull=True) | Q(max_age__gte=age)
    )
