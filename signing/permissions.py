"""Who may run and read which signing session. Deny by default.

An office's sessions are run by its manager and read (attendance exports) by its records
officer; an association's conference sessions by its administrators. Anyone else is
answered 404: they may not know a session exists. Joining goes by the session's link.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Association, AssociationRole, Membership, Office, User
from accounts.permissions import administered_association, managed_office

from .models import SigningSession


def _administered_ids(user: User) -> list[int]:
    return list(
        AssociationRole.objects.filter(
            user=user, role=AssociationRole.Role.ADMINISTRATOR
        ).values_list("association_id", flat=True)
    )


def _get(pk) -> SigningSession:
    try:
        return SigningSession.objects.select_related(
            "office", "association", "cycle", "edition"
        ).get(pk=pk)
    except (SigningSession.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such session.")) from None


def _role_in_office(user: User, office_id: int | None) -> str | None:
    membership = user.active_membership if user.is_authenticated else None
    if membership is None or office_id is None or membership.office_id != office_id:
        return None
    return membership.role


def can_run(user: User, session: SigningSession) -> bool:
    """The office's manager, or an administrator of the conference's association."""
    if not user.is_authenticated:
        return False
    if session.office_id is not None:
        return _role_in_office(user, session.office_id) == Membership.Role.MANAGER
    return session.association_id in _administered_ids(user)


def can_read_attendance(user: User, session: SigningSession) -> bool:
    """Whoever runs it, and the office's records officer."""
    return can_run(user, session) or (
        _role_in_office(user, session.office_id) == Membership.Role.RECORDS_OFFICER
    )


def session_to_run(user: User, pk) -> SigningSession:
    """A session the user runs; 403 for its office's records officer, 404 for anyone else."""
    session = _get(pk)
    if can_run(user, session):
        return session
    if can_read_attendance(user, session):
        raise PermissionDenied(_("Only the office's manager runs this session."))
    raise Http404(_("No such session."))


def session_to_read(user: User, pk) -> SigningSession:
    """A session whose attendance the user may read; 404 otherwise."""
    session = _get(pk)
    if not can_read_attendance(user, session):
        raise Http404(_("No such session."))
    return session


def sessions_visible_to(user: User):
    """The sessions the user runs or whose attendance they read, newest first."""
    membership = user.active_membership if user.is_authenticated else None
    query = Q(association_id__in=_administered_ids(user))
    if membership is not None and membership.role in (
        Membership.Role.MANAGER,
        Membership.Role.RECORDS_OFFICER,
    ):
        query |= Q(office_id=membership.office_id)
    return SigningSession.objects.filter(query).select_related("office", "association", "cycle")


def may_list_sessions(user: User) -> bool:
    membership = user.active_membership if user.is_authenticated else None
    return bool(
        (
            membership is not None
            and membership.role in (Membership.Role.MANAGER, Membership.Role.RECORDS_OFFICER)
        )
        or _administered_ids(user)
    )


def office_for_new_session(user: User) -> Office:
    """The office whose manager the user is; 403 for anyone else."""
    return managed_office(user)


def association_for_new_session(user: User, association_id) -> Association:
    """An association the user administers; 403 for its analysts, 404 for anyone else."""
    return administered_association(user, association_id)
