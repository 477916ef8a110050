"""A fixed-window limit per client address, kept in the shared cache."""

import time

from django.conf import settings
from django.core.cache import cache

from accounts.audit import client_ip


def verification_allowed(request) -> bool:
    """Count one verification lookup for the client; False once over the limit."""
    return _allowed(
        request, "verify", settings.PLEDGE_VERIFY_RATE_LIMIT, settings.PLEDGE_VERIFY_RATE_WINDOW
    )


def log_allowed(request) -> bool:
    """Count one request to the public log for the client; False once over the limit."""
    return _allowed(request, "log", settings.LOG_RATE_LIMIT, settings.LOG_RATE_WINDOW)


def _allowed(request, bucket: str, limit: int, window: int) -> bool:
    slot = int(time.time() // window)
    key = f"pledges:{bucket}:{client_ip(request) or 'unknown'}:{slot}"
    if cache.add(key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 5)
            count = 1
    return count <= limit
