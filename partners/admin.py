from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from actors.admin import ActorAdmin as BaseActorAdmin
from actors.admin import PermanenceAdmin as BasePermanenceAdmin
from actors.admin import StructureAdmin as BaseStructureAdmin
from actors.admin import StructureAdminForm
from actors.enums import VerificationMethod
from actors.models import Actor, Permanence, Structure
from actors.models.history import TRACKED
from partners import links, notifications, timeline
from partners.models import (
    AlreadyDecided,
    ChangeProposal,
    ErrorReport,
    Membership,
    ProposalConflict,
    ProposalStatus,
    ReportStatus,
    reachable_members,
)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["structure", "user", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["structure", "user"]
    search_fields = ["structure__name", "user__username", "user__email"]
    autocomplete_fields = ["structure", "user"]
    actions = ["invite"]

    @admin.action(
        description=gettext_lazy("Envoyer une invitation (le partenaire choisit son mot de passe)")
    )
    def invite(self, request, queryset):
        """One e-mail per account, naming all its selected structures; no password sent."""
        by_user = {}
        for membership in queryset.select_related("user", "structure"):
            by_user.setdefault(membership.user, []).append(membership.structure)
        sent, skipped = 0, []
        for user, structures in by_user.items():
            if not user.email or not user.is_active or user.has_usable_password():
                skipped.append(user.get_username())
                continue
            sent += notifications.send_invitation(user, structures)
        if sent:
            self.message_user(
                request,
                ngettext("%d invitation envoyée.", "%d invitations envoyées.", sent) % sent,
            )
        if skipped:
            self.message_user(
                request,
                _(
                    "Pas d'invitation pour %(names)s : compte sans adresse électronique, "
                    "désactivé ou qui a déjà un mot de passe (il peut utiliser « Mot de passe "
                    "oublié » sur la page de connexion)."
                )
                % {"names": ", ".join(skipped)},
                messages.WARNING,
            )


class DefaultStatusFilter(admin.SimpleListFilter):
    """A status filter that opens on the rows still to handle: the moderation queue."""

    title = gettext_lazy("statut")
    parameter_name = "statut"
    choices_class = None
    default = None

    def lookups(self, request, model_admin):
        return [*self.choices_class.choices, ("all", _("Tous"))]

    def choices(self, changelist):
        # No "All" entry pointing at the default: the default is the queue.
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or self.default) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.default
        return queryset if value == "all" else queryset.filter(status=value)


class ProposalStatusFilter(DefaultStatusFilter):
    choices_class = ProposalStatus
    default = ProposalStatus.PENDING


class ReportStatusFilter(DefaultStatusFilter):
    choices_class = ReportStatus
    default = ReportStatus.OPEN


@admin.register(ChangeProposal)
class ChangeProposalAdmin(admin.ModelAdmin):
    """The moderation queue: pending proposals, each reviewed on a field-by-field diff."""

    list_display = ["__str__", "kind", "proposed_by", "created_at", "changed_fields", "status"]
    list_filter = [ProposalStatusFilter]
    list_select_related = ["structure", "proposed_by"]
    search_fields = ["structure__name", "proposed_by__username", "proposed_by__email"]
    ordering = ["created_at"]  # oldest first: a queue

    @admin.display(description=gettext_lazy("type"))
    def kind(self, obj):
        return _("Nouvelle structure") if obj.is_new else _("Modification")

    @admin.display(description=gettext_lazy("champs modifiés"))
    def changed_fields(self, obj):
        return len(obj.changes)

    def has_add_permission(self, request):
        return False  # proposals come from the partner space

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # the record of a decision is kept

    def add_view(self, request, form_url="", extra_context=None):
        """No add form: explain where proposals come from instead of a bare 403."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Ajouter une proposition"),
        }
        return TemplateResponse(request, "partners/admin/proposal_add.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, unquote(object_id))
        if proposal is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, proposal):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, proposal):
                raise PermissionDenied
            response = self._decide(request, proposal)
            if response:
                return response
            proposal.refresh_from_db()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": proposal,
            "proposal": proposal,
            "title": str(proposal),
            "rows": proposal.diff(),
            "can_decide": proposal.is_pending and self.has_change_permission(request, proposal),
            # The agent's note, given back when the page is shown again after a POST.
            "posted_reason": request.POST.get("reason", ""),
        }
        return TemplateResponse(request, "partners/admin/review.html", context)

    def _decide(self, request, proposal):
        """Accept or reject from the review page; a redirect, or None to show it again."""
        action, reason = request.POST.get("action"), request.POST.get("reason", "")
        changelist = redirect("admin:partners_changeproposal_changelist")
        try:
            if action == "accept":
                resolutions = {name: request.POST.get(f"choix-{name}") for name in proposal.changes}
                structure = proposal.accept(by=request.user, resolutions=resolutions, reason=reason)
                if proposal.is_new:
                    messages.success(
                        request,
                        _(
                            "Structure « %(name)s » créée en brouillon : placez-la sur la carte "
                            "puis publiez-la."
                        )
                        % {"name": structure.name},
                    )
                    return redirect("admin:actors_structure_change", structure.pk)
                messages.success(
                    request,
                    _("Proposition acceptée : « %(name)s » est à jour et vérifiée.")
                    % {"name": structure.name},
                )
                return changelist
            if action == "reject":
                proposal.reject(by=request.user, reason=reason)
                messages.success(request, _("Proposition refusée ; le partenaire est prévenu."))
                return changelist
        except ProposalConflict:
            messages.error(
                request,
                _(
                    "La fiche a changé depuis la proposition. Pour chaque champ en conflit, "
                    "choisissez la valeur à garder."
                ),
            )
        except AlreadyDecided as decided:
            messages.warning(
                request,
                _("Cette proposition a déjà été traitée (statut : %(status)s).")
                % {"status": decided},
            )
            return changelist
        except ValidationError as error:
            messages.error(
                request,
                _("La proposition ne peut pas être appliquée : %(errors)s")
                % {"errors": " ".join(error.messages)},
            )
        return None


@admin.register(ErrorReport)
class ErrorReportAdmin(admin.ModelAdmin):
    list_display = ["structure", "excerpt", "email", "created_at", "status"]
    list_filter = [ReportStatusFilter]
    list_select_related = ["structure"]
    search_fields = ["structure__name", "message", "email"]
    autocomplete_fields = ["structure"]
    readonly_fields = ["created_at", "handled_by", "handled_at"]
    fields = ["structure", "message", "email", "status", "created_at", "handled_by", "handled_at"]
    actions = ["mark_handled"]
    ordering = ["created_at"]

    @admin.display(description=gettext_lazy("ce qui ne va pas"))
    def excerpt(self, obj):
        return Truncator(obj.message).chars(100)

    def get_readonly_fields(self, request, obj=None):
        # A visitor's words are never rewritten by an agent.
        if obj is not None:
            return ["structure", "message", "email", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data and obj.status == ReportStatus.HANDLED:
            obj.handled_by, obj.handled_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Marquer comme traités"))
    def mark_handled(self, request, queryset):
        reports = list(queryset.filter(status=ReportStatus.OPEN))
        for report in reports:
            report.mark_handled(by=request.user)
        self.message_user(
            request,
            ngettext("%d signalement traité.", "%d signalements traités.", len(reports))
            % len(reports),
        )

    def view_on_site(self, obj):
        return reverse("actors:structure", args=[obj.structure.slug])


class StructureHistoryForm(StructureAdminForm):
    change_reason = forms.CharField(
        label=gettext_lazy("Motif de la modification"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "Facultatif. Inscrit dans l'historique de la fiche, avec chaque horaire, "
            "professionnel ou permanence modifié ici (« appel du 3 mars », « courriel du CIO »…)."
        ),
    )


class PartnerFilter(admin.SimpleListFilter):
    """Entries with or without a partner member a reminder can reach."""

    title = gettext_lazy("partenaire")
    parameter_name = "partenaire"

    def lookups(self, request, model_admin):
        return [
            ("avec", _("avec un partenaire joignable")),
            ("sans", _("sans partenaire joignable")),
        ]

    def queryset(self, request, queryset):
        reachable = Exists(reachable_members(OuterRef("pk")))
        if self.value() == "avec":
            return queryset.filter(reachable)
        if self.value() == "sans":
            return queryset.exclude(reachable)
        return queryset


class RestoresManyToMany:
    """A version's form (« Rétablir cette version ») shows that version's needs, publics
    and languages.

    simple-history fills the form from the version's own fields but reads many-to-many
    fields from the live row (none at all once the row was deleted): restoring would
    silently keep today's needs. The version's are given as the form's initial values;
    a deletion's record has none left (the rows went first), so its previous version's
    are used.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        record = getattr(obj, "_history", None)  # set by simple-history on a version
        if record is None:
            return form
        if record.history_type == "-":
            record = record.prev_record or record
        versions = {}
        for name in TRACKED[self.model].get("m2m_fields", []):
            target = self.model._meta.get_field(name).related_model
            column = f"{target._meta.model_name}_id"
            versions[name] = list(getattr(record, name).values_list(column, flat=True))

        class VersionForm(form):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**versions, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)

        return VersionForm


# The directory's admins are declared in actors; their history (which reads the partners
# history tables) is added here, so that actors never imports the apps built on it.
for model in [Structure, Actor, Permanence]:
    admin.site.unregister(model)


@admin.register(Actor)
class ActorAdmin(RestoresManyToMany, BaseActorAdmin):
    pass


@admin.register(Permanence)
class PermanenceAdmin(RestoresManyToMany, BasePermanenceAdmin):
    pass


@admin.register(Structure)
class StructureAdmin(RestoresManyToMany, BaseStructureAdmin):
    form = StructureHistoryForm
    object_history_template = "partners/admin/structure_history.html"
    history_per_page = 50
    list_filter = [*BaseStructureAdmin.list_filter, PartnerFilter]
    fieldsets = [
        *BaseStructureAdmin.fieldsets,
        (gettext_lazy("Historique"), {"fields": ["change_reason"]}),
    ]

    def get_urls(self):
        from django.urls import path

        own = [
            path(
                "<path:object_id>/verifiee-par-telephone/",
                self.admin_site.admin_view(self.verified_by_phone_view),
                name="actors_structure_verified_by_phone",
            )
        ]
        return own + super().get_urls()

    def verified_by_phone_view(self, request, object_id):
        """ "Vérifié par téléphone": a POST (the admin index's button), or the signed
        one-click link of the agents' digest, for the agent it was sent to."""
        structure = self.get_object(request, unquote(object_id))
        if structure is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, structure):
            raise PermissionDenied
        token = request.GET.get("jeton", "")
        signed = bool(token) and links.phone_check_token_is_valid(token, structure, request.user)
        if request.method == "POST" or signed:
            structure.verify(by=request.user, method=VerificationMethod.PHONE)
            messages.success(
                request,
                _("« %(name)s » est vérifiée par téléphone aujourd'hui, à votre nom.")
                % {"name": structure.name},
            )
            return redirect("admin:index")
        if token:
            messages.warning(
                request,
                _("Ce lien a expiré ou a été envoyé à un autre agent : confirmez ci-dessous."),
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": structure,
            "structure": structure,
            "title": _("Vérifiée par téléphone ?"),
        }
        return TemplateResponse(request, "partners/admin/verified_by_phone.html", context)

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get("change_reason", "")
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # The reason goes with every row edited in the inlines, and so does the author
        # (the history middleware gives it; set here too for deletions).
        reason = form.cleaned_data.get("change_reason", "")
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj._change_reason = reason
            obj.delete()
        for instance in instances:
            instance._change_reason = reason
            instance.save()
        formset.save_m2m()

    def history_view(self, request, object_id, extra_context=None):
        """One list for the entry and the rows on its page (see partners.timeline)."""
        structure = self.get_object(request, unquote(object_id))
        if structure is None:
            deleted = Structure.history.filter(id=unquote(object_id)).order_by("-history_id")
            record = deleted.first()
            if record is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
            structure = record.instance
        if not self.has_view_history_or_change_history_permission(request, structure):
            raise PermissionDenied
        entries = timeline.structure_timeline(structure.pk)
        page = Paginator(entries, self.history_per_page).get_page(request.GET.get("p"))
        # Each row restores from its own admin's version page (the structure's, or the
        # hours', a professional's, a permanence's…), for an agent who may change it.
        restorable = {
            model
            for model, _rows, _section in timeline.SECTIONS
            if self.admin_site.is_registered(model)
            and hasattr(self.admin_site.get_model_admin(model), "history_form_view")
            and self.admin_site.get_model_admin(model).has_change_permission(request)
        }
        for entry in page:
            entry.can_restore = entry.restorable and entry.model in restorable
        context = {
            **self.admin_site.each_context(request),
            "title": _("Historique : %(name)s") % {"name": structure},
            "subtitle": None,
            "object": structure,
            "opts": self.opts,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "page_obj": page,
            "section_structure": str(timeline.SECTIONS[0][2]),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)
