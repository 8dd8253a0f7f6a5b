from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from insights.models import RecordedSearch


@admin.register(RecordedSearch)
class RecordedSearchAdmin(admin.ModelAdmin):
    """Read-only: rows are written by searches and `seed_search_demo`, never by hand."""

    list_display = [
        "day",
        "channel",
        "neighbourhood",
        "origin_kind",
        "needs",
        "results_nearby",
        "nearest_m",
        "not_understood",
        "is_example",
    ]
    list_filter = ["channel", "origin_kind", "not_understood", "is_example", "neighbourhood"]
    date_hierarchy = "day"
    list_select_related = ["neighbourhood"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """No add form: say where the rows come from instead of a bare 403."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Ajouter une recherche enregistrée"),
        }
        return TemplateResponse(request, "insights/admin/recordedsearch_add.html", context)
