from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from actors.enums import Status, VerificationMethod
from actors.models import (
    Actor,
    Language,
    Need,
    Neighbourhood,
    OpeningException,
    OpeningSlot,
    Permanence,
    Public,
    Structure,
)

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


class ActorInline(admin.StackedInline):
    model = Actor
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
    filter_horizontal = ["needs", "publics"]
    fields = [
        ("title", "provider", "actor"),
        ("weekday", "opens", "closes", "recurrence"),
        ("starts_on", "ends_on"),
        ("walk_in", "by_appointment"),
        "needs",
        "publics",
        "notes",
    ]


class StructureAdminForm(forms.ModelForm):
    # Meta (model, fields) comes from StructureAdmin through modelform_factory.
    def clean(self):
        cleaned = super().clean()
        # An agent who picks a neighbourhood by hand means it: keep it.
        if "neighbourhood" in self.changed_data and cleaned.get("neighbourhood"):
            cleaned["neighbourhood_is_manual"] = True
            self.instance.neighbourhood_is_manual = True
        return cleaned


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
        "source",
        "needs",
    ]
    list_select_related = ["neighbourhood"]
    search_fields = ["name", "slug", "street", "city", "postcode", "email"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    filter_horizontal = ["needs", "publics", "languages"]
    readonly_fields = [
        "derived_neighbourhood",
        "verified_by",
        "source",
        "source_id",
        "source_updated_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "updated_at"
    actions = ["publish", "archive", "mark_verified"]
    inlines = [OpeningSlotInline, OpeningExceptionInline, ActorInline, HostedPermanenceInline]
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
                    "public_transport",
                ]
            },
        ),
        (_("Contact"), {"fields": ["phone", "email", "website"]}),
        (
            _("Accès et conditions"),
            {
                "fields": [
                    ("walk_in", "by_appointment", "by_phone", "online"),
                    "referral_required",
                    "access_details",
                    "what_to_bring",
                    ("is_free", "fees_details"),
                ]
            },
        ),
        (_("Besoins, publics, langues"), {"fields": ["needs", "publics", "languages"]}),
        (
            _("Accessibilité"),
            {"fields": ["wheelchair", "acceslibre_url", "accessibility_details"]},
        ),
        (_("Horaires"), {"fields": ["holidays_rule", "hours_note"]}),
        (
            _("Fraîcheur et provenance"),
            {
                "fields": [
                    ("last_verified_at", "verification_method", "verified_by"),
                    ("source", "source_id", "source_updated_at"),
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

    def has_delete_permission(self, request, obj=None):
        # Entries are archived, never deleted, except by a superuser.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if "last_verified_at" in form.changed_data and obj.last_verified_at:
            obj.verified_by = request.user
            obj.verification_method = obj.verification_method or VerificationMethod.AGENT
        super().save_model(request, obj, form, change)

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


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "city",
        "slug",
        "structure_count",
        "centroid_latitude",
        "centroid_longitude",
    ]
    list_filter = ["city"]
    search_fields = ["name", "city", "slug"]
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


@admin.register(Permanence)
class PermanenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "host", "provider", "weekday", "opens", "closes", "recurrence"]
    list_filter = ["weekday", "recurrence", "provider__kind", "needs"]
    list_select_related = ["host", "provider"]
    search_fields = ["title", "host__name", "provider__name"]
    autocomplete_fields = ["host", "provider", "actor"]
    filter_horizontal = ["needs", "publics"]


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
