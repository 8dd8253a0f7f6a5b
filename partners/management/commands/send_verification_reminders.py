import smtplib

from django.conf import settings
from django.core.management.base import BaseCommand

from partners.models import VerificationReminder


class Command(BaseCommand):
    help = (
        "E-mails the partner members of stale published structures, at most once per "
        "REMINDER_INTERVAL_DAYS per structure, then the agents the stale structures no "
        "partner can be reminded of, by quartier. Idempotent: run it daily from cron."
    )

    def handle(self, *args, **options):
        structures = emails = 0
        failed = 0
        for pk in VerificationReminder.due().values_list("pk", flat=True).iterator():
            try:
                sent = VerificationReminder.send_for(pk)
            except (smtplib.SMTPException, OSError) as error:
                # Nothing recorded for this structure: tomorrow's run tries again.
                self.stderr.write(f"Structure {pk}: mail server error, will retry: {error}")
                failed += 1
                continue
            structures += bool(sent)
            emails += sent
        self.stdout.write(
            f"{emails} e-mail(s) sent for {structures} structure(s) "
            f"(interval: {settings.REMINDER_INTERVAL_DAYS} days); {failed} failed."
        )
        try:
            digests = VerificationReminder.send_agents_digest()
        except (smtplib.SMTPException, OSError) as error:
            self.stderr.write(f"Agents' digest: mail server error, will retry: {error}")
            return
        self.stdout.write(f"{digests} agents' digest(s) sent for the structures without a partner.")
