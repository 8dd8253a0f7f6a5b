from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Feed, Route


class RouteInline(admin.TabularInline):
    model = Route
    fields = ("short_name", "long_name", "mode", "colour")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    """Networks are imported (manage.py import_gtfs), not typed: read-only here."""

    list_display = ("name", "key", "version", "valid_until", "imported_at", "is_example")
    readonly_fields = ("key", "version", "valid_from", "valid_until", "imported_at")
    fields = ("name", "key", "licence", "source_url", "version", "valid_from", "valid_until",
              "imported_at", "is_example")  # fmt: skip
    inlines = [RouteInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("lignes"))
    def route_count(self, obj):
        return obj.routes.count()
