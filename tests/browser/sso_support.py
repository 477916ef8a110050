"""Fixtures for the single sign-on browser tests: the demo identity provider served from
a thread, Riverside's provider registered as seed_demo registers it, and the browser's
console (a blocked redirect names the CSP directive that blocked it)."""

import os
import threading

import pytest
from werkzeug.serving import make_server

from accounts.models import Membership
from demo.base import DEMO_DOMAIN
from demo.idp import (
    DEMO_IDP_CLIENT_ID,
    DEMO_IDP_CLIENT_SECRET,
    DEMO_IDP_NAME,
    DEMO_IDP_ROLE_MAP,
    DEMO_IDP_SLUG,
    demo_idp_app,
)
from sso import secrets
from sso.models import IdentityProvider, ProviderDomain

from ..factories import MembershipFactory


@pytest.fixture(scope="module")
def demo_idp():
    """The demo identity provider, served from a thread; yields its URL."""
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on 127.0.0.1 only
    server = make_server("127.0.0.1", 0, demo_idp_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


@pytest.fixture
def riverside(world, demo_idp):
    """Riverside's demo provider as seed_demo registers it, and three of its people."""
    provider = IdentityProvider.objects.create(
        name=DEMO_IDP_NAME,
        slug=DEMO_IDP_SLUG,
        protocol=IdentityProvider.Protocol.OIDC,
        office=world.office,
        server_url=demo_idp,
        client_id=DEMO_IDP_CLIENT_ID,
        secret_encrypted=secrets.encrypt(DEMO_IDP_CLIENT_SECRET),
        trust_mfa=True,
        role_claim="groups",
        role_map=dict(DEMO_IDP_ROLE_MAP),
    )
    ProviderDomain.objects.create(provider=provider, domain=DEMO_DOMAIN)
    people = {
        "manager": MembershipFactory(
            office=world.office,
            role=Membership.Role.MANAGER,
            user__email="manager@demo.test",
            user__full_name="Maria Alvarez",
        ).user,
        "official": MembershipFactory(
            office=world.office,
            user__email="official@demo.test",
            user__full_name="Olivia Chen",
        ).user,
    }
    return provider, people


@pytest.fixture
def console(page):
    """What the browser said, to explain a step that never happened (a blocked
    redirect names the Content-Security-Policy directive that blocked it)."""
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    return messages
