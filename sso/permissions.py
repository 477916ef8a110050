"""Who may see and change identity providers and role suggestions. Deny by default.

- A site administrator registers and changes providers for any office or association.
- An association administrator does so for their own association's providers only.
- An office manager reads their office's providers (registered for them by a site
  administrator) and decides the role suggestions of their office.
- Everyone else is refused: 403 on the lists, 404 for a provider they may not know of.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Association, AssociationRole, Membership, Office, User

from .models import IdentityProvider, RoleSuggestion


def _managed_office_id(user: User) -> int | None:
    membership = user.active_membership if user.is_authenticated else None
    if membership is None or membership.role != Membership.Role.MANAGER:
        return None
    return membership.office_id


def _administered_association_ids(user: User) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(
        AssociationRole.objects.filter(
            user=user, role=AssociationRole.Role.ADMINISTRATOR
        ).values_list("association_id", flat=True)
    )


def _is_site_admin(user: User) -> bool:
    return user.is_authenticated and user.is_superuser


def _editable_q(user: User) -> Q:
    """The providers this person may change."""
    if _is_site_admin(user):
        return Q()
    return Q(association_id__in=_administered_association_ids(user))


def _readable_q(user: User) -> Q:
    """The providers this person may read: those they may change, and their office's."""
    if _is_site_admin(user):
        return Q()
    office_id = _managed_office_id(user)
    readable = _editable_q(user)
    if office_id is not None:
        readable |= Q(office_id=office_id)
    return readable


def may_manage_providers(user: User) -> bool:
    """Whether the person has a providers page at all (it may be empty)."""
    return (
        _is_site_admin(user)
        or _managed_office_id(user) is not None
        or bool(_administered_association_ids(user))
    )


def may_register_providers(user: User) -> bool:
    return _is_site_admin(user) or bool(_administered_association_ids(user))


def providers_readable_by(user: User) -> QuerySet[IdentityProvider]:
    """The providers listed on the person's providers page; 403 for anyone without one."""
    if not may_manage_providers(user):
        raise PermissionDenied("Only administrators and office managers see identity providers.")
    return IdentityProvider.objects.filter(_readable_q(user))


def provider_for_reader(user: User, provider_id) -> IdentityProvider:
    """A provider the person may read; 404 for any other."""
    try:
        return (
            providers_readable_by(user).select_related("office", "association").get(pk=provider_id)
        )
    except (IdentityProvider.DoesNotExist, ValueError, TypeError):
        raise Http404("No such identity provider.") from None


def provider_for_editor(user: User, provider_id) -> IdentityProvider:
    """A provider the person may change: 404 when they may not know of it, 403 when they
    may only read it (an office manager, for their office's provider)."""
    provider = provider_for_reader(user, provider_id)
    if not IdentityProvider.objects.filter(_editable_q(user), pk=provider.pk).exists():
        raise PermissionDenied("Only an administrator can change this identity provider.")
    return provider


def may_edit_provider(user: User, provider: IdentityProvider) -> bool:
    if _is_site_admin(user):
        return True
    return provider.association_id in _administered_association_ids(user)


def owner_choices(user: User) -> tuple[QuerySet[Office], QuerySet[Association]]:
    """The offices and associations the person may register a provider for; 403 if none."""
    if _is_site_admin(user):
        return Office.objects.order_by("name"), Association.objects.order_by("name")
    associations = _administered_association_ids(user)
    if not associations:
        raise PermissionDenied("Only an administrator can register an identity provider.")
    return Office.objects.none(), Association.objects.filter(pk__in=associations).order_by("name")


def suggestions_office(user: User) -> Office | None:
    """Whose role suggestions the person decides: their office (a manager), or None for
    every office (a site administrator); 403 for everyone else."""
    if _is_site_admin(user):
        return None
    membership = user.active_membership if user.is_authenticated else None
    if membership is None or membership.role != Membership.Role.MANAGER:
        raise PermissionDenied("Only an office manager decides role suggestions.")
    return membership.office


def suggestion_for_decider(user: User, suggestion_id) -> RoleSuggestion:
    """An open role suggestion the person may decide; 404 for any other."""
    office = suggestions_office(user)
    suggestions = RoleSuggestion.objects.filter(decided_at__isnull=True)
    if office is not None:
        suggestions = suggestions.filter(membership__office=office)
    try:
        return suggestions.select_related("membership__user", "membership__office", "provider").get(
            pk=suggestion_id
        )
    except (RoleSuggestion.DoesNotExist, ValueError, TypeError):
        raise Http404("No such role suggestion.") from None
