"""Who may see and act on which pledge. Deny by default; 404 for what one may not know of."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Association, AssociationRole, Office, User
from accounts.permissions import (
    administered_association,
    is_manager_of,
    managed_office,
    reads_office_records,
)

from .models import OathAddendum, Pledge


def can_view_pledge(user: User, pledge: Pledge) -> bool:
    """The signer, and whoever manages the office the pledge was signed in or keeps its
    records (its records officer)."""
    if not user.is_authenticated:
        return False
    return pledge.user_id == user.pk or reads_office_records(user, pledge.office_id)


def _get(pk) -> Pledge:
    try:
        return Pledge.objects.select_related(
            "user",
            "office",
            "cycle",
            "edition",
            "withdrawal",
            "addendum__office",
            "addendum__association",
        ).get(pk=pk)
    except (Pledge.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such pledge.")) from None


def pledge_for_viewer(user: User, pk) -> Pledge:
    """A pledge the user signed or whose office they manage; 404 otherwise."""
    pledge = _get(pk)
    if not can_view_pledge(user, pledge):
        raise Http404(_("No such pledge."))
    return pledge


def pledge_for_withdrawal(user: User, pk) -> Pledge:
    """Only the signer may withdraw: 404 for those who cannot see it, 403 for the manager."""
    pledge = pledge_for_viewer(user, pk)
    if pledge.user_id != user.pk:
        raise PermissionDenied(_("Only the person who signed a pledge can withdraw it."))
    return pledge


def office_for_pledge_management(user: User) -> Office:
    """The office whose pledges the user manages; 403 for anyone who is not a manager."""
    return managed_office(user)


# --- oath addenda ------------------------------------------------------------------------


def addendum_office_for(user: User) -> Office:
    """The office whose addenda and requirement the user manages; 403 for anyone else."""
    return managed_office(user)


def addendum_association_for(user: User, association_id) -> Association:
    """An association whose addenda the user administers; 404 outside it, 403 for analysts."""
    return administered_association(user, association_id)


def addendum_for_editor(user: User, pk) -> OathAddendum:
    """An addendum the user manages: its office's manager, or its association's
    administrators. 404 for everyone else; 403 for the association's analysts, who know of
    it but may not act."""
    if not user.is_authenticated:
        raise Http404(_("No such oath addendum."))
    try:
        addendum = OathAddendum.objects.select_related(
            "office", "association", "created_by", "published_by"
        ).get(pk=pk)
    except (OathAddendum.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such oath addendum.")) from None
    if addendum.office_id is not None:
        if not is_manager_of(user, addendum.office):
            raise Http404(_("No such oath addendum."))
        return addendum
    role = (
        AssociationRole.objects.filter(user=user, association_id=addendum.association_id)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise Http404(_("No such oath addendum."))
    if role != AssociationRole.Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only the association's administrators manage its oath addendum."))
    return addendum
