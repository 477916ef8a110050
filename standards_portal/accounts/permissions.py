"""Who may see what among people, offices and associations. Deny by default."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Association, AssociationRole, Membership, Office, User


def is_manager_of(user: User, office: Office) -> bool:
    membership = user.active_membership if user.is_authenticated else None
    return (
        membership is not None
        and membership.office_id == office.pk
        and membership.role == Membership.Role.MANAGER
    )


def managed_office(user: User) -> Office:
    """The office this user manages, or 403."""
    membership = user.active_membership if user.is_authenticated else None
    if membership is None or membership.role != Membership.Role.MANAGER:
        raise PermissionDenied("Only an office manager can do this.")
    return membership.office


def office_membership_for_manager(user: User, membership_id: int) -> Membership:
    """A current membership in the manager's own office; 404 for anything else."""
    office = managed_office(user)
    try:
        return Membership.objects.select_related("user", "reports_to", "office").get(
            pk=membership_id, office=office, ended_at__isnull=True
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person in your office.") from None


def association_for(user: User, association_id: int, *, roles=None) -> Association:
    """An association in which the user holds one of the roles; 404 otherwise."""
    roles = roles or [AssociationRole.Role.ANALYST, AssociationRole.Role.ADMINISTRATOR]
    if not user.is_authenticated:
        raise Http404
    try:
        return Association.objects.get(pk=association_id, roles__user=user, roles__role__in=roles)
    except (Association.DoesNotExist, ValueError, TypeError):
        raise Http404("No such association.") from None
