"""allauth's SAML provider with the facts the portal records, and replay protection.

Registered through allauth's own hook: settings.SOCIALACCOUNT_PROVIDERS["saml"]
["provider_class"] names this class, so allauth's provider registry uses it wherever it
would use its own SAMLProvider (same id "saml", same URLs, same views).
"""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.utils.translation import gettext as _

from sso import saml


class PortalSAMLProvider(SAMLProvider):
    # allauth loads a provider's URLs from `<package>.urls`: keep allauth's SAML URLs.
    package = "allauth.socialaccount.providers.saml"

    def sociallogin_from_response(self, request, response):
        """Refuse a replayed assertion before anything else looks at it.

        `response` is python3-saml's OneLogin_Saml2_Auth, after it has validated the
        response (signature, audience, destination, times)."""
        issuer = _issuer(response)
        if not saml.remember_assertion(
            issuer=issuer,
            assertion_id=response.get_last_assertion_id() or "",
            not_on_or_after=response.get_last_assertion_not_on_or_after(),
        ):
            raise ImmediateHttpResponse(
                render_authentication_error(
                    request,
                    self,
                    extra_context={
                        "saml_errors": ["replayed_assertion"],
                        "saml_last_error_reason": _("This assertion was used before."),
                    },
                )
            )
        return super().sociallogin_from_response(request, response)

    def extract_extra_data(self, data):
        """allauth's extra data (the attributes) plus "_portal": what the sign-in
        proved, for sso.linking (MFA, evidence) and for single logout."""
        extra = dict(super().extract_extra_data(data))
        extra["_portal"] = {
            "issuer": _issuer(data),
            "subject": data.get_nameid() or "",
            "subject_format": data.get_nameid_format() or "",
            "authn_context": list(data.get_last_authn_contexts() or []),
            "assertion_id": data.get_last_assertion_id() or "",
            "session_index": data.get_session_index() or "",
        }
        return extra


def _issuer(auth) -> str:
    # In strict mode python3-saml accepts only responses whose Issuer is the configured
    # identity provider's entity ID, so that is the issuer.
    return auth.get_settings().get_idp_data().get("entityId", "")
