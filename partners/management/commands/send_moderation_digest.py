from django.core.management.base import BaseCommand

from partners import notifications
from partners.models import ChangeProposal, ErrorReport


class Command(BaseCommand):
    help = (
        "E-mails the moderators a digest of pending proposals and open error reports; "
        "sends nothing when there is nothing to moderate. Run it daily from cron."
    )

    def handle(self, *args, **options):
        proposals = list(
            ChangeProposal.objects.pending()
            .select_related("structure", "proposed_by")
            .order_by("created_at")
        )
        reports = list(
            ErrorReport.objects.open().select_related("structure").order_by("created_at")
        )
        sent = notifications.send_digest(proposals, reports)
        self.stdout.write(
            f"{len(proposals)} pending proposal(s), {len(reports)} open report(s); "
            f"{sent} e-mail(s) sent."
        )
