"""The background PDFs a person asked for."""

from accounts.models import User
from pledges.models import Cycle

from ..models import ReportFile


def report_files(user: User, *, cycle: Cycle, office=None, association=None, team_lead=None):
    """The user's latest background PDFs of this report, without their content (1 query)."""
    files = ReportFile.objects.filter(requested_by=user, cycle=cycle).defer("content")
    if office is not None:
        files = files.filter(office=office, team_lead=team_lead)
    else:
        files = files.filter(association=association)
    return list(files.order_by("-created_at", "-id")[:3])
