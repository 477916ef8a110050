"""Every write of signing sessions: sessions, rosters, people who join, signatures, kiosks."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts import mfa
from accounts.audit import audit_record
from accounts.models import Association, Membership, Office, User
from core.mail import send_templated_email
from core.sms import send_sms
from pledges.models import Cycle, Pledge
from pledges.names import names_agree
from pledges.services import RequestMeta, SessionContext, pledge_sign

from .models import Attendance, Kiosk, RosterEntry, SigningSession

MAX_ROSTER = 2000
CODE_DIGITS = 6
CODE_TRIES = 5


class SessionClosed(ValidationError):
    """The session has ended, or has not opened yet: its link and kiosk do not work."""


class NotInvited(ValidationError):
    """The person is not among those the session is for."""


class SessionFull(ValidationError):
    """The session has as many attendees as its capacity."""


# ----------------------------------------------------------------------------- sessions


@transaction.atomic
def session_create(
    *,
    by: User,
    title: str,
    place: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    cycle: Cycle,
    audience: str,
    capacity: int,
    office: Office | None = None,
    association: Association | None = None,
) -> SigningSession:
    """Create an office's or an association's signing session."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("This end time has already passed.")})
    if cycle.closed_early_at is not None or cycle.closes_on < timezone.localdate(starts_at):
        raise ValidationError(
            {"cycle": _("The %(cycle)s cycle is closed on that date.") % {"cycle": cycle}}
        )
    session = SigningSession(
        office=office,
        association=association,
        title=" ".join(title.split()),
        place=" ".join(place.split()),
        starts_at=starts_at,
        ends_at=ends_at,
        cycle=cycle,
        edition=cycle.edition,
        audience=audience,
        capacity=capacity,
        created_by=by,
    )
    session.full_clean()
    session.save(force_insert=True)
    audit_record(
        action="signing.session_created",
        actor=by,
        obj=session,
        office=office,
        association=association.name if association is not None else None,
        audience=audience,
        starts_at=starts_at.isoformat(),
    )
    return session


def _lock_session(session: SigningSession) -> SigningSession:
    return (
        SigningSession.objects.select_for_update(of=("self",))
        .select_related("office", "association", "cycle", "edition")
        .get(pk=session.pk)
    )


# ----------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class RosterRow:
    full_name: str
    email: str | None = None
    phone: str = ""
    user: User | None = None


@dataclass(frozen=True)
class RosterResult:
    added: int
    already: int


def _roster_conflict(session: SigningSession, row: RosterRow) -> bool:
    query = Q()
    if row.user is not None:
        query |= Q(user=row.user)
    if row.email:
        query |= Q(email__iexact=row.email)
    if row.phone:
        query |= Q(phone=row.phone)
    return bool(query) and session.roster.filter(query).exists()


@transaction.atomic
def roster_add(*, session: SigningSession, by: User, rows: list[RosterRow]) -> RosterResult:
    """Add expected attendees; someone already listed (same account, address or phone) is
    left as they are."""
    session = _lock_session(session)
    if not session.uses_roster:
        raise ValidationError(_("A conference session has no roster."))
    if session.roster.count() + len(rows) > MAX_ROSTER:
        raise ValidationError(
            _("A session's roster holds at most %(max)s people.") % {"max": MAX_ROSTER}
        )
    added = already = 0
    for row in rows:
        if _roster_conflict(session, row):
            already += 1
            continue
        entry = RosterEntry(
            session=session,
            full_name=" ".join(row.full_name.split()),
            email=(row.email or "").lower() or None,
            phone=row.phone or "",
            user=row.user,
        )
        entry.full_clean()
        entry.save(force_insert=True)
        added += 1
    if added:
        audit_record(
            action="signing.roster_changed",
            actor=by,
            obj=session,
            office=session.office,
            added=added,
        )
    return RosterResult(added=added, already=already)


@transaction.atomic
def roster_remove(*, session: SigningSession, entry: RosterEntry, by: User) -> None:
    """Take someone off the roster, unless they have already joined."""
    session = _lock_session(session)
    entry = RosterEntry.objects.select_for_update().get(pk=entry.pk, session=session)
    if entry.attendances.exists():
        raise ValidationError(_("%(name)s has already joined.") % {"name": entry.full_name})
    entry.delete()
    audit_record(
        action="signing.roster_changed",
        actor=by,
        obj=session,
        office=session.office,
        removed=1,
    )


def roster_entry_for_user(session: SigningSession, user: User) -> RosterEntry | None:
    """The roster entry naming this account, its email address or its phone."""
    query = Q(user=user)
    if user.email:
        query |= Q(email__iexact=user.email)
    if user.phone:
        query |= Q(phone=user.phone)
    return session.roster.filter(query).order_by("id").first()


def roster_entry_by_name(session: SigningSession, name: str) -> RosterEntry | None:
    """The one roster entry whose name agrees with the name typed; None if none or several."""
    matches = [e for e in session.roster.all() if names_agree(name, e.full_name)]
    return matches[0] if len(matches) == 1 else None


def roster_entry_by_contact(session: SigningSession, name: str, contact: str) -> RosterEntry | None:
    """The roster entry with this name and this email address or phone number, or None."""
    contact = contact.strip()
    if "@" in contact:
        candidates = session.roster.filter(email__iexact=contact)
    else:
        candidates = session.roster.filter(phone=contact) if contact else []
    for entry in candidates:
        if names_agree(name, entry.full_name):
            return entry
    return None


def _person_for(entry: RosterEntry) -> User:
    """The account the entry names: its own, or the one with its address or phone, or a
    new one (a minimal profile without a password)."""
    if entry.user_id is not None:
        return entry.user
    query = Q(pk__in=[])
    if entry.email:
        query |= Q(email__iexact=entry.email)
    if entry.phone:
        query |= Q(phone=entry.phone)
    existing = User.objects.filter(query).order_by("id").first()
    if existing is not None:
        return existing
    person = User(
        full_name=entry.full_name,
        email=entry.email or None,
        phone=entry.phone or "",
    )
    person.set_unusable_password()
    person.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            person.save(force_insert=True)
    except IntegrityError:
        # The same address or phone was just given an account by another join.
        existing = User.objects.filter(query).order_by("id").first()
        if existing is None:
            raise
        return existing
    audit_record(
        action="signing.person_created",
        actor=None,
        obj=person,
        office=entry.session.office,
        session=entry.session_id,
        roster_entry=entry.pk,
    )
    return person


def _ensure_membership(person: User, session: SigningSession) -> None:
    """A person with no office joins the session's office as an election worker."""
    if session.office_id is None:
        return
    if Membership.objects.filter(user=person, ended_at__isnull=True).exists():
        return
    try:
        with transaction.atomic():
            Membership.objects.create(
                user=person, office=session.office, role=Membership.Role.ELECTION_WORKER
            )
    except IntegrityError:
        pass  # given one at the same moment by another join
    person.__dict__.pop("active_membership", None)


@transaction.atomic
def roster_person(*, session: SigningSession, entry: RosterEntry) -> User:
    """The account of a roster entry, linked or made once, with an office to sign in."""
    session = _lock_session(session)
    entry = (
        RosterEntry.objects.select_for_update(of=("self",))
        .select_related("user", "session")
        .get(pk=entry.pk, session=session)
    )
    person = _person_for(entry)
    if entry.user_id != person.pk:
        entry.user = person
        entry.save(update_fields=["user"])
    _ensure_membership(person, session)
    return person


# ----------------------------------------------------------------------------- one-time codes


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _code_digest(nonce: str, code: str) -> str:
    return salted_hmac("signing.join-code", f"{nonce}:{code}", algorithm="sha256").hexdigest()


def join_code_send(*, session: SigningSession, entry: RosterEntry | None, language: str) -> dict:
    """Send a one-time code to the roster entry's own email or phone; return the challenge
    to keep in the browser's session.

    Without an entry (the name and contact are not on the roster) nothing is sent, and
    the challenge can never be met: the person sees the same page either way.
    """
    nonce = secrets.token_hex(16)
    code = new_code()
    expires = timezone.now() + datetime.timedelta(minutes=settings.SIGNING_CODE_MINUTES)
    challenge = {
        "session": session.pk,
        "entry": entry.pk if entry is not None else None,
        "nonce": nonce,
        "digest": _code_digest(nonce, code),
        "expires": expires.timestamp(),
        "tries": 0,
        "channel": "",
    }
    if entry is None:
        return challenge
    context = {
        "name": entry.full_name,
        "code": code,
        "session": session,
        "minutes": settings.SIGNING_CODE_MINUTES,
    }
    if entry.email:
        challenge["channel"] = Pledge.IdentifiedBy.EMAIL_CODE
        send_templated_email(
            to=entry.email, template="signing/email/join_code", context=context, language=language
        )
    else:
        challenge["channel"] = Pledge.IdentifiedBy.SMS_CODE
        send_sms(
            to=str(entry.phone),
            body=_(
                "Your Standards Portal code for %(title)s is %(code)s. It works for "
                "%(minutes)s minutes."
            )
            % {"title": session.title, "code": code, "minutes": settings.SIGNING_CODE_MINUTES},
        )
    return challenge


def join_code_check(*, challenge: dict, session: SigningSession, code: str) -> RosterEntry | None:
    """The roster entry whose code this is; None when wrong, spent or expired.

    The caller counts the tries (`challenge["tries"]`) and gives up after CODE_TRIES.
    """
    if challenge.get("session") != session.pk or challenge.get("entry") is None:
        return None
    if challenge.get("tries", 0) >= CODE_TRIES:
        return None
    if timezone.now().timestamp() > challenge.get("expires", 0):
        return None
    digest = _code_digest(challenge.get("nonce", ""), "".join(code.split()))
    if not hmac.compare_digest(digest, challenge.get("digest", "")):
        return None
    return session.roster.filter(pk=challenge["entry"]).first()


def trainer_code_matches(session: SigningSession, code: str) -> bool:
    return hmac.compare_digest(
        hashlib.sha256(session.trainer_code.encode()).digest(),
        hashlib.sha256("".join(code.split()).encode()).digest(),
    )


def code_sign_in_refusal(person: User, identified_by: str) -> str:
    """Why this person may not be signed in by a one-time code ("" when they may).

    A code signs a person in for this purpose only: it never stands in for the password
    and second step of an account that has them. The trainer's code, known to the whole
    room, signs in only people without a password of their own; a code sent to the
    person's own address or phone, anyone without a second step.
    """
    if mfa.required_role(person) or mfa.has_second_step(person):
        return _("Your account signs in with a second step. Sign in with your account to join.")
    if identified_by == Pledge.IdentifiedBy.TRAINER_CODE and person.has_usable_password():
        return _(
            "You have an account with a password: sign in with it to join, or ask for a "
            "code by email or text message."
        )
    return ""


# ----------------------------------------------------------------------------- joining


def _check_open(session: SigningSession, now: datetime.datetime) -> None:
    if session.has_ended(now):
        raise SessionClosed(_("This session has ended; its link no longer works."), code="ended")
    if not session.is_open(now):
        raise SessionClosed(
            _("This session has not opened yet. Come back shortly before it starts."),
            code="not_open",
        )


def _check_invited(session: SigningSession, user: User, entry: RosterEntry | None) -> None:
    if entry is not None:
        return
    membership = user.active_membership
    if membership is not None and (
        (
            session.audience == SigningSession.Audience.STAFF
            and membership.office_id == session.office_id
        )
        or (
            session.audience == SigningSession.Audience.MEMBERS
            and session.association.offices.filter(pk=membership.office_id).exists()
        )
    ):
        return
    raise NotInvited(
        _("This session is for the people it was organised for, and you are not among them."),
        code="not_invited",
    )


@transaction.atomic
def attendance_join(
    *,
    session: SigningSession,
    user: User,
    identified_by: str,
    entry: RosterEntry | None = None,
    kiosk: Kiosk | None = None,
    now: datetime.datetime | None = None,
) -> Attendance:
    """Record that the person joined the session (once: a second join returns the first)."""
    now = now or timezone.now()
    session = _lock_session(session)
    _check_open(session, now)
    existing = Attendance.objects.filter(session=session, user=user).first()
    if existing is not None:
        return existing
    if entry is None:
        entry = roster_entry_for_user(session, user)
    if entry is not None and (entry.user_id not in (None, user.pk) or entry.attendances.exists()):
        # The entry names or was claimed by another account: this one joins as itself.
        entry = None
    _check_invited(session, user, entry)
    if session.attendances.count() >= session.capacity:
        raise SessionFull(
            _("This session is full (%(capacity)s people).") % {"capacity": session.capacity},
            code="full",
        )
    if entry is not None:
        if entry.user_id is None:
            entry.user = user
            entry.save(update_fields=["user"])
        _ensure_membership(user, session)
    attendance = Attendance(
        session=session,
        user=user,
        roster_entry=entry,
        identified_by=identified_by,
        kiosk=kiosk,
        joined_at=now,
    )
    attendance.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            attendance.save(force_insert=True)
    except IntegrityError:
        existing = Attendance.objects.filter(session=session, user=user).first()
        if existing is None:
            raise
        return existing
    audit_record(
        action="signing.session_joined",
        actor=user,
        obj=session,
        office=session.office,
        identified_by=identified_by,
        kiosk=kiosk.pk if kiosk is not None else None,
    )
    return attendance


@transaction.atomic
def attendance_sign(
    *,
    attendance: Attendance,
    typed_name: str,
    consent: bool,
    request_meta: RequestMeta,
    identified_by: str,
    kiosk: Kiosk | None = None,
    list_publicly: bool = False,
    seen_text_sha256: str | None = None,
    name_confirmed: bool = False,
    seen_addendum_sha256: str | None = None,
) -> tuple[Pledge, bool]:
    """Sign the session's pledge as its attendee; (pledge, created). A pledge already
    signed in the cycle is linked to the attendance instead."""
    attendance = (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("session__cycle", "session__office", "session__association", "user")
        .get(pk=attendance.pk)
    )
    session = attendance.session
    _check_open(session, timezone.now())
    if attendance.pledge_id is not None:
        return attendance.pledge, False
    pledge, created = pledge_sign(
        user=attendance.user,
        cycle=session.cycle,
        typed_name=typed_name,
        consent=consent,
        list_publicly=list_publicly,
        request_meta=request_meta,
        seen_text_sha256=seen_text_sha256,
        name_confirmed=name_confirmed,
        seen_addendum_sha256=seen_addendum_sha256,
        session=SessionContext(
            reference=session.reference,
            identified_by=identified_by,
            shared_device=kiosk is not None,
        ),
    )
    attendance.pledge = pledge
    attendance.signed_at = timezone.now()
    attendance.identified_by = identified_by
    attendance.kiosk = kiosk
    attendance.save(update_fields=["pledge", "signed_at", "identified_by", "kiosk"])
    return pledge, created


@transaction.atomic
def attendance_link_existing(*, attendance: Attendance, pledge: Pledge) -> Attendance:
    """Record that an attendee had already signed this cycle's pledge before the session."""
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if attendance.pledge_id is None and pledge.user_id == attendance.user_id:
        attendance.pledge = pledge
        attendance.signed_at = timezone.now()
        attendance.save(update_fields=["pledge", "signed_at"])
    return attendance


def attendance_exported(*, session: SigningSession, by: User, format: str, request=None) -> None:
    """Record that someone downloaded a session's attendance (names, times, codes)."""
    audit_record(
        action="signing.attendance_exported",
        actor=by,
        obj=session,
        office=session.office,
        request=request,
        format=format,
    )


# ----------------------------------------------------------------------------- kiosks


def kiosk_secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def kiosk_unlock(
    *, session: SigningSession, by: User, user_agent: str = "", request=None
) -> tuple[Kiosk, str]:
    """Unlock a device as the session's kiosk; (kiosk, the secret its cookie carries)."""
    session = _lock_session(session)
    _check_open(session, timezone.now())
    secret = secrets.token_urlsafe(32)
    kiosk = Kiosk.objects.create(
        session=session,
        secret_sha256=kiosk_secret_digest(secret),
        unlocked_by=by,
        user_agent=user_agent[:300],
    )
    audit_record(
        action="signing.kiosk_unlocked",
        actor=by,
        obj=session,
        office=session.office,
        request=request,
        kiosk=kiosk.pk,
    )
    return kiosk, secret


@transaction.atomic
def kiosk_lock(*, kiosk: Kiosk, reason: str, by: User | None = None) -> Kiosk:
    """Lock a kiosk for good (a manager unlocks the device again as a new kiosk)."""
    kiosk = Kiosk.objects.select_for_update(of=("self",)).select_related("session").get(pk=kiosk.pk)
    if kiosk.locked_at is None:
        kiosk.locked_at = timezone.now()
        kiosk.lock_reason = reason
        kiosk.save(update_fields=["locked_at", "lock_reason"])
        audit_record(
            action="signing.kiosk_locked",
            actor=by,
            obj=kiosk.session,
            office=kiosk.session.office,
            kiosk=kiosk.pk,
            reason=reason,
        )
    return kiosk


@transaction.atomic
def kiosks_lock(*, session: SigningSession, by: User) -> int:
    """Lock every open kiosk of the session; how many were locked."""
    open_kiosks = list(session.kiosks.filter(locked_at__isnull=True))
    for kiosk in open_kiosks:
        kiosk_lock(kiosk=kiosk, reason=Kiosk.LockReason.MANAGER, by=by)
    return len(open_kiosks)


def kiosk_in_use(kiosk: Kiosk, *, now: datetime.datetime | None = None) -> Kiosk:
    """The kiosk as it stands now: locked when idle too long or when the session ended;
    otherwise marked as used now."""
    now = now or timezone.now()
    if kiosk.locked_at is not None:
        return kiosk
    if kiosk.session.has_ended(now):
        return kiosk_lock(kiosk=kiosk, reason=Kiosk.LockReason.ENDED)
    idle = (now - kiosk.last_used_at).total_seconds()
    if idle > settings.KIOSK_IDLE_LOCK_SECONDS:
        return kiosk_lock(kiosk=kiosk, reason=Kiosk.LockReason.IDLE)
    if idle > 5:  # one write every few seconds at most
        Kiosk.objects.filter(pk=kiosk.pk).update(last_used_at=now)
        kiosk.last_used_at = now
    return kiosk
