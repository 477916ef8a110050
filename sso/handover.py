"""Leaving the portal for an identity provider after a form was sent.

The portal's CSP has form-action 'self', and browsers apply form-action to every
redirect that follows a form submission. The "Continue to <provider>" button, the
organisation list and the sign-out button are forms, so a 302 from them to the
provider's address would be blocked. Instead the portal answers with a short page that
moves the browser on with a Refresh header (a new navigation, outside form-action, with
no script) and a visible link for when it does not go by itself.

Sign-out to an OpenID Connect provider's end-session address goes through
`signed_out_url`: the address is signed, so /sso/signed-out/ hands over only to an
address the portal itself wrote at sign-in — never an open redirect.
"""

from urllib.parse import urlencode

from django.core import signing
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

SIGNED_OUT_SALT = "sso.signed-out"


def leaves_the_portal(request, response) -> bool:
    """Whether `response` redirects the browser to another site."""
    location = response.get("Location", "") if response.status_code in {301, 302, 303} else ""
    return bool(location) and not url_has_allowed_host_and_scheme(
        location, allowed_hosts={request.get_host()}
    )


def hand_over(request, url: str, *, provider_name: str, signing_out: bool = False):
    """A page that sends the browser on to the identity provider at `url`."""
    response = render(
        request,
        "sso/hand_over.html",
        {"url": url, "provider_name": provider_name, "signing_out": signing_out},
    )
    response["Refresh"] = f"0;url={url}"
    add_never_cache_headers(response)
    return response


def signed_out_url(request, *, url: str, provider_name: str) -> str:
    """The portal address that, after sign-out, hands over to the provider's `url`."""
    token = signing.dumps({"url": url, "provider": provider_name}, salt=SIGNED_OUT_SALT)
    return request.build_absolute_uri(f"{reverse('sso:signed-out')}?{urlencode({'to': token})}")


def signed_out_target(token: str, *, max_age: int) -> dict | None:
    """The {"url", "provider"} that `signed_out_url` signed, or None when not genuine."""
    try:
        value = signing.loads(token, salt=SIGNED_OUT_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    url = value.get("url") if isinstance(value, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    return {"url": url, "provider": str(value.get("provider") or "")}
