"""Who may read which report. Deny by default.

404 when the person may not know the office or association exists; 403 for staff of
the office who may know it but have no report to read.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Association, Membership, Office, User
from accounts.permissions import association_for

from .models import ReportFile

MANAGER = "manager"
SUPERVISOR = "supervisor"


def office_report_scope(user: User) -> tuple[Office, str] | None:
    """The office whose report the user reads and how: a manager the whole office, a
    supervisor (anyone with direct reports) their team. None for everyone else."""
    membership = user.active_membership if user.is_authenticated else None
    if membership is None:
        return None
    if membership.role == Membership.Role.MANAGER:
        return membership.office, MANAGER
    has_team = getattr(membership, "has_reports", None)  # see Membership.current()
    if has_team is None:
        has_team = Membership.objects.filter(
            reports_to=user, office_id=membership.office_id, ended_at__isnull=True
        ).exists()
    if has_team:
        return membership.office, SUPERVISOR
    return None


def office_for_report(user: User, office_id) -> tuple[Office, str]:
    """The office and the user's scope in it; 404 outside it, 403 for staff without a team."""
    membership = user.active_membership if user.is_authenticated else None
    if membership is None or str(membership.office_id) != str(office_id):
        raise Http404(_("No such office."))
    scope = office_report_scope(user)
    if scope is None:
        raise PermissionDenied(_("Office reports are for office managers and supervisors."))
    return scope


def association_for_report(user: User, association_id) -> Association:
    """An association the user is an analyst or administrator of; 404 otherwise."""
    return association_for(user, association_id)


def report_file_for(user: User, report_file_id) -> ReportFile:
    """A background PDF the user asked for and may still read; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    report_file = (
        ReportFile.objects.select_related("office", "association", "cycle")
        .filter(pk=report_file_id, requested_by=user)
        .first()
    )
    if report_file is None:
        raise Http404(_("No such file."))
    try:
        if report_file.office_id is not None:
            _office, scope = office_for_report(user, report_file.office_id)
            if report_file.identified and scope != MANAGER:
                raise Http404(_("No such file."))
        else:
            association_for_report(user, report_file.association_id)
    except PermissionDenied:
        raise Http404(_("No such file.")) from None
    return report_file
