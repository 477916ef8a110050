import datetime
import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
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


# Everyone in an office but its election workers: the staff asked for the self-assessment.
ELECTION_WORKER = Membership.Role.ELECTION_WORKER
STAFF_ROLES = tuple(role for role in Membership.Role.values if role != ELECTION_WORKER)


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
        "user__phone",
        "user__is_confidential",
    )
    .order_by("user__full_name", "user__email", "id")
)


def staff_listed(office: Office) -> QuerySet[Membership]:
    """The office's current staff as lists show them (see `_LISTED`)."""
    return _LISTED.filter(office=office)


def staff_filtered(
    memberships: QuerySet[Membership], *, q: str = "", role: str = "", reveals_confidential: bool
) -> QuerySet[Membership]:
    """Memberships narrowed by a search (part of a name, an email address or a phone
    number) and a role.

    Without `reveals_confidential` (a viewer who does not read the office's records), a
    confidential participant matches no search: a hit on their real name would tell the
    viewer who hides behind "a confidential participant"."""
    if role:
        memberships = memberships.filter(role=role)
    q = q.strip()
    if not q:
        return memberships
    match = Q(user__full_name__icontains=q) | Q(user__email__icontains=q)
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 3:
        match |= Q(user__phone__contains=digits)
    if not reveals_confidential:
        match &= Q(user__is_confidential=False)
    return memberships.filter(match)


def people_listed(office: Office, *, q: str = "", role: str = "", contact: str = ""):
    """The office's current staff for the people list, searched and filtered, with whom
    each reports to; `contact` is "email" (an email address on file) or "no_email"
    (known by name and phone only)."""
    memberships = staff_filtered(
        Membership.objects.filter(office=office, ended_at__isnull=True)
        .select_related("user", "reports_to")
        .only(
            *("id", "user_id", "office_id", "role", "reports_to_id"),
            *("user__full_name", "user__email", "user__phone", "user__is_confidential"),
            *("reports_to__full_name", "reports_to__is_confidential"),
        )
        .order_by("user__full_name", "user__email", "id"),
        q=q,
        role=role,
        reveals_confidential=True,
    )
    if contact == "email":
        memberships = memberships.filter(user__email__isnull=False)
    elif contact == "no_email":
        memberships = memberships.filter(user__email__isnull=True)
    return memberships


def current_election_workers(
    office: Office, *, q: str = "", ids: list[int] | None = None
) -> QuerySet[Membership]:
    """The office's current election-worker memberships (searched, or only those chosen
    by id), by name, with their people."""
    memberships = staff_filtered(
        Membership.objects.filter(office=office, ended_at__isnull=True, role=ELECTION_WORKER)
        .select_related("user")
        .order_by("user__full_name", "user__email", "id"),
        q=q,
        reveals_confidential=True,
    )
    if ids is not None:
        memberships = memberships.filter(pk__in=ids)
    return memberships


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

    office_id: int
    members: set[str]  # emails of current staff
    invited: set[str]  # emails with a pending invitation
    leaders: dict[str, User]  # current supervisors and managers, by email
    invited_leaders: set[str]  # emails invited as supervisor or manager
    file_roles: dict[str, str | None]  # the role each email has in the file
    file_leaders: set[str]  # emails the file makes supervisor or manager
    by_email: dict[str, dict]  # people on file named by the file's emails
    by_phone: dict[str, dict]  # people on file named by the file's phone numbers


def _lowercase(emails) -> set[str]:
    return {e.lower() for e in emails}


def _pending_invitation_emails(office: Office, **filters) -> set[str]:
    return _lowercase(
        Invitation.objects.filter(
            office=office, accepted_at__isnull=True, revoked_at__isnull=True, **filters
        ).values_list("email", flat=True)
    )


def _people_on_file(emails: set[str], phones: set[str]) -> list[dict]:
    """People with one of the emails (any case) or phone numbers, with the office of their
    current membership (None without one), in one query."""
    if not emails and not phones:
        return []
    office_now = Membership.objects.filter(user=OuterRef("pk"), ended_at__isnull=True)
    return list(
        User.objects.annotate(
            email_lower=Lower("email"),
            office_now=Subquery(office_now.values("office_id")[:1]),
        )
        .filter(Q(email_lower__in=emails) | Q(phone__in=phones))
        .values("id", "email_lower", "phone", "office_now", "is_active")
    )


def _roster_facts(office: Office, rows: list[dict]) -> _RosterFacts:
    emails = {r["email"] for r in rows if r.get("email")}
    phones = {r["phone"] for r in rows if r.get("phone")}
    leader_roles = [Membership.Role.SUPERVISOR, Membership.Role.MANAGER]
    file_roles = {r["email"]: role_from_text(r.get("role", "")) for r in rows if r.get("email")}
    people = _people_on_file(emails, phones)
    return _RosterFacts(
        office_id=office.pk,
        members=_lowercase(
            Membership.objects.filter(
                office=office, ended_at__isnull=True, user__email__in=emails
            ).values_list("user__email", flat=True)
        ),
        invited=_pending_invitation_emails(office, email__in=emails),
        leaders={u.email.lower(): u for u in supervisors_in_office(office) if u.email},
        invited_leaders=_pending_invitation_emails(office, role__in=leader_roles),
        file_roles=file_roles,
        file_leaders={e for e, role in file_roles.items() if role in leader_roles},
        by_email={p["email_lower"]: p for p in people if p["email_lower"] in emails},
        by_phone={str(p["phone"]): p for p in people if p["phone"] and str(p["phone"]) in phones},
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


def _email_problems(email: str, *, required: bool = True) -> list[str]:
    if not email:
        return [_("The email address is missing.")] if required else []
    if len(email) > 254:
        return [_("The email address is longer than 254 characters.")]
    try:
        validate_email(email)
    except ValidationError:
        return [_("“%(email)s” is not a valid email address.") % {"email": email}]
    return []


def _contact_problems(row: dict, role: str | None) -> list[str]:
    """The email address (optional for an election worker, who needs it or a phone
    number) and the phone number."""
    worker = role == ELECTION_WORKER
    problems = _email_problems(row["email"], required=not worker)
    if row.get("phone_problem"):
        problems.append(row["phone_problem"])
    elif worker and not row["email"] and not row.get("phone"):
        problems.append(
            _(
                "An election worker needs an email address or a phone number, so that "
                "uploading the roster again never adds them twice."
            )
        )
    return problems


def _boss_problems(row: dict, role: str | None, facts: _RosterFacts):
    """Whom the row reports to: (problems, the current leader it names, if any)."""
    boss = row.get("reports_to_email", "")
    if not boss:
        return [], None
    if boss == row["email"]:
        return [_("A person cannot report to themselves.")], None
    if boss in facts.leaders:
        return [], facts.leaders[boss]
    if role == ELECTION_WORKER:
        # Added at once, not invited: nobody accepts later to resolve the address.
        return [
            _(
                "%(email)s (reports to) is not a supervisor or manager in this office. An "
                "election worker added from a roster can report only to someone already here."
            )
            % {"email": boss}
        ], None
    if boss not in facts.file_leaders and boss not in facts.invited_leaders:
        return [
            _(
                "%(email)s (reports to) is not a supervisor or manager in this "
                "office or in this file."
            )
            % {"email": boss}
        ], None
    return [], None


def _person_on_file(row: dict, facts: _RosterFacts) -> tuple[dict | None, list[str]]:
    """The person the row's email or phone number names, if any; a problem when they
    name two different people."""
    by_email = facts.by_email.get(row["email"]) if row["email"] else None
    by_phone = facts.by_phone.get(row.get("phone", "")) if row.get("phone") else None
    if by_email and by_phone and by_email["id"] != by_phone["id"]:
        return None, [
            _(
                "The email address and the phone number belong to two different people "
                "already on file."
            )
        ]
    if by_phone and not by_email and row["email"]:
        # Someone else's phone number, given with an address nobody has yet.
        return None, [_("This phone number belongs to another person already on file.")]
    return by_email or by_phone, []


def _row_problems(
    row: dict, role: str | None, facts: _RosterFacts
) -> tuple[list[str], User | None]:
    """What is wrong with a row, and the current leader it reports to (when it names one)."""
    if row.get("problem"):
        return [row["problem"]], None
    problems = _name_problems(row["name"]) + _contact_problems(row, role)
    if role is None:
        problems.append(
            _(
                "“%(role)s” is not a role; use official, supervisor, manager, records "
                "officer or election worker."
            )
            % {"role": row["role"]}
        )
    boss_problems, boss = _boss_problems(row, role, facts)
    return problems + boss_problems, boss


def _worker_outcome(row: dict, person: dict | None, facts: _RosterFacts) -> tuple[str, str]:
    """An election worker is added at once (no invitation), never twice."""
    if person is None:
        if row["email"] in facts.invited:
            return "invited", _("Already invited; skipped.")
        return "add", _("Will be added as an election worker (no email is sent).")
    if person["office_now"] == facts.office_id:
        return "member", _("Already on file: a member of this office; skipped.")
    if person["office_now"] is not None:
        return "elsewhere", _(
            "Already on file as a member of another office; skipped. That office must "
            "deactivate them first."
        )
    return "rejoin", _("Already on file: will be added back as an election worker.")


def _row_outcome(
    row: dict, role: str | None, problems: list[str], facts: _RosterFacts
) -> tuple[str, str, dict | None]:
    """The action for a row, the message the preview shows for it, and the person on file."""
    if problems:
        return "error", " ".join(str(p) for p in problems), None
    person, conflict = _person_on_file(row, facts)
    if conflict:
        return "error", " ".join(str(p) for p in conflict), None
    if role == ELECTION_WORKER:
        return (*_worker_outcome(row, person, facts), person)
    email = row["email"]
    if email in facts.members:
        return "member", _("Already a member of this office; skipped."), person
    if email in facts.invited:
        return "invited", _("Already invited; skipped."), person
    if row.get("phone"):
        return (
            "invite",
            _("Will be invited. The phone number is kept for election workers only."),
            person,
        )
    return "invite", _("Will be invited."), person


# What confirming a roster does with each kind of row.
ROSTER_CREATES = ("invite", "add", "rejoin")
ROSTER_SKIPS = ("member", "invited", "elsewhere")


def roster_plan(office: Office, rows: list[dict]) -> list[dict]:
    """What confirming would do with each row: invite, add an election worker (or add one
    back), skip, or an error to fix.

    A fixed number of queries whatever the size of the file.
    """
    facts = _roster_facts(office, rows)
    plan = []
    for row in rows:
        row = {"phone": "", "phone_text": "", "reports_to_email": "", **row}
        role = (
            facts.file_roles.get(row["email"]) if row.get("email") else role_from_text(row["role"])
        )
        problems, boss = _row_problems(row, role, facts)
        action, message, person = _row_outcome(row, role, problems, facts)
        plan.append(
            {
                **row,
                "action": action,
                "message": message,
                "reports_to_user": boss,
                "role_value": role,
                "person_id": person["id"] if person else None,
            }
        )
    return plan


def role_from_text(text: str) -> str | None:
    """A membership role from a roster cell: its value or its English label, any case."""
    value = " ".join(text.strip().lower().replace("_", " ").split())
    aliases = {
        "office manager": Membership.Role.MANAGER,
        "records officer": Membership.Role.RECORDS_OFFICER,
        "election worker": Membership.Role.ELECTION_WORKER,
        "poll worker": Membership.Role.ELECTION_WORKER,
    }
    if value.replace(" ", "_") in Membership.Role.values:
        return value.replace(" ", "_")
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
