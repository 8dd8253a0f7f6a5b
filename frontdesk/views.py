import datetime

from django.conf import settings
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actors import geo
from actors import search as search_module
from actors.desk import DESK_COOKIE, DESK_MAX_AGE, desk_from_request
from actors.enums import ExceptionKind
from actors.models import Need, Neighbourhood, Structure
from actors.models.people import calendar_prefetches
from actors.opening import usual_week
from actors.renderers import EscapingJsonResponse
from actors.search import OriginKind
from actors.views import search_form_context, search_title
from frontdesk import tiles, vcard
from frontdesk.booklet import build_guide
from frontdesk.forms import DeskForm, GuideForm, natural_key
from frontdesk.pdf import html_to_pdf
from frontdesk.qr import qr_svg
from frontdesk.selection import MAX_ITEMS, Selection, SelectionFull, search_origin
from guide.errors import bad_request_page
from insights.recording import record_search

DESK_CHOICES_LIMIT = 30
DESK_CANDIDATES_READ = 500


def _back(request, fallback):
    """Where to go after a POST: a safe `next` on this site, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


# --- My desk -------------------------------------------------------------------------


@require_safe
def desk_choose(request):
    """Pick the desk among published structures (a short search, no JavaScript needed)."""
    form = DeskForm(request.GET)
    # Sorted here, not by the database: "Maison 14" before "Maison 143" (natural order),
    # among the first DESK_CANDIDATES_READ by name — a search narrows a longer list.
    found = list(form.candidates().order_by("name")[:DESK_CANDIDATES_READ])
    found.sort(key=lambda structure: natural_key(structure.name))
    return render(
        request,
        "frontdesk/desk.html",
        {
            "form": form,
            "filtered": form.is_valid() and any(form.cleaned_data.values()),
            "candidates": found[:DESK_CHOICES_LIMIT],
            "more": max(len(found) - DESK_CHOICES_LIMIT, 0),
            "next": _back(request, reverse("actors:home")),
        },
    )


@require_POST
def desk_set(request):
    structure = Structure.objects.published().filter(slug=request.POST.get("slug", "")).first()
    if structure is None:
        messages.error(request, _("Cette structure n'existe pas ou n'est pas publiée."))
        return redirect("frontdesk:desk")
    response = HttpResponseRedirect(_back(request, reverse("actors:home")))
    response.set_cookie(
        DESK_COOKIE,
        structure.slug,
        max_age=DESK_MAX_AGE,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )
    messages.success(
        request,
        _("Votre accueil est « %(name)s » : les distances sont calculées depuis ce lieu.")
        % {"name": structure.name},
    )
    return response


@require_POST
def desk_clear(request):
    response = HttpResponseRedirect(_back(request, reverse("actors:home")))
    response.delete_cookie(DESK_COOKIE, samesite="Lax")
    messages.success(
        request, _("Accueil retiré : les distances partent du centre du quartier choisi.")
    )
    return response


# --- The visitor's selection -------------------------------------------------------------


def _selection_response(request, selection, message, level=messages.SUCCESS, status=200):
    if _wants_json(request):
        return EscapingJsonResponse(
            {"count": len(selection), "slugs": selection.slugs(), "message": str(message)},
            status=status,
        )
    messages.add_message(request, level, message)
    return HttpResponseRedirect(_back(request, reverse("frontdesk:selection")))


@require_POST
def selection_add(request):
    structure = get_object_or_404(Structure.objects.published(), slug=request.POST.get("slug", ""))
    need = Need.objects.filter(slug=request.POST.get("besoin", "")).first()
    # Picked from a search's results: the handout measures the walk from where it started.
    origin = search_origin(request.POST.get("next"), desk_from_request(request))
    selection = Selection(request)
    try:
        selection.add(structure, need, origin)
    except SelectionFull:
        return _selection_response(
            request,
            selection,
            _("La fiche compte déjà %(max)d lieux : retirez-en un pour en ajouter un autre.")
            % {"max": MAX_ITEMS},
            messages.WARNING,
            status=409,
        )
    if selection.is_full:
        message = _(
            "Ajouté à la fiche : « %(name)s ». La fiche est complète : %(max)d lieux au plus."
        ) % {"name": structure.name, "max": MAX_ITEMS}
    else:
        message = _("Ajouté à la fiche : « %(name)s ».") % {"name": structure.name}
    return _selection_response(request, selection, message)


@require_POST
def selection_remove(request):
    selection = Selection(request)
    selection.remove(request.POST.get("slug", ""))
    return _selection_response(request, selection, _("Lieu retiré de la fiche."))


@require_POST
def selection_clear(request):
    selection = Selection(request)
    selection.clear()
    return _selection_response(request, selection, _("La fiche est vide."))


@require_safe
def selection_list(request):
    desk = desk_from_request(request)
    entries = [
        _handout_entry(request, structure, need, desk, origin)
        for structure, need, origin in _with_calendars(Selection(request).entries())
    ]
    context = {"entries": entries, "max_items": MAX_ITEMS, "full": len(entries) >= MAX_ITEMS}
    return render(request, "frontdesk/selection.html", context)


def _with_calendars(entries):
    """The selection's hosted permanences with their languages and calendars (cancellations,
    closures): four queries for the whole sheet, whatever the number of places."""
    permanences = [p for structure, *_ in entries for p in structure.hosted_permanences.all()]
    prefetch_related_objects(permanences, "languages", *calendar_prefetches())
    return entries


# Closer than this, the place is where the passeur is: "sur place" rather than "à 0 m".
ON_SITE_M = 10


def _origin(structure, desk, picked_from=None):
    """Where the walk starts: where the search the place was picked from started, else the
    desk when set, else the centre of the place's quartier. (latitude, longitude, label,
    whether it is a real start for directions) or None; the label finishes "à 350 m …"."""
    if picked_from is not None:
        kind = picked_from.kind
        if kind == OriginKind.STOP:
            label = _("de l'arrêt %(name)s") % {"name": picked_from.name}
        elif kind == OriginKind.NEIGHBOURHOOD:
            label = _("du centre du quartier %(name)s") % {"name": picked_from.name}
        elif kind == OriginKind.ADDRESS:
            label = _("de l'adresse de la recherche")
        else:
            label = _("du point de départ de la recherche")
        routable = kind != OriginKind.NEIGHBOURHOOD
        return picked_from.latitude, picked_from.longitude, label, routable
    if desk and desk.latitude is not None:
        return desk.latitude, desk.longitude, _("d'ici"), True
    neighbourhood = structure.neighbourhood
    if neighbourhood and neighbourhood.centroid_latitude is not None:
        return (
            neighbourhood.centroid_latitude,
            neighbourhood.centroid_longitude,
            _("du centre du quartier %(name)s") % {"name": neighbourhood.name},
            False,
        )
    return None


def _handout_entry(request, structure, need, desk, picked_from=None, now=None):
    origin = _origin(structure, desk, picked_from)
    distance = structure.distance_from(origin[0], origin[1]) if origin else None
    destination = (structure.latitude, structure.longitude)
    permanences = [
        (permanence, permanence.upcoming(now, count=3))
        for permanence in structure.hosted_permanences.all()
        if need is None or any(n.pk == need.pk for n in permanence.needs.all())
    ]
    url = request.build_absolute_uri(structure.get_absolute_url())
    name = {"name": structure.name}
    return {
        "structure": structure,
        "need": need,
        "distance_m": distance,
        "walking_minutes": geo.walking_minutes(distance),
        "on_site": distance is not None and distance < ON_SITE_M,
        "origin_label": origin[2] if origin else "",
        "directions_url": geo.walking_directions_url(
            destination, (origin[0], origin[1]) if origin and origin[3] else None
        )
        if structure.latitude is not None
        else "",
        "access": _access(structure),
        "usual_week": usual_week(structure.opening_slots.all()),
        "closures": [
            e for e in structure.opening_exceptions.all() if e.kind == ExceptionKind.CLOSED
        ],
        "status": structure.opening_status(now=now),
        "opening_days": _by_day(structure.next_openings(now=now, count=3)),
        "permanences": permanences,
        "url": url,
        # Printed beside the QR code for whoever cannot scan it; browsers add the scheme.
        "address": url.split("://", 1)[-1],
        "qr": qr_svg(url, _("Code QR vers la fiche en ligne de %(name)s") % name),
    }


def _access(structure):
    """ "sans rendez-vous, sur orientation d'un professionnel", or "" when nothing is known."""
    parts = []
    if structure.walk_in:
        parts.append(_("sans rendez-vous"))
    elif structure.by_appointment:
        parts.append(_("sur rendez-vous"))
    if structure.referral_required:
        parts.append(_("sur orientation d'un professionnel"))
    return ", ".join(parts)


def _by_day(openings):
    """[(date, [(opens, closes), ...])]: a day's morning and afternoon on one line."""
    days = []
    for opens, closes in openings:
        day = timezone.localtime(opens).date()
        if days and days[-1][0] == day:
            days[-1][1].append((opens, closes))
        else:
            days.append((day, [(opens, closes)]))
    return days


@require_safe
def handout(request):
    """The one-page A4 "fiche orientation" the visitor takes away."""
    desk = desk_from_request(request)
    now = timezone.now()
    entries = [
        _handout_entry(request, structure, need, desk, origin, now)
        for structure, need, origin in _with_calendars(Selection(request).entries())
    ]
    for entry in entries:
        if entry["directions_url"] and not entry["on_site"]:
            entry["directions_qr"] = qr_svg(
                entry["directions_url"],
                _("Code QR de l'itinéraire à pied vers %(name)s")
                % {"name": entry["structure"].name},
            )
    # A need is explained once, where it first appears: five places for a 3e internship
    # would repeat the same two lines five times on a sheet that has one page.
    explained = set()
    for entry in entries:
        entry["explain_need"] = entry["need"] is not None and entry["need"].pk not in explained
        if entry["need"] is not None:
            explained.add(entry["need"].pk)
    return render(
        request,
        "frontdesk/handout.html",
        {
            "entries": entries,
            "structures": [entry["structure"] for entry in entries],
            "desk": desk,
            "printed_on": timezone.localtime(now),
        },
    )


# --- The printable neighbourhood guide -------------------------------------------------------


@require_safe
def neighbourhood_guide(request, slug):
    neighbourhood = get_object_or_404(Neighbourhood, slug=slug)
    form = GuideForm(request.GET)
    if not form.is_valid():
        return bad_request_page(request, form)
    guide = build_guide(neighbourhood, list(form.cleaned_data["besoin"]))
    for_pdf = form.cleaned_data["format"] == "pdf"
    context = {
        "guide": guide,
        # The PDF's map has streets under it when tiles are configured: fetched by the
        # server (frontdesk.tiles), since the PDF cannot fetch them itself.
        "map": guide.map(background=tiles.background if for_pdf else None),
        "neighbourhood": neighbourhood,
        "printed_on": timezone.localtime(),
        "for_pdf": for_pdf,
    }
    if for_pdf:
        html = render_to_string("frontdesk/guide.html", context, request=request)
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        filename = f"guide-orientation-{neighbourhood.slug}-{datetime.date.today():%Y-%m-%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "frontdesk/guide.html", context)


# --- The map -----------------------------------------------------------------------------------


@require_safe
def map_page(request):
    """The search results on a Leaflet map; the list stays below for those without JavaScript."""
    desk = desk_from_request(request)
    search = search_module.run(request.GET, desk=desk)
    page = search.page(request.GET.get("page"))
    record_search(request, search, page, channel="site")
    params = request.GET.copy()
    params.pop("page", None)
    if desk and not any(params.get(name) for name in ("lat", "adresse", "depuis")):
        params["depuis"] = desk.slug  # the API has no cookie: pass the desk explicitly
    neighbourhood = search.cleaned.get("quartier") if search.is_valid else None
    context = {
        "search": search,
        "page": page,
        "results": page.object_list,
        "querystring": request.GET.urlencode(),
        "geojson_url": reverse("actors:api-structures-geojson") + "?" + params.urlencode(),
        "boundary_url": reverse("actors:api-neighbourhood", args=[neighbourhood.slug])
        if neighbourhood
        else "",
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "title": search_title(search),
        **search_form_context(request.GET, search.filterset.form),
    }
    return render(request, "frontdesk/map.html", context, status=200 if search.is_valid else 400)


# --- vCard ---------------------------------------------------------------------------------------


@require_safe
def structure_vcard(request, slug):
    structure = get_object_or_404(
        Structure.objects.published().prefetch_related("opening_slots"), slug=slug
    )
    url = request.build_absolute_uri(structure.get_absolute_url())
    response = HttpResponse(
        vcard.for_structure(structure, url), content_type="text/vcard; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{structure.slug}.vcf"'
    return response
