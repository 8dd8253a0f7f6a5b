"""Imports from the admin: upload a file, read the dry-run report, confirm or cancel.

The uploaded file waits in OPENDATA_UPLOAD_DIR between the dry run and the
confirmation; the confirmed import runs exactly like `import_structures`.
"""

import io
import tempfile
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .formats import FORMAT_CHOICES, READERS, parse_communes, parse_departement
from .importer import Importer
from .models import ImportRun


def upload_dir():
    folder = Path(settings.OPENDATA_UPLOAD_DIR or Path(tempfile.gettempdir()) / "guide-imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fichier"))
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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.OPENDATA_UPLOAD_MAX_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "Fichier trop gros pour l'administration (%(limit)s Mo au plus) : "
                    "utilisez la commande import_structures."
                )
                % {"limit": limit}
            )
        return upload

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
        return cleaned


def run_import(run, *, dry_run, user):
    """The Report of importing the run's stored file; None if the file has expired."""
    stored = upload_dir() / run.stored_name
    if not run.stored_name or not stored.is_file():
        return None
    importer = Importer(
        dry_run=dry_run,
        communes=[c for c in run.communes.split(",") if c],
        departement=run.departement,
        user=user,
    )
    with stored.open("rb") as stream:
        return importer.run(READERS[run.format](io.BufferedReader(stream)))


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "file_name", "format", "status", "summary", "created_by"]
    list_filter = ["status", "format"]
    readonly_fields = [
        "created_at",
        "created_by",
        "file_name",
        "format",
        "communes",
        "departement",
        "status",
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
        """Upload, then the dry run: nothing is written before the confirmation."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run = self._store(form, request.user)
            report = run_import(run, dry_run=True, user=request.user)
            run.dry_run_report = report.as_dict()
            if report.file_error:
                run.status = ImportRun.Status.FAILED
                self._forget_file(run)
            run.save()
            return redirect("admin:opendata_importrun_confirm", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Importer des structures"),
            "form": form,
            "opts": self.model._meta,
            "max_mb": settings.OPENDATA_UPLOAD_MAX_MB,
        }
        return TemplateResponse(request, "opendata/admin/upload.html", context)

    def confirm_view(self, request, pk):
        if not self.has_add_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun, pk=pk)
        if request.method == "POST" and run.status == ImportRun.Status.CHECKED:
            if "cancel" in request.POST:
                run.status = ImportRun.Status.CANCELLED
                self._forget_file(run)
                run.save()
                self.message_user(request, _("Import annulé : rien n'a été enregistré."))
                return redirect("admin:opendata_importrun_changelist")
            with transaction.atomic():
                locked = ImportRun.objects.select_for_update().get(pk=run.pk)
                if locked.status != ImportRun.Status.CHECKED:  # confirmed twice at once
                    return redirect("admin:opendata_importrun_confirm", run.pk)
                report = run_import(run, dry_run=False, user=request.user)
                if report is None:
                    self.message_user(
                        request,
                        _("Le fichier déposé a expiré : déposez-le à nouveau."),
                        messages.ERROR,
                    )
                    return redirect("admin:opendata_importrun_add")
                run.report = report.as_dict()
                run.status = ImportRun.Status.IMPORTED
                run.imported_at = timezone.now()
                self._forget_file(run)
                run.save()
            self.message_user(
                request, _("Import terminé : %(summary)s.") % {"summary": report.summary()}
            )
            return redirect("admin:opendata_importrun_confirm", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import de « %(name)s »") % {"name": run.file_name},
            "run": run,
            "opts": self.model._meta,
            "can_confirm": run.status == ImportRun.Status.CHECKED,
        }
        return TemplateResponse(request, "opendata/admin/confirm.html", context)

    def _store(self, form, user):
        upload = form.cleaned_data["file"]
        stored_name = f"{uuid.uuid4().hex}.upload"
        with (upload_dir() / stored_name).open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
        return ImportRun.objects.create(
            created_by=user,
            format=form.cleaned_data["format"],
            file_name=Path(upload.name).name[:255],
            stored_name=stored_name,
            communes=form.cleaned_data["communes"],
            departement=form.cleaned_data["departement"],
        )

    def _forget_file(self, run):
        if run.stored_name:
            (upload_dir() / run.stored_name).unlink(missing_ok=True)
            run.stored_name = ""
