"""SAML pages of the portal's own, and a guard in front of allauth's SAML views.

- `single_logout`: SAML single logout, after the portal's own sign-out (see sso.saml).
- `allauth_urlpatterns`: allauth's five SAML views (login, acs, acs/finish, sls,
  metadata) at their own addresses, each behind `guarded`. The root URLconf mounts them
  under /accounts/ just before allauth's URLs, so these answer first; the patterns have
  no names, so reverse("saml_login") etc. still give allauth's (identical) addresses.

Leaving for the identity provider after a form is sent goes through
`sso.handover.hand_over` (the portal's CSP has form-action 'self').
"""

import functools

from allauth.socialaccount.providers.saml import views as allauth_saml
from allauth.socialaccount.providers.saml.utils import get_app_or_404
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import include, path, re_path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import saml
from .handover import hand_over, leaves_the_portal
from .models import IdentityProvider


@login_not_required
@never_cache
@require_GET
def single_logout(request, slug):
    """Send the browser to the provider's SLO service with a fresh LogoutRequest.

    The one-time token was made at sign-in (sso.saml.logout_start_url); an unknown or
    used token, or a provider without SLO, simply ends on the signed-out page.
    """
    pending = saml.take_logout(request.GET.get("token", ""), slug)
    url = None
    # python3-saml builds its addresses from the Host header.
    _fill_host(request)
    if pending is not None:
        url = saml.logout_url(
            request,
            slug=slug,
            name_id=pending["name_id"],
            session_index=pending["session_index"],
            name_id_format=pending["name_id_format"],
            return_to=saml.after_logout_url(request),
        )
    if not url:
        return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))
    # Reached by redirects from the sign-out form: hand over rather than redirect.
    idp = (
        IdentityProvider.objects.filter(slug=slug, protocol=IdentityProvider.Protocol.SAML)
        .only("name")
        .first()
    )
    return hand_over(request, url, provider_name=idp.name if idp else slug, signing_out=True)


def _fill_host(request) -> None:
    """Give python3-saml the Host header it reads, when the client sent none."""
    if not request.META.get("HTTP_HOST"):
        request.META["HTTP_HOST"] = request.get_host()


def guarded(view):
    """allauth's SAML view, answering a clear 4xx/502 page where it would raise a 500.

    - No Host header (HTTP/1.0 clients, some probes): python3-saml reads
      request.META["HTTP_HOST"] directly, so it is filled with the host Django itself
      answers for (`get_host()`: the server's name, checked against ALLOWED_HOSTS).
    - A provider configured by metadata URL whose metadata cannot be fetched, or
      does not describe the identity provider: 502, "sign-in not available" page.
    An unknown provider stays allauth's 404. Everything else is allauth's own view,
    except that its redirect to the provider's sign-in becomes `hand_over`.
    """

    @functools.wraps(view)  # keeps csrf_exempt / login_not_required from allauth's view
    def wrapper(request, organization_slug):
        _fill_host(request)
        app = get_app_or_404(request, organization_slug)
        if saml.metadata_problem(app):
            return render(
                request,
                "sso/unavailable.html",
                {"provider_name": app.name or organization_slug},
                status=502,
            )
        response = view(request, organization_slug=organization_slug)
        if request.method == "POST" and leaves_the_portal(request, response):
            return hand_over(request, response["Location"], provider_name=app.name)
        return response

    return wrapper


allauth_urlpatterns = [
    re_path(
        r"^saml/(?P<organization_slug>[^/]+)/",
        include(
            [
                path("acs/", guarded(allauth_saml.acs)),
                path("acs/finish/", guarded(allauth_saml.finish_acs)),
                path("sls/", guarded(allauth_saml.sls)),
                path("metadata/", guarded(allauth_saml.metadata)),
                path("login/", guarded(allauth_saml.login)),
            ]
        ),
    )
]
