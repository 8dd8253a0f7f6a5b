from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from actors.enums import Status, VerificationMethod
from actors.models import (
    Actor,
    KindDefaults,
    Language,
    Need,
    Neighbourhood,
    OpeningException,
    OpeningSlot,
    Permanence,
    PermanenceCancellation,
    Public,
    Service,
    Structure,
    StructureSource,
)
from actors.models.structures import MANUAL
from actors.phones import PhoneField

admin.site.site_header = _("Guide des acteurs de l'orientation — administration")
admin.site.site_title = _("Guide des acteurs de l'orientation")
admin.site.index_title = _("Tableau de bord des agents")


class FreshnessFilter(admin.SimpleListFilter):
    title = _("fraîcheur")
    parameter_name = "fraicheur"

    def lookups(self, request, model_admin):
        return [("stale", _("à vérifier")), ("fresh", _("vérifiée récemment"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.stale()
        if self.value() == "fresh":
            return queryset.fresh()
        return queryset


class OpeningSlotInline(admin.TabularInline):
    model = OpeningSlot
    extra = 0


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    extra = 0


class ActorAdminForm(forms.ModelForm):
    phone = PhoneField(label=_("téléphone"), required=False)


class ActorInline(admin.StackedInline):
    model = Actor
    form = ActorAdminForm
    extra = 0
    filter_horizontal = ["needs"]
    fields = [
        ("name", "role"),
        ("phone", "email", "contact_visibility"),
        "needs",
        "notes",
        "is_active",
    ]


class HostedPermanenceInline(admin.StackedInline):
    model = Permanence
    fk_name = "host"
    extra = 0
    verbose_name = _("permanence accueillie ici")
    verbose_name_plural = _("permanences accueillies ici")
    autocomplete_fields = ["provider", "actor"]
    filter_horizontal = ["needs", "publics", "languages"]
    fields = PERMANENCE_FIELDS = [
        ("title", "provider", "actor"),
        ("weekday", "opens", "closes", "recurrence"),
        ("starts_on", "ends_on", "off_in_school_holidays"),
        ("walk_in", "by_appointment"),
        ("min_age", "max_age"),
        "needs",
        "publics",
        "languages",
        "notes",
    ]


class StructureSourceInline(admin.TabularInline):
    """The source records merged into this entry (read only: imports keep them)."""

    model = StructureSource
    extra = 0
    fields = ["source", "source_id", "source_updated_at", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ServiceInline(admin.TabularInline):
    """What the sources say the place offers (read only: data·inclusion imports keep them)."""

    model = Service
    extra = 0
    fields = ["name", "source", "needs_list", "is_free", "in_person", "remote"]
    readonly_fields = fields

    @admin.display(description=_("besoins"))
    def needs_list(self, service):
        return ", ".join(str(need) for need in service.needs.all())

    def has_add_permission(self, request, obj=None):
        return False


class StructureAdminForm(forms.ModelForm):
    # Meta (model, fields) comes from StructureAdmin through modelform_factory.
    phone = PhoneField(
        label=_("téléphone"),
        required=False,
        help_text=Structure._meta.get_field("phone").help_text,
    )
    release = forms.MultipleChoiceField(
        label=_("Rendre ces champs aux sources"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Les champs saisis à la main ne sont plus modifiés par les imports. "
            "Cochez ceux que les sources doivent de nouveau tenir à jour."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["release"].choices = [
            (name, _field_label(name)) for name in self.instance.fields_set_by_hand
        ]
        if not self.fields["release"].choices:
            self.fields["release"].help_text = _(
                "Aucun champ n'est saisi à la main : les sources tiennent tous les champs à jour."
            )

    def clean(self):
        cleaned = super().clean()
        # An agent who picks a neighbourhood by hand means it: keep it.
        if "neighbourhood" in self.changed_data and cleaned.get("neighbourhood"):
            cleaned["neighbourhood_is_manual"] = True
            self.instance.neighbourhood_is_manual = True
        return cleaned


def _field_label(name):
    if name == "hours":
        return _("horaires")
    return Structure._meta.get_field(name).verbose_name


@admin.register(Structure)
class StructureAdmin(SimpleHistoryAdmin):
    form = StructureAdminForm
    list_display = [
        "name",
        "kind",
        "neighbourhood",
        "city",
        "status",
        "is_example",
        "last_verified_at",
        "freshness",
    ]
    list_filter = [
        "status",
        "kind",
        FreshnessFilter,
        ("neighbourhood", admin.RelatedOnlyFieldListFilter),
        "is_example",
        ("sources__source", admin.AllValuesFieldListFilter),
        "hours_to_check",
        "needs",
    ]
    list_select_related = ["neighbourhood"]
    search_fields = ["name", "slug", "street", "city", "postcode", "email"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    filter_horizontal = ["needs", "publics", "languages"]
    readonly_fields = [
        "derived_neighbourhood",
        "priority_area",
        "verified_by",
        "provenance",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "updated_at"
    actions = ["publish", "archive", "mark_verified"]
    inlines = [
        OpeningSlotInline,
        OpeningExceptionInline,
        ActorInline,
        HostedPermanenceInline,
        ServiceInline,
        StructureSourceInline,
    ]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "kind", "status", "is_example", "description", "parent"]},
        ),
        (
            _("Adresse et position"),
            {
                "fields": [
                    "street",
                    "address_complement",
                    ("postcode", "city", "insee_code"),
                    ("latitude", "longitude", "coordinates_source"),
                    "derived_neighbourhood",
                    ("neighbourhood", "neighbourhood_is_manual"),
                    "priority_area",
                    "public_transport",
                ]
            },
        ),
        (_("Contact"), {"fields": ["phone", "email", "website", "siret"]}),
        (
            _("Accès et conditions"),
            {
                "fields": [
                    ("walk_in", "by_appointment", "by_phone", "online"),
                    "referral_required",
                    "access_details",
                    ("what_to_bring", "what_to_bring_en"),
                    ("is_free", "fees_details"),
                ]
            },
        ),
        (
            _("Besoins, publics, langues"),
            {"fields": ["needs", "publics", ("min_age", "max_age"), "languages"]},
        ),
        (
            _("Accessibilité"),
            {"fields": ["wheelchair", "acceslibre_url", "accessibility_details"]},
        ),
        (_("Horaires"), {"fields": ["holidays_rule", "hours_note", "hours_to_check"]}),
        (
            _("Fraîcheur et provenance"),
            {
                "fields": [
                    ("last_verified_at", "verification_method", "verified_by"),
                    "provenance",
                    "release",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    @admin.display(description=_("fraîcheur"), boolean=True)
    def freshness(self, obj):
        return not obj.is_stale

    @admin.display(description=_("quartier d'après la position"))
    def derived_neighbourhood(self, obj):
        if obj.latitude is None:
            return _("position inconnue")
        found = Neighbourhood.objects.locate(obj.latitude, obj.longitude)
        return found or _("hors des quartiers connus")

    @admin.display(description=_("quartier prioritaire (QPV)"))
    def priority_area(self, obj):
        """Derived from the position whenever the entry is saved, never chosen."""
        if obj.qpv_id is None:
            return _("ni dans un QPV ni à moins de 300 m")
        if obj.in_qpv:
            return _("dans %(qpv)s") % {"qpv": obj.qpv}
        return _("à %(metres)d m de %(qpv)s") % {"metres": obj.qpv_distance_m, "qpv": obj.qpv}

    def has_delete_permission(self, request, obj=None):
        # Entries are archived, never deleted, except by a superuser.
        return request.user.is_superuser

    @admin.display(description=_("provenance des champs"))
    def provenance(self, obj):
        if not obj.field_origins:
            return _("Aucun champ importé ni saisi à la main depuis le suivi de la provenance.")
        by_origin = {}
        for name, origin in obj.field_origins.items():
            by_origin.setdefault(origin, []).append(str(_field_label(name)))
        return format_html_join(
            mark_safe("<br>"),
            "<strong>{}</strong> : {}",
            (
                (_("saisis à la main") if origin == MANUAL else origin, ", ".join(sorted(names)))
                for origin, names in sorted(by_origin.items(), key=lambda item: item[0] != MANUAL)
            ),
        )

    def save_model(self, request, obj, form, change):
        if "last_verified_at" in form.changed_data and obj.last_verified_at:
            obj.verified_by = request.user
            obj.verification_method = obj.verification_method or VerificationMethod.AGENT
        obj.mark_set_by_hand(form.changed_data)
        obj.release(form.cleaned_data.get("release", []))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Hours edited in the inlines are hand-set too: the next import keeps them.
        hours_edited = any(
            formset.model in (OpeningSlot, OpeningException) and formset.has_changed()
            for formset in formsets
        )
        if hours_edited and form.instance.field_origins.get("hours") != MANUAL:
            form.instance.mark_set_by_hand(["hours"])
            Structure.objects.filter(pk=form.instance.pk).update(
                field_origins=form.instance.field_origins
            )

    @admin.action(description=_("Publier les structures sélectionnées"))
    def publish(self, request, queryset):
        # One save per entry (not queryset.update): each change gets its history row.
        ready = list(queryset.exclude(latitude__isnull=True).exclude(status=Status.PUBLISHED))
        skipped = queryset.filter(latitude__isnull=True).count()
        with transaction.atomic():
            for structure in ready:
                structure.status = Status.PUBLISHED
                structure.save(update_fields=["status", "updated_at"])
        self.message_user(
            request,
            ngettext("%d structure publiée.", "%d structures publiées.", len(ready)) % len(ready),
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d structure sans position n'a pas été publiée.",
                    "%d structures sans position n'ont pas été publiées.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Archiver les structures sélectionnées"))
    def archive(self, request, queryset):
        structures = list(queryset.exclude(status=Status.ARCHIVED))
        with transaction.atomic():
            for structure in structures:
                structure.archive()
        self.message_user(
            request,
            ngettext("%d structure archivée.", "%d structures archivées.", len(structures))
            % len(structures),
        )

    @admin.action(description=_("Marquer comme vérifiées aujourd'hui"))
    def mark_verified(self, request, queryset):
        structures = list(queryset)
        now = timezone.now()
        with transaction.atomic():
            for structure in structures:
                structure.verify(by=request.user, method=VerificationMethod.AGENT, at=now)
        self.message_user(
            request,
            ngettext("%d structure vérifiée.", "%d structures vérifiées.", len(structures))
            % len(structures),
        )


@admin.register(KindDefaults)
class KindDefaultsAdmin(admin.ModelAdmin):
    """The table imports read: what each kind of place serves, for whom, by default."""

    list_display = ["kind", "needs_list", "publics_list"]

    @admin.display(description=_("besoins"))
    def needs_list(self, obj):
        return ", ".join(str(need) for need in obj.needs.all())

    @admin.display(description=_("publics"))
    def publics_list(self, obj):
        return ", ".join(str(public) for public in obj.publics.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("needs", "publics")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # declared in fixtures/kind_defaults.json, loaded by `make setup`

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "city",
        "kind",
        "layer",
        "slug",
        "structure_count",
        "centroid_latitude",
        "centroid_longitude",
    ]
    list_filter = ["kind", "layer", "city"]
    search_fields = ["name", "city", "slug", "source_id"]
    readonly_fields = [
        "centroid_latitude",
        "centroid_longitude",
        "area_m2",
        "min_latitude",
        "max_latitude",
        "min_longitude",
        "max_longitude",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_structures=Count("structures"))

    @admin.display(description=_("structures"), ordering="n_structures")
    def structure_count(self, obj):
        return obj.n_structures


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["label", "slug", "synonyms"]


@admin.register(Public)
class PublicAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["label", "slug"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["label", "slug"]


@admin.register(Actor)
class ActorAdmin(SimpleHistoryAdmin):
    list_display = ["role", "name", "structure", "contact_visibility", "is_active"]
    list_filter = ["contact_visibility", "is_active", "structure__kind"]
    list_select_related = ["structure"]
    search_fields = ["name", "role", "structure__name"]
    autocomplete_fields = ["structure"]
    filter_horizontal = ["needs"]


class PermanenceCancellationInline(admin.TabularInline):
    """Dated sessions that will not take place: the public pages stop announcing them."""

    model = PermanenceCancellation
    extra = 1
    fields = ["on_date", "reason", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Permanence)
class PermanenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "host", "provider", "weekday", "opens", "closes", "recurrence"]
    list_filter = ["weekday", "recurrence", "provider__kind", "needs", "off_in_school_holidays"]
    list_select_related = ["host", "provider"]
    search_fields = ["title", "host__name", "provider__name"]
    autocomplete_fields = ["host", "provider", "actor"]
    filter_horizontal = ["needs", "publics", "languages"]
    fields = [("host",), *HostedPermanenceInline.PERMANENCE_FIELDS]
    inlines = [PermanenceCancellationInline]

    def save_formset(self, request, form, formset, change):
        for cancellation in formset.save(commit=False):
            if isinstance(cancellation, PermanenceCancellation) and not cancellation.pk:
                cancellation.created_by = request.user
            cancellation.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()


@admin.register(OpeningSlot)
class OpeningSlotAdmin(SimpleHistoryAdmin):
    list_display = ["structure", "weekday", "opens", "closes"]
    list_filter = ["weekday"]
    list_select_related = ["structure"]
    search_fields = ["structure__name"]
    autocomplete_fields = ["structure"]


@admin.register(OpeningException)
class OpeningExceptionAdmin(SimpleHistoryAdmin):
    list_display = ["structure", "starts_on", "ends_on", "kind", "opens", "closes", "label"]
    list_filter = ["kind"]
    list_select_related = ["structure"]
    search_fields = ["structure__name", "label"]
    autocomplete_fields = ["structure"]
    date_hierarchy = "starts_on"
