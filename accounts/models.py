import secrets
from functools import cached_property

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core.text import validate_name_text

US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"),
    ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"),
    ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"),
    ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"),
    ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"),
    ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"),
    ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"),
    ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
    ("AS", "American Samoa"), ("GU", "Guam"), ("MP", "Northern Mariana Islands"),
    ("PR", "Puerto Rico"), ("VI", "U.S. Virgin Islands"),
]  # fmt: skip


# What the public, association readers and colleagues read instead of a confidential
# participant's name.
CONFIDENTIAL_NAME = _("a confidential participant")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    # Election workers joining at a signing session may have no email address: they are
    # known by their office's roster and, where given, a phone number. Every other person
    # signs in with their email address.
    email = models.EmailField(
        _("email address"), max_length=254, unique=True, null=True, blank=True
    )
    phone = PhoneNumberField(_("mobile phone"), blank=True)
    full_name = models.CharField(_("full name"), max_length=150, validators=[validate_name_text])
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the person dismisses the first-visit introduction on the home page.
    welcomed_at = models.DateTimeField(_("introduction seen"), null=True, blank=True)
    # An address-confidentiality program, threats: the public, association readers and
    # colleagues see "a confidential participant" instead of the name (see `shown_name`).
    is_confidential = models.BooleanField(
        _("confidential participant"),
        default=False,
        help_text=_(
            "Only the person, their office manager and the office's records officer see "
            "the name; everyone else sees “a confidential participant”."
        ),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"
            ),
            models.CheckConstraint(condition=~Q(email=""), name="user_email_null_not_empty"),
        ]

    def __str__(self):
        return self.full_name or self.email or str(self.phone)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else (self.email or "")

    @cached_property
    def active_membership(self):
        """The person's current office membership, or None."""
        return Membership.current().filter(user=self).first()


class Office(models.Model):
    class Kind(models.TextChoices):
        COUNTY = "county", _("County")
        CITY = "city", _("City")
        TOWNSHIP = "township", _("Township")
        TOWN = "town", _("Town")
        PARISH = "parish", _("Parish")
        STATE = "state", _("State")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, validators=[validate_name_text])
    state = models.CharField(_("state"), max_length=2, choices=US_STATES)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COUNTY)
    publishes_registry = models.BooleanField(
        _("publishes pledge registry"),
        default=False,
        help_text=_("Show a public page saying this office's staff have pledged."),
    )
    named_in_benchmarks = models.BooleanField(
        _("named in association benchmarks"),
        default=True,
        help_text=_("If off, the office appears unnamed in association reports."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["state", "name"]
        constraints = [
            models.UniqueConstraint(fields=["state", "name"], name="office_state_name_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.state})"


class Association(models.Model):
    """A state association of election officials, with member offices."""

    name = models.CharField(_("name"), max_length=200, unique=True, validators=[validate_name_text])
    state = models.CharField(_("state"), max_length=2, choices=US_STATES, blank=True)
    offices = models.ManyToManyField(
        Office, related_name="associations", blank=True, verbose_name=_("member offices")
    )
    members_version = models.PositiveBigIntegerField(
        _("member offices version"),
        default=0,
        help_text=_(
            "Raised whenever an office joins or leaves; caches of figures over the "
            "member offices key on it."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AssociationRole(models.Model):
    class Role(models.TextChoices):
        ANALYST = "analyst", _("Analyst")
        ADMINISTRATOR = "administrator", _("Administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="association_roles"
    )
    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("association role")
        verbose_name_plural = _("association roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "association"], name="association_role_user_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["analyst", "administrator"]),
                name="association_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}, {self.association}"


class Membership(models.Model):
    """A person's role in an office. Ended memberships are kept as history."""

    class Role(models.TextChoices):
        OFFICIAL = "official", _("Official")
        SUPERVISOR = "supervisor", _("Supervisor")
        MANAGER = "manager", _("Office manager")
        # Reads the office's records (pledges, withdrawals, audit entries, bundles) to
        # answer records requests; acts on nobody.
        RECORDS_OFFICER = "records_officer", _("Records officer")
        # Seasonal staff (poll workers): sign the pledge and any oath addendum, are never
        # asked for the self-assessment and are counted apart in reports.
        ELECTION_WORKER = "election_worker", _("Election worker")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OFFICIAL)
    reports_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_report_memberships",
        verbose_name=_("reports to"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["office", "user__full_name"]
        indexes = [
            models.Index(fields=["office", "ended_at"], name="membership_office_idx"),
            models.Index(fields=["reports_to", "ended_at"], name="membership_reports_to_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_active_per_user",
            ),
            models.CheckConstraint(
                condition=Q(
                    role__in=[
                        "official",
                        "supervisor",
                        "manager",
                        "records_officer",
                        "election_worker",
                    ]
                ),
                name="membership_role_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reports_to=models.F("user")),
                name="membership_not_own_supervisor",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}, {self.office}"

    @property
    def role_label(self):
        """The role's name, for lists of people: one lookup, where `get_role_display()`
        translates every role's name on each call."""
        return self.Role(self.role).label

    @classmethod
    def current(cls):
        """Current memberships with office and supervisor, and `has_reports`: whether the
        person has direct reports in the office (the navigation's Team link)."""
        reports = cls.objects.filter(
            reports_to=OuterRef("user_id"), office=OuterRef("office_id"), ended_at__isnull=True
        )
        return (
            cls.objects.filter(ended_at__isnull=True)
            .select_related("office", "reports_to")
            .annotate(has_reports=Exists(reports))
            .order_by()
        )

    @property
    def is_active(self):
        return self.ended_at is None

    @property
    def is_manager(self):
        return self.role == self.Role.MANAGER

    @property
    def is_records_officer(self):
        return self.role == self.Role.RECORDS_OFFICER


PENDING_INVITATION_EXISTS = _("This person already has a pending invitation. Resend it instead.")


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation to join an office (or an association as analyst) by email."""

    email = models.EmailField(_("email address"))
    full_name = models.CharField(_("full name"), max_length=150, validators=[validate_name_text])
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(
        _("office role"), max_length=16, choices=Membership.Role.choices, blank=True
    )
    reports_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reports to"),
    )
    # A roster may name a supervisor who is invited in the same file and has no
    # account yet: the address is kept and resolved when either person accepts.
    reports_to_email = models.EmailField(_("reports to (email)"), blank=True)
    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    association_role = models.CharField(
        _("association role"), max_length=16, choices=AssociationRole.Role.choices, blank=True
    )
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(office__isnull=False, association__isnull=True, association_role="")
                    & ~Q(role="")
                )
                | Q(office__isnull=True, association__isnull=False, role="")
                & ~Q(association_role=""),
                name="invitation_office_xor_association",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "office",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_office",
                violation_error_message=PENDING_INVITATION_EXISTS,
            ),
            models.UniqueConstraint(
                Lower("email"),
                "association",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_association",
                violation_error_message=PENDING_INVITATION_EXISTS,
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.office or self.association}"

    @property
    def is_pending(self):
        return self.accepted_at is None and self.revoked_at is None

    def is_expired(self, now=None):
        return (now or timezone.now()) >= self.expires_at

    @property
    def role_label(self):
        return self.get_role_display() if self.office_id else self.get_association_role_display()

    @property
    def target(self):
        return self.office if self.office_id else self.association


class RosterUpload(models.Model):
    """A parsed roster CSV awaiting the manager's confirmation; kept server-side."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="roster_uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.JSONField(_("rows"), default=list)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster upload")
        verbose_name_plural = _("roster uploads")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename or self.sha256[:12]} → {self.office}"


class AuditEntry(models.Model):
    """One security-relevant event. Append-only: the application never edits or deletes one."""

    class Action(models.TextChoices):
        """What was done. An entry recorded under a code no longer listed here is still
        shown, by its code."""

        AUTH_SIGNED_IN = "auth.signed_in", _("Signed in")
        AUTH_SIGN_IN_FAILED = "auth.sign_in_failed", _("Failed sign-in")
        AUTH_SIGNED_OUT = "auth.signed_out", _("Signed out")
        AUTH_OTHER_SESSIONS_ENDED = "auth.other_sessions_ended", _("Other sessions signed out")
        AUTH_PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
        AUTH_PASSWORD_SET = "auth.password_set", _("Password set")
        AUTH_PASSWORD_RESET = "auth.password_reset", _("Password reset")
        AUTH_EMAIL_CHANGED = "auth.email_changed", _("Primary email changed")
        AUTH_EMAIL_ADDED = "auth.email_added", _("Email address added")
        AUTH_EMAIL_REMOVED = "auth.email_removed", _("Email address removed")
        MFA_AUTHENTICATOR_ADDED = "mfa.authenticator_added", _("Two-factor method added")
        MFA_AUTHENTICATOR_REMOVED = "mfa.authenticator_removed", _("Two-factor method removed")
        MFA_AUTHENTICATOR_RESET = "mfa.authenticator_reset", _("Recovery codes regenerated")
        MFA_AUTHENTICATION_FAILED = "mfa.authentication_failed", _("Failed two-factor code")
        INVITATION_SENT = "invitation.sent", _("Invitation sent")
        INVITATION_RESENT = "invitation.resent", _("Invitation resent")
        INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
        INVITATION_ACCEPTED = "invitation.accepted", _("Invitation accepted")
        ROSTER_CONFIRMED = "roster.confirmed", _("Roster confirmed")
        MEMBERSHIP_ROLE_CHANGED = "membership.role_changed", _("Role changed")
        MEMBERSHIP_REPORTS_TO_CHANGED = "membership.reports_to_changed", _("Reporting line changed")
        MEMBERSHIP_DEACTIVATED = "membership.deactivated", _("Person deactivated")
        ASSOCIATION_OFFICE_ADDED = "association.office_added", _("Office added to association")
        ASSOCIATION_OFFICE_CREATED = (
            "association.office_created",
            _("Office created in association"),
        )
        ASSOCIATION_OFFICE_REMOVED = (
            "association.office_removed",
            _("Office removed from association"),
        )
        PLEDGE_SIGNED = "pledge.signed", _("Pledge signed")
        PLEDGE_WITHDRAWN = "pledge.withdrawn", _("Pledge withdrawn")
        PLEDGE_CERTIFICATE_DOWNLOADED = "pledge.certificate_downloaded", _("Certificate downloaded")
        PLEDGE_REGISTRY_CHANGED = "pledge.registry_changed", _("Pledge registry setting changed")
        PLEDGE_REMINDER_SENT = "pledge.reminder_sent", _("Pledge reminders sent")
        PLEDGE_CYCLE_CLOSED = "pledge.cycle_closed", _("Cycle closed")
        PLEDGE_EVIDENCE_ERASED = "pledge.evidence_erased", _("Personal data of a pledge erased")
        PLEDGE_ADDENDUM_CREATED = "pledge.addendum_created", _("Oath addendum draft started")
        PLEDGE_ADDENDUM_EDITED = "pledge.addendum_edited", _("Oath addendum draft changed")
        PLEDGE_ADDENDUM_PUBLISHED = "pledge.addendum_published", _("Oath addendum published")
        PLEDGE_ADDENDUM_REQUIREMENT_CHANGED = (
            "pledge.addendum_requirement_changed",
            _("Oath addendum requirement changed"),
        )
        ASSESSMENT_STARTED = "assessment.started", _("Self-assessment started")
        ASSESSMENT_COPIED_PREVIOUS = (
            "assessment.copied_previous",
            _("Self-assessment copied from last cycle"),
        )
        ASSESSMENT_SUBMITTED = "assessment.submitted", _("Self-assessment submitted")
        ASSESSMENT_RESUBMITTED = "assessment.resubmitted", _("Self-assessment resubmitted")
        ASSESSMENT_RETURNED = "assessment.returned", _("Self-assessment returned")
        ASSESSMENT_ACCEPTED = "assessment.accepted", _("Self-assessment accepted")
        ASSESSMENT_REOPENED = "assessment.reopened", _("Self-assessment reopened")
        ASSESSMENT_REVIEWER_REASSIGNED = "assessment.reviewer_reassigned", _("Reviewer reassigned")
        ASSESSMENT_GOAL_REGISTRATION = (
            "assessment.goal_registration",
            _("Course registration linked to an improvement goal"),
        )
        AUDIT_EXPORTED = "audit.exported", _("Audit log exported")
        PERSONAL_DATA_EXPORTED = "personal_data.exported", _("Personal data downloaded")
        REPORT_EXPORTED = "report.exported", _("Report downloaded")
        ACCOUNT_CONFIDENTIAL_CHANGED = (
            "account.confidential_changed",
            _("Confidential participant setting changed"),
        )
        RECORDS_BUNDLE_PREPARED = "records.bundle_prepared", _("Records bundle prepared")
        RECORDS_BUNDLE_DOWNLOADED = "records.bundle_downloaded", _("Records bundle downloaded")
        RECORDS_RETENTION_APPLIED = "records.retention_applied", _("Retention schedule applied")
        RECORDS_HOLD_PLACED = "records.hold_placed", _("Legal hold placed")
        RECORDS_HOLD_LIFTED = "records.hold_lifted", _("Legal hold lifted")
        SIGNING_SESSION_CREATED = "signing.session_created", _("Signing session created")
        SIGNING_SESSION_JOINED = "signing.session_joined", _("Joined a signing session")
        SIGNING_ROSTER_CHANGED = "signing.roster_changed", _("Signing session roster changed")
        SIGNING_PERSON_CREATED = (
            "signing.person_created",
            _("Person added from a signing session's roster"),
        )
        SIGNING_KIOSK_UNLOCKED = "signing.kiosk_unlocked", _("Kiosk unlocked")
        SIGNING_KIOSK_LOCKED = "signing.kiosk_locked", _("Kiosk locked")
        SIGNING_ATTENDANCE_EXPORTED = (
            "signing.attendance_exported",
            _("Signing session attendance downloaded"),
        )
        # Training reported by a person with evidence, and their manager's decision.
        EDUCATION_SELF_REPORT_SUBMITTED = (
            "education.self_report_submitted",
            _("Training reported for approval"),
        )
        EDUCATION_SELF_REPORT_RESUBMITTED = (
            "education.self_report_resubmitted",
            _("Reported training corrected and sent again"),
        )
        EDUCATION_SELF_REPORT_WITHDRAWN = (
            "education.self_report_withdrawn",
            _("Reported training withdrawn"),
        )
        EDUCATION_SELF_REPORT_APPROVED = (
            "education.self_report_approved",
            _("Reported training approved"),
        )
        EDUCATION_SELF_REPORT_RETURNED = (
            "education.self_report_returned",
            _("Reported training returned"),
        )
        EDUCATION_SELF_REPORT_REVERSED = (
            "education.self_report_reversed",
            _("Approval of reported training withdrawn"),
        )
        EDUCATION_EVIDENCE_DOWNLOADED = (
            "education.evidence_downloaded",
            _("Training evidence downloaded"),
        )
        # Courses, offerings, registrations and attendance (continuing education).
        EDUCATION_COURSE_PUBLISHED = "education.course_published", _("Course published")
        EDUCATION_COURSE_CHANGED = "education.course_changed", _("Course changed")
        EDUCATION_COURSE_ARCHIVED = "education.course_archived", _("Course archived")
        EDUCATION_COURSE_RESTORED = "education.course_restored", _("Course offered again")
        EDUCATION_COURSES_IMPORTED = "education.courses_imported", _("Courses imported")
        EDUCATION_OFFERING_CREATED = "education.offering_created", _("Course date added")
        EDUCATION_OFFERING_CHANGED = "education.offering_changed", _("Course date changed")
        EDUCATION_OFFERING_CANCELLED = "education.offering_cancelled", _("Course date cancelled")
        EDUCATION_REGISTERED = "education.registered", _("Registered for a course")
        EDUCATION_REGISTRATION_CANCELLED = (
            "education.registration_cancelled",
            _("Course registration cancelled"),
        )
        EDUCATION_ATTENDANCE_RECORDED = (
            "education.attendance_recorded",
            _("Course attendance recorded"),
        )
        EDUCATION_ATTENDANCE_REMOVED = (
            "education.attendance_removed",
            _("Course attendance removed"),
        )
        EDUCATION_COURSE_REMINDER_SENT = (
            "education.course_reminder_sent",
            _("Course reminder sent"),
        )
        EDUCATION_CALENDAR_FEED_RESET = (
            "education.calendar_feed_reset",
            _("Calendar address replaced"),
        )
        # Certification programs, enrolments and certificates of completion.
        EDUCATION_PROGRAM_CREATED = (
            "education.program_created",
            _("Certification program defined"),
        )
        EDUCATION_PROGRAM_CHANGED = (
            "education.program_changed",
            _("Certification program changed"),
        )
        EDUCATION_PROGRAM_CLOSED = "education.program_closed", _("Certification program closed")
        EDUCATION_ENROLLED = "education.enrolled", _("Enrolled in a certification program")
        EDUCATION_ENROLMENT_LEFT = (
            "education.enrolment_left",
            _("Left a certification program"),
        )
        EDUCATION_PERIOD_COMPLETED = (
            "education.period_completed",
            _("Certification period completed"),
        )
        EDUCATION_COMPLETION_WITHDRAWN = (
            "education.completion_withdrawn",
            _("Certificate of completion withdrawn"),
        )
        EDUCATION_COMPLETION_DOWNLOADED = (
            "education.completion_downloaded",
            _("Certificate of completion downloaded"),
        )
        EDUCATION_LAPSE_REMINDER_SENT = (
            "education.lapse_reminder_sent",
            _("Certification lapse reminder sent"),
        )
        SSO_PROVIDER_CREATED = "sso.provider_created", _("Identity provider registered")
        SSO_PROVIDER_CHANGED = "sso.provider_changed", _("Identity provider changed")
        SSO_PROVIDER_SECRET_SET = "sso.provider_secret_set", _("Identity provider secret set")
        SSO_PROVIDER_REMOVED = "sso.provider_removed", _("Identity provider removed")
        SSO_LINKED = "sso.linked", _("Account linked to an identity provider")
        SSO_REFUSED = "sso.refused", _("Sign-in through an identity provider refused")
        SSO_ROLE_SUGGESTED = "sso.role_suggested", _("Role suggested by an identity provider")
        SSO_ROLE_SUGGESTION_DECIDED = (
            "sso.role_suggestion_decided",
            _("Role suggested by an identity provider decided"),
        )
        SCIM_TOKEN_ROTATED = "scim.token_rotated", _("SCIM token issued")
        SCIM_SETTINGS_CHANGED = "scim.settings_changed", _("SCIM settings changed")
        SCIM_USER_CREATED = "scim.user_created", _("Person provisioned by SCIM")
        SCIM_USER_UPDATED = "scim.user_updated", _("Person updated by SCIM")
        SCIM_USER_DEACTIVATED = "scim.user_deactivated", _("Person deactivated by SCIM")
        SCIM_USER_REACTIVATED = "scim.user_reactivated", _("Person reactivated by SCIM")
        SCIM_USER_CONFIRMED = "scim.user_confirmed", _("Provisioned person confirmed")
        SCIM_USER_DECLINED = "scim.user_declined", _("Provisioned person declined")
        ADMIN_ADDED = "admin.added", _("Added in the admin site")
        ADMIN_CHANGED = "admin.changed", _("Changed in the admin site")
        ADMIN_DELETED = "admin.deleted", _("Deleted in the admin site")

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("what"), max_length=64, db_index=True, choices=Action.choices)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("from (IP)"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["office", "-at"], name="audit_office_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"
