import csv
import io
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from actors.models import Need, Neighbourhood
from insights.forms import DashboardForm
from insights.report import Report
from insights.words import WORDS_SHOWN_FROM
from opendata import spreadsheet


def staff_only(view):
    """Conseil régional agents only: anonymous visitors sign in, everyone else gets a 403."""

    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _report(form):
    cleaned = form.cleaned_data
    return Report(
        cleaned["du"], cleaned["au"], neighbourhood=cleaned["quartier"], need=cleaned["besoin"]
    )


@require_safe
@staff_only
def dashboard(request):
    form = DashboardForm(request.GET)
    if not form.is_valid():
        context = {
            "form": form,
            "form_neighbourhoods": Neighbourhood.objects.quartiers().only("slug", "name", "city"),
            "form_needs": Need.objects.all(),
        }
        return render(request, "insights/dashboard.html", context, status=400)
    report = _report(form)
    context = {
        "form": form,
        "report": report,
        "form_neighbourhoods": report.neighbourhoods,
        "form_needs": report.needs,
        "export_query": request.GET.urlencode(),
        "words_shown_from": WORDS_SHOWN_FROM,
    }
    return render(request, "insights/dashboard.html", context)


CSV_HEADER = [
    "quartier",
    "commune",
    "besoin",
    "recherches",
    "recherches_avec_rayon",
    "sans_resultat_a_pied",
    "part_sans_resultat_pct",
    "pas_compris",
    "distance_mediane_m",
]


@require_safe
@staff_only
def export_csv(request):
    """The dashboard's table as CSV: aggregates per quartier × need, never a search."""
    form = DashboardForm(request.GET)
    if not form.is_valid():
        messages = [str(message) for errors in form.errors.values() for message in errors]
        return HttpResponse(
            "\n".join(messages) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    report = _report(form)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheets read the UTF-8 accents
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in report.rows():
        figures = row.figures
        share, median = figures.share_unanswered, figures.median_m
        writer.writerow(
            [
                spreadsheet.neutralize(row.place),
                spreadsheet.neutralize(row.city),
                spreadsheet.neutralize(row.need),
                figures.searches,
                figures.judged,
                figures.unanswered,
                "" if share is None else round(100 * share),
                figures.not_understood,
                "" if median is None else round(median),
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"recherches-par-quartier-et-besoin_{report.first_day}_{report.last_day}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def about_data(request):
    return render(
        request,
        "insights/about_data.html",
        {
            "recording_enabled": settings.SEARCH_ANALYTICS_ENABLED,
            "words_shown_from": WORDS_SHOWN_FROM,
            "geocoder_cache_days": settings.GEOCODER_CACHE_DAYS,
        },
    )
