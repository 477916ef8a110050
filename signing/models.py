"""Signing sessions: a training class or a conference where people sign the pledge together.

A session has a join link (and its QR code), an optional roster of expected attendees,
one attendance per person who joined, and the kiosk devices a manager unlocked for it.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core.text import validate_name_text, validate_visible_text
from pledges.models import Pledge

# A link may be opened this long before the session starts (people arrive early).
JOIN_EARLY = timezone.timedelta(hours=1)
TRAINER_CODE_DIGITS = 6
MAX_CAPACITY = 5000


def new_join_token() -> str:
    # About 190 bits: the link cannot be guessed.
    return secrets.token_urlsafe(24)


def new_trainer_code() -> str:
    return f"{secrets.randbelow(10**TRAINER_CODE_DIGITS):0{TRAINER_CODE_DIGITS}d}"


class SigningSession(models.Model):
    """An office's training session or an association's conference session."""

    class Audience(models.TextChoices):
        STAFF = "staff", _("The office's staff and the people on the roster")
        ROSTER = "roster", _("Only the people on the roster")
        MEMBERS = "members", _("Anyone with the link who works in a member office")

    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signing_sessions",
        verbose_name=_("office"),
    )
    association = models.ForeignKey(
        "accounts.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signing_sessions",
        verbose_name=_("association"),
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_name_text])
    place = models.CharField(_("place"), max_length=200, validators=[validate_visible_text])
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    cycle = models.ForeignKey(
        "pledges.Cycle", on_delete=models.PROTECT, related_name="+", verbose_name=_("cycle")
    )
    edition = models.ForeignKey(
        "pledges.Edition", on_delete=models.PROTECT, related_name="+", verbose_name=_("edition")
    )
    audience = models.CharField(_("who may join"), max_length=16, choices=Audience.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    join_token = models.CharField(max_length=64, unique=True, default=new_join_token)
    trainer_code = models.CharField(
        _("trainer's code"), max_length=TRAINER_CODE_DIGITS, default=new_trainer_code
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("signing session")
        verbose_name_plural = _("signing sessions")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["office", "-starts_at"], name="signing_session_office_idx"),
            models.Index(fields=["association", "-starts_at"], name="signing_session_assoc_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(office__isnull=False, association__isnull=True)
                | Q(office__isnull=True, association__isnull=False),
                name="signing_session_office_xor_association",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="signing_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="signing_session_capacity_range",
            ),
            # Offices invite their staff or a roster; associations, their member offices.
            models.CheckConstraint(
                condition=Q(office__isnull=False, audience__in=["staff", "roster"])
                | Q(association__isnull=False, audience="members"),
                name="signing_session_audience_fits",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def host(self):
        """The office or association that runs the session."""
        return self.office if self.office_id else self.association

    @property
    def reference(self) -> str:
        """How a pledge signed here names the session, for good: number, title, host,
        place and date."""
        day = timezone.localtime(self.starts_at).date().isoformat()
        return f"#{self.pk} {self.title} — {self.host.name}, {self.place}, {day}"

    def join_opens_at(self):
        return self.starts_at - JOIN_EARLY

    def is_open(self, now=None) -> bool:
        """Whether the join link and the kiosk work now: from shortly before the start to
        the end."""
        now = now or timezone.now()
        return self.join_opens_at() <= now < self.ends_at

    def has_ended(self, now=None) -> bool:
        return (now or timezone.now()) >= self.ends_at

    @property
    def uses_roster(self) -> bool:
        return self.office_id is not None


class RosterEntry(models.Model):
    """A person expected at a session: picked from the office's people, or listed by name
    with an email address or phone number."""

    session = models.ForeignKey(
        SigningSession, on_delete=models.PROTECT, related_name="roster", verbose_name=_("session")
    )
    full_name = models.CharField(_("full name"), max_length=150, validators=[validate_name_text])
    email = models.EmailField(_("email address"), max_length=254, null=True, blank=True)
    phone = PhoneNumberField(_("mobile phone"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["session", "full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                "session",
                Lower("email"),
                condition=Q(email__isnull=False),
                name="roster_entry_email_unique",
            ),
            models.UniqueConstraint(
                fields=["session", "phone"],
                condition=~Q(phone=""),
                name="roster_entry_phone_unique",
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(user__isnull=False),
                name="roster_entry_user_unique",
            ),
            # Someone the portal can recognise again: an account, an address or a phone.
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(email__isnull=False) | ~Q(phone=""),
                name="roster_entry_identifiable",
            ),
            models.CheckConstraint(
                condition=~Q(email=""), name="roster_entry_email_null_not_empty"
            ),
        ]

    def __str__(self):
        return self.full_name


class Kiosk(models.Model):
    """One shared device (a tablet at the door) unlocked by a manager for one session.

    The device holds a signed cookie naming this row and its secret; the secret itself is
    kept only as a digest. Locked for good by the manager, by the session's end or after a
    period without use; unlocking again makes a new row.
    """

    class LockReason(models.TextChoices):
        MANAGER = "manager", _("locked by a manager")
        IDLE = "idle", _("not used for a while")
        ENDED = "ended", _("the session ended")

    session = models.ForeignKey(
        SigningSession, on_delete=models.PROTECT, related_name="kiosks", verbose_name=_("session")
    )
    secret_sha256 = models.CharField(
        _("SHA-256 of the device's secret"), max_length=64, unique=True
    )
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unlocked by"),
    )
    unlocked_at = models.DateTimeField(_("unlocked"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), default=timezone.now)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    lock_reason = models.CharField(
        _("why it locked"), max_length=16, choices=LockReason.choices, blank=True
    )
    user_agent = models.CharField(_("device's browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ["-unlocked_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(locked_at__isnull=True, lock_reason="")
                | Q(locked_at__isnull=False) & ~Q(lock_reason=""),
                name="kiosk_locked_with_reason",
            ),
        ]

    def __str__(self):
        return f"{_('kiosk')} {self.pk} — {self.session}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Attendance(models.Model):
    """One person at one session: joined, and (once signed) the pledge they signed there or
    had signed before."""

    session = models.ForeignKey(
        SigningSession,
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("session"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_attendances",
        verbose_name=_("person"),
    )
    roster_entry = models.ForeignKey(
        RosterEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("roster entry"),
    )
    identified_by = models.CharField(
        _("identified by"), max_length=16, choices=Pledge.IdentifiedBy.choices
    )
    kiosk = models.ForeignKey(
        Kiosk,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("kiosk"),
    )
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pledge"),
    )
    signed_at = models.DateTimeField(_("signed at the session"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="attendance_once_per_person"),
            models.UniqueConstraint(
                fields=["session", "roster_entry"],
                condition=Q(roster_entry__isnull=False),
                name="attendance_once_per_roster_entry",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.session}"

    @property
    def signed_before(self) -> bool:
        """Whether the pledge linked here had been signed before the person joined."""
        return self.pledge is not None and self.pledge.signed_at < self.joined_at

    @property
    def shared_device(self) -> bool:
        return self.kiosk_id is not None
