"""The e-mails of the partner workflow, in French, as plain text.

Decisions are sent after the transaction commits (never for a rolled-back
decision) and a mail server failure is logged, not turned into an error page.
"""

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from partners import links

logger = logging.getLogger(__name__)


def _message(template, context, to):
    with translation.override(settings.LANGUAGE_CODE):
        subject, _, body = render_to_string(template, context).partition("\n\n")
    return EmailMessage(" ".join(subject.split()), body.strip() + "\n", to=to)


def on_decision(proposal):
    transaction.on_commit(partial(send_decision, proposal.pk), robust=True)


def send_decision(proposal_pk):
    from partners.models import ChangeProposal

    proposal = ChangeProposal.objects.select_related("proposed_by", "structure").get(pk=proposal_pk)
    user = proposal.proposed_by
    if user is None or not user.email:
        return 0
    context = {"proposal": proposal, "home_url": links.absolute(reverse("partners:home"))}
    return _message("partners/emails/decision.txt", context, [user.email]).send()


def send_reminders(structure, members):
    """One e-mail per member, each with its own signed one-click link."""
    messages = [
        _message(
            "partners/emails/reminder.txt",
            {
                "structure": structure,
                "user": member.user,
                "confirm_url": links.confirm_url(structure, member.user),
                "propose_url": links.absolute(reverse("partners:propose", args=[structure.slug])),
                "stale_after_days": settings.STALE_AFTER_DAYS,
            },
            [member.user.email],
        )
        for member in members
    ]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def send_invitation(user, structures):
    """The link that lets a new partner account choose its first password."""
    context = {
        "user": user,
        "structure_names": ", ".join(f"« {structure.name} »" for structure in structures),
        "invitation_url": links.invitation_url(user),
        "days": settings.PARTNER_INVITATION_DAYS,
    }
    return _message("partners/emails/invitation.txt", context, [user.email]).send()


def moderators():
    """Active staff who may moderate (superusers included), with an address."""
    # Explicit backend: axes' backend is listed too and knows nothing of permissions.
    users = get_user_model().objects.with_perm(
        "partners.change_changeproposal", backend="django.contrib.auth.backends.ModelBackend"
    )
    return users.filter(is_active=True, is_staff=True).exclude(email="").order_by("pk")


def send_digest(proposals, reports):
    if not proposals and not reports:
        return 0
    context = {
        "proposals": proposals,
        "reports": reports,
        "proposals_url": links.absolute(reverse("admin:partners_changeproposal_changelist")),
        "reports_url": links.absolute(reverse("admin:partners_errorreport_changelist")),
    }
    recipients = [user.email for user in moderators()]
    if not recipients:
        logger.warning("Moderation digest: no staff member with an e-mail address.")
        return 0
    # One message, moderators in Bcc: they need not see each other's addresses.
    message = _message("partners/emails/digest.txt", context, [])
    message.bcc = recipients
    return message.send()


def send_agents_digest(structures, agents):
    """One e-mail per agent (each link is signed for its reader), entries by quartier."""
    by_quartier = {}
    for structure in structures:
        name = str(structure.neighbourhood) if structure.neighbourhood_id else ""
        by_quartier.setdefault(name, []).append(structure)
    # Quartiers A to Z; entries outside every quartier last.
    groups = sorted(by_quartier.items(), key=lambda item: (item[0] == "", item[0]))
    messages = []
    for agent in agents:
        context = {
            "count": len(structures),
            "groups": [
                (
                    quartier,
                    [
                        {
                            "structure": structure,
                            "phone_url": links.phone_check_url(structure, agent),
                            "admin_url": links.absolute(
                                reverse("admin:actors_structure_change", args=[structure.pk])
                            ),
                        }
                        for structure in entries
                    ],
                )
                for quartier, entries in groups
            ],
            "stale_after_days": settings.STALE_AFTER_DAYS,
        }
        messages.append(_message("partners/emails/agents_digest.txt", context, [agent.email]))
    if not messages:
        logger.warning("Agents' reminder digest: no staff member with an e-mail address.")
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
