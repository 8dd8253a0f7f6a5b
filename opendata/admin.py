"""Imports from the admin: upload, a dry run as a background job, then confirm or cancel.

The uploaded files wait in OPENDATA_UPLOAD_DIR between the dry run and the
confirmation; both the dry run and the import run on the task worker
(opendata.jobs), exactly like `import_structures`. The run's page follows the job.
"""

import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import jobs
from .models import DATA_INCLUSION, FORMAT_CHOICES, ImportRun
from .scope import parse_communes, parse_departement

# Multipart overhead and the form's other fields, on top of the files themselves.
UPLOAD_MARGIN_BYTES = 64 * 1024


def _too_big():
    return _(
        "Fichier trop gros pour l'administration (%(limit)s Mo au plus) : "
        "utilisez la commande import_structures."
    ) % {"limit": settings.OPENDATA_UPLOAD_MAX_MB}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fichier"), required=False)
    services_file = forms.FileField(
        label=gettext_lazy("Fichier des services"),
        required=False,
        help_text=gettext_lazy("data·inclusion seulement : le services.json qui va avec."),
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMAT_CHOICES)
    communes = forms.CharField(
        label=gettext_lazy("Communes (codes INSEE)"),
        required=False,
        help_text=gettext_lazy("Séparés par des virgules, ex. : 44109, 44143. Vide : tout."),
    )
    departement = forms.CharField(
        label=gettext_lazy("ou département"),
        required=False,
        max_length=3,
        help_text=gettext_lazy("Ex. : 44"),
    )

    def _limited(self, name):
        upload = self.cleaned_data[name]
        if upload and upload.size > settings.OPENDATA_UPLOAD_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(_too_big())
        return upload

    def clean_file(self):
        return self._limited("file")

    def clean_services_file(self):
        return self._limited("services_file")

    def clean_communes(self):
        try:
            return ",".join(parse_communes(self.cleaned_data["communes"]))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_departement(self):
        try:
            return parse_departement(self.cleaned_data["departement"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("communes") and cleaned.get("departement"):
            raise forms.ValidationError(
                _("Choisissez des communes ou un département, pas les deux.")
            )
        if "file" in cleaned and "services_file" in cleaned:
            if not (cleaned["file"] or cleaned["services_file"]):
                self.add_error("file", _("Déposez un fichier."))
            elif cleaned["services_file"] and cleaned.get("format") != DATA_INCLUSION:
                self.add_error(
                    "services_file", _("Un fichier de services ne va qu'avec data·inclusion.")
                )
            elif not cleaned["file"] and cleaned.get("format") != DATA_INCLUSION:
                self.add_error("file", _("Déposez un fichier."))
        return cleaned


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "file_name", "format", "status", "summary", "created_by"]
    list_filter = ["status", "format"]
    readonly_fields = [
        "created_at",
        "created_by",
        "file_name",
        "services_file_name",
        "format",
        "communes",
        "departement",
        "status",
        "error",
        "imported_at",
        "dry_run_lines",
        "report_lines",
    ]
    fields = readonly_fields

    @admin.display(
        description=gettext_lazy("créées / mises à jour / inchangées / ignorées / invalides")
    )
    def summary(self, run):
        return run.summary

    @admin.display(description=gettext_lazy("rapport de l'essai à blanc"))
    def dry_run_lines(self, run):
        return "\n".join(run.dry_run_report.get("lines", []))

    @admin.display(description=gettext_lazy("rapport de l'import"))
    def report_lines(self, run):
        return "\n".join(run.report.get("lines", []))

    def has_change_permission(self, request, obj=None):
        return False  # a run is a record: only its confirmation changes it

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_urls(self):
        confirm = self.admin_site.admin_view(self.confirm_view)
        return [
            path("<int:pk>/confirmer/", confirm, name="opendata_importrun_confirm"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Upload, then queue the dry run: nothing is written before the confirmation."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = None
        if request.method == "POST" and self._declared_size(request) > self._limit_bytes():
            # Refused before Django reads the body: a huge upload costs neither disk nor time.
            self.message_user(request, _too_big(), messages.ERROR)
            return redirect("admin:opendata_importrun_add")
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run = self._store(form, request.user)
            jobs.check_import.enqueue(run.pk)
            return redirect("admin:opendata_importrun_confirm", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Importer des structures"),
            "form": form,
            "opts": self.model._meta,
            "max_mb": settings.OPENDATA_UPLOAD_MAX_MB,
        }
        return TemplateResponse(request, "opendata/admin/upload.html", context)

    @staticmethod
    def _declared_size(request):
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0

    @staticmethod
    def _limit_bytes():
        # Two files at most, each within the limit.
        return 2 * settings.OPENDATA_UPLOAD_MAX_MB * 1024 * 1024 + UPLOAD_MARGIN_BYTES

    def confirm_view(self, request, pk):
        if not self.has_add_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun, pk=pk)
        if request.method == "POST":
            if "cancel" in request.POST and run.status == ImportRun.Status.CHECKED:
                run.status = ImportRun.Status.CANCELLED
                jobs.forget_files(run)
                run.save()
                self.message_user(request, _("Import annulé : rien n'a été enregistré."))
                return redirect("admin:opendata_importrun_changelist")
            if "confirm" in request.POST:
                if jobs.confirm(run):
                    self.message_user(request, _("Import lancé : cette page suit son avancement."))
                else:
                    self.message_user(
                        request,
                        _("Cet essai à blanc ne peut pas être confirmé."),
                        messages.ERROR,
                    )
            return redirect("admin:opendata_importrun_confirm", run.pk)
        progress = jobs.read_progress(run) if run.is_running else None
        percent = None
        if progress and progress.get("total"):
            percent = min(100, round(100 * progress["done"] / progress["total"]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import de « %(name)s »")
            % {"name": run.file_name or run.services_file_name},
            "run": run,
            "opts": self.model._meta,
            "can_confirm": run.can_confirm,
            "percent": percent,
        }
        return TemplateResponse(request, "opendata/admin/confirm.html", context)

    def _store(self, form, user):
        names = {}
        for field in ("file", "services_file"):
            upload = form.cleaned_data[field]
            if not upload:
                names[field] = ("", "")
                continue
            stored_name = f"{uuid.uuid4().hex}.upload"
            with (jobs.upload_dir() / stored_name).open("wb") as target:
                for chunk in upload.chunks():
                    target.write(chunk)
            names[field] = (Path(upload.name).name[:255], stored_name)
        return ImportRun.objects.create(
            created_by=user,
            format=form.cleaned_data["format"],
            file_name=names["file"][0],
            stored_name=names["file"][1],
            services_file_name=names["services_file"][0],
            services_stored_name=names["services_file"][1],
            communes=form.cleaned_data["communes"],
            departement=form.cleaned_data["departement"],
        )
