"""Django's authentication middleware, with the signed-in person kept in memory.

Loading the person with their membership, office and supervisor is one query, but
building it is most of a small page's time. While nothing has been written (the session
brings the generation, see `sessions` and `freshness`), the person loaded by the previous
request of the same session is used again: each request gets its own copy.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.utils.functional import SimpleLazyObject

from .freshness import keep, key, memory

_people = memory("standards-portal-people")


def _key(request) -> str | None:
    if settings.PAGE_CACHE_SECONDS <= 0:
        return None
    session = request.session
    user_id = session.get(SESSION_KEY)  # reads the session, and with it the generation
    generation = getattr(session, "page_generation", None)
    if user_id is None or generation is None:
        return None
    return key(generation, user_id, session.get(BACKEND_SESSION_KEY), session.get(HASH_SESSION_KEY))


def get_user(request):
    if hasattr(request, "_cached_user"):
        return request._cached_user
    person_key = _key(request)
    if person_key is not None and (user := _people.get(person_key)) is not None:
        request._cached_user = user
        return user
    user = auth_middleware.get_user(request)
    # Kept only when Django accepted the session as it is (no write, no hash update).
    if person_key is not None and user.is_authenticated and person_key == _key(request):
        keep(_people, person_key, user)
    return user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
