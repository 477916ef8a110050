"""Who may see what among people, offices and associations. Deny by default."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .models import (
    CONFIDENTIAL_NAME,
    Association,
    AssociationRole,
    Invitation,
    Membership,
    Office,
    RosterUpload,
    User,
)


def is_manager_of(user: User, office: Office) -> bool:
    membership = user.active_membership if user.is_authenticated else None
    return (
        membership is not None
        and membership.office_id == office.pk
        and membership.role == Membership.Role.MANAGER
    )


# Who reads an office's records (pledges, audit entries, bundles, holds) and the names of
# its confidential participants.
RECORDS_READERS = (Membership.Role.MANAGER, Membership.Role.RECORDS_OFFICER)


def reads_office_records(viewer: User, office_id: int | None) -> bool:
    """Whether the viewer is the office's manager or its records officer: they read its
    records, and the names of its confidential participants."""
    membership = viewer.active_membership if viewer.is_authenticated else None
    return (
        office_id is not None
        and membership is not None
        and membership.office_id == office_id
        and membership.role in RECORDS_READERS
    )


def shown_name(person: User, viewer: User | None = None, *, office_id: int | None = None) -> str:
    """The person's name as this viewer may read it: "a confidential participant" unless
    the person is not confidential, or the viewer is the person or a manager or records
    officer of `office_id` (the office the name is shown for). Without a viewer: the
    public's view."""
    if not person.is_confidential:
        return person.full_name
    reader = viewer is not None and viewer.is_authenticated
    if reader and (viewer.pk == person.pk or reads_office_records(viewer, office_id)):
        return person.full_name
    return str(CONFIDENTIAL_NAME)


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


def administered_association(user: User, association_id: int) -> Association:
    """An association the user administers; 404 outside it, 403 for its analysts."""
    association = association_for(user, association_id)
    if not AssociationRole.objects.filter(
        user=user, association=association, role=AssociationRole.Role.ADMINISTRATOR
    ).exists():
        raise PermissionDenied("Only an association administrator can do this.")
    return association


def invitation_for_sender(user: User, invitation_id: int) -> Invitation:
    """A pending invitation the user may resend or revoke; 404 for anything else.

    Office invitations belong to the office's managers, association invitations to
    the association's administrators.
    """
    if not user.is_authenticated:
        raise Http404
    membership = user.active_membership
    managed = (
        Q(office=membership.office)
        if membership is not None and membership.role == Membership.Role.MANAGER
        else Q(pk__in=[])
    )
    administered = Q(
        association__roles__user=user,
        association__roles__role=AssociationRole.Role.ADMINISTRATOR,
    )
    try:
        return (
            Invitation.objects.filter(managed | administered)
            .filter(accepted_at__isnull=True, revoked_at__isnull=True)
            .select_related("office", "association", "invited_by")
            .distinct()
            .get(pk=invitation_id)
        )
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation.") from None


def roster_upload_for(user: User, upload_id: int) -> RosterUpload:
    """A roster this manager uploaded for their current office; 404 otherwise."""
    office = managed_office(user)
    try:
        return RosterUpload.objects.select_related("office").get(
            pk=upload_id, office=office, uploaded_by=user
        )
    except (RosterUpload.DoesNotExist, ValueError, TypeError):
        raise Http404("No such roster.") from None


def audit_log_office(user: User) -> Office | None:
    """Whose audit log the user may read: their office (a manager or records officer), or
    None meaning every entry (a site administrator); 403 for everyone else."""
    if user.is_authenticated and user.is_superuser:
        return None
    return records_read_office(user)


def records_read_office(user: User) -> Office:
    """The office whose records (pledges, withdrawals, audit entries) the user may read:
    its manager's or its records officer's; 403 for everyone else."""
    membership = user.active_membership if user.is_authenticated else None
    if membership is None or membership.role not in (
        Membership.Role.MANAGER,
        Membership.Role.RECORDS_OFFICER,
    ):
        raise PermissionDenied("Only an office manager or records officer can do this.")
    return membership.office
