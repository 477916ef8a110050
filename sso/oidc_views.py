"""A guard in front of allauth's OpenID Connect sign-in view, and the sign-out hand-over.

- `allauth_urlpatterns`: allauth's OIDC login view at its own address; the root URLconf
  mounts it under /accounts/ just before allauth's URLs, so it answers first (the
  pattern has no name: reverse("openid_connect_login") still gives allauth's identical
  address). Its redirect to the provider after the "Continue" form becomes
  `sso.handover.hand_over`, and a provider whose discovery document cannot be read gets
  a clear 502 page instead of a 500.
- `signed_out`: after the portal's own sign-out, on to the provider's end-session
  address that the portal signed at sign-in (sso.handover.signed_out_url).
"""

import functools

import requests
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect import views as allauth_oidc
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .handover import hand_over, leaves_the_portal, signed_out_target
from .models import IdentityProvider


def guarded(view):
    """allauth's OIDC login view, handing over instead of redirecting after a form."""

    @functools.wraps(view)
    def wrapper(request, provider_id):
        try:
            response = view(request, provider_id=provider_id)
        except (requests.RequestException, OAuth2Error, ValueError):
            # The discovery document could not be fetched or read.
            provider = IdentityProvider.objects.filter(slug=provider_id).only("name").first()
            return render(
                request,
                "sso/unavailable.html",
                {"provider_name": provider.name if provider else provider_id},
                status=502,
            )
        if request.method == "POST" and leaves_the_portal(request, response):
            provider = IdentityProvider.objects.filter(slug=provider_id).only("name").first()
            return hand_over(
                request,
                response["Location"],
                provider_name=provider.name if provider else provider_id,
            )
        return response

    return wrapper


allauth_urlpatterns = [
    path("oidc/<str:provider_id>/login/", guarded(allauth_oidc.login)),
]


@login_not_required
@never_cache
@require_GET
def signed_out(request):
    """Hand over to the provider's sign-out; an unsigned or stale address goes home."""
    target = signed_out_target(
        request.GET.get("to", ""), max_age=settings.SESSION_COOKIE_AGE + 3600
    )
    if target is None:
        return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))
    return hand_over(request, target["url"], provider_name=target["provider"], signing_out=True)
