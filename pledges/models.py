import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CONFIDENTIAL_NAME
from core.text import validate_name_text, validate_visible_text

from . import codes
from .names import names_agree


class Edition(models.Model):
    """One published text of the Standards of Conduct. Immutable once published."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200)
    language = models.CharField(_("language"), max_length=8, default="en")
    year = models.PositiveSmallIntegerField(_("year"))
    preamble = models.TextField(_("preamble"))
    pledge_heading = models.CharField(_("pledge heading"), max_length=200)
    source_sha256 = models.CharField(_("SHA-256 of the fixture"), max_length=64)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["-year", "code"]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.published_at is not None


class RatingLevel(models.Model):
    """One point of an edition's rating scale."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="rating_levels")
    value = models.PositiveSmallIntegerField(_("value"))
    label = models.CharField(_("label"), max_length=100)
    description = models.CharField(_("description"), max_length=300)

    class Meta:
        verbose_name = _("rating level")
        verbose_name_plural = _("rating levels")
        ordering = ["edition", "value"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "value"], name="rating_level_unique"),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=9), name="rating_level_range"
            ),
        ]

    def __str__(self):
        return f"{self.value} — {self.label}"


class Standard(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="standards")
    number = models.PositiveSmallIntegerField(_("number"))
    short_title = models.CharField(_("short title"), max_length=100)
    statement = models.TextField(_("pledge statement"))

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["edition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="standard_number_unique"),
        ]

    def __str__(self):
        return f"{self.number}. {self.short_title}"


class ApplicationItem(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField(_("number within the standard"))
    position = models.PositiveSmallIntegerField(_("position in the edition"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("application item")
        verbose_name_plural = _("application items")
        ordering = ["standard__edition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="item_number_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def code(self):
        return f"{self.standard.number}.{self.number}"


class CycleQuerySet(models.QuerySet):
    def open_on(self, day):
        return self.filter(opens_on__lte=day, closes_on__gte=day, closed_early_at__isnull=True)


class Cycle(models.Model):
    """A period (usually a year) in which officials pledge and assess once."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="cycles")
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    closed_early_at = models.DateTimeField(_("closed early"), null=True, blank=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="cycle_closes_after_opening"
            ),
        ]

    def __str__(self):
        return self.name

    def is_open(self, day=None):
        day = day or timezone.localdate()
        return self.closed_early_at is None and self.opens_on <= day <= self.closes_on

    def clean(self):
        # One cycle at a time: "the current cycle" must never be ambiguous.
        if self.opens_on and self.closes_on:
            overlapping = (
                Cycle.objects.filter(opens_on__lte=self.closes_on, closes_on__gte=self.opens_on)
                .exclude(pk=self.pk)
                .first()
            )
            if overlapping is not None:
                raise ValidationError(
                    _("These dates overlap the %(cycle)s cycle (%(opens)s to %(closes)s).")
                    % {
                        "cycle": overlapping.name,
                        "opens": overlapping.opens_on,
                        "closes": overlapping.closes_on,
                    }
                )


def new_verification_code() -> str:
    # 16 characters from an unambiguous alphabet: about 80 bits, unguessable.
    return "".join(secrets.choice(codes.ALPHABET) for _ in range(codes.LENGTH))


class ChainVersion(models.IntegerChoices):
    """The rule by which a chained record's content is hashed (see `pledges.chain`)."""

    RAW = 1, _("1: personal values inside the hash")
    SALTED = 2, _("2: salted digests of personal values")


_DIGEST = {"max_length": 64, "blank": True, "default": ""}


class PersonalEvidenceMixin:
    """Reading a chained record's personal values, wherever its rule keeps them."""

    def personal_value(self, field: str) -> str:
        """The raw value of a personal field; "" when none was recorded or it was erased."""
        if self.chain_version == ChainVersion.RAW or not getattr(self, f"{field}_digest"):
            return getattr(self, field) or ""
        evidence = self.evidence_or_none
        if evidence is None or evidence.is_erased(field):
            return ""
        return getattr(evidence, field) or ""

    def personal_erased(self, field: str) -> bool:
        """Whether the field's value was recorded (as a digest) and has since been erased."""
        if self.chain_version == ChainVersion.RAW or not getattr(self, f"{field}_digest"):
            return False
        evidence = self.evidence_or_none
        return evidence is None or evidence.is_erased(field)

    @property
    def evidence_or_none(self):
        try:
            return self.evidence
        except PledgeEvidence.DoesNotExist:
            return None

    @property
    def shown_ip_address(self) -> str:
        return (
            _("erased") if self.personal_erased("ip_address") else self.personal_value("ip_address")
        )

    @property
    def shown_user_agent(self) -> str:
        return (
            _("erased") if self.personal_erased("user_agent") else self.personal_value("user_agent")
        )


class Pledge(PersonalEvidenceMixin, models.Model):
    """An electronic signature of the pledge. Append-only; chained by hash to the previous one."""

    class AuthMethod(models.TextChoices):
        PASSWORD = "password", _("Password")
        MFA = "mfa", _("Password and second factor")
        PASSKEY = "passkey", _("Passkey")
        # A person on a signing session's roster, confirmed by a one-time code.
        ONE_TIME_CODE = "code", _("One-time code at a signing session")
        # Signed in through their office's (or association's) own identity provider; with
        # MFA when the provider's proof of a second factor was trusted, or the portal's own
        # second step was taken.
        SSO = "sso", _("Organisation sign-in")
        SSO_MFA = "sso_mfa", _("Organisation sign-in with MFA")

    class IdentifiedBy(models.TextChoices):
        """How a person signing at a signing session showed who they are."""

        OWN_SIGN_IN = "own_sign_in", _("their own sign-in")
        TRAINER_CODE = "trainer_code", _("their name on the roster and the trainer's code")
        EMAIL_CODE = "email_code", _("their name on the roster and a code sent by email")
        SMS_CODE = "sms_code", _("their name on the roster and a code sent by text message")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledges"
    )
    office = models.ForeignKey("accounts.Office", on_delete=models.PROTECT, related_name="pledges")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="pledges")
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="pledges")
    typed_name = models.CharField(_("typed name"), max_length=150)
    account_name = models.CharField(
        _("name on the account at signing"),
        max_length=150,
        blank=True,
        help_text=_("Empty for pledges signed before the typed name was compared with it."),
    )
    name_mismatch = models.BooleanField(
        _("signed under another name"),
        default=False,
        help_text=_(
            "The typed name differed from the name on the account, and the signer confirmed it."
        ),
    )
    consent_text = models.TextField(_("consent text"))
    signed_at = models.DateTimeField(_("signed at (UTC)"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    auth_method = models.CharField(_("authentication"), max_length=16, choices=AuthMethod.choices)
    text_sha256 = models.CharField(_("SHA-256 of the text signed"), max_length=64)
    verification_code = models.CharField(
        _("verification code"), max_length=32, unique=True, default=new_verification_code
    )
    sequence = models.PositiveBigIntegerField(_("position in the chain"), unique=True)
    previous_hash = models.CharField(_("hash of the previous record"), max_length=64)
    record_hash = models.CharField(_("hash of this record"), max_length=64, unique=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    listed_publicly = models.BooleanField(
        _("named on the public registry"),
        default=False,
        help_text=_("The person chose to be named if their office publishes its registry."),
    )
    chain_version = models.PositiveSmallIntegerField(
        _("canonical form"),
        choices=ChainVersion.choices,
        default=ChainVersion.RAW,
        help_text=_("Which rule this record's hash was computed under."),
    )
    ip_address_digest = models.CharField(_("salted SHA-256 of the IP address"), **_DIGEST)
    user_agent_digest = models.CharField(_("salted SHA-256 of the user agent"), **_DIGEST)
    typed_name_digest = models.CharField(_("salted SHA-256 of the typed name"), **_DIGEST)
    account_name_digest = models.CharField(_("salted SHA-256 of the account's name"), **_DIGEST)
    # Signed at a signing session (the `signing` app): which one, whether on the session's
    # shared kiosk, and how the signer was identified. Empty for every other pledge; the
    # chain covers these only when set, so older records keep their hash.
    session_reference = models.CharField(
        _("signing session"),
        max_length=300,
        blank=True,
        help_text=_("The session's number, title, place and date, as recorded at signing."),
    )
    session_shared_device = models.BooleanField(_("signed on a shared device"), default=False)
    session_identified_by = models.CharField(
        _("identified at the session by"),
        max_length=16,
        blank=True,
        choices=IdentifiedBy.choices,
    )
    # The oath addendum signed in the same act, when the signer's office required one, and
    # the SHA-256 of its text as shown. The chain covers them only when set.
    addendum = models.ForeignKey(
        "OathAddendum",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("oath addendum signed"),
    )
    addendum_sha256 = models.CharField(
        _("SHA-256 of the oath addendum signed"), max_length=64, blank=True
    )
    # Signed in through an identity provider (the `sso` app): which one, as named then, the
    # issuer and subject it asserted, and the MFA method it claimed. Empty for every other
    # pledge; the chain covers these only when set, so older records keep their hash.
    sso_provider = models.CharField(_("identity provider"), max_length=150, blank=True)
    sso_issuer = models.CharField(_("issuer"), max_length=500, blank=True)
    sso_subject = models.CharField(_("subject"), max_length=255, blank=True)
    sso_mfa = models.CharField(_("MFA method claimed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["cycle", "office"], name="pledge_cycle_office_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cycle"],
                condition=Q(withdrawn_at__isnull=True),
                name="pledge_one_active_per_user_cycle",
            ),
            models.CheckConstraint(
                condition=~Q(session_reference="")
                | Q(session_shared_device=False, session_identified_by=""),
                name="pledge_session_details_need_session",
            ),
            models.CheckConstraint(
                condition=Q(addendum__isnull=True, addendum_sha256="")
                | (Q(addendum__isnull=False) & ~Q(addendum_sha256="")),
                name="pledge_addendum_with_its_hash",
            ),
            models.CheckConstraint(
                condition=~Q(sso_provider="") | Q(sso_issuer="", sso_subject="", sso_mfa=""),
                name="pledge_sso_details_need_provider",
            ),
        ]

    def __str__(self):
        return f"{self.signed_name} — {self.cycle}"

    @property
    def signed_name(self) -> str:
        """The typed signature; for a confidential signer it is kept beside the record."""
        if self.personal_erased("typed_name"):
            return str(CONFIDENTIAL_NAME)
        return self.personal_value("typed_name")

    @property
    def is_active(self):
        return self.withdrawn_at is None

    @property
    def code_display(self) -> str:
        """The verification code as printed: D2GJ-7WDC-7BD7-Z5YT."""
        return codes.format_code(self.verification_code)

    @property
    def account_name_if_different(self) -> str:
        """The account's name, to show beside the typed signature when the two differ."""
        account_name = self.personal_value("account_name")
        if account_name or self.name_mismatch or self.account_name_digest:
            return account_name if self.name_mismatch else ""
        # Signed before names were compared: the account's name now is the best evidence.
        account = self.user.full_name
        return "" if names_agree(self.typed_name, account) else account

    @property
    def signed_at_session(self) -> bool:
        return bool(self.session_reference)

    @property
    def signed_in_through_provider(self) -> bool:
        return bool(self.sso_provider)

    @property
    def sso_with_mfa(self) -> bool:
        return self.auth_method == self.AuthMethod.SSO_MFA

    @property
    def public_name(self) -> str:
        """The signer's name as the public reads it: "a confidential participant" for a
        confidential participant, else the typed name."""
        return str(CONFIDENTIAL_NAME) if self.user.is_confidential else self.signed_name


class PledgeWithdrawal(PersonalEvidenceMixin, models.Model):
    """The withdrawal of a pledge: a record of its own, chained like the pledges."""

    pledge = models.OneToOneField(
        Pledge, on_delete=models.PROTECT, related_name="withdrawal", verbose_name=_("pledge")
    )
    reason = models.TextField(_("reason"), max_length=1000)
    withdrawn_at = models.DateTimeField(_("withdrawn at (UTC)"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    auth_method = models.CharField(
        _("authentication"), max_length=16, choices=Pledge.AuthMethod.choices
    )
    sequence = models.PositiveBigIntegerField(_("position in the chain"), unique=True)
    previous_hash = models.CharField(_("hash of the previous record"), max_length=64)
    record_hash = models.CharField(_("hash of this record"), max_length=64, unique=True)
    chain_version = models.PositiveSmallIntegerField(
        _("canonical form"),
        choices=ChainVersion.choices,
        default=ChainVersion.RAW,
        help_text=_("Which rule this record's hash was computed under."),
    )
    ip_address_digest = models.CharField(_("salted SHA-256 of the IP address"), **_DIGEST)
    user_agent_digest = models.CharField(_("salted SHA-256 of the user agent"), **_DIGEST)

    class Meta:
        verbose_name = _("pledge withdrawal")
        verbose_name_plural = _("pledge withdrawals")
        ordering = ["-withdrawn_at"]

    def __str__(self):
        return f"{self.pledge} — {_('withdrawn')}"


class PledgeEvidence(models.Model):
    """The personal values a chained record commits to by salted digest, and their salts.

    Not part of the append-only chain: erasing a value and its salt leaves the record's hash
    as it was, and the value can no longer be confirmed against its digest.
    """

    pledge = models.OneToOneField(
        Pledge,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("pledge"),
    )
    withdrawal = models.OneToOneField(
        PledgeWithdrawal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("withdrawal"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    ip_address_salt = models.CharField(_("salt of the IP address"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    user_agent_salt = models.CharField(_("salt of the user agent"), max_length=64, blank=True)
    typed_name = models.CharField(_("typed name"), max_length=150, blank=True)
    typed_name_salt = models.CharField(_("salt of the typed name"), max_length=64, blank=True)
    account_name = models.CharField(_("name on the account"), max_length=150, blank=True)
    account_name_salt = models.CharField(_("salt of the account's name"), max_length=64, blank=True)
    erased_at = models.DateTimeField(_("last erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("pledge evidence")
        verbose_name_plural = _("pledge evidence")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(pledge__isnull=False, withdrawal__isnull=True)
                    | Q(pledge__isnull=True, withdrawal__isnull=False)
                ),
                name="pledge_evidence_one_record",
            ),
        ]

    def __str__(self):
        if self.pledge_id is not None:
            return _("evidence of pledge %(id)s") % {"id": self.pledge_id}
        return _("evidence of withdrawal %(id)s") % {"id": self.withdrawal_id}

    def is_erased(self, field: str) -> bool:
        return not getattr(self, f"{field}_salt")


class ChainHead(models.Model):
    """The last record of the pledge hash chain; locking this row serializes appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(_("last position"), default=0)
    record_hash = models.CharField(_("last hash"), max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("pledge chain head")
        verbose_name_plural = _("pledge chain head")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="pledge_chain_head_singleton"),
        ]

    def __str__(self):
        return f"#{self.sequence} {self.record_hash[:12]}"


class PledgeReminder(models.Model):
    """A reminder to sign, sent once per person, cycle and occasion (`key`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledge_reminders"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="pledge_reminders")
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, related_name="pledge_reminders"
    )
    key = models.CharField(_("occasion"), max_length=32)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    batch = models.UUIDField(_("batch"), db_index=True)

    class Meta:
        verbose_name = _("pledge reminder")
        verbose_name_plural = _("pledge reminders")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["cycle", "office"], name="pledge_reminder_office_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cycle", "key"], name="pledge_reminder_once_per_occasion"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.cycle} ({self.key})"


class LogLeaf(models.Model):
    """One chained record as a leaf of the public transparency log (`pledges.transparency`).

    Holds public fields only: the record's place, kind and hash, a digest of the pledge's
    verification code, the text's fingerprint and the time. Append-only, in chain order.
    """

    index = models.PositiveBigIntegerField(_("leaf index"), unique=True)
    sequence = models.PositiveBigIntegerField(_("position in the chain"), unique=True)
    code_sha256 = models.CharField(_("SHA-256 of the verification code"), max_length=64)
    data = models.TextField(_("leaf data (canonical JSON)"))
    leaf_hash = models.CharField(_("leaf hash"), max_length=64)

    class Meta:
        verbose_name = _("log leaf")
        verbose_name_plural = _("log leaves")
        ordering = ["index"]
        indexes = [models.Index(fields=["code_sha256"], name="log_leaf_code_idx")]

    def __str__(self):
        return f"#{self.index} {self.leaf_hash[:12]}"


class LogNode(models.Model):
    """The hash of a complete subtree of the log: leaves [index·2^level, (index+1)·2^level)."""

    level = models.PositiveSmallIntegerField(_("level"))
    index = models.PositiveBigIntegerField(_("index"))
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("log node")
        verbose_name_plural = _("log nodes")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="log_node_unique"),
            models.CheckConstraint(condition=Q(level__gte=1), name="log_node_above_leaves"),
        ]

    def __str__(self):
        return f"{self.level}/{self.index} {self.hash[:12]}"


class LogCheckpoint(models.Model):
    """A signed statement of the log's size and root hash at a moment (a signed note)."""

    tree_size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.CharField(_("root hash"), max_length=64)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    body = models.TextField(_("signed text"))
    key_id = models.CharField(_("key ID"), max_length=8)
    signature = models.CharField(_("signature (base64)"), max_length=100)

    class Meta:
        verbose_name = _("log checkpoint")
        verbose_name_plural = _("log checkpoints")
        ordering = ["-tree_size", "-published_at"]
        indexes = [models.Index(fields=["tree_size", "published_at"], name="log_checkpoint_idx")]

    def __str__(self):
        return f"{self.tree_size} {self.root_hash[:12]}"


ADDENDUM_TEXT_MAX = 20000


def validate_no_control_characters(value: str) -> None:
    """Refuses control characters other than line ends and tabs (NUL cannot be stored)."""
    if any((ord(ch) < 32 and ch not in "\r\n\t") or ch == "\x7f" for ch in value):
        raise ValidationError(_("The text cannot contain control characters."), code="control")


class OathAddendum(models.Model):
    """An office's or an association's own oath, signed in the same act as the pledge.

    Versioned per owner and immutable once published, like an edition: a new text is a new
    version, and publishing it retires the one before. Pledges keep the version they signed.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oath_addenda",
        verbose_name=_("office"),
    )
    association = models.ForeignKey(
        "accounts.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oath_addenda",
        verbose_name=_("association"),
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200, validators=[validate_name_text])
    text = models.TextField(
        _("text"),
        max_length=ADDENDUM_TEXT_MAX,
        validators=[
            MaxLengthValidator(ADDENDUM_TEXT_MAX),
            validate_visible_text,
            validate_no_control_characters,
        ],
    )
    language = models.CharField(
        _("language of the text"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    revision = models.PositiveIntegerField(
        _("revision"),
        default=1,
        help_text=_(
            "Raised by every change to the draft; a form from an older revision is refused."
        ),
    )
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("oath addendum")
        verbose_name_plural = _("oath addenda")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(office__isnull=False, association__isnull=True)
                | Q(office__isnull=True, association__isnull=False),
                name="oath_addendum_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "published", "retired"]),
                name="oath_addendum_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="oath_addendum_version_positive"
            ),
            # A published (or retired) text carries its fingerprint and the time it took effect.
            models.CheckConstraint(
                condition=Q(state="draft", published_at__isnull=True, text_sha256="")
                | (
                    Q(state__in=["published", "retired"], published_at__isnull=False)
                    & ~Q(text_sha256="")
                ),
                name="oath_addendum_published_has_hash",
            ),
            models.CheckConstraint(
                condition=Q(state="retired", retired_at__isnull=False)
                | (~Q(state="retired") & Q(retired_at__isnull=True)),
                name="oath_addendum_retired_when_retired",
            ),
            models.UniqueConstraint(
                fields=["office", "version"], name="oath_addendum_office_version_unique"
            ),
            models.UniqueConstraint(
                fields=["association", "version"],
                name="oath_addendum_association_version_unique",
            ),
            # One draft and one current published version per owner at a time.
            models.UniqueConstraint(
                fields=["office"], condition=Q(state="draft"), name="oath_addendum_one_office_draft"
            ),
            models.UniqueConstraint(
                fields=["association"],
                condition=Q(state="draft"),
                name="oath_addendum_one_association_draft",
            ),
            models.UniqueConstraint(
                fields=["office"],
                condition=Q(state="published"),
                name="oath_addendum_one_office_published",
            ),
            models.UniqueConstraint(
                fields=["association"],
                condition=Q(state="published"),
                name="oath_addendum_one_association_published",
            ),
        ]

    def __str__(self):
        return _("%(title)s, version %(version)s") % {"title": self.title, "version": self.version}

    @property
    def owner(self):
        """The office or the association that publishes this addendum."""
        return self.office if self.office_id is not None else self.association

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def is_retired(self) -> bool:
        return self.state == self.State.RETIRED


class AddendumRequirement(models.Model):
    """Which oath addendum an office's people sign with the pledge. No row: none."""

    class Source(models.TextChoices):
        NONE = "none", _("No oath addendum")
        OFFICE = "office", _("Our office's own oath addendum")
        ASSOCIATION = "association", _("Our association's oath addendum")

    office = models.OneToOneField(
        "accounts.Office",
        on_delete=models.PROTECT,
        related_name="addendum_requirement",
        verbose_name=_("office"),
    )
    source = models.CharField(
        _("oath addendum to sign"), max_length=16, choices=Source.choices, default=Source.NONE
    )
    association = models.ForeignKey(
        "accounts.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addendum_requirements",
        verbose_name=_("association"),
    )
    changed_at = models.DateTimeField(_("last changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("oath addendum requirement")
        verbose_name_plural = _("oath addendum requirements")
        constraints = [
            models.CheckConstraint(
                condition=Q(source="association", association__isnull=False)
                | Q(source__in=["none", "office"], association__isnull=True),
                name="addendum_requirement_association_when_chosen",
            ),
        ]

    def __str__(self):
        return f"{self.office} — {self.get_source_display()}"
