import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Feed, FeedImport, Route


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


class FeedUploadForm(forms.ModelForm):
    archive = forms.FileField(
        label=_("fichier GTFS (.zip)"),
        help_text=_("Le zip publié par le réseau ; au-delà de la limite, utilisez la commande "
                    "import_gtfs."),
    )  # fmt: skip

    class Meta:
        model = FeedImport
        fields = ["archive", "key", "name", "licence", "source_url", "is_example"]

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if archive.size > settings.OPENDATA_UPLOAD_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("Fichier trop gros : %(max)s Mo au plus.")
                % {"max": settings.OPENDATA_UPLOAD_MAX_MB}
            )
        return archive


@admin.register(FeedImport)
class FeedImportAdmin(admin.ModelAdmin):
    """Upload a network's GTFS zip: the import runs as a background job, its report here."""

    list_display = ("file_name", "key", "status", "created_at", "finished_at", "created_by")
    readonly_fields = ("report_lines",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = FeedUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return FeedUploadForm.Meta.fields
        return ["file_name", "key", "status", "created_by", "created_at", "finished_at",
                "report_lines"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    @admin.display(description=_("rapport"))
    def report_lines(self, run):
        return "\n".join(run.report)

    def save_model(self, request, obj, form, change):
        from opendata.jobs import upload_dir

        from .jobs import import_uploaded_feed

        upload = form.cleaned_data["archive"]
        obj.file_name = Path(upload.name).name[:255]
        obj.stored_name = f"{uuid.uuid4().hex}.zip"
        with (upload_dir() / obj.stored_name).open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: import_uploaded_feed.enqueue(obj.pk))
