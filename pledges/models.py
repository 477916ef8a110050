import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class Pledge(models.Model):
    """An electronic signature of the pledge. Append-only; chained by hash to the previous one."""

    class AuthMethod(models.TextChoices):
        PASSWORD = "password", _("Password")
        MFA = "mfa", _("Password and second factor")
        PASSKEY = "passkey", _("Passkey")

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
        ]

    def __str__(self):
        return f"{self.typed_name} — {self.cycle}"

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
        if self.account_name or self.name_mismatch:
            return self.account_name if self.name_mismatch else ""
        # Signed before names were compared: the account's name now is the best evidence.
        account = self.user.full_name
        return "" if names_agree(self.typed_name, account) else account


class PledgeWithdrawal(models.Model):
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

    class Meta:
        verbose_name = _("pledge withdrawal")
        verbose_name_plural = _("pledge withdrawals")
        ordering = ["-withdrawn_at"]

    def __str__(self):
        return f"{self.pledge} — {_('withdrawn')}"


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
