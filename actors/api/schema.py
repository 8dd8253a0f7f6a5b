"""The API's parameters and answers as the OpenAPI schema documents them, from the FilterSet."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django_filters import filters as django_filters
from drf_spectacular.utils import (
    OpenApiParameter,
    inline_serializer,
)
from rest_framework import serializers

from actors.filters import FlagField, FlagFilter, StructureFilter, VocabularyMultipleFilter

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
