"""Everything the portal holds about one person, gathered from each app's own part.

Each app describes its own records (`accounts.selectors.personal_data`,
`pledges.selectors.personal_pledges`, `assessments.selectors.personal_assessments`); the
front puts them together in one document, in a fixed number of queries however many
records the person has.
"""

from django.utils import timezone

from accounts.models import User
from accounts.selectors import iso
from accounts.selectors import personal_data as account_data
from assessments.selectors import personal_assessments
from pledges.selectors import personal_pledges


def personal_data(user: User) -> dict:
    """The whole record of one person, as plain data (JSON-ready)."""
    account = account_data(user)
    return {
        "generated_at": iso(timezone.now()),
        "profile": account["profile"],
        "memberships": account["memberships"],
        "association_roles": account["association_roles"],
        "invitations": account["invitations"],
        "pledges": personal_pledges(user),
        "assessments": personal_assessments(user),
        "audit_entries": account["audit_entries"],
    }
