"""What a structure, a need and a public are in JSON; the list page's rows written out."""

from django.urls import reverse
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from actors import geo
from actors.models import Actor, Need, Permanence, Public, Structure

# --- Serializers ------------------------------------------------------------------------


class StructureSummarySerializer(serializers.ModelSerializer):
    neighbourhood = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    address = serializers.CharField(source="street")
    distance_m = serializers.SerializerMethodField()
    walking_minutes = serializers.SerializerMethodField()
    needs = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    publics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    open_now = serializers.SerializerMethodField()
    next_opening = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Structure
        fields = [
            "slug",
            "name",
            "kind",
            "neighbourhood",
            "address",
            "postcode",
            "city",
            "latitude",
            "longitude",
            "distance_m",
            "walking_minutes",
            "needs",
            "publics",
            "open_now",
            "next_opening",
            "url",
        ]

    def _status(self, obj):
        # Computed once per object from the prefetched hours.
        if not hasattr(obj, "_api_opening_status"):
            obj._api_opening_status = obj.opening_status(now=self.context.get("now"))
        return obj._api_opening_status

    def get_distance_m(self, obj) -> int | None:
        distance = getattr(obj, "distance", None)
        return None if distance is None else round(distance)

    def get_walking_minutes(self, obj) -> int | None:
        return geo.walking_minutes(getattr(obj, "distance", None))

    def get_open_now(self, obj) -> bool | None:
        status = self._status(obj)
        return status.open_now if status.known else None

    def get_next_opening(self, obj) -> str | None:
        status = self._status(obj)
        return status.next_opening.isoformat() if status.next_opening else None

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$",
        "example": "09:30:00",
        "description": "Heure locale (Europe/Paris), sans fuseau.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time, "09:30:00". OpenAPI's `format: time` is RFC 3339's, which
    requires a UTC offset: opening hours have none, they are local."""


class SlotSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    opens = LocalTimeField()
    closes = LocalTimeField()


class ExceptionSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    kind = serializers.CharField()
    opens = LocalTimeField(allow_null=True)
    closes = LocalTimeField(allow_null=True)
    label = serializers.CharField()


class ActorSerializer(serializers.ModelSerializer):
    """Personal contact details only when their visibility is public (GDPR)."""

    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    needs = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Actor
        fields = ["name", "role", "phone", "email", "needs"]

    def get_phone(self, obj) -> str:
        return obj.phone if obj.contact_is_public else ""

    def get_email(self, obj) -> str:
        return obj.email if obj.contact_is_public else ""


class PermanenceSerializer(serializers.ModelSerializer):
    host = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    provider = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    needs = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    opens = LocalTimeField()
    closes = LocalTimeField()
    next_dates = serializers.SerializerMethodField()

    class Meta:
        model = Permanence
        fields = [
            "title",
            "host",
            "provider",
            "weekday",
            "opens",
            "closes",
            "recurrence",
            "starts_on",
            "ends_on",
            "walk_in",
            "by_appointment",
            "needs",
            "notes",
            "next_dates",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "string", "format": "date"}})
    def get_next_dates(self, obj):
        return [day.isoformat() for day in obj.next_dates()]


class StructureDetailSerializer(StructureSummarySerializer):
    languages = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    opening_slots = SlotSerializer(many=True, read_only=True)
    opening_exceptions = ExceptionSerializer(many=True, read_only=True)
    actors = ActorSerializer(many=True, read_only=True)
    hosted_permanences = PermanenceSerializer(many=True, read_only=True)
    held_permanences = PermanenceSerializer(many=True, read_only=True)
    is_stale = serializers.BooleanField(read_only=True)

    class Meta(StructureSummarySerializer.Meta):
        fields = [
            *StructureSummarySerializer.Meta.fields,
            "description",
            "address_complement",
            "insee_code",
            "public_transport",
            "phone",
            "email",
            "website",
            "walk_in",
            "by_appointment",
            "by_phone",
            "online",
            "referral_required",
            "access_details",
            "what_to_bring",
            "what_to_bring_en",
            "is_free",
            "fees_details",
            "languages",
            "wheelchair",
            "acceslibre_url",
            "accessibility_details",
            "holidays_rule",
            "hours_note",
            "opening_slots",
            "opening_exceptions",
            "actors",
            "hosted_permanences",
            "held_permanences",
            "is_example",
            "last_verified_at",
            "is_stale",
            "updated_at",
        ]


class NeedSerializer(serializers.ModelSerializer):
    synonyms = serializers.ListField(source="synonym_list", child=serializers.CharField())

    class Meta:
        model = Need
        fields = ["slug", "label", "description", "synonyms", "di_thematiques"]


class PublicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Public
        fields = ["slug", "label", "di_publics"]


def summaries(structures, context):
    """StructureSummarySerializer's output for a page of structures, written out: the
    serializer documents the fields (the OpenAPI schema), this gives them without its
    field machinery, which was a third of a computed API page. tests/actors/test_api.py checks
    that both give the same."""
    request, now = context.get("request"), context.get("now")
    url = reverse("actors:structure", args=["-slug-"])
    if request is not None:
        url = request.build_absolute_uri(url)
    rows = []
    for structure in structures:
        status = structure.opening_status(now=now)
        distance = getattr(structure, "distance", None)
        neighbourhood = structure.neighbourhood
        rows.append(
            {
                "slug": structure.slug,
                "name": structure.name,
                "kind": structure.kind,
                "neighbourhood": neighbourhood.slug if neighbourhood is not None else None,
                "address": structure.street,
                "postcode": structure.postcode,
                "city": structure.city,
                "latitude": structure.latitude,
                "longitude": structure.longitude,
                "distance_m": None if distance is None else round(distance),
                "walking_minutes": geo.walking_minutes(distance),
                "needs": [need.slug for need in structure.needs.all()],
                "publics": [public.slug for public in structure.publics.all()],
                "open_now": status.open_now if status.known else None,
                "next_opening": status.next_opening.isoformat() if status.next_opening else None,
                "url": url.replace("-slug-", structure.slug),
            }
        )
    return rows
