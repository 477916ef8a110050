"""A real SAML 2.0 identity provider for the tests: pysaml2's Server behind a small WSGI
app in a thread on 127.0.0.1 (a free port), signing with the xmlsec1 program.

    GET /metadata   the IdP's metadata (entity ID = this address)
    GET /sso        HTTP-Redirect AuthnRequest -> page with an auto-submitting POST form
    GET /slo        HTTP-Redirect LogoutRequest -> LogoutResponse back by HTTP-Redirect

What the next response looks like is set on the fixture object before the sign-in:
`idp.user` (the person), `idp.authn_context`, and `idp.mode`, one of
"signed" (normal), "unsigned", "other_key" (signed by a key not in the metadata),
"wrong_audience", "expired" (NotOnOrAfter in the past).
"""

import datetime
import shutil
import threading
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

MFA = "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor"
PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="{redirect}" Location="{base}/slo"/>
    <md:NameIDFormat>{nameid_format}</md:NameIDFormat>
    <md:SingleSignOnService Binding="{redirect}" Location="{base}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def make_key_pair(directory, name: str) -> tuple[str, str, str]:
    """A fresh RSA key and self-signed certificate: (key path, cert path, cert base64)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Test IdP {name}")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = directory / f"{name}.key"
    cert_path = directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path.write_bytes(pem)
    body = "".join(pem.decode().strip().splitlines()[1:-1])
    return str(key_path), str(cert_path), body


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@dataclass
class SamlIdP:
    base: str
    cert: str  # base64 DER of the certificate in the metadata
    servers: dict  # "main" and "other" pysaml2 Servers (other = another key)
    user: dict = field(default_factory=dict)
    authn_context: str = PASSWORD
    mode: str = "signed"
    last_response: str = ""  # the last SAMLResponse sent (base64), for replays
    logouts: list = field(default_factory=list)  # NameIDs of LogoutRequests received

    @property
    def entity_id(self) -> str:
        return f"{self.base}/metadata"

    @property
    def metadata(self) -> str:
        return METADATA.format(
            entity_id=self.entity_id,
            cert=self.cert,
            base=self.base,
            redirect=BINDING_HTTP_REDIRECT,
            nameid_format=NAMEID_FORMAT_EMAILADDRESS,
        )

    def trust_sp(self, sp_metadata: str) -> None:
        """Load the portal's SP metadata (from /accounts/saml/<slug>/metadata/)."""
        for server in self.servers.values():
            server.metadata.load("inline", sp_metadata)

    # WSGI -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        try:
            if path == "/metadata":
                return self._reply(start_response, "200 OK", self.metadata, "text/xml")
            if path == "/sso":
                return self._sso(start_response, query)
            if path == "/slo":
                return self._slo(start_response, query)
        except Exception as exc:  # shown to the test, which fails on it
            return self._reply(start_response, "500 Error", repr(exc), "text/plain")
        return self._reply(start_response, "404 Not Found", "not found", "text/plain")

    def _reply(self, start_response, status, body, content_type, headers=()):
        start_response(status, [("Content-Type", content_type), *headers])
        return [body.encode()]

    def _sso(self, start_response, query):
        main = self.servers["main"]
        request = main.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = request.message
        acs_url = message.assertion_consumer_service_url
        sp_entity_id = message.issuer.text
        server = self.servers["other" if self.mode == "other_key" else "main"]
        audience = "https://elsewhere.example/sp" if self.mode == "wrong_audience" else None
        lifetime = {"minutes": -10} if self.mode == "expired" else {"minutes": 5}
        policy = Policy(
            {"default": {"lifetime": lifetime, "name_form": NAME_FORMAT_URI}},
            mds=server.metadata,
        )
        identity = {
            key: [value] for key, value in self.user.items() if key not in {"name_id"} and value
        }
        name_id = NameID(
            format=NAMEID_FORMAT_EMAILADDRESS,
            text=self.user.get("name_id") or self.user.get("mail", ""),
        )
        signed = self.mode != "unsigned"
        response = server.create_authn_response(
            identity,
            in_response_to=message.id,
            destination=acs_url,
            sp_entity_id=audience or sp_entity_id,
            name_id=name_id,
            authn={"class_ref": self.authn_context},
            release_policy=policy,
            sign_assertion=signed,
            sign_response=False,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        relay_state = query.get("RelayState", [""])[0]
        http_args = server.apply_binding(
            BINDING_HTTP_POST, str(response), acs_url, relay_state, response=True
        )
        body = http_args["data"]
        self.last_response = AutoPostForm.parse(body).fields["SAMLResponse"]
        return self._reply(start_response, "200 OK", body, "text/html")

    def _slo(self, start_response, query):
        server = self.servers["main"]
        request = server.parse_logout_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        self.logouts.append(request.message.name_id.text)
        response = server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        # The SP's SLS address from the SP metadata loaded by trust_sp.
        services = server.metadata.single_logout_service(
            request.message.issuer.text, BINDING_HTTP_REDIRECT, "spsso"
        )
        destination = services[0]["location"]
        http_args = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            query.get("RelayState", [""])[0],
            response=True,
        )
        location = dict(http_args["headers"])["Location"]
        return self._reply(start_response, "302 Found", "", "text/plain", [("Location", location)])


class AutoPostForm(HTMLParser):
    """The action and hidden fields of the IdP's auto-submitting form."""

    def __init__(self):
        super().__init__()
        self.action = ""
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action", "")
        if tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")

    @classmethod
    def parse(cls, html: str) -> "AutoPostForm":
        form = cls()
        form.feed(html)
        return form


def _server(base: str, key_path: str, cert_path: str) -> Server:
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/metadata",
            "xmlsec_binary": shutil.which("xmlsec1"),
            "key_file": key_path,
            "cert_file": cert_path,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{base}/slo", BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "want_authn_requests_signed": False,
                }
            },
            "metadata": {},
        }
    )
    return Server(config=config)


@pytest.fixture(name="saml_idp")
def saml_idp_fixture(tmp_path):
    """A running pysaml2 identity provider on 127.0.0.1; stopped after the test."""
    httpd = make_server("127.0.0.1", 0, lambda e, s: None, WSGIServer, _Quiet)
    base = f"http://127.0.0.1:{httpd.server_port}"
    key, cert, cert_b64 = make_key_pair(tmp_path, "idp")
    other_key, other_cert, _ = make_key_pair(tmp_path, "other")
    idp = SamlIdP(
        base=base,
        cert=cert_b64,
        servers={"main": _server(base, key, cert), "other": _server(base, other_key, other_cert)},
    )
    httpd.set_app(idp)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield idp
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
