"""Asking for the password (or second step) again before changing who may do what.

Changing roles and reporting lines, deactivating people and changing an association's
offices or analysts go through allauth's re-authentication when the person last proved
who they are more than ACCOUNT_REAUTHENTICATION_TIMEOUT seconds ago.
"""

import time

from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings

# Set at every sign-in (signals.on_logged_in), including sign-in by accepting an
# invitation, which does not pass through allauth's records.
AUTHENTICATED_AT = "_portal_authenticated_at"


def last_authenticated_at(request) -> float:
    records = get_authentication_records(request, request.user) or []
    times = [float(record.get("at", 0)) for record in records]
    times.append(float(request.session.get(AUTHENTICATED_AT, 0)))
    return max(times)


def is_stale(request) -> bool:
    """True when the person last signed in or re-authenticated too long ago."""
    return time.time() - last_authenticated_at(request) > settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def recent_authentication_required(view):
    """Decorator: re-authenticate first when the sign-in is not recent."""
    return reauthentication_required(enabled=is_stale)(view)
