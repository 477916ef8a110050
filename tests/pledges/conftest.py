import time

import pytest

from pledges.services import RequestMeta, pledge_sign

META = RequestMeta(ip_address="203.0.113.7", user_agent="pytest-browser/1.0")


def sign(user, cycle, **kwargs):
    """Sign through the service, as the signing page does."""
    options = {"typed_name": user.full_name, "consent": True, "request_meta": META}
    options.update(kwargs)
    return pledge_sign(user=user, cycle=cycle, **options)[0]


def fresh_login(client, user, *records):
    """Sign in as allauth does, leaving its authentication records in the session."""
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = list(records) or [
        {"method": "password", "at": time.time(), "email": user.email}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
