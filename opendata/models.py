from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The import formats (opendata.formats.READERS reads each).
DATA_INCLUSION = "data-inclusion"
FORMAT_CHOICES = [
    ("annuaire", _("Annuaire de l'administration (JSON, fichier complet ou API)")),
    (DATA_INCLUSION, _("data·inclusion (structures et services, JSON ou API)")),
    ("csv", _("CSV du guide (colonnes documentées)")),
    ("json", _("JSON du guide (export /export/structures.json)")),
]


class ImportRun(models.Model):
    """An import started from the admin: the uploaded files, their dry run, then the real one.

    Both run as background jobs (opendata.tasks, on django-tasks' database backend):
    the upload answers at once and the run's page follows the job.
    """

    class Status(models.TextChoices):
        PENDING_CHECK = "pending-check", _("Essai à blanc en attente")
        CHECKING = "checking", _("Essai à blanc en cours")
        CHECKED = "checked", _("Essai à blanc fait, en attente de confirmation")
        PENDING_IMPORT = "pending-import", _("Import en attente")
        IMPORTING = "importing", _("Import en cours")
        IMPORTED = "imported", _("Importé")
        CANCELLED = "cancelled", _("Annulé")
        FAILED = "failed", _("Échec : rien n'a été enregistré")

    RUNNING = {Status.PENDING_CHECK, Status.CHECKING, Status.PENDING_IMPORT, Status.IMPORTING}

    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    format = models.CharField(_("format"), max_length=16, choices=FORMAT_CHOICES)
    file_name = models.CharField(_("fichier"), max_length=255, blank=True)
    # Names of the uploaded copies in OPENDATA_UPLOAD_DIR until the run is done.
    stored_name = models.CharField(max_length=64, blank=True, editable=False)
    services_file_name = models.CharField(_("fichier des services"), max_length=255, blank=True)
    services_stored_name = models.CharField(max_length=64, blank=True, editable=False)
    communes = models.CharField(_("communes (codes INSEE)"), max_length=500, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.PENDING_CHECK
    )
    error = models.TextField(_("erreur"), blank=True)
    dry_run_report = models.JSONField(_("rapport de l'essai à blanc"), default=dict, blank=True)
    report = models.JSONField(_("rapport de l'import"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("importé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de structures")
        verbose_name_plural = _("imports de structures")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name or self.services_file_name} ({self.get_status_display()})"

    @property
    def is_running(self):
        return self.status in self.RUNNING

    @property
    def can_confirm(self):
        """Only a dry run that went to its end, on a readable file, can be confirmed."""
        report = self.dry_run_report or {}
        return (
            self.status == self.Status.CHECKED
            and bool(report)
            and not report.get("file_error")
            and not self.error
        )

    @property
    def summary(self):
        """created / updated / unchanged / skipped / invalid, of the import or its dry run."""
        report = self.report or self.dry_run_report
        if not report:
            return ""
        return (
            f"{report.get('created', 0)} / {report.get('updated', 0)} / "
            f"{report.get('unchanged', 0)} / {report.get('skipped', 0)} / "
            f"{report.get('invalid', 0)}"
        )
