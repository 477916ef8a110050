from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from .models import Membership, Office, User


@transaction.atomic
def user_create(
    *, email: str, full_name: str, password: str | None = None, verified: bool = True
) -> User:
    """Create a person with a primary email address (verified when it came from an invitation)."""
    user = User(email=email.strip().lower(), full_name=full_name.strip())
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


@transaction.atomic
def membership_start(
    *, user: User, office: Office, role: str, reports_to: User | None = None
) -> Membership:
    """Put a person in an office, ending any current membership (history is kept)."""
    now = timezone.now()
    current = (
        Membership.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    )
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    membership = Membership(
        user=user, office=office, role=role, reports_to=reports_to, started_at=now
    )
    membership.full_clean()
    membership.save()
    user.__dict__.pop("active_membership", None)
    return membership
