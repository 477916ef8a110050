"""A real OpenID Connect provider for the tests: oidc-provider-mock, in a thread.

It runs on 127.0.0.1 on a free port and speaks the real protocol: discovery, the
authorisation page (a form where one types the subject), the token endpoint with an
RS256-signed id_token, userinfo, JWKS and end-session. People's claims are set with
`set_user(sub, email=..., amr=[...], groups=[...])` (the mock's PUT /users/<sub>).

For the refusals, `tamper` rewrites the id_token in the token endpoint's answer and
signs it again with the provider's own key: another audience, an expiry in the past,
a fixed jti to replay. Everything else is the provider's own behaviour.
"""

import contextlib
import json
import os
from urllib.parse import urlsplit

import flask
import pytest
import requests
from joserfc import jwt
from oidc_provider_mock import _server
from oidc_provider_mock._app import app as provider_app
from oidc_provider_mock._storage import storage


class OidcIdp:
    def __init__(self, server):
        self.url = f"http://127.0.0.1:{server.server_port}"
        # Claims to overwrite in the next id_tokens; empty leaves them as issued.
        self.tamper: dict = {}

    def set_user(self, sub: str, **claims) -> None:
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def sign_in(self, client, slug: str, sub: str):
        """The whole browser round trip: start at the portal, sign in at the provider as
        `sub`, come back to the portal's callback. Returns the callback's response."""
        start = client.post(f"/accounts/oidc/{slug}/login/")
        # The portal hands over with a page and a Refresh header (sso.handover), since
        # its CSP's form-action would block a redirect after the "Continue" form.
        assert start.status_code == 200, start.status_code
        delay, _, authorize_url = start["Refresh"].partition(";url=")
        assert delay == "0"
        assert authorize_url.startswith(f"{self.url}/oauth2/authorize"), authorize_url
        form = requests.get(authorize_url, timeout=5)
        assert form.status_code == 200
        answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, answer.text
        callback = urlsplit(answer.headers["Location"])
        return client.get(f"{callback.path}?{callback.query}")

    def _tamper_token_response(self, response: flask.Response) -> flask.Response:
        if not self.tamper or flask.request.path != "/oauth2/token" or response.status_code != 200:
            return response
        body = json.loads(response.get_data())
        key = storage.jwk
        token = jwt.decode(body["id_token"], key)
        claims = {**token.claims, **self.tamper}
        body["id_token"] = jwt.encode(token.header, claims, key)
        response.set_data(json.dumps(body))
        return response


@contextlib.contextmanager
def running_idp():
    """Start the provider; yield an OidcIdp; stop it afterwards."""
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    # The provider is reached over plain HTTP on 127.0.0.1 only.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    app = provider_app()
    holder = {}
    app.after_request(lambda response: holder["idp"]._tamper_token_response(response))
    try:
        with _server._threaded_server(app, host="127.0.0.1", port=0) as server:
            holder["idp"] = OidcIdp(server)
            yield holder["idp"]
    finally:
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


@pytest.fixture(scope="module")
def oidc_idp():
    with running_idp() as idp:
        yield idp
