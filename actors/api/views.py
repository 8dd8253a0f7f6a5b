"""The API's views: a search as data, a structure, the quartiers, the vocabularies."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from actors import pagecache, signals
from actors import search as search_module
from actors.api.schema import ERRORS, GEOJSON, NOT_FOUND, ORIGIN, search_parameters
from actors.api.serializers import (
    NeedSerializer,
    PublicSerializer,
    StructureDetailSerializer,
    StructureSummarySerializer,
    summaries,
)
from actors.models import Need, Neighbourhood, Public, Structure


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


@extend_schema(responses={200: NeedSerializer(many=True)})
@api_view(["GET"])
def need_list(request):
    return Response(NeedSerializer(Need.objects.all(), many=True).data)


@extend_schema(responses={200: PublicSerializer(many=True)})
@api_view(["GET"])
def public_list(request):
    return Response(PublicSerializer(Public.objects.all(), many=True).data)


class KeptSchemaGenerator(SchemaGenerator):
    """The OpenAPI schema, generated once per process for each language of the site: it
    is read from the code alone, never from the database (20 ms a request otherwise).
    Another `lang` or a `version`, or a non-public schema, is generated as before and not
    kept. drf-spectacular's view serves it (`generator_class`)."""

    _kept = {}

    def get_schema(self, request=None, public=False):
        language = translation.get_language()
        version = self.api_version or getattr(request, "version", None)
        if version is not None or not public or language not in dict(settings.LANGUAGES):
            return super().get_schema(request=request, public=public)
        schema = self._kept.get(language)
        if schema is None:
            schema = self._kept[language] = super().get_schema(request=request, public=public)
        return schema
