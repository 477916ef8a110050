"""Fixed-window limits in the shared cache, as `pledges.throttle` keeps them: per client
address for the join and code pages, and per roster entry for codes sent (so nobody can
flood a person's phone or inbox)."""

import time

from django.conf import settings
from django.core.cache import cache

from accounts.audit import client_ip

CODES_PER_ENTRY = 3  # codes sent to one person per window
KIOSK_SIGN_IN_FAILURES = 5  # wrong passwords for one address per window


def _count(key: str, window: int) -> int:
    slot = int(time.time() // window)
    key = f"signing:{key}:{slot}"
    if cache.add(key, 1, timeout=window + 5):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        return 1


def join_allowed(request) -> bool:
    """Count one join, identify or code request from the client; False once over the limit."""
    count = _count(f"join:{client_ip(request) or 'unknown'}", settings.SIGNING_RATE_WINDOW)
    return count <= settings.SIGNING_RATE_LIMIT


def code_send_allowed(entry_id: int) -> bool:
    """Count one code sent to the roster entry; False once it has had its share."""
    return _count(f"code:{entry_id}", settings.SIGNING_RATE_WINDOW) <= CODES_PER_ENTRY


def kiosk_sign_in_failed(email: str) -> None:
    _count(f"kiosk-fail:{email.lower()}", settings.SIGNING_RATE_WINDOW)


def kiosk_sign_in_allowed(email: str) -> bool:
    slot = int(time.time() // settings.SIGNING_RATE_WINDOW)
    failures = cache.get(f"signing:kiosk-fail:{email.lower()}:{slot}", 0)
    return failures < KIOSK_SIGN_IN_FAILURES
