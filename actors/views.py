from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from actors import geo, pagecache, signals, territories, vocabulary
from actors import search as search_module
from actors.desk import desk_from_request
from actors.enums import Status
from actors.models import Neighbourhood, Structure
from actors.searchform import SearchFormView
from actors.text import normalize


def page_of(request, queryset):
    paginator = Paginator(queryset, search_module.PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def search_form_context(params, form=None):
    """The search form, from the FilterSet; `params` re-fills it (a QueryDict); `form`, the
    search's validated form, ties its errors to their fields (an empty one when there is
    none)."""
    return {"search_form": SearchFormView(params, form)}


def neighbourhoods_with_counts():
    """Every quartier with its number of published structures, cached a minute.

    The count runs over the whole directory (a grouped scan of 100,000 rows
    takes 150 ms): the home page is the most visited page, the figure moves slowly.
    """

    def count():
        return list(
            Neighbourhood.objects.quartiers()
            .defer("boundary", "display_boundary")
            .annotate(
                n_structures=Count("structures", filter=Q(structures__status=Status.PUBLISHED))
            )
            # Meta.ordering does not apply to GROUP BY queries: order explicitly.
            .order_by("city", "name")
        )

    if not settings.SEARCH_CACHE_SECONDS:
        return count()
    cached = pagecache.get("neighbourhood-counts")
    if cached is None:
        cached = count()
        pagecache.put("neighbourhood-counts", cached)
    return cached


def _by_territory(counted):
    """[(territory, its quartiers with their counts)], communes from A to Z."""
    by_pk = {n.pk: n for n in counted}
    return [
        (territory, [by_pk[n.pk] for n in territory.neighbourhoods if n.pk in by_pk])
        for territory in sorted(territories.all_territories(), key=lambda t: normalize(t.name))
    ]


@require_safe
def home(request):
    """The search, the needs, and the quartiers of the visitor's commune (actors.territories):
    picked here (`?commune=`, kept in a cookie), else their desk's, else the default one."""
    territory, picked = territories.chosen(request, desk_from_request(request))
    counted = neighbourhoods_with_counts()
    ours = {n.pk for n in territory.neighbourhoods} if territory else set()
    context = {
        "territory": territory,
        "territories": territories.all_territories(),
        "territory_parameter": territories.PARAMETER,
        "neighbourhoods": [n for n in counted if n.pk in ours],
        "form_needs": list(vocabulary.current().needs.values()),
        **search_form_context(request.GET),
    }
    response = render(request, "actors/home.html", context)
    if picked:
        response.set_cookie(
            territories.COOKIE,
            territory.key,
            max_age=territories.COOKIE_MAX_AGE,
            secure=not settings.DEBUG,
            httponly=True,
            samesite="Lax",
        )
    return response


def search_title(search):
    """A results page's title says what was searched and from where (RGAA 8.6), e.g.
    "4 résultats pour Stage de 3e (distances depuis : centre du quartier Breil - Barberie)"."""
    if not search.is_valid:
        return gettext("Recherche à corriger")
    title = ngettext("%(n)d résultat", "%(n)d résultats", search.count) % {"n": search.count}
    what = [need.local_label for need in search.needs]
    text = (search.cleaned.get("q") or "").strip()
    if text:
        what.append(gettext("« %(text)s »") % {"text": text})
    if what:
        title = gettext("%(count)s pour %(what)s") % {"count": title, "what": ", ".join(what)}
    if search.origin:
        title = gettext("%(title)s (distances depuis : %(origin)s)") % {
            "title": title,
            "origin": search.origin.label,
        }
    return title


# Where a search starts from: kept when the page offers another need, dropped when it asks.
ORIGIN_PARAMETERS = ("lat", "lon", "adresse", "arret", "depuis", "quartier", "rayon")


def _search_url(params, **changes):
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        if name not in changes and name != "page":
            query.setlist(name, values)
    for name, value in changes.items():
        if value:
            query[name] = value
    return f"{reverse('actors:search')}?{query.urlencode()}"


def _search_help(request, search):
    """What the results page offers beyond its results: the need a corrected word points
    to ("Vouliez-vous dire…"), needs to search by when nothing was found, and the other
    parameters to keep when it asks where the person is."""
    if not search.is_valid:
        return {}
    params = request.GET
    context = {
        "keep": [
            (name, value)
            for name, values in params.lists()
            if name not in ORIGIN_PARAMETERS and name != "page"
            for value in values
            if value
        ]
    }
    reading = search.reading
    if reading is not None and reading.suggested_need is not None:
        need = reading.suggested_need
        context["suggested"] = {"need": need, "url": _search_url(params, q="", besoin=need.slug)}
    if search.count == 0 and not search.asks_origin:
        needs = (reading.named_needs if reading else []) or list(
            vocabulary.current().needs.values()
        )
        context["need_links"] = [
            (need, _search_url(params, q="", besoin=need.slug)) for need in needs
        ]
    return context


def _render_search(request, desk):
    search = search_module.run(request.GET, desk=desk)
    page = search.page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {
        "search": search,
        "page": page,
        "results": page.object_list,
        "querystring": querystring.urlencode(),
        **search_form_context(request.GET, search.filterset.form),
        **_search_help(request, search),
    }
    return {
        "html": render_to_string("actors/includes/_search_results.html", context),
        "title": search_title(search),
        "status": 200 if search.is_valid else 400,
        "kept": signals.keep(request, search, page, channel="site"),
        "cache_seconds": search.cache_seconds if search.is_valid else 0,
    }


@require_safe
def search_results(request):
    """The results page. Its visitor-independent part is cached per URL, desk and language
    for SEARCH_CACHE_SECONDS (see actors.pagecache); the apps above hear of every request,
    cached or not (actors.signals: insights counts it)."""
    desk = desk_from_request(request)
    key = pagecache.key("search-page", request, desk.slug if desk else "")
    entry = pagecache.get(key)
    if entry is None:
        entry = _render_search(request, desk)
        pagecache.put(key, entry, entry["cache_seconds"])
    signals.show(request, entry["kept"])
    besoins = [value for value in request.GET.getlist("besoin") if value.strip()]
    context = {
        "fragment": mark_safe(entry["html"]),  # rendered (and escaped) by _search_results.html
        "title": entry["title"],
        "is_valid": entry["status"] == 200,
        "besoin": besoins[0] if besoins else "",
    }
    return render(request, "actors/search.html", context, status=entry["status"])


@require_safe
def neighbourhood_list(request):
    """Every quartier of every loaded layer, by commune."""
    context = {"territories": _by_territory(neighbourhoods_with_counts())}
    return render(request, "actors/neighbourhood_list.html", context)


@require_safe
def neighbourhood_detail(request, slug):
    """A quartier's places, nearest its centre first; a quartier prioritaire's, those inside
    it (a QPV overlaps the quartiers: it is nobody's quartier, it is where places are)."""
    neighbourhood = get_object_or_404(
        Neighbourhood.objects.defer("boundary", "display_boundary"), slug=slug
    )
    structures = Structure.objects.published()
    if neighbourhood.is_priority_area:
        structures = structures.filter(qpv=neighbourhood, qpv_distance_m=0)
        search_url = (
            f"{reverse('actors:search')}?lat={neighbourhood.centroid_latitude:.5f}"
            f"&lon={neighbourhood.centroid_longitude:.5f}&qpv=proche"
        )
    else:
        structures = structures.filter(neighbourhood=neighbourhood)
        search_url = f"{reverse('actors:search')}?quartier={neighbourhood.slug}"
    structures = (
        structures.with_distance(neighbourhood.centroid_latitude, neighbourhood.centroid_longitude)
        .order_by("distance", "name")
        .with_card_data()
    )
    page = page_of(request, structures)
    return render(
        request,
        "actors/neighbourhood_detail.html",
        {
            "neighbourhood": neighbourhood,
            "page": page,
            "results": page.object_list,
            "search_url": search_url,
        },
    )


@require_safe
def structure_detail(request, slug):
    queryset = Structure.objects.with_detail_data()
    if not request.user.is_staff:  # agents may preview drafts and archived entries
        queryset = queryset.published()
    structure = queryset.filter(slug=slug).first()
    if structure is None:
        return _closed_place(request, slug)
    now = timezone.localtime()
    today = now.date()
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
            "hosted": [(p, p.upcoming(now)) for p in structure.hosted_permanences.all()],
            "held": [(p, p.upcoming(now)) for p in structure.held_permanences.all()],
            "distance_m": distance_m,
            "walking_minutes": geo.walking_minutes(distance_m),
            # From the passeur's desk when set; on a phone, OpenStreetMap asks for the start.
            "directions_url": _directions(structure, desk_from_request(request)),
        },
    )


def _directions(structure, desk):
    if structure.latitude is None:
        return ""
    origin = (desk.latitude, desk.longitude) if desk and desk.latitude is not None else None
    if desk and desk.pk == structure.pk:
        return ""
    return geo.walking_directions_url((structure.latitude, structure.longitude), origin)


def _closed_place(request, slug):
    """410 for an archived entry: it has closed, here are the nearest places for the same
    needs (old handouts and QR codes point here). 404 for anything else unpublished."""
    structure = get_object_or_404(
        Structure.objects.with_neighbourhood().prefetch_related("needs"),
        slug=slug,
        status=Status.ARCHIVED,
    )
    replacements = structure.replacements()
    return render(
        request,
        "actors/structure_closed.html",
        {"structure": structure, "replacements": replacements},
        status=410,
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
