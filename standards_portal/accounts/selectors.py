from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from .models import Association, AssociationRole, Invitation, Membership, Office, User


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
