"""SCIM provisioning: every write the office's identity provider (and its manager) makes.

The protocol (sso.scim) turns SCIM requests into plain values and calls these services.
The identity provider acts for the office: audit entries have no actor, name the office
as "SCIM (<office>)" and carry "via": "scim". Nothing of a person's records is ever
deleted: deactivating ends their membership in the office and signs them out everywhere
at once; the ScimUser stays, inactive, so a later reactivation finds them again.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as accounts_services
from accounts.audit import audit_record
from accounts.models import Invitation, Membership, Office, User

from .models import ScimClient, ScimUser

TOKEN_PREFIX = "scim_"
# A token is written down once by the manager and pasted into the identity provider.
TOKEN_BYTES = 32
# How often "last used" is written: an identity provider syncing every few seconds must
# not turn every request into a write on the same row.
LAST_USED_EVERY = timedelta(minutes=1)

# The code of a ValidationError that the protocol answers with 409 (uniqueness).
CONFLICT = "uniqueness"

# The values a SCIM request may set on a ScimUser.
FIELDS = ("user_name", "external_id", "email", "full_name", "given_name", "family_name")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def scim_client_for_token(token: str) -> ScimClient | None:
    """The office's SCIM client for a bearer token, or None. Only the hash is looked up,
    and compared again in constant time, so the token itself is never stored nor
    compared byte by byte."""
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    client = ScimClient.objects.select_related("office").filter(token_sha256=digest).first()
    if client is None or not hmac.compare_digest(client.token_sha256, digest):
        return None
    return client


def scim_client_used(*, client: ScimClient) -> None:
    """Remember when the token was last used, at most once a minute."""
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_EVERY:
        ScimClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now


def _label(office: Office) -> str:
    return f"SCIM ({office.name})"


def _audit(action: str, *, office: Office, obj=None, by: User | None = None, request=None, **d):
    """An entry for something the identity provider (by=None) or a manager did."""
    if by is None:
        # audit_record names no actor; the entry says which office's provider acted.
        d.setdefault("source", _label(office))
    return audit_record(
        action=action, actor=by, obj=obj, office=office, request=request, via="scim", **d
    )


@transaction.atomic
def scim_client_rotate(*, office: Office, by: User, request=None) -> tuple[ScimClient, str]:
    """Issue a new bearer token for the office's SCIM endpoint; the old one stops working.
    The token is returned once, to be shown once: only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    client = ScimClient.objects.select_for_update().filter(office=office).first()
    if client is None:
        client = ScimClient(office=office)
    client.token_sha256 = token_hash(token)
    client.token_hint = token[:10]
    client.rotated_at = timezone.now()
    client.rotated_by = by
    client.last_used_at = None
    client.full_clean()
    client.save()
    _audit("scim.token_rotated", office=office, obj=client, by=by, request=request)
    return client, token


@transaction.atomic
def scim_settings_set(*, office: Office, creates: str, by: User, request=None) -> ScimClient:
    """Choose whether people the identity provider creates wait for a manager or are
    officials at once."""
    client = ScimClient.objects.select_for_update().filter(office=office).first()
    if client is None:
        raise ValidationError(_("Create a token first."))
    if creates not in ScimClient.Creates.values:
        raise ValidationError({"creates": _("Choose pending people or officials.")})
    if client.creates == creates:
        return client
    old = client.creates
    client.creates = creates
    client.save(update_fields=["creates"])
    _audit(
        "scim.settings_changed",
        office=office,
        obj=client,
        by=by,
        request=request,
        old=old,
        new=creates,
    )
    return client


def _clean_values(values: dict) -> dict:
    """The SCIM values, trimmed, checked against the model's limits."""
    cleaned = {key: (values.get(key) or "").strip() for key in FIELDS if key in values}
    if "user_name" in cleaned and not cleaned["user_name"]:
        raise ValidationError({"user_name": _("userName is required.")})
    if cleaned.get("email"):
        cleaned["email"] = cleaned["email"].lower()
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid email address.")}) from None
    for key, value in cleaned.items():
        limit = ScimUser._meta.get_field(key).max_length
        if limit and len(value) > limit:
            raise ValidationError({key: _("%(field)s is too long.") % {"field": key}})
    return cleaned


def _person_email(scim_user: ScimUser) -> str:
    """The address the person signs in with: the work email, or a userName that is one."""
    for candidate in (scim_user.email, scim_user.user_name):
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate.lower()
    raise ValidationError(
        {"email": _("An email address is needed to give this person an account.")}
    )


def _name(scim_user: ScimUser) -> str:
    parts = " ".join(p for p in (scim_user.given_name, scim_user.family_name) if p)
    return scim_user.full_name or parts or scim_user.user_name


def _conflict(message: str) -> ValidationError:
    return ValidationError(message, code=CONFLICT)


def _check_user_name_free(office: Office, user_name: str, *, exclude=None) -> None:
    taken = ScimUser.objects.filter(office=office, user_name__iexact=user_name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise _conflict(_("A person with this userName already exists in this office."))


def _current_membership(user: User) -> Membership | None:
    return Membership.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()


def _make_official(scim_user: ScimUser, *, request) -> User:
    """Give the person an official membership in the office at once: a new account with
    an unusable password (they sign in through the identity provider), or the existing
    account with this email when it belongs to no other office."""
    office = scim_user.office
    if scim_user.user_id is not None:
        # Linked before: the same person again, whatever address the provider now sends.
        person = User.objects.select_for_update().get(pk=scim_user.user_id)
        email = person.email or scim_user.user_name
    else:
        email = _person_email(scim_user)
        person = User.objects.select_for_update().filter(email__iexact=email).first()
    if person is None:
        person = accounts_services.person_create(full_name=_name(scim_user), email=email)
    membership = _current_membership(person)
    if membership is not None and membership.office_id != office.pk:
        raise _conflict(
            _(
                "%(email)s is a member of another office. That office must end the "
                "membership before this one can provision the person."
            )
            % {"email": email}
        )
    if ScimUser.objects.filter(office=office, user=person).exclude(pk=scim_user.pk).exists():
        raise _conflict(_("This person is already provisioned under another userName."))
    if membership is None:
        accounts_services.membership_start(
            user=person, office=office, role=Membership.Role.OFFICIAL
        )
    if not person.is_active:
        person.is_active = True
        person.save(update_fields=["is_active"])
    return person


def _link(scim_user: ScimUser, person: User) -> None:
    scim_user.user = person
    scim_user.state = ScimUser.State.LINKED


def _save(scim_user: ScimUser, *, bump: bool = True, fields=None) -> None:
    if bump:
        scim_user.version += 1
    scim_user.updated_at = timezone.now()
    scim_user.full_clean()
    try:
        with transaction.atomic():
            scim_user.save(update_fields=fields)
    except IntegrityError:
        # Two requests for the same userName at once: the other one won.
        raise _conflict(_("A person with this userName already exists in this office.")) from None


@transaction.atomic
def scim_user_create(
    *, client: ScimClient, values: dict, active: bool = True, request=None
) -> ScimUser:
    """A person the identity provider assigned to the portal: pending until a manager
    confirms, or an official at once, as the office chose."""
    office = ScimClient.objects.select_for_update().get(pk=client.pk).office
    values = _clean_values(values)
    if "user_name" not in values:
        raise ValidationError({"user_name": _("userName is required.")})
    _check_user_name_free(office, values["user_name"])
    scim_user = ScimUser(office=office, active=active, state=ScimUser.State.PENDING, **values)
    if active and client.creates == ScimClient.Creates.OFFICIAL:
        _link(scim_user, _make_official(scim_user, request=request))
    _save(scim_user, bump=False)
    _audit(
        "scim.user_created",
        office=office,
        obj=scim_user,
        request=request,
        state=scim_user.state,
        user=scim_user.user_id,
    )
    return scim_user


def _locked(scim_user: ScimUser) -> ScimUser:
    return ScimUser.objects.select_for_update().select_related("office").get(pk=scim_user.pk)


def _link_if_accepted(scim_user: ScimUser) -> None:
    """A confirmed pending person who has since accepted their invitation: link them.
    Done whenever the identity provider next acts on them, so that its deactivation
    always finds the membership to end."""
    if scim_user.state != ScimUser.State.PENDING or not scim_user.email:
        return
    accepted = (
        Invitation.objects.filter(
            office=scim_user.office,
            email__iexact=scim_user.email,
            accepted_by__isnull=False,
        )
        .order_by("-accepted_at")
        .first()
    )
    if accepted is None:
        return
    person = accepted.accepted_by
    if ScimUser.objects.filter(office=scim_user.office, user=person).exists():
        return
    _link(scim_user, person)
    _save(scim_user, bump=False, fields=["user", "state", "updated_at"])


@transaction.atomic
def scim_user_update(
    *, scim_user: ScimUser, values: dict, active: bool | None = None, request=None
) -> ScimUser:
    """Change the person's names, emails and identifiers as the identity provider sends
    them (PUT replaces them all, PATCH some); a change of `active` deactivates or
    reactivates them."""
    scim_user = _locked(scim_user)
    _link_if_accepted(scim_user)
    values = _clean_values(values)
    if "user_name" in values:
        _check_user_name_free(scim_user.office, values["user_name"], exclude=scim_user)
    changed = sorted(k for k, v in values.items() if getattr(scim_user, k) != v)
    for key in changed:
        setattr(scim_user, key, values[key])
    if changed:
        _save(scim_user)
        person = _member_of_office(scim_user)
        # The account's name follows the identity provider while the person is of this
        # office; the sign-in address does not (it is proved by the person, not asserted).
        if person is not None and {"full_name", "given_name", "family_name"} & set(changed):
            person.full_name = _name(scim_user)[:150]
            person.full_clean(exclude=["password"])
            person.save(update_fields=["full_name"])
        _audit(
            "scim.user_updated",
            office=scim_user.office,
            obj=scim_user,
            request=request,
            changed=changed,
        )
    if active is False and scim_user.active:
        scim_user = scim_user_deactivate(scim_user=scim_user, request=request)
    elif active is True and not scim_user.active:
        scim_user = scim_user_reactivate(scim_user=scim_user, request=request)
    return scim_user


def _member_of_office(scim_user: ScimUser) -> User | None:
    if scim_user.user_id is None:
        return None
    if Membership.objects.filter(
        user=scim_user.user_id, office=scim_user.office, ended_at__isnull=True
    ).exists():
        return User.objects.select_for_update().get(pk=scim_user.user_id)
    return None


@transaction.atomic
def scim_user_deactivate(*, scim_user: ScimUser, request=None) -> ScimUser:
    """The identity provider says the person left: end their membership in the office and
    end every session of theirs at once, even when they hold another role elsewhere.
    The office's last manager is deactivated too (the provider's word is security's);
    the audit entry says so."""
    scim_user = _locked(scim_user)
    _link_if_accepted(scim_user)
    office = scim_user.office
    details = {}
    if scim_user.user_id is not None:
        staff = accounts_services._lock_office_staff(office)
        membership = next((m for m in staff if m.user_id == scim_user.user_id), None)
        if membership is not None:
            last_manager = accounts_services._is_last_manager(membership, staff)
            details["account_disabled"] = accounts_services._end_membership(
                membership,
                office=office,
                now=timezone.now(),
                by=None,
                request=request,
                via="scim",
                last_manager=last_manager or None,
            )
            details["last_manager"] = last_manager or None
            # _end_membership signs the person out only when no role is left: someone who
            # left this office is signed out of every session anyway.
            person = User.objects.get(pk=scim_user.user_id)
            details["sessions_ended"] = accounts_services.user_sessions_end(user=person)
    # An invitation a manager sent for the person, not yet accepted, stops working.
    invitations = Invitation.objects.filter(
        office=office, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for invitation in invitations.filter(email__iexact=scim_user.email or scim_user.user_name):
        accounts_services.invitation_revoke(invitation=invitation, by=None, request=request)
    if scim_user.active:
        scim_user.active = False
        _save(scim_user)
    _audit("scim.user_deactivated", office=office, obj=scim_user, request=request, **details)
    return scim_user


@transaction.atomic
def scim_user_reactivate(*, scim_user: ScimUser, request=None) -> ScimUser:
    """The identity provider assigns the person again: an official membership again when
    they were linked (or the office takes officials at once); otherwise they wait for a
    manager again."""
    scim_user = _locked(scim_user)
    office = scim_user.office
    client = ScimClient.objects.filter(office=office).first()
    official = client is not None and client.creates == ScimClient.Creates.OFFICIAL
    if scim_user.state == ScimUser.State.LINKED or official:
        _link(scim_user, _make_official(scim_user, request=request))
    else:
        scim_user.state = ScimUser.State.PENDING
    scim_user.active = True
    _save(scim_user)
    _audit(
        "scim.user_reactivated",
        office=office,
        obj=scim_user,
        request=request,
        state=scim_user.state,
    )
    return scim_user


def scim_user_delete(*, scim_user: ScimUser, request=None) -> ScimUser:
    """A DELETE from the identity provider is a deactivation: nothing is deleted."""
    return scim_user_deactivate(scim_user=scim_user, request=request)


def _locked_pending(scim_user: ScimUser) -> ScimUser:
    scim_user = _locked(scim_user)
    if scim_user.state != ScimUser.State.PENDING or not scim_user.active:
        raise ValidationError(_("This person is no longer waiting for a decision."))
    return scim_user


@transaction.atomic
def scim_pending_confirm(*, scim_user: ScimUser, by: User, request=None) -> ScimUser:
    """A manager confirms a person the identity provider created: they are sent the usual
    invitation, and are linked once they accept it. Someone already of the office, or with
    an account already, is linked at once."""
    scim_user = _locked_pending(scim_user)
    office = scim_user.office
    email = _person_email(scim_user)
    person = User.objects.filter(email__iexact=email).first()
    if person is not None and ScimUser.objects.filter(office=office, user=person).exists():
        raise ValidationError(_("This person is already provisioned under another userName."))
    member = (
        person is not None
        and Membership.objects.filter(user=person, office=office, ended_at__isnull=True).exists()
    )
    if not member:
        accounts_services.invitation_create(
            office=office,
            email=email,
            full_name=_name(scim_user)[:150],
            role=Membership.Role.OFFICIAL,
            invited_by=by,
            request=request,
        )
    if person is not None:
        _link(scim_user, person)
        _save(scim_user)
    _audit(
        "scim.user_confirmed",
        office=office,
        obj=scim_user,
        by=by,
        request=request,
        invited=not member,
        linked=scim_user.state == ScimUser.State.LINKED,
    )
    return scim_user


@transaction.atomic
def scim_pending_decline(*, scim_user: ScimUser, by: User, request=None) -> ScimUser:
    """A manager declines a person the identity provider created: no account, no
    invitation; the identity provider still sees the resource."""
    scim_user = _locked_pending(scim_user)
    scim_user.state = ScimUser.State.DECLINED
    _save(scim_user)
    _audit("scim.user_declined", office=scim_user.office, obj=scim_user, by=by, request=request)
    return scim_user
