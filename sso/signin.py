"""The "Sign in with your organisation" page (/sso/): by work email, or from a list.

Typing a work email finds the provider that lists its domain and goes on to allauth's
own start page for it (/accounts/oidc/<slug>/login/ or /accounts/saml/<slug>/login/),
which asks once more, with a POST, before leaving for the provider. The list shows the
same buttons. Which organisations offer sign-in, and their domains' owners, is public
on this page anyway; nothing here says whether an address has an account.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.http import bound, form_view

from .models import IdentityProvider, ProviderDomain


class OrganisationEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Work email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "id": "id_sso_email"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        domain = email.rpartition("@")[2]
        match = (
            ProviderDomain.objects.filter(domain=domain, provider__enabled=True)
            .select_related("provider")
            .first()
        )
        if match is None:
            raise forms.ValidationError(
                _(
                    "No organisation signs in to the portal with addresses at %(domain)s. "
                    "Sign in with your email address and password instead, or pick your "
                    "organisation from the list."
                ),
                code="unknown_domain",
                params={"domain": domain},
            )
        self.provider = match.provider
        return email


def login_url(idp: IdentityProvider) -> str:
    """allauth's page that starts a sign-in through this provider."""
    if idp.protocol == IdentityProvider.Protocol.SAML:
        return reverse("saml_login", kwargs={"organization_slug": idp.slug})
    return reverse("openid_connect_login", kwargs={"provider_id": idp.slug})


def providers_offered():
    """Enabled providers with their owner, for the list on the page."""
    providers = IdentityProvider.objects.filter(enabled=True).select_related(
        "office", "association"
    )
    entries = [
        {"provider": idp, "owner": str(idp.owner), "login_url": login_url(idp)} for idp in providers
    ]
    return sorted(entries, key=lambda entry: (entry["owner"].casefold(), entry["provider"].name))


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def choose(request):
    # Where to go after signing in travels in the page's address, as on allauth's pages.
    next_url = _safe_next(request, request.GET.get("next", ""))
    form = OrganisationEmailForm(*bound(request))

    def done(_email):
        url = login_url(form.provider)
        if next_url:
            url = f"{url}?{urlencode({'next': next_url})}"
        return HttpResponseRedirect(url)

    return form_view(
        request,
        form,
        save=lambda: form.cleaned_data["email"],
        done=done,
        template="sso/choose.html",
        context={"providers": providers_offered(), "next": next_url},
    )
