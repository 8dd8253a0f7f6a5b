import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.models import Need, Neighbourhood

DEFAULT_DAYS = 90
# Bounds the work of one dashboard page (and keeps typing mistakes like 0202 visible).
MAX_DAYS = 5 * 366


class DashboardForm(forms.Form):
    """The dashboard's GET parameters: a period, and optionally a quartier and a need.

    Without dates: the last 90 days, today included.
    """

    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    quartier = forms.ModelChoiceField(
        label=_("Quartier"),
        queryset=Neighbourhood.objects.quartiers(),
        to_field_name="slug",
        required=False,
        empty_label=_("tous les quartiers"),
    )
    besoin = forms.ModelChoiceField(
        label=_("Besoin"),
        queryset=Need.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("tous les besoins"),
    )

    def clean(self):
        cleaned = super().clean()
        if self.has_error("du") or self.has_error("au"):
            return cleaned
        last = cleaned.get("au") or timezone.localdate()
        first = cleaned.get("du") or last - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        if (last - first).days >= MAX_DAYS:
            raise forms.ValidationError(_("La période ne peut pas dépasser cinq ans."))
        cleaned["du"], cleaned["au"] = first, last
        return cleaned
