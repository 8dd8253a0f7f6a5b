"""Partners' passwords: Django's own reset views, and the invitation that sets the first one.

No password ever travels by e-mail. An agent invites a partner account (created
with no usable password) from the admin; the e-mailed link opens Django's
"set a new password" form. Both links are tokens that die as soon as the
password is set (the token hashes the password) or when they expire.

Requests and bad links are limited per client with the sign-in lockout's numbers
(AXES_FAILURE_LIMIT per AXES_COOLOFF_TIME hours), and every answer to a reset
request reads the same whether the address has an account or not.
"""

import hashlib

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from partners import ratelimit
from partners.links import invitation_tokens


def _within_limit(scope, key):
    return ratelimit.allow(
        scope, key, limit=settings.AXES_FAILURE_LIMIT, period=settings.AXES_COOLOFF_TIME * 3600
    )


def _too_many(request):
    return render(request, "partners/accounts/too_many.html", status=429)


class PartnerPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        """Django's rule, plus invited partners who have not chosen a password yet:
        an expired invitation is recovered like a forgotten password."""
        users = list(super().get_users(email))
        invited = get_user_model()._default_manager.filter(
            email__iexact=email, is_active=True, memberships__isnull=False
        )
        users += [user for user in invited.distinct() if not user.has_usable_password()]
        return users


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PartnerPasswordResetForm
    template_name = "partners/accounts/reset_form.html"
    subject_template_name = "partners/emails/password_reset_subject.txt"
    email_template_name = "partners/emails/password_reset.txt"
    success_url = reverse_lazy("partners:password_reset_done")

    @property
    def extra_email_context(self):
        # Links in e-mails use the site's public address, like every other e-mail.
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def form_valid(self, form):
        # Per client, then per address (nobody fills a partner's mailbox from many clients).
        address = form.cleaned_data["email"].strip().lower()
        mailbox = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
        if not _within_limit("password-reset", ratelimit.client_key(self.request)):
            return _too_many(self.request)
        if not _within_limit("password-reset-mailbox", mailbox):
            return _too_many(self.request)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "partners/accounts/reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "timeout_hours": _reset_hours()}


def _reset_hours():
    return settings.PASSWORD_RESET_TIMEOUT // 3600


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link's page. A bad or expired link counts against the client like a failed
    sign-in; a password set lifts the account's sign-in lockout."""

    form_class = SetPasswordForm
    template_name = "partners/accounts/set_password.html"
    success_url = reverse_lazy("partners:password_reset_complete")

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and not _within_limit(
            "password-link", ratelimit.client_key(self.request)
        ):
            return _too_many(self.request)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        reset_lockout(username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "partners/accounts/reset_complete.html"


class InvitationView(PasswordResetConfirmView):
    """The invitation's page: choose the first password, then straight into the space."""

    token_generator = invitation_tokens
    template_name = "partners/accounts/invitation.html"
    success_url = reverse_lazy("partners:home")
    post_reset_login = True
    # Explicit: the axes backend is listed first and logs nobody in.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Bienvenue ! Votre mot de passe est enregistré : vous êtes connecté."),
        )
        return response
