"""Streaming exports: our CSV, JSON and GeoJSON, and data·inclusion structures and services.

Each export is a generator of text chunks over `.iterator(chunk_size=…)`, with
the related rows loaded chunk by chunk (opendata.related): memory stays flat
whatever the number of structures (100,000 export under 150 MB peak RSS, see BENCHMARKS.md).
Rows are ordered by slug, so two databases holding the same entries give the
same file.
"""

import json

from . import datainclusion, tabular
from .related import RelatedLoader, chunked

CHUNK_SIZE = 2000

FORMATS = {
    # name: (content type, file name)
    "csv": ("text/csv; charset=utf-8", "structures.csv"),
    "json": ("application/json", "structures.json"),
    "geojson": ("application/geo+json", "structures.geojson"),
    "data-inclusion-structures": ("application/json", "data-inclusion-structures.json"),
    "data-inclusion-services": ("application/json", "data-inclusion-services.json"),
}


def related_chunks(queryset):
    """Lists of (structure, related) pairs, ordered by slug, loaded chunk by chunk."""
    loader = RelatedLoader()
    # search_text is only for searching: not worth carrying through an export.
    rows = queryset.select_related(None).defer("search_text").order_by("slug")
    for chunk in chunked(rows, CHUNK_SIZE):
        related = loader.load(chunk)
        yield [(structure, related[structure.pk]) for structure in chunk]


def with_related(queryset):
    """(structure, related) pairs, ordered by slug, loaded chunk by chunk."""
    for chunk in related_chunks(queryset):
        yield from chunk


def _json_array(items):
    """'[\\n{…},\\n{…}\\n]\\n': one object per line, streamed."""
    yield "["
    separator = "\n"
    for item in items:
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def csv_chunks(queryset):
    # A BOM so that spreadsheets open the UTF-8 text with its accents; the import accepts both.
    yield "\ufeff"
    yield from tabular.csv_lines(tabular.structure_row(s, r) for s, r in with_related(queryset))


def json_chunks(queryset):
    return _json_array(tabular.structure_row(s, r, native=True) for s, r in with_related(queryset))


def geojson_chunks(queryset):
    yield '{"type": "FeatureCollection", "features": '
    features = (
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.longitude, s.latitude]},
            "properties": tabular.structure_row(s, r, native=True),
        }
        for s, r in with_related(queryset.filter(latitude__isnull=False))
    )
    yield from _json_array(features)
    yield "}\n"


def data_inclusion_structures_chunks(queryset, base_url=""):
    return _json_array(
        datainclusion.structure_record(s, r, base_url) for s, r in with_related(queryset)
    )


def _data_inclusion_services(queryset, base_url):
    """Each chunk's services by need, then the permanences its structures hold elsewhere."""
    for chunk in related_chunks(queryset):
        for structure, related in chunk:
            yield from datainclusion.service_records(structure, related, base_url)
        yield from datainclusion.permanence_service_records(
            [structure for structure, _related in chunk], base_url
        )


def data_inclusion_services_chunks(queryset, base_url=""):
    return _json_array(_data_inclusion_services(queryset, base_url))


def chunks(format, queryset, base_url=""):
    if format == "csv":
        return csv_chunks(queryset)
    if format == "json":
        return json_chunks(queryset)
    if format == "geojson":
        return geojson_chunks(queryset)
    if format == "data-inclusion-structures":
        return data_inclusion_structures_chunks(queryset, base_url)
    if format == "data-inclusion-services":
        return data_inclusion_services_chunks(queryset, base_url)
    raise ValueError(f"Unknown export format: {format}")
