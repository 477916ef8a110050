from django.conf import settings


def portal(request):
    """Role flags for the navigation; computed lazily so anonymous pages cost nothing."""
    user = getattr(request, "user", None)
    membership = None
    if user is not None and user.is_authenticated:
        membership = user.active_membership
    return {
        "site_url": settings.SITE_URL,
        "nav_membership": membership,
    }
