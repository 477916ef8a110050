import time

import pytest

from pledges.services import RequestMeta, pledge_sign

META = RequestMeta(ip_address="203.0.113.7", user_agent="pytest-browser/1.0")


def sign(user, cycle, **kwargs):
    """Sign through the service, as the signing page does."""
    options = {"typed_name": user.full_name, "consent": True, "request_meta": META}
    options.update(kwargs)
    return pledge_sign(user=user, cycle=cycle, **options)[0]


def chain_under_rule_1(record):
    """Append a record as the chain did before salted digests (rule 1): raw values inside."""
    from django.db import transaction

    from pledges.chain import record_hash
    from pledges.models import ChainHead, ChainVersion, Pledge

    with transaction.atomic():
        head, _created = ChainHead.objects.select_for_update().get_or_create(id=1)
        record.sequence = head.sequence + 1
        record.previous_hash = head.record_hash
        record.chain_version = ChainVersion.RAW
        record.full_clean(exclude=["record_hash"], validate_unique=False)
        record.record_hash = record_hash(record, record.previous_hash)
        record.save(force_insert=True)
        if not isinstance(record, Pledge):
            record.pledge.withdrawn_at = record.withdrawn_at
            record.pledge.save(update_fields=["withdrawn_at"])
        head.sequence, head.record_hash = record.sequence, record.record_hash
        head.save(update_fields=["sequence", "record_hash"])
    return record


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
