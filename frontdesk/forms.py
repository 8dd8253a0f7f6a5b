from django import forms
from django.utils.translation import gettext_lazy as _

from actors.models import Need


class GuideForm(forms.Form):
    """The neighbourhood guide's query string: the needs it covers (all by default), its format.

    Validated like the search parameters, so a mistyped or hostile value gets a
    French message instead of reaching the query (a NUL byte fails on PostgreSQL).
    """

    besoin = forms.ModelMultipleChoiceField(
        label=_("Besoin"), queryset=Need.objects.all(), to_field_name="slug", required=False
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("", _("page web")), ("pdf", _("PDF"))], required=False
    )

    def __init__(self, data):
        # A form's "Tous les besoins" option sends besoin= : no choice, not a bad one.
        data = data.copy()
        data.setlist("besoin", [value for value in data.getlist("besoin") if value.strip()])
        super().__init__(data)
