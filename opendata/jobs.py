"""Admin imports as background jobs: the dry run, then the import, each a django-tasks task.

The upload stores the files in OPENDATA_UPLOAD_DIR and queues the dry run; the
worker (`manage.py db_worker`) runs it and keeps its report on the ImportRun;
the agent confirms, which queues the import. A job that crashes marks its run
failed: the import's transaction has rolled back, nothing was written, and a
failed dry run cannot be confirmed.

Progress (bytes read of the files) is written to a small file beside the upload,
not to the database: the import is one transaction, and what it writes, progress
included, would only be seen once it commits.
"""

import io
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .models import ImportRun

logger = logging.getLogger(__name__)


def upload_dir():
    folder = Path(settings.OPENDATA_UPLOAD_DIR or Path(tempfile.gettempdir()) / "guide-imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Progress:
    """Bytes read so far, in a JSON file beside the upload (the tqdm calls ProgressReader makes)."""

    EVERY_SECONDS = 0.5

    def __init__(self, run, phase, total):
        self.path = upload_dir() / f"{run.pk}.progress"
        self.phase, self.total, self.n, self._written = phase, total, 0, 0.0

    def update(self, count):
        self.n += count
        self.refresh()

    def refresh(self, force=False):
        now = time.monotonic()
        if not force and now - self._written < self.EVERY_SECONDS:
            return
        self._written = now
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"phase": self.phase, "done": self.n, "total": self.total}))
        os.replace(temporary, self.path)  # readers never see half a file


def read_progress(run):
    """{"phase", "done", "total"} of a running job, or None."""
    try:
        return json.loads((upload_dir() / f"{run.pk}.progress").read_text())
    except (OSError, ValueError):
        return None


def forget_files(run):
    for name in (run.stored_name, run.services_stored_name):
        if name:
            (upload_dir() / name).unlink(missing_ok=True)
    (upload_dir() / f"{run.pk}.progress").unlink(missing_ok=True)
    run.stored_name = run.services_stored_name = ""


def run_import(run, *, dry_run):
    """The Report of importing the run's stored files; None if a file has expired."""
    # Here rather than at the top: the admin imports this module in every process, and the
    # readers and the importer (data·inclusion's schema, the geocoder) only the worker needs.
    from . import formats, readahead
    from .formats import ProgressReader
    from .importer import Importer

    paths = [
        upload_dir() / name if name else None
        for name in (run.stored_name, run.services_stored_name)
    ]
    if not any(paths) or any(path is not None and not path.is_file() for path in paths):
        return None
    total = sum(path.stat().st_size for path in paths if path)
    progress = Progress(run, "check" if dry_run else "import", total)
    importer = Importer(
        dry_run=dry_run,
        communes=[c for c in run.communes.split(",") if c],
        departement=run.departement,
        user=run.created_by,
    )
    structures_path, services_path = paths
    with translation.override("fr"):
        streams = [
            io.BufferedReader(ProgressReader(path.open("rb"), progress)) if path else None
            for path in paths
        ]
        try:
            records = (
                formats.records(run.format, streams[0], services=streams[1])
                if structures_path
                else ()
            )
            services = (
                formats.service_records(streams[1], checked=bool(structures_path))
                if services_path
                else None
            )
            return importer.run(records, services=services, read_ahead=total >= readahead.MIN_BYTES)
        finally:
            for stream in streams:
                if stream is not None:
                    stream.close()


def _job(run_id, *, dry_run):
    run = ImportRun.objects.get(pk=run_id)
    expected = ImportRun.Status.PENDING_CHECK if dry_run else ImportRun.Status.PENDING_IMPORT
    if run.status != expected:
        return run.status  # cancelled, or already run by another worker
    run.status = ImportRun.Status.CHECKING if dry_run else ImportRun.Status.IMPORTING
    run.save(update_fields=["status"])
    try:
        report = run_import(run, dry_run=dry_run)
    except Exception as error:
        # Whatever the crash, the import's transaction rolled back: say so, keep nothing.
        logger.exception("Import run %s failed", run.pk)
        with translation.override("fr"):
            run.error = _("Le traitement a échoué (%(error)s) : rien n'a été enregistré.") % {
                "error": type(error).__name__
            }
        run.status = ImportRun.Status.FAILED
        forget_files(run)
        run.save()
        raise
    if report is None:
        with translation.override("fr"):
            run.error = _("Le fichier déposé a expiré : déposez-le à nouveau.")
        run.status = ImportRun.Status.FAILED
    elif dry_run:
        run.dry_run_report = report.as_dict()
        run.status = ImportRun.Status.FAILED if report.file_error else ImportRun.Status.CHECKED
    else:
        run.report = report.as_dict()
        run.status = ImportRun.Status.FAILED if report.file_error else ImportRun.Status.IMPORTED
        run.imported_at = timezone.now()
    if run.status != ImportRun.Status.CHECKED:
        forget_files(run)
    else:
        (upload_dir() / f"{run.pk}.progress").unlink(missing_ok=True)
    run.save()
    return run.status


@task()
def check_import(run_id):
    """The dry run of an uploaded file: everything is done, then rolled back."""
    return _job(run_id, dry_run=True)


@task()
def apply_import(run_id):
    """The confirmed import of a checked run."""
    return _job(run_id, dry_run=False)


def confirm(run):
    """Queue the import of a checked run; False if it cannot be (not checked, or raced)."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if not locked.can_confirm:
            return False
        locked.status = ImportRun.Status.PENDING_IMPORT
        locked.save(update_fields=["status"])
        apply_import.enqueue(locked.pk)
    return True
