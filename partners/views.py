from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from actors.enums import VerificationMethod
from actors.models import Structure
from partners import links, ratelimit
from partners.forms import ErrorReportForm, ProposalForms
from partners.models import ChangeProposal, ProposalStatus, partner_structures

RECENT_PROPOSALS = 10


def _sign_in_page(request):
    """The sign-in form, shown in place of any partner page to an anonymous visitor.

    Shown at the address asked for (not a redirect) so the page answers like any
    other and, once signed in, the visitor comes straight back to it (`next`).
    """
    context = {
        "form": AuthenticationForm(request),
        "next": request.get_full_path(),
        "team_email": settings.GUIDE_TEAM_EMAIL,
    }
    return render(request, "partners/login.html", context)


def partner_page(view):
    """Signed-in users only; never cached, since every page is about one account."""

    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _sign_in_page(request)
        return view(request, *args, **kwargs)

    return wrapper


def _structure_for_partner(request, slug):
    """One of the signed-in partner's structures; any other slug is a 404, even for staff."""
    return get_object_or_404(partner_structures(request.user).with_neighbourhood(), slug=slug)


class LoginView(auth_views.LoginView):
    template_name = "partners/login.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "team_email": settings.GUIDE_TEAM_EMAIL}


@require_http_methods(["GET", "POST"])
@never_cache
def logout(request):
    """GET asks for confirmation; POST (with its CSRF token) signs out."""
    if request.method == "POST":
        auth_logout(request)
        messages.success(request, _("Vous êtes déconnecté."))
        return redirect("partners:home")
    return render(request, "partners/logout.html")


@require_safe
@partner_page
def home(request):
    structures = partner_structures(request.user).annotate(
        pending_proposals=Count(
            "change_proposals", filter=Q(change_proposals__status=ProposalStatus.PENDING)
        )
    )
    proposals = (
        ChangeProposal.objects.filter(proposed_by=request.user)
        .select_related("structure")
        .order_by("-created_at")[:RECENT_PROPOSALS]
    )
    return render(
        request,
        "partners/home.html",
        {"structures": structures, "proposals": proposals},
    )


@require_http_methods(["GET", "POST"])
@partner_page
def propose(request, slug):
    structure = _structure_for_partner(request, slug)
    forms = ProposalForms(request.POST or None, structure=structure)
    if request.method == "POST" and forms.is_valid():
        try:
            ChangeProposal.propose(
                structure,
                by=request.user,
                values=forms.values(),
                message=forms.note.cleaned_data["message"],
            )
        except ValidationError as error:
            forms.form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Merci ! Votre proposition pour « %(name)s » est transmise à l'équipe du "
                    "guide. La fiche en ligne ne change qu'après validation."
                )
                % {"name": structure.name},
            )
            return redirect("partners:home")
    return render(request, "partners/propose.html", {"structure": structure, "forms": forms})


@require_http_methods(["GET", "POST"])
@partner_page
def propose_new(request):
    forms = ProposalForms(request.POST or None)
    if request.method == "POST" and forms.is_valid():
        ChangeProposal.propose_new(
            by=request.user, values=forms.values(), message=forms.note.cleaned_data["message"]
        )
        messages.success(
            request,
            _(
                "Merci ! Votre proposition de nouvelle structure est transmise à l'équipe du "
                "guide. Elle sera publiée après validation."
            ),
        )
        return redirect("partners:home")
    return render(request, "partners/propose.html", {"structure": None, "forms": forms})


@require_http_methods(["GET", "POST"])
@partner_page
def confirm_unchanged(request, slug):
    """ "Rien n'a changé": POST from the partner space, or the signed link of a reminder."""
    structure = _structure_for_partner(request, slug)
    token = request.GET.get("jeton", "")
    signed = bool(token) and links.token_is_valid(token, structure, request.user)
    if request.method == "POST" or signed:
        structure.verify(by=request.user, method=VerificationMethod.PARTNER)
        messages.success(
            request,
            _("Merci ! « %(name)s » est marquée comme vérifiée aujourd'hui.")
            % {"name": structure.name},
        )
        return redirect("partners:home")
    if token:
        messages.warning(
            request,
            _("Ce lien a expiré ou ne correspond pas à votre compte : confirmez ci-dessous."),
        )
    return render(request, "partners/confirm.html", {"structure": structure})


REPORT_THANKS = gettext_lazy(
    "Merci ! Votre signalement a été transmis à l'équipe du guide, qui vérifiera la fiche."
)


@require_http_methods(["GET", "POST"])
def report_error(request, slug):
    """ "Signaler une erreur", open to anyone, limited per client in the shared cache."""
    structure = get_object_or_404(Structure.objects.published(), slug=slug)
    form = ErrorReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            messages.success(request, REPORT_THANKS)  # a bot learns nothing
            return redirect(structure)
        allowed = ratelimit.allow(
            "error-report",
            ratelimit.client_key(request),
            limit=settings.ERROR_REPORTS_PER_HOUR,
            period=3600,
        )
        if not allowed:
            context = {"structure": structure, "form": form, "limited": True}
            return render(request, "partners/report_error.html", context, status=429)
        form.instance.structure = structure
        form.save()
        messages.success(request, REPORT_THANKS)
        return redirect(structure)
    return render(request, "partners/report_error.html", {"structure": structure, "form": form})
