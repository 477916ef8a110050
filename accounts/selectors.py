import datetime
import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from core.text import code_point, hidden_character

from .models import (
    CONFIDENTIAL_NAME,
    Association,
    AssociationRole,
    AuditEntry,
    Invitation,
    Membership,
    Office,
    User,
)
from .permissions import shown_name

INVITATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def active_memberships(office: Office) -> QuerySet[Membership]:
    """The office's current staff, with their people and supervisors joined."""
    return (
        Membership.objects.filter(office=office, ended_at__isnull=True)
        .select_related("user", "reports_to")
        .order_by("user__full_name", "user__email")
    )


# Current staff as lists of people show them: each one's name (or that they are
# confidential), email and role, by name.
# Built once; each list filters a copy. Other fields of the person are not read.
_LISTED = (
    Membership.objects.filter(ended_at__isnull=True)
    .select_related("user")
    .only(
        "id",
        "user_id",
        "office_id",
        "role",
        "reports_to_id",
        "user__full_name",
        "user__email",
        "user__is_confidential",
    )
    .order_by("user__full_name", "user__email")
)


def staff_listed(office: Office) -> QuerySet[Membership]:
    """The office's current staff as lists show them (see `_LISTED`)."""
    return _LISTED.filter(office=office)


def direct_reports(user: User) -> QuerySet[Membership]:
    """Current memberships of the people who report to this user, in the same office."""
    membership = user.active_membership
    if membership is None:
        return Membership.objects.none()
    return _LISTED.filter(reports_to=user, office_id=membership.office_id)


def supervisors_in_office(office: Office) -> QuerySet[User]:
    """People in the office who can have reports: supervisors and managers."""
    return User.objects.filter(
        memberships__office=office,
        memberships__ended_at__isnull=True,
        memberships__role__in=[Membership.Role.SUPERVISOR, Membership.Role.MANAGER],
        is_active=True,
    ).order_by("full_name")


def association_roles_for(user: User) -> QuerySet[AssociationRole]:
    return AssociationRole.objects.filter(user=user).select_related("association")


def associations_for(user: User) -> QuerySet[Association]:
    return Association.objects.filter(roles__user=user).distinct().order_by("name")


def office_has_other_staff_reporting(membership: Membership) -> bool:
    return Membership.objects.filter(
        reports_to=membership.user, office=membership.office, ended_at__isnull=True
    ).exists()


def pending_invitations(office: Office) -> QuerySet[Invitation]:
    """Invitations to the office not yet accepted or revoked (expired ones included)."""
    return (
        Invitation.objects.filter(office=office, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("reports_to", "invited_by")
        .order_by("full_name", "email")
    )


def pending_association_invitations(association: Association) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            association=association, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by")
        .order_by("full_name", "email")
    )


def invitation_by_token(token: str) -> Invitation | None:
    # Tokens are URL-safe base64; anything else (a NUL, which PostgreSQL refuses) names none.
    if not INVITATION_TOKEN.fullmatch(token):
        return None
    return (
        Invitation.objects.filter(token=token)
        .select_related("office", "association", "reports_to", "invited_by")
        .first()
    )


def association_member_offices(association: Association) -> QuerySet[Office]:
    """Member offices with their current staff count."""
    current = Q(memberships__ended_at__isnull=True)
    return association.offices.annotate(
        staff=Count("memberships", filter=current),
        managers=Count(
            "memberships", filter=current & Q(memberships__role=Membership.Role.MANAGER)
        ),
    ).order_by("state", "name")


def association_people(association: Association) -> QuerySet[AssociationRole]:
    return association.roles.select_related("user").order_by("user__full_name", "user__email")


def offices_to_add(association: Association, query: str, *, limit: int = 20) -> list[Office]:
    """Offices matching a search that are not yet members of the association."""
    query = query.strip()
    if not query:
        return []
    return list(
        Office.objects.filter(name__icontains=query)
        .exclude(associations=association)
        .order_by("state", "name")[:limit]
    )


@dataclass
class _RosterFacts:
    """What the office and the file say about the people in a roster, read once."""

    members: set[str]  # emails of current staff
    invited: set[str]  # emails with a pending invitation
    leaders: dict[str, User]  # current supervisors and managers, by email
    invited_leaders: set[str]  # emails invited as supervisor or manager
    file_roles: dict[str, str | None]  # the role each email has in the file
    file_leaders: set[str]  # emails the file makes supervisor or manager


def _lowercase(emails) -> set[str]:
    return {e.lower() for e in emails}


def _pending_invitation_emails(office: Office, **filters) -> set[str]:
    return _lowercase(
        Invitation.objects.filter(
            office=office, accepted_at__isnull=True, revoked_at__isnull=True, **filters
        ).values_list("email", flat=True)
    )


def _roster_facts(office: Office, rows: list[dict]) -> _RosterFacts:
    emails = {r["email"] for r in rows if r.get("email")}
    leader_roles = [Membership.Role.SUPERVISOR, Membership.Role.MANAGER]
    file_roles = {r["email"]: role_from_text(r.get("role", "")) for r in rows if r.get("email")}
    return _RosterFacts(
        members=_lowercase(
            Membership.objects.filter(
                office=office, ended_at__isnull=True, user__email__in=emails
            ).values_list("user__email", flat=True)
        ),
        invited=_pending_invitation_emails(office, email__in=emails),
        leaders={u.email.lower(): u for u in supervisors_in_office(office)},
        invited_leaders=_pending_invitation_emails(office, role__in=leader_roles),
        file_roles=file_roles,
        file_leaders={e for e, role in file_roles.items() if role in leader_roles},
    )


def _name_problems(name: str) -> list[str]:
    if not name:
        return [_("The name is missing.")]
    if len(name) > 150:
        return [_("The name is longer than 150 characters.")]
    hidden = hidden_character(name, name=True)
    if hidden is not None:
        return [
            _(
                "The name holds the invisible or control character %(character)s. Remove it "
                "from the file: it can make the name display differently from what is stored."
            )
            % {"character": code_point(hidden)}
        ]
    return []


def _email_problems(email: str) -> list[str]:
    if not email:
        return [_("The email address is missing.")]
    if len(email) > 254:
        return [_("The email address is longer than 254 characters.")]
    try:
        validate_email(email)
    except ValidationError:
        return [_("“%(email)s” is not a valid email address.") % {"email": email}]
    return []


def _row_problems(
    row: dict, role: str | None, facts: _RosterFacts
) -> tuple[list[str], User | None]:
    """What is wrong with a row, and the current leader it reports to (when it names one)."""
    if row.get("problem"):
        return [row["problem"]], None
    problems = _name_problems(row["name"]) + _email_problems(row["email"])
    if role is None:
        problems.append(
            _("“%(role)s” is not a role; use official, supervisor or manager.")
            % {"role": row["role"]}
        )
    boss = row.get("reports_to_email", "")
    if not boss:
        return problems, None
    if boss == row["email"]:
        problems.append(_("A person cannot report to themselves."))
    elif boss in facts.leaders:
        return problems, facts.leaders[boss]
    elif boss not in facts.file_leaders and boss not in facts.invited_leaders:
        problems.append(
            _(
                "%(email)s (reports to) is not a supervisor or manager in this "
                "office or in this file."
            )
            % {"email": boss}
        )
    return problems, None


def _row_outcome(email: str, problems: list[str], facts: _RosterFacts) -> tuple[str, str]:
    """The action for a row and the message the preview shows for it."""
    if problems:
        return "error", " ".join(str(p) for p in problems)
    if email in facts.members:
        return "member", _("Already a member of this office; skipped.")
    if email in facts.invited:
        return "invited", _("Already invited; skipped.")
    return "invite", _("Will be invited.")


def roster_plan(office: Office, rows: list[dict]) -> list[dict]:
    """What confirming would do with each row: invite, skip, or an error to fix.

    A fixed number of queries whatever the size of the file.
    """
    facts = _roster_facts(office, rows)
    plan = []
    for row in rows:
        role = (
            facts.file_roles.get(row["email"]) if row.get("email") else role_from_text(row["role"])
        )
        problems, boss = _row_problems(row, role, facts)
        action, message = _row_outcome(row["email"], problems, facts)
        plan.append(
            {
                **row,
                "action": action,
                "message": message,
                "reports_to_user": boss,
                "role_value": role,
            }
        )
    return plan


def role_from_text(text: str) -> str | None:
    """A membership role from a roster cell: its value or its English label, any case."""
    value = text.strip().lower()
    aliases = {"office manager": Membership.Role.MANAGER}
    if value in Membership.Role.values:
        return value
    return aliases.get(value)


def audit_entries(
    *,
    office: Office | None,
    action: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries, newest first: one office's (a manager's view) or all (office=None).

    Dates are whole days in UTC, as the log shows them; `end` is included.
    """
    entries = AuditEntry.objects.select_related("office").order_by("-at", "-id")
    if office is not None:
        entries = entries.filter(office=office)
    if action:
        entries = entries.filter(action=action)
    if start is not None:
        entries = entries.filter(at__gte=_utc_midnight(start))
    if end is not None:
        entries = entries.filter(at__lt=_utc_midnight(end + datetime.timedelta(days=1)))
    return entries


def _utc_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def iso(value) -> str | None:
    """A date or time as ISO 8601 text, for the personal-data export."""
    return value.isoformat() if value is not None else None


def person_ref(
    user: User | None, *, reader: User | None = None, office_id: int | None = None
) -> dict | None:
    """Another person as the personal-data export of `reader` names them: a confidential
    participant by name only if the reader may read it there (see `shown_name`)."""
    if user is None:
        return None
    if reader is not None and user.is_confidential:
        name = shown_name(user, reader, office_id=office_id)
        if name == str(CONFIDENTIAL_NAME):
            return {"name": name, "email": ""}
    return {"name": user.full_name, "email": user.email}


def _personal_profile(user: User) -> dict:
    from allauth.mfa.models import Authenticator

    emails = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    authenticators = Authenticator.objects.filter(user=user).order_by("created_at")
    return {
        "full_name": user.full_name,
        "email": user.email,
        "preferred_language": user.preferred_language,
        "active": user.is_active,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
        "email_addresses": [
            {"email": e.email, "primary": e.primary, "verified": e.verified} for e in emails
        ],
        "two_factor_methods": [
            {"type": a.get_type_display(), "added": iso(a.created_at)} for a in authenticators
        ],
    }


def _personal_memberships(user: User) -> list[dict]:
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("office", "reports_to")
        .order_by("started_at", "pk")
    )
    return [
        {
            "office": str(m.office),
            "role": m.get_role_display(),
            "reports_to": person_ref(m.reports_to, reader=user, office_id=m.office_id),
            "started_at": iso(m.started_at),
            "ended_at": iso(m.ended_at),
        }
        for m in memberships
    ]


def _personal_association_roles(user: User) -> list[dict]:
    roles = AssociationRole.objects.filter(user=user).select_related("association").order_by("pk")
    return [{"association": r.association.name, "role": r.get_role_display()} for r in roles]


def _personal_invitations(user: User) -> list[dict]:
    invitations = (
        Invitation.objects.filter(Q(email__iexact=user.email) | Q(accepted_by=user))
        .select_related("office", "association", "invited_by", "reports_to")
        .order_by("created_at", "pk")
    )
    return [
        {
            "to": str(i.target),
            "role": str(i.role_label),
            "invited_by": person_ref(i.invited_by, reader=user, office_id=i.office_id),
            "sent_at": iso(i.created_at),
            "expires_at": iso(i.expires_at),
            "accepted_at": iso(i.accepted_at),
            "revoked_at": iso(i.revoked_at),
        }
        for i in invitations
    ]


def personal_data(user: User) -> dict:
    """The person's account, offices, roles, invitations and audit trail, as plain data.

    One query per kind of record however many the person has.
    """
    return {
        "profile": _personal_profile(user),
        "memberships": _personal_memberships(user),
        "association_roles": _personal_association_roles(user),
        "invitations": _personal_invitations(user),
        "audit_entries": personal_audit_entries(user),
    }


def personal_audit_entries(user: User) -> list[dict]:
    """What the audit trail records that the person did, or that was done to their account."""
    entries = (
        AuditEntry.objects.filter(
            Q(actor=user) | Q(object_type="accounts.user", object_id=str(user.pk))
        )
        .select_related("office")
        .order_by("at", "pk")
    )
    return [
        {
            "at": iso(e.at),
            "action": e.action,
            "description": e.get_action_display(),
            "by": e.actor_label,
            "object": e.object_label,
            "office": str(e.office) if e.office is not None else None,
            "ip_address": e.ip_address,
            "details": e.details,
        }
        for e in entries
    ]
