import datetime
import re

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from .models import (
    Association,
    AssociationRole,
    AuditEntry,
    Invitation,
    Membership,
    Office,
    User,
)

INVITATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def active_memberships(office: Office) -> QuerySet[Membership]:
    """The office's current staff, with their people and supervisors joined."""
    return (
        Membership.objects.filter(office=office, ended_at__isnull=True)
        .select_related("user", "reports_to")
        .order_by("user__full_name", "user__email")
    )


def direct_reports(user: User) -> QuerySet[Membership]:
    """Current memberships of the people who report to this user, in the same office."""
    membership = user.active_membership
    if membership is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(reports_to=user, office=membership.office, ended_at__isnull=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


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


def roster_plan(office: Office, rows: list[dict]) -> list[dict]:
    """What confirming would do with each row: invite, skip, or an error to fix.

    A fixed number of queries whatever the size of the file.
    """
    emails = {r["email"] for r in rows if r.get("email")}
    members = {
        e.lower()
        for e in Membership.objects.filter(
            office=office, ended_at__isnull=True, user__email__in=emails
        ).values_list("user__email", flat=True)
    }
    invited = {
        e.lower()
        for e in Invitation.objects.filter(
            office=office,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            email__in=emails,
        ).values_list("email", flat=True)
    }
    leaders = {u.email.lower(): u for u in supervisors_in_office(office)}
    invited_leaders = {
        e.lower()
        for e in Invitation.objects.filter(
            office=office,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            role__in=[Membership.Role.SUPERVISOR, Membership.Role.MANAGER],
        ).values_list("email", flat=True)
    }
    file_roles = {r["email"]: role_from_text(r.get("role", "")) for r in rows if r.get("email")}
    file_leaders = {
        e
        for e, role in file_roles.items()
        if role in (Membership.Role.SUPERVISOR, Membership.Role.MANAGER)
    }
    validate = EmailValidator()
    plan = []
    for row in rows:
        item = {**row, "action": "error", "message": "", "reports_to_user": None}
        role = file_roles.get(row["email"]) if row.get("email") else role_from_text(row["role"])
        item["role_value"] = role
        boss = row.get("reports_to_email", "")
        problems = []
        if row.get("problem"):
            problems.append(row["problem"])
        else:
            if not row["name"]:
                problems.append(_("The name is missing."))
            elif len(row["name"]) > 150:
                problems.append(_("The name is longer than 150 characters."))
            if not row["email"]:
                problems.append(_("The email address is missing."))
            elif len(row["email"]) > 254:
                problems.append(_("The email address is longer than 254 characters."))
            else:
                try:
                    validate(row["email"])
                except ValidationError:
                    problems.append(
                        _("“%(email)s” is not a valid email address.") % {"email": row["email"]}
                    )
            if role is None:
                problems.append(
                    _("“%(role)s” is not a role; use official, supervisor or manager.")
                    % {"role": row["role"]}
                )
            if boss:
                if boss == row["email"]:
                    problems.append(_("A person cannot report to themselves."))
                elif boss in leaders:
                    item["reports_to_user"] = leaders[boss]
                elif boss not in file_leaders and boss not in invited_leaders:
                    problems.append(
                        _(
                            "%(email)s (reports to) is not a supervisor or manager in this "
                            "office or in this file."
                        )
                        % {"email": boss}
                    )
        if problems:
            item["message"] = " ".join(str(p) for p in problems)
        elif row["email"] in members:
            item["action"] = "member"
            item["message"] = _("Already a member of this office; skipped.")
        elif row["email"] in invited:
            item["action"] = "invited"
            item["message"] = _("Already invited; skipped.")
        else:
            item["action"] = "invite"
            item["message"] = _("Will be invited.")
        plan.append(item)
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


def person_ref(user: User | None) -> dict | None:
    """Another person as the personal-data export names them."""
    return {"name": user.full_name, "email": user.email} if user is not None else None


def personal_data(user: User) -> dict:
    """The person's account, offices, roles, invitations and audit trail, as plain data.

    One query per kind of record however many the person has.
    """
    from allauth.mfa.models import Authenticator

    emails = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("office", "reports_to")
        .order_by("started_at", "pk")
    )
    roles = AssociationRole.objects.filter(user=user).select_related("association").order_by("pk")
    invitations = (
        Invitation.objects.filter(Q(email__iexact=user.email) | Q(accepted_by=user))
        .select_related("office", "association", "invited_by", "reports_to")
        .order_by("created_at", "pk")
    )
    authenticators = Authenticator.objects.filter(user=user).order_by("created_at")
    return {
        "profile": {
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
        },
        "memberships": [
            {
                "office": str(m.office),
                "role": m.get_role_display(),
                "reports_to": person_ref(m.reports_to),
                "started_at": iso(m.started_at),
                "ended_at": iso(m.ended_at),
            }
            for m in memberships
        ],
        "association_roles": [
            {"association": r.association.name, "role": r.get_role_display()} for r in roles
        ],
        "invitations": [
            {
                "to": str(i.target),
                "role": str(i.role_label),
                "invited_by": person_ref(i.invited_by),
                "sent_at": iso(i.created_at),
                "expires_at": iso(i.expires_at),
                "accepted_at": iso(i.accepted_at),
                "revoked_at": iso(i.revoked_at),
            }
            for i in invitations
        ],
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
