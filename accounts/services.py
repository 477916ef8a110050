from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.mail import send_templated_email

from .audit import audit_own, audit_record
from .models import (
    CONFIDENTIAL_NAME,
    PENDING_INVITATION_EXISTS,
    Association,
    AssociationRole,
    Invitation,
    Membership,
    Office,
    RosterUpload,
    User,
    new_invitation_token,
)


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    password: str | None = None,
    verified: bool = True,
    preferred_language: str = "en",
) -> User:
    """Create a person with a primary email address (verified when it came from an invitation)."""
    user = User(
        email=email.strip().lower(),
        full_name=full_name.strip(),
        preferred_language=preferred_language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


@transaction.atomic
def person_create(*, full_name: str, email: str | None = None, phone: str = "") -> User:
    """Create a person known to their office by name and, where given, an email address
    (not yet verified) and a phone number: an election worker from a roster. They sign
    in only once they have an email address and a password of their own."""
    user = User(
        email=email.strip().lower() if email else None,
        phone=phone,
        full_name=full_name.strip(),
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if user.email:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return user


@transaction.atomic
def membership_start(
    *, user: User, office: Office, role: str, reports_to: User | None = None
) -> Membership:
    """Put a person in an office, ending any current membership (history is kept)."""
    now = timezone.now()
    current = (
        Membership.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    )
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    membership = Membership(
        user=user, office=office, role=role, reports_to=reports_to, started_at=now
    )
    membership.full_clean()
    membership.save()
    user.__dict__.pop("active_membership", None)
    return membership


LEADER_ROLES = (Membership.Role.SUPERVISOR, Membership.Role.MANAGER)
ROLE_CHOICE_MESSAGE = _lazy(
    "Choose official, supervisor, manager, records officer or election worker."
)


def _is_leader_in(user: User, office: Office) -> bool:
    return Membership.objects.filter(
        user=user, office=office, ended_at__isnull=True, role__in=LEADER_ROLES, user__is_active=True
    ).exists()


def _send_invitation(invitation: Invitation) -> None:
    existing = User.objects.filter(email__iexact=invitation.email).first()
    send_templated_email(
        to=invitation.email,
        template="accounts/email/invitation",
        context={
            "invitation": invitation,
            "target": str(invitation.target),
            "role": invitation.role_label,
            # The invitee is not yet of the office: a confidential inviter stays unnamed.
            "inviter": CONFIDENTIAL_NAME
            if invitation.invited_by.is_confidential
            else invitation.invited_by.full_name or invitation.invited_by.email,
            "path": reverse("accounts:invitation-accept", args=[invitation.token]),
            "has_account": existing is not None and existing.is_active,
        },
        # No account yet: no language of their own, so the inviter's is the best guess.
        language=existing.preferred_language
        if existing
        else invitation.invited_by.preferred_language,
    )


def _already_invited() -> ValidationError:
    return ValidationError(
        {"email": _("This person already has a pending invitation. Resend it instead.")}
    )


def _check_not_pending_or_member(*, email: str, office=None, association=None) -> None:
    pending = Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if office is not None:
        if Membership.objects.filter(
            office=office, ended_at__isnull=True, user__email__iexact=email
        ).exists():
            raise ValidationError({"email": _("This person is already a member of your office.")})
        pending = pending.filter(office=office)
    else:
        if AssociationRole.objects.filter(
            association=association, user__email__iexact=email
        ).exists():
            raise ValidationError({"email": _("This person already has a role here.")})
        pending = pending.filter(association=association)
    if pending.exists():
        raise _already_invited()


def _invitation_save(invitation: Invitation) -> Invitation:
    try:
        invitation.full_clean()
    except ValidationError as error:
        if str(PENDING_INVITATION_EXISTS) in error.messages:
            raise ValidationError({"email": PENDING_INVITATION_EXISTS}) from None
        raise
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Another request (a double click, a second tab) invited the same address first.
        raise _already_invited() from None
    return invitation


def _invitation_issue(
    invitation: Invitation, *, request, office: Office | None = None, **details
) -> Invitation:
    """Save a new invitation, record that it was sent, and send its link."""
    invitation = _invitation_save(invitation)
    audit_record(
        action="invitation.sent",
        actor=invitation.invited_by,
        obj=invitation,
        office=office,
        request=request,
        **details,
    )
    _send_invitation(invitation)
    return invitation


def _expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_DAYS)


@transaction.atomic
def invitation_create(
    *,
    office: Office,
    email: str,
    full_name: str,
    role: str,
    invited_by: User,
    reports_to: User | None = None,
    reports_to_email: str = "",
    request=None,
) -> Invitation:
    """Invite a person to the office by email; the link is sent once the invitation is saved."""
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ValidationError({"role": ROLE_CHOICE_MESSAGE})
    if reports_to is not None and not _is_leader_in(reports_to, office):
        raise ValidationError({"reports_to": _("Choose a supervisor or manager of this office.")})
    _check_not_pending_or_member(email=email, office=office)
    return _invitation_issue(
        Invitation(
            email=email,
            full_name=full_name.strip(),
            office=office,
            role=role,
            reports_to=reports_to,
            reports_to_email="" if reports_to else reports_to_email.strip().lower(),
            invited_by=invited_by,
            expires_at=_expiry(),
        ),
        office=office,
        request=request,
        role=role,
    )


@transaction.atomic
def association_invitation_create(
    *,
    association: Association,
    email: str,
    full_name: str,
    role: str,
    invited_by: User,
    request=None,
) -> Invitation:
    """Invite a person to an association as analyst or administrator."""
    email = email.strip().lower()
    if role not in AssociationRole.Role.values:
        raise ValidationError({"role": _("Choose analyst or administrator.")})
    _check_not_pending_or_member(email=email, association=association)
    return _invitation_issue(
        Invitation(
            email=email,
            full_name=full_name.strip(),
            association=association,
            association_role=role,
            invited_by=invited_by,
            expires_at=_expiry(),
        ),
        request=request,
        association=association.pk,
        role=role,
    )


def _locked_pending(invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("office", "association", "invited_by")
        .get(pk=invitation.pk)
    )
    if not locked.is_pending:
        raise ValidationError(_("This invitation has already been accepted or revoked."))
    return locked


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, request=None) -> Invitation:
    """Send a fresh link (the old one stops working) and restart the expiry period."""
    invitation = _locked_pending(invitation)
    invitation.token = new_invitation_token()
    invitation.expires_at = _expiry()
    invitation.full_clean()
    invitation.save(update_fields=["token", "expires_at"])
    audit_record(
        action="invitation.resent",
        actor=by,
        obj=invitation,
        office=invitation.office,
        request=request,
    )
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User, request=None) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    invitation = _locked_pending(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action="invitation.revoked",
        actor=by,
        obj=invitation,
        office=invitation.office,
        request=request,
    )
    return invitation


class InvitationUnusable(Exception):
    """The link was revoked, used or has expired."""


def invitation_state(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.is_expired():
        return "expired"
    return "pending"


def _resolve_reports_to(invitation: Invitation, office: Office) -> User | None:
    if invitation.reports_to is not None and _is_leader_in(invitation.reports_to, office):
        return invitation.reports_to
    if invitation.reports_to_email:
        return User.objects.filter(
            email__iexact=invitation.reports_to_email,
            is_active=True,
            memberships__office=office,
            memberships__ended_at__isnull=True,
            memberships__role__in=LEADER_ROLES,
        ).first()
    return None


def _attach_waiting_reports(*, leader: User, office: Office) -> int:
    """People who accepted before their supervisor (same roster) now report to them."""
    waiting = Invitation.objects.filter(
        office=office,
        reports_to_email__iexact=leader.email,
        reports_to__isnull=True,
        accepted_by__isnull=False,
    ).values_list("accepted_by", flat=True)
    return (
        Membership.objects.filter(
            office=office, ended_at__isnull=True, reports_to__isnull=True, user__in=waiting
        )
        .exclude(user=leader)
        .update(reports_to=leader)
    )


def _reactivate(person: User, *, full_name: str, password: str) -> User:
    # A deactivated person invited back: the link proves the address, as a reset would.
    person.full_name = full_name.strip() or person.full_name
    person.is_active = True
    # Back through their organisation's sign-in (sso), they get no password to know.
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save(update_fields=["full_name", "is_active", "password"])
    return person


def _accepting_user(
    invitation: Invitation, *, user: User | None, full_name: str, password: str
) -> User:
    """The signed-in person, a deactivated person back, or a new account; never another's."""
    existing = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if user is not None:
        if existing is None or existing.pk != user.pk:
            raise ValidationError(_("This invitation was sent to another email address."))
        return user
    if existing is not None and existing.is_active:
        raise ValidationError(_("An account with this email exists: sign in to accept."))
    if existing is not None:
        return _reactivate(existing, full_name=full_name, password=password)
    # The new person keeps the language they read the invitation page in.
    return user_create(
        email=invitation.email,
        full_name=full_name or invitation.full_name,
        password=password,
        preferred_language=translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        ),
    )


def _mark_address_verified(user: User) -> None:
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def _is_last_manager(membership: Membership, staff: list[Membership]) -> bool:
    """Whether the membership is the only manager among `staff`, its office's current staff."""
    managers = [m for m in staff if m.role == Membership.Role.MANAGER]
    return membership.role == Membership.Role.MANAGER and len(managers) <= 1


def _leave_previous_office(user: User, *, joining: Office) -> None:
    """Check the office the person leaves keeps a manager; their reports there move up."""
    previous = (
        Membership.objects.select_for_update()
        .filter(user=user, ended_at__isnull=True)
        .exclude(office=joining)
        .first()
    )
    if previous is None:
        return
    # The old office's staff are locked only when the person manages it.
    if previous.role == Membership.Role.MANAGER and _is_last_manager(
        previous, _lock_office_staff(previous.office)
    ):
        raise ValidationError(
            _(
                "You are the only manager of %(office)s. Make someone else a manager "
                "there before moving to another office."
            )
            % {"office": previous.office.name}
        )
    # Those who reported to the person in their old office move up a level.
    Membership.objects.filter(
        office=previous.office_id, ended_at__isnull=True, reports_to=user
    ).update(reports_to=previous.reports_to_id)


def _join_office(invitation: Invitation, user: User) -> Office:
    office = invitation.office
    reports_to = _resolve_reports_to(invitation, office)
    if reports_to is not None and reports_to.pk == user.pk:
        reports_to = None
    _leave_previous_office(user, joining=office)
    membership_start(user=user, office=office, role=invitation.role, reports_to=reports_to)
    if invitation.role in LEADER_ROLES:
        _attach_waiting_reports(leader=user, office=office)
    return office


def _take_association_role(invitation: Invitation, user: User) -> None:
    role, created = AssociationRole.objects.get_or_create(
        user=user,
        association=invitation.association,
        defaults={"role": invitation.association_role},
    )
    if not created and role.role != invitation.association_role:
        role.role = invitation.association_role
        role.full_clean()
        role.save(update_fields=["role"])


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
    request=None,
) -> User:
    """Accept an invitation: create (or reactivate) the account, or use the signed-in one.

    The invitation was sent to the address, so opening it proves the address: it is
    marked verified.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation_state(invitation) != "pending":
        raise InvitationUnusable(invitation_state(invitation))
    user = _accepting_user(invitation, user=user, full_name=full_name, password=password)
    _mark_address_verified(user)
    if invitation.office_id:
        office = _join_office(invitation, user)
    else:
        office = None
        _take_association_role(invitation, user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="invitation.accepted",
        actor=user,
        obj=invitation,
        office=office,
        request=request,
        role=invitation.role or invitation.association_role,
    )
    return user


def _reports_chain_includes(*, start: User, target: User, office: Office) -> bool:
    """Whether `target` is `start` or above it in the office's reporting line."""
    edges = dict(
        Membership.objects.filter(office=office, ended_at__isnull=True).values_list(
            "user_id", "reports_to_id"
        )
    )
    current, seen = start.pk, set()
    while current is not None and current not in seen:
        if current == target.pk:
            return True
        seen.add(current)
        current = edges.get(current)
    return False


def _lock_office_staff(office: Office) -> list[Membership]:
    # Locking every current membership of the office serialises changes to its
    # reporting lines and managers (two tabs, two managers at once).
    return list(Membership.objects.select_for_update().filter(office=office, ended_at__isnull=True))


def _locked_member(membership: Membership, office: Office) -> tuple[Membership, list[Membership]]:
    """The membership, read again under the lock on its office's staff, and that staff."""
    staff = _lock_office_staff(office)
    locked = next((m for m in staff if m.pk == membership.pk), None)
    if locked is None:
        raise ValidationError(_("This person is no longer a member of the office."))
    return locked, staff


def _check_role(membership: Membership, role: str, staff: list[Membership]) -> None:
    if role not in Membership.Role.values:
        raise ValidationError({"role": ROLE_CHOICE_MESSAGE})
    if role != Membership.Role.MANAGER and _is_last_manager(membership, staff):
        raise ValidationError(
            {"role": _("The office needs at least one manager. Make someone else a manager first.")}
        )
    # Only supervisors and managers lead people; a records officer or an election worker
    # acts on nobody.
    if role not in LEADER_ROLES and any(m.reports_to_id == membership.user_id for m in staff):
        raise ValidationError(
            {
                "role": _(
                    "People report to this person. Give them another supervisor before "
                    "making this person an official."
                )
            }
        )


def _check_reports_to(
    membership: Membership, reports_to: User | None, staff: list[Membership], office: Office
) -> None:
    if reports_to is None:
        return
    if reports_to.pk == membership.user_id:
        raise ValidationError({"reports_to": _("A person cannot report to themselves.")})
    leader = next((m for m in staff if m.user_id == reports_to.pk), None)
    if leader is None or leader.role not in LEADER_ROLES or not reports_to.is_active:
        raise ValidationError({"reports_to": _("Choose a supervisor or manager of this office.")})
    if _reports_chain_includes(start=reports_to, target=membership.user, office=office):
        raise ValidationError(
            {
                "reports_to": _("%(name)s already reports to this person, directly or indirectly.")
                % {"name": reports_to.full_name}
            }
        )


def _record_membership_change(
    membership: Membership,
    *,
    old_role: str,
    old_boss: int | None,
    office: Office,
    by: User,
    request,
) -> None:
    if old_role != membership.role:
        audit_record(
            action="membership.role_changed",
            actor=by,
            obj=membership,
            office=office,
            request=request,
            old=old_role,
            new=membership.role,
        )
    if old_boss != membership.reports_to_id:
        audit_record(
            action="membership.reports_to_changed",
            actor=by,
            obj=membership,
            office=office,
            request=request,
            old=old_boss,
            new=membership.reports_to_id,
        )


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    role: str,
    reports_to: User | None,
    by: User,
    request=None,
    is_confidential: bool | None = None,
) -> Membership:
    """Change a person's role, whom they report to and (when given) whether they are a
    confidential participant, keeping the office consistent."""
    office = membership.office
    membership, staff = _locked_member(membership, office)
    _check_role(membership, role, staff)
    _check_reports_to(membership, reports_to, staff, office)
    if is_confidential is not None:
        membership.user = user_confidential_set(
            person=membership.user, confidential=is_confidential, by=by, request=request
        )
    old_role, old_boss = membership.role, membership.reports_to_id
    if old_role == role and old_boss == (reports_to.pk if reports_to else None):
        return membership
    membership.role = role
    membership.reports_to = reports_to
    membership.full_clean()
    membership.save(update_fields=["role", "reports_to"])
    _record_membership_change(
        membership, old_role=old_role, old_boss=old_boss, office=office, by=by, request=request
    )
    return membership


@transaction.atomic
def user_confidential_set(*, person: User, confidential: bool, by: User, request=None) -> User:
    """Mark a person as a confidential participant, or no longer; every change audited."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.is_confidential == confidential:
        return person
    person.is_confidential = confidential
    person.save(update_fields=["is_confidential"])
    membership = person.active_membership
    audit_record(
        action="account.confidential_changed",
        actor=by,
        obj=person,
        office=membership.office if membership is not None else None,
        request=request,
        confidential=confidential,
        by_self=by.pk == person.pk,
    )
    return person


def _end_membership(
    membership: Membership, *, office: Office, now, by: User, request, **details
) -> bool:
    """End a locked membership: those who report to the person move up a level; without
    another role the person can no longer sign in, and is signed out everywhere at once.
    Audited. Whether the account was disabled."""
    reassigned = Membership.objects.filter(
        office=office, ended_at__isnull=True, reports_to=membership.user_id
    ).update(reports_to=membership.reports_to_id)
    membership.ended_at = now
    membership.save(update_fields=["ended_at"])
    user = User.objects.select_for_update().get(pk=membership.user_id)
    still_has_role = (
        Membership.objects.filter(user=user, ended_at__isnull=True).exists()
        or AssociationRole.objects.filter(user=user).exists()
    )
    if not still_has_role and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    if not still_has_role:
        user_sessions_end(user=user)
    audit_record(
        action="membership.deactivated",
        actor=by,
        obj=membership,
        office=office,
        request=request,
        reassigned=reassigned,
        account_disabled=not still_has_role,
        **details,
    )
    return not still_has_role


@transaction.atomic
def membership_deactivate(*, membership: Membership, by: User, request=None) -> Membership:
    """End a person's membership; their records stay. Without another role they cannot sign in."""
    office = membership.office
    membership, staff = _locked_member(membership, office)
    if _is_last_manager(membership, staff):
        raise ValidationError(
            _("The office needs at least one manager. Make someone else a manager first.")
        )
    _end_membership(membership, office=office, now=timezone.now(), by=by, request=request)
    return membership


@transaction.atomic
def election_workers_deactivate(
    *,
    office: Office,
    by: User,
    expected: int,
    ids: list[int] | None = None,
    q: str = "",
    request=None,
) -> int:
    """End the current election-worker memberships of the office at once, after an
    election: all of them, those a search finds (`q`), or those chosen (`ids`). Each is
    ended as `membership_deactivate` ends one (signed out, audited one by one); nothing
    is deleted. `expected` is the count the manager confirmed: when the office's
    election workers changed since (another tab, a roster), nothing is done."""
    from .selectors import current_election_workers

    _lock_office_staff(office)
    workers = list(current_election_workers(office, q=q, ids=ids))
    if len(workers) != expected:
        raise ValidationError(
            _(
                "The list of election workers changed since you looked at it: "
                "%(now)s would be deactivated, not %(expected)s. Check the list again."
            )
            % {"now": len(workers), "expected": expected}
        )
    if not workers:
        raise ValidationError(_("No current election worker matches: nothing to deactivate."))
    now = timezone.now()
    for membership in workers:
        _end_membership(membership, office=office, now=now, by=by, request=request, bulk=True)
    return len(workers)


@transaction.atomic
def roster_upload_create(
    *, office: Office, uploaded_by: User, filename: str, sha256: str, rows: list[dict]
) -> RosterUpload:
    """Keep a parsed roster server-side until the manager confirms it."""
    # Unconfirmed previews hold personal data: keep only the latest per uploader, and
    # none older than a day.
    RosterUpload.objects.filter(confirmed_at__isnull=True).filter(
        Q(office=office, uploaded_by=uploaded_by)
        | Q(created_at__lt=timezone.now() - timedelta(days=1))
    ).delete()
    upload = RosterUpload(
        office=office, uploaded_by=uploaded_by, filename=filename[:255], sha256=sha256, rows=rows
    )
    upload.full_clean()
    upload.save()
    return upload


def _roster_add(row: dict, *, office: Office, by: User, request) -> Membership:
    """An election worker from a roster: a new person, or one on file without a current
    membership added back (their account active again). Audited per person."""
    if row["person_id"] is None:
        person = person_create(
            full_name=row["name"], email=row["email"] or None, phone=row.get("phone", "")
        )
    else:
        person = User.objects.select_for_update().get(pk=row["person_id"])
        fields = []
        if not person.is_active:
            person.is_active = True
            fields.append("is_active")
        if row.get("phone") and not person.phone:
            person.phone = row["phone"]
            fields.append("phone")
        if fields:
            person.full_clean(exclude=["password"])
            person.save(update_fields=fields)
    membership = membership_start(
        user=person,
        office=office,
        role=Membership.Role.ELECTION_WORKER,
        reports_to=row["reports_to_user"],
    )
    audit_record(
        action="roster.confirmed",
        actor=by,
        obj=membership,
        office=office,
        request=request,
        outcome="added" if row["person_id"] is None else "added_back",
        line=row["line"],
    )
    return membership


@dataclass
class RosterResult:
    invitations: list[Invitation]
    added: list[Membership]


@transaction.atomic
def roster_confirm(*, upload: RosterUpload, by: User, request=None) -> RosterResult:
    """Do everything the preview promised, all at once or not at all: send the
    invitations, add the election workers (no email is sent to them)."""
    from .selectors import roster_plan

    upload = (
        RosterUpload.objects.select_for_update(of=("self",))
        .select_related("office")
        .get(pk=upload.pk)
    )
    if upload.confirmed_at is not None:
        raise ValidationError(_("This roster has already been confirmed."))
    office = upload.office
    # The office's staff locked first: two rosters confirmed at once queue up here, and
    # the second sees the people the first added.
    _lock_office_staff(office)
    plan = roster_plan(office, upload.rows)
    errors = [row for row in plan if row["action"] == "error"]
    if errors:
        raise ValidationError(
            _("Line %(line)s: %(message)s")
            % {"line": errors[0]["line"], "message": errors[0]["message"]}
        )
    invitations, added = [], []
    for row in plan:
        if row["action"] in ("add", "rejoin"):
            added.append(_roster_add(row, office=office, by=by, request=request))
        if row["action"] != "invite":
            continue
        boss = row["reports_to_user"]
        invitations.append(
            invitation_create(
                office=office,
                email=row["email"],
                full_name=row["name"],
                role=row["role_value"],
                invited_by=by,
                reports_to=boss,
                reports_to_email="" if boss else row.get("reports_to_email", ""),
                request=request,
            )
        )
    upload.confirmed_at = timezone.now()
    upload.save(update_fields=["confirmed_at"])
    audit_record(
        action="roster.confirmed",
        actor=by,
        obj=upload,
        office=office,
        request=request,
        invited=len(invitations),
        added=len(added),
        rows=len(plan),
    )
    return RosterResult(invitations=invitations, added=added)


def association_members_changed(*, association: Association) -> None:
    """Raise the association's member version: figures over its offices are stale."""
    Association.objects.filter(pk=association.pk).update(members_version=F("members_version") + 1)


def _association_offices_changed(
    *, action: str, association: Association, office: Office, by: User, request
) -> None:
    audit_record(action=action, actor=by, obj=association, office=office, request=request)
    association_members_changed(association=association)


@transaction.atomic
def association_office_add(
    *, association: Association, office: Office, by: User, request=None
) -> None:
    """Make an existing office a member of the association."""
    Association.objects.select_for_update().get(pk=association.pk)
    if association.offices.filter(pk=office.pk).exists():
        raise ValidationError(_("This office is already a member."))
    association.offices.add(office)
    _association_offices_changed(
        action="association.office_added",
        association=association,
        office=office,
        by=by,
        request=request,
    )


@transaction.atomic
def association_office_create(
    *,
    association: Association,
    name: str,
    state: str,
    kind: str,
    by: User,
    manager_name: str = "",
    manager_email: str = "",
    request=None,
) -> Office:
    """Create a new office as a member, optionally inviting its first manager."""
    office = Office(name=name.strip(), state=state, kind=kind)
    office.full_clean()
    office.save()
    association.offices.add(office)
    _association_offices_changed(
        action="association.office_created",
        association=association,
        office=office,
        by=by,
        request=request,
    )
    if manager_email:
        invitation_create(
            office=office,
            email=manager_email,
            full_name=manager_name,
            role=Membership.Role.MANAGER,
            invited_by=by,
            request=request,
        )
    return office


@transaction.atomic
def association_office_remove(
    *, association: Association, office: Office, by: User, request=None
) -> None:
    """Remove an office from the association (the office and its people are untouched)."""
    Association.objects.select_for_update().get(pk=association.pk)
    association.offices.remove(office)
    _association_offices_changed(
        action="association.office_removed",
        association=association,
        office=office,
        by=by,
        request=request,
    )


@transaction.atomic
def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End every session of the person except, optionally, the one making the request."""
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user=user).exclude(session_key=keep_session_key))
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for session in sessions:
        store.delete(session.session_key)
    UserSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    return len(sessions)


def user_sessions_ended_record(*, user: User, count: int, request=None) -> None:
    """Record that a person signed out their other sessions."""
    audit_own(action="auth.other_sessions_ended", user=user, request=request, sessions=count)


def audit_log_exported(*, by: User, office: Office | None, filters: dict, request=None) -> None:
    """Record that someone exported the audit log (the export is itself audited)."""
    audit_record(
        action="audit.exported",
        actor=by,
        office=office,
        request=request,
        scope="office" if office is not None else "all",
        **{f"filter_{k}": str(v) for k, v in filters.items() if v},
    )


def my_data_exported(*, user: User, format: str, request=None) -> None:
    """Record that a person downloaded everything the portal holds about them."""
    audit_own(action="personal_data.exported", user=user, request=request, format=format)


def user_welcome_dismiss(*, user: User) -> None:
    """Remember that the person has read the introduction (the first time only)."""
    User.objects.filter(pk=user.pk, welcomed_at__isnull=True).update(welcomed_at=timezone.now())
