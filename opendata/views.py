from django.http import StreamingHttpResponse
from django.views.decorators.http import require_safe

from actors.filters import StructureFilter
from actors.models import Structure
from actors.renderers import EscapingJsonResponse

from . import exporters


def _stream(format, queryset, request):
    content_type, filename = exporters.FORMATS[format]
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = StreamingHttpResponse(
        exporters.chunks(format, queryset, base_url), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filtered(request):
    """Published entries with the /recherche/ filters, or the errors naming each parameter.

    A quartier narrows to the entries inside it; the origin parameters (lat,
    lon, adresse, depuis, rayon) only order search results: an export has them all.
    """
    filterset = StructureFilter(request.GET, request=request)
    if not filterset.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
        return None, EscapingJsonResponse({"errors": errors}, status=400)
    queryset = filterset.qs
    neighbourhood = filterset.form.cleaned_data.get("quartier")
    if neighbourhood is not None:
        queryset = queryset.filter(neighbourhood=neighbourhood)
    return queryset, None


def _filtered_export(format):
    @require_safe
    def view(request):
        queryset, error = _filtered(request)
        return error or _stream(format, queryset, request)

    view.__name__ = f"export_{format}"
    return view


def _published_export(format):
    @require_safe
    def view(request):
        return _stream(format, Structure.objects.published(), request)

    view.__name__ = f"export_{format.replace('-', '_')}"
    return view


structures_csv = _filtered_export("csv")
structures_json = _filtered_export("json")
structures_geojson = _filtered_export("geojson")
data_inclusion_structures = _published_export("data-inclusion-structures")
data_inclusion_services = _published_export("data-inclusion-services")
