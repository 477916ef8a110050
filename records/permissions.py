"""Who may prepare and download records-request bundles. Deny by default."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Office, User
from accounts.permissions import RECORDS_READERS, reads_office_records

from .models import LegalHold, RecordsBundle


def bundle_office(user: User, office_id: int) -> Office:
    """The office whose bundles the user prepares: its manager or records officer; 403 for
    its other staff, 404 for anyone outside it."""
    membership = user.active_membership if user.is_authenticated else None
    if membership is None or membership.office_id != office_id:
        raise Http404(_("No such office."))
    if membership.role not in RECORDS_READERS:
        raise PermissionDenied(_("Only an office manager or records officer can do this."))
    return membership.office


def bundle_for(user: User, pk) -> RecordsBundle:
    """A bundle of the office whose records the user reads; 404 for anything else."""
    bundle = RecordsBundle.objects.select_related("office").filter(pk=pk).first()
    if bundle is None or not reads_office_records(user, bundle.office_id):
        raise Http404(_("No such bundle."))
    return bundle


def office_hold_for(user: User, pk) -> LegalHold:
    """A hold placed on the user's own office, which its manager or records officer may
    lift; 404 for any other hold (another office's, a person's or a date range's alone,
    which only a site administrator lifts), 403 for the office's other staff."""
    hold = LegalHold.objects.select_related("office").filter(pk=pk).first()
    membership = user.active_membership if user.is_authenticated else None
    if hold is None or membership is None or hold.office_id != membership.office_id:
        raise Http404(_("No such hold."))
    bundle_office(user, hold.office_id)
    return hold
