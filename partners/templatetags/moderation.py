"""The admin index's panel: what waits for an agent, oldest first, beside the dashboard."""

import datetime

from django import template
from django.utils import timezone

from partners.models import ChangeProposal, ErrorReport, stale_without_partner

register = template.Library()

SHOWN = 5
DASHBOARD_DAYS = 90  # the dashboard's default period (insights.forms.DEFAULT_DAYS)


@register.inclusion_tag("partners/admin/_waiting.html", takes_context=True)
def waiting_panel(context):
    """Six queries whatever the queue's length: a count and the oldest rows of each
    list, and the dashboard's figures. Shown to agents who may moderate."""
    user = context["request"].user
    if not user.has_perm("partners.change_changeproposal"):
        return {"show": False}
    proposals = ChangeProposal.objects.pending().select_related("structure", "proposed_by")
    reports = ErrorReport.objects.open().select_related("structure")
    stale = stale_without_partner()
    return {
        "show": True,
        "proposals": proposals.order_by("created_at")[:SHOWN],
        "proposal_count": proposals.count(),
        "reports": reports.order_by("created_at")[:SHOWN],
        "report_count": reports.count(),
        "stale": stale.only("pk", "name", "phone", "last_verified_at")[:SHOWN],
        "stale_count": stale.count(),
        "searches": _recent_searches(),
        "dashboard_days": DASHBOARD_DAYS,
        "csrf_token": context.get("csrf_token"),
    }


def _recent_searches():
    from insights.models import RecordedSearch

    since = timezone.localdate() - datetime.timedelta(days=DASHBOARD_DAYS - 1)
    # The dashboard's own figures: searches not understood are not unmet demand.
    return RecordedSearch.objects.filter(day__gte=since).summary()
