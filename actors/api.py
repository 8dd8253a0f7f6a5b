"""Read-only JSON API (/api/v1/): the same search as the results page, as data.

Query parameters are those of /recherche/, validated by the same FilterSet;
invalid ones give a 400 whose body names each parameter.
"""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import filters as django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from actors import geo, pagecache, signals
from actors import search as search_module
from actors.filters import FlagField, FlagFilter, StructureFilter, VocabularyMultipleFilter
from actors.models import Actor, Need, Neighbourhood, Permanence, Public, Structure

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


# --- Parameters, documented from the FilterSet -------------------------------------------


def _parameter_schema(filter_):
    """The JSON schema of one search parameter, from its filter: what the FilterSet accepts."""
    extra = filter_.extra
    if isinstance(filter_, django_filters.NumberFilter):
        schema = {"type": "integer" if filter_.field_class is forms.IntegerField else "number"}
        if extra.get("min_value") is not None:
            schema["minimum"] = float(extra["min_value"])
        if extra.get("max_value") is not None:
            schema["maximum"] = float(extra["max_value"])
        if getattr(filter_, "default", None) is not None:
            schema["default"] = filter_.default
        return schema
    if isinstance(filter_, FlagFilter):
        return {"type": "string", "enum": sorted(FlagField.TRUE | FlagField.FALSE)}
    if extra.get("choices"):  # fixed lists; empty is "any", as the form sends it
        return {"type": "string", "enum": ["", *(value for value, _label in extra["choices"])]}
    schema = {"type": "string"}
    if extra.get("max_length"):
        schema["maxLength"] = extra["max_length"]
    return schema


SLUG_LISTS = {
    "besoin": "/api/v1/besoins/",
    "public": "/api/v1/publics/",
    "quartier": "/api/v1/quartiers/",
    "depuis": "/api/v1/structures/",
}


def search_parameters(*, paginated=True):
    parameters = []
    for name, filter_ in StructureFilter.base_filters.items():
        many = isinstance(filter_, VocabularyMultipleFilter | django_filters.MultipleChoiceFilter)
        description = filter_.label or ""
        if name in SLUG_LISTS:
            description = format_lazy(
                gettext_lazy("{label} (slug : voir {url} ; un slug inconnu répond 400)"),
                label=description,
                url=SLUG_LISTS[name],
            )
        schema = _parameter_schema(filter_)
        parameters.append(
            OpenApiParameter(
                name,
                {"type": "array", "items": schema} if many else schema,
                OpenApiParameter.QUERY,
                description=description,
                explode=True if many else None,
            )
        )
    if paginated:
        parameters.append(
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, OpenApiParameter.QUERY)
        )
    return parameters


ERRORS = inline_serializer(
    "SearchErrors",
    {"errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()))},
)
NOT_FOUND = inline_serializer("NotFound", {"detail": serializers.CharField()})
GEOJSON = "application/geo+json"
ORIGIN = inline_serializer(
    "Origin",
    {
        "kind": serializers.ChoiceField(
            choices=["coordinates", "address", "desk", "neighbourhood"]
        ),
        "label": serializers.CharField(),
        "latitude": serializers.FloatField(),
        "longitude": serializers.FloatField(),
    },
    allow_null=True,
)


def _error_response(search):
    errors = {}
    for name, _label, message in search.error_list:
        errors.setdefault(name, []).append(str(message))
    return Response({"errors": errors}, status=400)


def _page_number(request):
    raw = request.query_params.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        return None
    return number


def _origin_data(search):
    if search.origin is None:
        return None
    return {
        "kind": search.origin.kind,
        "label": search.origin.label,
        "latitude": search.origin.latitude,
        "longitude": search.origin.longitude,
    }


def _run_search(request):
    return search_module.run(request.query_params)


# --- Views --------------------------------------------------------------------------------


@extend_schema(
    operation_id="structures_list",
    parameters=search_parameters(),
    responses={
        200: inline_serializer(
            "StructurePage",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "capped": serializers.BooleanField(),
                "origin": ORIGIN,
                "radius_km": serializers.FloatField(allow_null=True),
                "widened": serializers.BooleanField(),
                "message": serializers.CharField(allow_blank=True),
                "notices": serializers.ListField(child=serializers.CharField()),
                "results": StructureSummarySerializer(many=True),
            },
        ),
        400: ERRORS,
        404: NOT_FOUND,
    },
    description=gettext_lazy(
        "Structures publiées, filtrées comme sur /recherche/. Avec un point de départ, "
        "classées par distance (à vol d'oiseau) ; le rayon s'élargit s'il y a moins de 5 "
        "résultats. Au plus 100 résultats, par pages de 20."
    ),
)
@api_view(["GET"])
def structure_list(request):
    # Cached a minute per URL and host, like the results page (see actors.pagecache).
    key = pagecache.key("api-structures", request, request.get_host())
    entry = pagecache.get(key)
    if entry is None:
        search = _run_search(request)
        if not search.is_valid:
            return _error_response(search)
        number = _page_number(request)
        if number is None:
            return Response({"errors": {"page": [_("Numéro de page invalide.")]}}, status=400)
        page = search.page(number)
        if number > page.paginator.num_pages:
            raise NotFound(_("Cette page n'existe pas."))
        entry = {
            "body": _list_body(request, search, page, number),
            "kept": signals.keep(request, search, page, channel="api"),
        }
        pagecache.put(key, entry, search.cache_seconds)
    signals.show(request, entry["kept"])
    return Response(entry["body"])


def _list_body(request, search, page, number):
    results = page.object_list  # with their card data, publics included
    url = request.build_absolute_uri()
    context = {"request": request, "now": timezone.now()}
    return {
        "count": search.count,
        "next": replace_query_param(url, "page", number + 1) if page.has_next() else None,
        "previous": (
            None
            if not page.has_previous()
            else replace_query_param(url, "page", number - 1)
            if number > 2
            else remove_query_param(url, "page")
        ),
        "capped": search.is_capped,
        "origin": _origin_data(search),
        "radius_km": search.used_radius_km,
        "widened": search.widened,
        "message": search.widening_message(),
        "notices": [str(notice) for notice in search.notices],
        "results": summaries(results, context),
    }


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


@extend_schema(
    operation_id="structures_detail",
    responses={200: StructureDetailSerializer, 404: NOT_FOUND},
)
@api_view(["GET"])
def structure_detail(request, slug):
    # What the structure's page shows: active professionals, current permanences.
    structure = Structure.objects.published().with_detail_data().filter(slug=slug).first()
    if structure is None:
        raise NotFound(_("Aucune structure publiée ne porte ce nom."))
    context = {"request": request, "now": timezone.now()}
    return Response(StructureDetailSerializer(structure, context=context).data)


@extend_schema(
    operation_id="structures_geojson",
    parameters=search_parameters(paginated=False),  # one collection, no pages
    responses={(200, GEOJSON): OpenApiTypes.OBJECT, (400, "application/json"): ERRORS},
    description=gettext_lazy(
        "Les mêmes résultats que la liste (au plus 100), en GeoJSON pour une carte."
    ),
)
@api_view(["GET"])
def structure_geojson(request):
    search = _run_search(request)
    if not search.is_valid:
        return _error_response(search)
    context = {"request": request, "now": timezone.now()}
    features = []
    results = search.results()
    for structure in results:
        properties = StructureSummarySerializer(structure, context=context).data
        properties["kind_label"] = structure.get_kind_display()
        properties["neighbourhood_name"] = str(structure.neighbourhood or "")
        properties["opening_label"] = structure.opening_status(now=context["now"]).label()
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [structure.longitude, structure.latitude],
                },
                "properties": properties,
            }
        )
    return Response(
        {
            "type": "FeatureCollection",
            "features": features,
            "origin": _origin_data(search),
            "radius_km": search.used_radius_km,
            "capped": search.is_capped,
        },
        content_type="application/geo+json",
    )


@extend_schema(operation_id="quartiers_geojson", responses={(200, GEOJSON): OpenApiTypes.OBJECT})
@api_view(["GET"])
def neighbourhood_geojson(request):
    # The display outlines (simplified to 3 m): the exact ones are for point-in-polygon.
    areas = Neighbourhood.objects.defer("boundary")
    features = [_neighbourhood_feature(request, n) for n in areas]
    return Response(
        {
            "type": "FeatureCollection",
            "features": features,
            "attribution": "Nantes Métropole",
        },
        content_type="application/geo+json",
    )


@extend_schema(
    operation_id="quartier_geojson",
    parameters=[
        OpenApiParameter(
            "slug",
            str,
            OpenApiParameter.PATH,
            examples=[OpenApiExample("Breil - Barberie", value="breil-barberie")],
        )
    ],
    responses={(200, GEOJSON): OpenApiTypes.OBJECT, (404, "application/json"): NOT_FOUND},
)
@api_view(["GET"])
def neighbourhood_feature(request, slug):
    neighbourhood = Neighbourhood.objects.defer("boundary").filter(slug=slug).first()
    if neighbourhood is None:
        raise NotFound(_("Aucun quartier ne porte ce nom."))
    return Response(
        _neighbourhood_feature(request, neighbourhood), content_type="application/geo+json"
    )


def _neighbourhood_feature(request, neighbourhood):
    return {
        "type": "Feature",
        "geometry": neighbourhood.display_boundary or neighbourhood.boundary,
        "properties": {
            "slug": neighbourhood.slug,
            "kind": neighbourhood.kind,
            "name": neighbourhood.name,
            "city": neighbourhood.city,
            "insee_code": neighbourhood.insee_code,
            "centroid": [neighbourhood.centroid_longitude, neighbourhood.centroid_latitude],
            "url": request.build_absolute_uri(neighbourhood.get_absolute_url()),
        },
    }


class NeedSerializer(serializers.ModelSerializer):
    synonyms = serializers.ListField(source="synonym_list", child=serializers.CharField())

    class Meta:
        model = Need
        fields = ["slug", "label", "description", "synonyms", "di_thematiques"]


class PublicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Public
        fields = ["slug", "label", "di_publics"]


@extend_schema(responses={200: NeedSerializer(many=True)})
@api_view(["GET"])
def need_list(request):
    return Response(NeedSerializer(Need.objects.all(), many=True).data)


@extend_schema(responses={200: PublicSerializer(many=True)})
@api_view(["GET"])
def public_list(request):
    return Response(PublicSerializer(Public.objects.all(), many=True).data)
