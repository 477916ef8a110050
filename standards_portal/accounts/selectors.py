from django.db.models import QuerySet

from .models import Association, AssociationRole, Membership, Office, User


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
