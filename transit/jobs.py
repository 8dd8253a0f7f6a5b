"""The admin's GTFS upload, imported by the task worker (django-tasks, as opendata's
imports): the request answers at once, the import runs in `manage.py db_worker`, and its
report — lines, stops, or why the feed was refused — is kept on the FeedImport."""

import logging

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from opendata.jobs import upload_dir

from .gtfs import FeedError
from .importer import import_feed, summary
from .models import FeedImport

logger = logging.getLogger(__name__)


@task()
def import_uploaded_feed(run_id):
    run = FeedImport.objects.get(pk=run_id)
    if run.status != FeedImport.Status.PENDING:
        return run.status
    run.status = FeedImport.Status.RUNNING
    run.save(update_fields=["status"])
    path = upload_dir() / run.stored_name
    with translation.override("fr"):
        try:
            feed, parsed = import_feed(
                path,
                run.key,
                name=run.name,
                licence=run.licence,
                source_url=run.source_url,
                is_example=run.is_example,
            )
        except FeedError as error:
            run.status, run.report = FeedImport.Status.FAILED, error.errors
        except Exception as error:
            logger.exception("GTFS import %s failed", run.pk)
            run.status = FeedImport.Status.FAILED
            run.report = [
                _("Le traitement a échoué (%(error)s) : rien n'a été enregistré.")
                % {"error": type(error).__name__}
            ]
        else:
            run.status = FeedImport.Status.DONE
            run.report = [
                summary(feed, parsed),
                *parsed.warnings,
            ]
    path.unlink(missing_ok=True)
    run.stored_name = ""
    run.finished_at = timezone.now()
    run.save()
    return run.status
