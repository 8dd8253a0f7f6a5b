import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.enums import Status, VerificationMethod
from actors.models import Structure, unique_slug
from partners import notifications, proposal_fields


class MemberRole(models.TextChoices):
    MANAGER = "manager", _("Responsable de la fiche")
    CONTRIBUTOR = "contributor", _("Contributeur ou contributrice")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REJECTED = "rejected", _("Refusée")
    SUPERSEDED = "superseded", _("Remplacée")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    HANDLED = "handled", _("Traité")


def partner_structures(user):
    """The structures a signed-in partner may see and act on: its memberships, not archived."""
    if not user.is_authenticated:
        return Structure.objects.none()
    return Structure.objects.filter(memberships__user=user).exclude(status=Status.ARCHIVED)


def reachable_members(structure_ref=None):
    """Active partner members with an address: whom a reminder can reach."""
    members = Membership.objects.filter(user__is_active=True).exclude(user__email="")
    if structure_ref is not None:
        members = members.filter(structure_id=structure_ref)
    return members


def stale_without_partner(now=None):
    """Published entries due for a check that no partner member can be reminded of:
    the agents' to check (by phone, say), never checked first, then the oldest check."""
    return (
        Structure.objects.published()
        .stale(now)
        .exclude(Exists(reachable_members(OuterRef("pk"))))
        .order_by(models.F("last_verified_at").asc(nulls_first=True), "pk")
    )


class Membership(models.Model):
    """Links a partner's user account to a structure it keeps current."""

    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("structure"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("compte"),
        help_text=_(
            "Un compte partenaire n'a pas besoin du statut « équipe » : il n'entre jamais "
            "dans l'administration, seulement dans l'espace partenaires."
        ),
    )
    role = models.CharField(
        _("rôle"), max_length=12, choices=MemberRole.choices, default=MemberRole.MANAGER
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre d'une structure")
        verbose_name_plural = _("membres des structures (comptes partenaires)")
        ordering = ["structure", "user"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "user"], name="membership_unique"),
            models.CheckConstraint(
                name="membership_role_valid", condition=Q(role__in=MemberRole.values)
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.structure}"


class ProposalConflict(Exception):
    """The entry changed since the proposal on these fields: an agent must choose."""

    def __init__(self, fields):
        super().__init__(", ".join(fields))
        self.fields = fields


class AlreadyDecided(Exception):
    """Someone decided on this proposal first (or it was superseded)."""


class ChangeProposalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ProposalStatus.PENDING)


class ChangeProposal(models.Model):
    """A partner's proposed change to a structure, or a new structure; applied by an agent.

    `base` holds the value each changed field had when the partner proposed it,
    `changes` the value proposed. On acceptance, a field that has changed since
    (current ≠ base) and differs from the proposal is a conflict the agent
    resolves field by field: nothing is silently overwritten.
    """

    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_proposals",
        verbose_name=_("structure"),
        help_text=_("Vide pour une nouvelle structure tant qu'elle n'est pas acceptée."),
    )
    is_new = models.BooleanField(_("nouvelle structure"), default=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="change_proposals",
        verbose_name=_("proposée par"),
    )
    created_at = models.DateTimeField(_("proposée le"), auto_now_add=True)
    changes = models.JSONField(_("valeurs proposées"), default=dict)
    base = models.JSONField(
        _("valeurs au moment de la proposition"),
        default=dict,
        help_text=_("Ce que le partenaire voyait : sert à détecter les conflits."),
    )
    base_version = models.PositiveBigIntegerField(
        _("version de la fiche"),
        null=True,
        blank=True,
        help_text=_(
            "Numéro, dans l'historique, de la version de la fiche proposée à la modification."
        ),
    )
    message = models.TextField(_("message du partenaire"), blank=True, max_length=2000)
    status = models.CharField(
        _("statut"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    reason = models.TextField(
        _("motif"),
        blank=True,
        help_text=_("Envoyé au partenaire avec la décision. Obligatoire pour un refus."),
    )

    objects = ChangeProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposition de modification")
        verbose_name_plural = _("propositions de modification")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="proposal_status_valid", condition=Q(status__in=ProposalStatus.values)
            ),
            models.CheckConstraint(
                name="proposal_decided_iff_not_pending",
                condition=Q(status=ProposalStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=ProposalStatus.PENDING) & Q(decided_at__isnull=False)),
            ),
        ]
        indexes = [
            # Serves the moderation queue and the daily digest (pending, oldest first).
            models.Index(fields=["status", "created_at"], name="proposal_status_created_idx"),
            # Serves superseding on acceptance and "pending" badges in the partner space.
            models.Index(fields=["structure", "status"], name="proposal_structure_status_idx"),
        ]

    def __str__(self):
        return _("Proposition n°%(pk)s — %(target)s") % {"pk": self.pk, "target": self.target_name}

    @property
    def target_name(self):
        if self.structure_id:
            return self.structure.name
        return self.changes.get("name") or _("nouvelle structure")

    @property
    def is_pending(self):
        return self.status == ProposalStatus.PENDING

    # --- Creating proposals -------------------------------------------------------

    @classmethod
    def _pending_twin(cls, *, by, structure, changes, message):
        """The same proposal already waiting from the same partner (a double submission)."""
        candidates = cls.objects.pending().filter(proposed_by=by, structure=structure)
        if structure is None:
            candidates = candidates.filter(is_new=True)
        for proposal in candidates:
            if proposal.changes == changes and proposal.message == message:
                return proposal
        return None

    @classmethod
    @transaction.atomic
    def propose(cls, structure, *, by, values, message=""):
        """Record the fields whose proposed value differs from the live entry.

        Idempotent: the same changes sent again while the first are pending (a
        double click, a reload of the POST) return the pending proposal. The
        structure row is locked first (the lock order of accept()), so two
        identical submissions queue here and the second finds the first.
        """
        structure = Structure.objects.select_for_update().get(pk=structure.pk)
        base = proposal_fields.snapshot(structure, values.keys())
        changes = {name: value for name, value in values.items() if value != base[name]}
        if not changes:
            raise ValidationError(
                _(
                    "Vous n'avez rien modifié. Si tout est juste, utilisez plutôt "
                    "« Rien n'a changé »."
                )
            )
        twin = cls._pending_twin(by=by, structure=structure, changes=changes, message=message)
        if twin is not None:
            return twin
        latest = structure.history.order_by("-history_id").values_list("history_id", flat=True)
        return cls.objects.create(
            structure=structure,
            proposed_by=by,
            changes=changes,
            base={name: base[name] for name in changes},
            base_version=latest.first(),
            message=message,
        )

    @classmethod
    @transaction.atomic
    def propose_new(cls, *, by, values, message=""):
        """A new structure, idempotent like propose(): the partner's user row is the lock."""
        get_user_model().objects.select_for_update().filter(pk=by.pk).first()
        twin = cls._pending_twin(by=by, structure=None, changes=values, message=message)
        if twin is not None:
            return twin
        return cls.objects.create(is_new=True, proposed_by=by, changes=values, message=message)

    # --- Reviewing ----------------------------------------------------------------

    def current_values(self):
        if self.structure_id is None:
            return {}
        return proposal_fields.snapshot(self.structure, self.changes.keys())

    def conflicts(self, current=None):
        """Fields changed on the live entry since the proposal, to something else."""
        if self.is_new:
            return []
        current = self.current_values() if current is None else current
        return [
            name
            for name, proposed in self.changes.items()
            if current[name] != self.base.get(name) and current[name] != proposed
        ]

    def diff(self):
        """Rows for the agent: changed fields only, with the conflict ones flagged."""
        current = self.current_values()
        conflicts = set(self.conflicts(current)) if self.is_pending else set()
        rows = []
        for name, proposed in self.changes.items():
            field = proposal_fields.FIELDS[name]
            if not self.is_new and current.get(name) == proposed and self.is_pending:
                continue  # already live: nothing to review
            row = {
                "name": name,
                "label": field.label,
                "base": field.display(self.base[name]) if name in self.base else "",
                "current": field.display(current[name]) if name in current else "",
                "proposed": field.display(proposed),
                "conflict": name in conflicts,
            }
            if hasattr(field, "lines") and name in current:
                # Lists (hours, needs, actors…): say which lines come and go.
                before, after = field.lines(current[name]), field.lines(proposed)
                row["added"] = [line for line in after if line not in before]
                row["removed"] = [line for line in before if line not in after]
            rows.append(row)
        return rows

    @transaction.atomic
    def accept(self, *, by, resolutions=None, reason=""):
        """Apply the proposal in one transaction and mark the entry verified.

        `resolutions` maps each conflicting field to "proposed" or "current";
        without a choice for every conflict, raises ProposalConflict and
        changes nothing. Other pending proposals that set one of the applied
        fields to something else are superseded.
        """
        resolutions = resolutions or {}
        # Lock order, always: structure, then proposal — two agents accepting
        # two proposals on one structure queue here instead of interleaving.
        structure = None
        if self.structure_id:
            structure = Structure.objects.select_for_update().get(pk=self.structure_id)
        locked = ChangeProposal.objects.select_for_update().get(pk=self.pk)
        if locked.status != ProposalStatus.PENDING:
            raise AlreadyDecided(locked.get_status_display())
        if structure is None and not self.is_new:
            raise ValidationError(_("La structure visée a été supprimée : refusez la proposition."))

        values = dict(self.changes)
        if structure is None:
            structure = Structure(status=Status.DRAFT, slug=unique_slug(values.get("name", "")))
        else:
            current = proposal_fields.snapshot(structure, values.keys())
            conflicts = self.conflicts(current)
            unresolved = [name for name in conflicts if resolutions.get(name) not in CHOICES]
            if unresolved:
                raise ProposalConflict(unresolved)
            for name in conflicts:
                if resolutions[name] == "current":
                    del values[name]
        structure.last_verified_at = timezone.now()
        structure.verified_by = self.proposed_by
        structure.verification_method = VerificationMethod.PARTNER
        structure._change_reason = str(_("Proposition n°%(pk)s acceptée") % {"pk": self.pk})
        proposal_fields.apply(structure, values)
        if self.is_new and self.proposed_by_id:
            Membership.objects.get_or_create(structure=structure, user_id=self.proposed_by_id)

        self.structure = structure
        self._decide(ProposalStatus.ACCEPTED, by=by, reason=reason)
        self._supersede_others(proposal_fields.snapshot(structure, values.keys()))
        return structure

    @transaction.atomic
    def reject(self, *, by, reason):
        if not reason.strip():
            raise ValidationError(_("Indiquez le motif du refus : il est envoyé au partenaire."))
        locked = ChangeProposal.objects.select_for_update().get(pk=self.pk)
        if locked.status != ProposalStatus.PENDING:
            raise AlreadyDecided(locked.get_status_display())
        self._decide(ProposalStatus.REJECTED, by=by, reason=reason.strip())

    def _decide(self, status, *, by, reason, notify=True):
        self.status = status
        self.reviewed_by = by
        self.decided_at = timezone.now()
        self.reason = reason
        self.save(update_fields=["structure", "status", "reviewed_by", "decided_at", "reason"])
        if notify:
            notifications.on_decision(self)

    def _supersede_others(self, applied):
        others = ChangeProposal.objects.pending().filter(structure=self.structure_id)
        for other in others.exclude(pk=self.pk).select_for_update():
            if all(applied.get(name, _ABSENT) == value for name, value in other.changes.items()):
                # The same changes sent again (another message, a colleague): they are
                # live now, so this one is accepted too — without a second e-mail.
                reason = _(
                    "Les mêmes modifications sont en ligne : proposition n°%(pk)s acceptée."
                ) % {"pk": self.pk}
                other._decide(
                    ProposalStatus.ACCEPTED, by=self.reviewed_by, reason=reason, notify=False
                )
            elif any(
                name in applied and value != applied[name] for name, value in other.changes.items()
            ):
                reason = _(
                    "Une autre proposition (n°%(pk)s) a modifié les mêmes informations entre-temps."
                ) % {"pk": self.pk}
                other._decide(ProposalStatus.SUPERSEDED, by=self.reviewed_by, reason=reason)


CHOICES = {"proposed", "current"}
_ABSENT = object()


class ErrorReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ReportStatus.OPEN)


class ErrorReport(models.Model):
    """A visitor's "Signaler une erreur" on a public page. Plain text, never rendered as HTML."""

    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="error_reports",
        verbose_name=_("structure"),
    )
    message = models.TextField(_("ce qui ne va pas"), max_length=2000)
    email = models.EmailField(
        _("courriel pour vous répondre"),
        blank=True,
        help_text=_("Facultatif. Il sert seulement à vous répondre."),
    )
    created_at = models.DateTimeField(_("signalé le"), auto_now_add=True)
    status = models.CharField(
        _("statut"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traité par"),
    )
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    objects = ErrorReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("signalement d'erreur")
        verbose_name_plural = _("signalements d'erreur")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="error_report_status_valid", condition=Q(status__in=ReportStatus.values)
            ),
        ]
        indexes = [
            # Serves the moderation queue and the daily digest (open reports).
            models.Index(fields=["status", "created_at"], name="error_report_status_idx"),
        ]

    def __str__(self):
        return _("Signalement sur %(structure)s") % {"structure": self.structure}

    @transaction.atomic
    def mark_handled(self, *, by):
        self.status = ReportStatus.HANDLED
        self.handled_by = by
        self.handled_at = timezone.now()
        self.save(update_fields=["status", "handled_by", "handled_at"])


class VerificationReminder(models.Model):
    """One reminder e-mail round to a structure's partner members, for idempotence."""

    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.CASCADE,
        related_name="verification_reminders",
        verbose_name=_("structure"),
    )
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    recipients = models.PositiveSmallIntegerField(_("destinataires"))

    class Meta:
        verbose_name = _("rappel de vérification")
        verbose_name_plural = _("rappels de vérification")
        ordering = ["-sent_at"]
        indexes = [
            # Serves "was this structure reminded in the last REMINDER_INTERVAL_DAYS?".
            models.Index(fields=["structure", "sent_at"], name="reminder_structure_sent_idx"),
        ]

    def __str__(self):
        return f"{self.structure} — {self.sent_at:%Y-%m-%d}"

    @staticmethod
    def due(now=None):
        """Stale published structures with a reachable member, not reminded recently."""
        now = now or timezone.now()
        since = now - datetime.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
        reachable = reachable_members(OuterRef("pk"))
        recent = VerificationReminder.objects.filter(structure_id=OuterRef("pk"), sent_at__gt=since)
        return (
            Structure.objects.published()
            .stale(now)
            .filter(Exists(reachable))
            .exclude(Exists(recent))
            .order_by("pk")
        )

    @staticmethod
    def due_for_agents(now=None):
        """Stale published structures no partner can be reminded of, not listed recently."""
        now = now or timezone.now()
        since = now - datetime.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
        recent = VerificationReminder.objects.filter(structure_id=OuterRef("pk"), sent_at__gt=since)
        return stale_without_partner(now).exclude(Exists(recent))

    @classmethod
    def send_agents_digest(cls, now=None):
        """E-mail the agents the entries only they can check; returns the e-mails sent.

        Each listed entry gets its reminder row, so the next digest lists it again only
        after REMINDER_INTERVAL_DAYS (or never, once checked).
        """
        now = now or timezone.now()
        with transaction.atomic():
            # Locked like send_for(): a second run at the same time waits, then finds
            # the reminder rows and lists nothing twice.
            pks = list(cls.due_for_agents(now).select_for_update().values_list("pk", flat=True))
            if not pks:
                return 0
            structures = list(
                Structure.objects.filter(pk__in=pks)
                .select_related("neighbourhood")
                .order_by("name", "pk")
            )
            sent = notifications.send_agents_digest(structures, list(notifications.moderators()))
            if sent:
                cls.objects.bulk_create(
                    cls(structure=structure, sent_at=now, recipients=sent)
                    for structure in structures
                )
        return sent

    @classmethod
    def send_for(cls, structure_pk, now=None):
        """E-mail the members once; returns the number of e-mails sent (0 if not due)."""
        now = now or timezone.now()
        with transaction.atomic():
            # The lock makes two concurrent runs of the command queue here; the
            # second finds the reminder row and sends nothing.
            structure = cls.due(now).select_for_update().filter(pk=structure_pk).first()
            if structure is None:
                return 0
            members = list(
                Membership.objects.filter(structure=structure, user__is_active=True)
                .exclude(user__email="")
                .select_related("user")
            )
            sent = notifications.send_reminders(structure, members)
            cls.objects.create(structure=structure, sent_at=now, recipients=sent)
        return sent
