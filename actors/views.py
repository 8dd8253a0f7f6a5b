from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from actors import geo
from actors.enums import Status
from actors.models import (
    Actor,
    Need,
    Neighbourhood,
    OpeningException,
    Permanence,
    Public,
    Structure,
)

PAGE_SIZE = 20


def upcoming_exceptions():
    """Exceptions that still matter: today or later (what hours and labels need)."""
    return Prefetch(
        "opening_exceptions",
        queryset=OpeningException.objects.filter(ends_on__gte=timezone.localdate()),
    )


def card_prefetches():
    """Everything a result card shows, in a constant number of queries."""
    return [
        "needs",
        "opening_slots",
        upcoming_exceptions(),
        Prefetch(
            "hosted_permanences",
            queryset=Permanence.objects.current()
            .select_related("provider")
            .prefetch_related("needs"),
        ),
    ]


def page_of(request, queryset):
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


@require_safe
def home(request):
    neighbourhoods = Neighbourhood.objects.filter(city="Nantes").annotate(
        n_structures=Count("structures", filter=Q(structures__status=Status.PUBLISHED))
    )
    return render(
        request,
        "actors/home.html",
        {
            "neighbourhoods": neighbourhoods,
            "needs": Need.objects.all(),
            "publics": Public.objects.all(),
        },
    )


@require_safe
def neighbourhood_list(request):
    neighbourhoods = Neighbourhood.objects.annotate(
        n_structures=Count("structures", filter=Q(structures__status=Status.PUBLISHED))
    )
    return render(request, "actors/neighbourhood_list.html", {"neighbourhoods": neighbourhoods})


@require_safe
def neighbourhood_detail(request, slug):
    neighbourhood = get_object_or_404(Neighbourhood, slug=slug)
    structures = (
        Structure.objects.published()
        .filter(neighbourhood=neighbourhood)
        .select_related("neighbourhood")
        .with_distance(neighbourhood.centroid_latitude, neighbourhood.centroid_longitude)
        .order_by("distance", "name")
        .prefetch_related(*card_prefetches())
    )
    page = page_of(request, structures)
    return render(
        request,
        "actors/neighbourhood_detail.html",
        {"neighbourhood": neighbourhood, "page": page, "results": page.object_list},
    )


@require_safe
def structure_detail(request, slug):
    queryset = Structure.objects.select_related("neighbourhood", "parent").prefetch_related(
        "needs",
        "publics",
        "languages",
        "opening_slots",
        upcoming_exceptions(),
        Prefetch("actors", queryset=Actor.objects.filter(is_active=True).prefetch_related("needs")),
        Prefetch(
            "hosted_permanences",
            queryset=Permanence.objects.current()
            .select_related("provider", "actor")
            .prefetch_related("needs", "publics"),
        ),
        Prefetch(
            "held_permanences",
            queryset=Permanence.objects.current()
            .filter(host__status=Status.PUBLISHED)
            .select_related("host", "actor")
            .prefetch_related("needs"),
        ),
    )
    if not request.user.is_staff:  # agents may preview drafts and archived entries
        queryset = queryset.published()
    structure = get_object_or_404(queryset, slug=slug)
    today = timezone.localdate()
    neighbourhood = structure.neighbourhood
    distance_m = None
    if neighbourhood:
        distance_m = structure.distance_from(
            neighbourhood.centroid_latitude, neighbourhood.centroid_longitude
        )
    return render(
        request,
        "actors/structure_detail.html",
        {
            "structure": structure,
            "status": structure.opening_status(),
            "week": structure.week_hours(today),
            "hosted": [(p, p.next_dates(today)) for p in structure.hosted_permanences.all()],
            "held": [(p, p.next_dates(today)) for p in structure.held_permanences.all()],
            "distance_m": distance_m,
            "walking_minutes": geo.walking_minutes(distance_m),
        },
    )


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
