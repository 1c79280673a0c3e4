"""WHO deliberates: panels, their members and the vendor credentials they use."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from panels import quorum
from panels.providers.base import MemberSpec
from panels.snapshot import MemberSnapshot, PanelSnapshot, as_agreement_level, as_dissent_action


class AgreementLevel(models.TextChoices):
    CATEGORY = "category", "ICD-10-CM category (3 characters)"
    CODE = "code", "Full ICD-10-CM code"


class ProviderKind(models.TextChoices):
    BUILTIN = "builtin", "Offline reference engine (DDXPlus)"
    OPENAI = "openai", "OpenAI or OpenAI-compatible"
    ANTHROPIC = "anthropic", "Anthropic"


class FaultMode(models.TextChoices):
    NONE = "", "None (honest)"
    CRASH = "crash", "Crash on every call"
    HANG = "hang", "Hang until timed out"
    GARBAGE = "garbage", "Return garbage"
    WRONG = "wrong", "Answer a chosen wrong diagnosis"
    COLLUDE = "collude", "Collude with other faulty members on one target"
    SELF_VOTE = "self_vote", "Always vote for its own proposal"
    OUT_OF_RANGE = "out_of_range", "Vote for a ballot letter that does not exist"


def _fernet() -> MultiFernet:
    keys = list(settings.CREDENTIAL_KEYS)
    if not keys:
        digest = hashlib.sha256(f"credentials:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


class ProviderCredential(models.Model):
    """A vendor API key, encrypted at rest with Fernet; only its last 4 characters are shown."""

    name = models.CharField(max_length=100, unique=True)
    vendor = models.CharField(max_length=20, choices=ProviderKind.choices)
    encrypted_key = models.BinaryField(editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.last4})"

    def set_key(self, plaintext: str) -> None:
        plaintext = plaintext.strip()
        if not plaintext:
            raise ValidationError("The API key is empty.")
        self.encrypted_key = _fernet().encrypt(plaintext.encode())
        self.last4 = plaintext[-4:]

    def reencrypt(self) -> None:
        """Re-encrypt the stored key with the newest of CREDENTIAL_KEYS (MultiFernet.rotate),
        without revealing it. Raises ValidationError if no configured key opens it."""
        try:
            self.encrypted_key = _fernet().rotate(bytes(self.encrypted_key))
        except InvalidToken:
            raise ValidationError(
                f"Credential {self.name!r} cannot be decrypted with the configured CREDENTIAL_KEYS."
            ) from None

    def reveal(self) -> str:
        """The plaintext key, for the provider call only. Raises ValidationError if the
        encryption keys no longer open it."""
        try:
            return _fernet().decrypt(bytes(self.encrypted_key)).decode()
        except InvalidToken:
            raise ValidationError(
                f"Credential {self.name!r} cannot be decrypted with the configured CREDENTIAL_KEYS."
            ) from None


class DissentAction(models.TextChoices):
    FLAG = "flag", "Show a flag on the consensus"
    ESCALATE = "escalate", "Show the flag and send the case to human review"


class Panel(models.Model):
    """A named group of n agents that decides with quorum q while tolerating f faults."""

    name = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    n = models.PositiveSmallIntegerField(default=5, help_text="Number of members.")
    q = models.PositiveSmallIntegerField(default=3, help_text="Votes needed to decide.")
    f = models.PositiveSmallIntegerField(default=2, help_text="Faulty members tolerated.")
    agreement_level = models.CharField(
        max_length=10, choices=AgreementLevel.choices, default=AgreementLevel.CATEGORY
    )
    early_abort = models.BooleanField(
        default=True, help_text="Skip Round 2 when every Round 1 proposal agrees with quorum."
    )
    early_decision = models.BooleanField(
        default=True, help_text="Cancel outstanding votes once the outcome is settled."
    )
    grace_period_s = models.FloatField(
        default=2.0, help_text="Seconds the slowest members get once n - f answers are in."
    )
    member_timeout_s = models.FloatField(default=60.0, help_text="Default per-call timeout.")
    min_confidence = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=(
            "Round 1 proposals below this confidence (0-100) count as abstentions and are "
            "not put on the Round 2 ballot. Set by `manage.py calibrate`."
        ),
    )
    calibration = models.JSONField(
        default=dict,
        blank=True,
        help_text="Provenance of the calibrated threshold (cases file, sha256, n, alpha, delta).",
    )
    audit_rate = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share (0-1) of consensus cases also sent to the queue as random audits.",
    )
    dissent_action = models.CharField(
        max_length=10,
        choices=DissentAction.choices,
        default=DissentAction.FLAG,
        help_text="What a confident dissent naming a high-severity condition does.",
    )
    is_default = models.BooleanField(default=False)
    offered_to_clinicians = models.BooleanField(
        default=False,
        help_text="Clinicians may choose this panel for a new case (the default panel always is).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(q__gt=models.F("n") / 2.0), name="panel_quorum_is_majority"
            ),
            models.CheckConstraint(
                condition=models.Q(q__gt=models.F("f")), name="panel_quorum_exceeds_faults"
            ),
            models.CheckConstraint(
                condition=models.Q(n__gte=models.F("q") + models.F("f")),
                name="panel_honest_members_can_decide",
            ),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_panel"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rules(self) -> quorum.QuorumRules:
        return quorum.QuorumRules(n=self.n, q=self.q, f=self.f)

    def clean(self) -> None:
        try:
            quorum.validate(self.n, self.q, self.f)
        except quorum.QuorumError as exc:
            raise ValidationError(str(exc)) from None
        if self.grace_period_s < 0 or self.member_timeout_s <= 0:
            raise ValidationError("Timeouts must be positive and the grace period not negative.")

    def check_ready(self) -> None:
        """Raise ValidationError unless this panel can deliberate: valid rules and exactly n
        members."""
        self.clean()
        count = self.members.count()
        if count != self.n:
            raise ValidationError(
                f"Panel {self.name!r} is configured for n={self.n} members but has {count}."
            )

    def snapshot(self) -> PanelSnapshot:
        """A frozen copy of the panel and its members, stored with each deliberation (as
        ``.to_json()``) so later edits never change a past one."""
        return PanelSnapshot(
            panel_id=self.pk,
            name=self.name,
            n=self.n,
            q=self.q,
            f=self.f,
            agreement_level=as_agreement_level(self.agreement_level),
            early_abort=self.early_abort,
            early_decision=self.early_decision,
            grace_period_s=self.grace_period_s,
            member_timeout_s=self.member_timeout_s,
            min_confidence=self.min_confidence,
            audit_rate=self.audit_rate,
            dissent_action=as_dissent_action(self.dissent_action),
            members=tuple(m.snapshot() for m in self.members.order_by("position", "id")),
        )


class PanelMember(models.Model):
    """One agent seat on a panel: which provider and model answers, and how."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(default=0)
    alias = models.CharField(max_length=40)
    provider = models.CharField(max_length=20, choices=ProviderKind.choices)
    model_name = models.CharField(max_length=100, blank=True)
    base_url = models.URLField(blank=True, help_text="For OpenAI-compatible endpoints.")
    credential = models.ForeignKey(
        ProviderCredential, null=True, blank=True, on_delete=models.PROTECT
    )
    temperature = models.FloatField(default=0.3, help_text="Round 1 temperature.")
    vote_temperature = models.FloatField(default=0.2, help_text="Round 2 temperature.")
    max_tokens = models.PositiveIntegerField(default=1024)
    timeout_s = models.FloatField(null=True, blank=True, help_text="Empty: the panel default.")
    system_prompt = models.TextField(blank=True)
    options = models.JSONField(default=dict, blank=True)
    fault_mode = models.CharField(
        max_length=20, choices=FaultMode.choices, default=FaultMode.NONE, blank=True
    )
    fault_target = models.CharField(
        max_length=200, blank=True, help_text="Diagnosis that wrong/colluding members push."
    )

    class Meta:
        ordering = ["panel", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "alias"], name="unique_member_alias"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} ({self.provider}{'/' + self.model_name if self.model_name else ''})"

    def snapshot(self) -> MemberSnapshot:
        """This member as a panel snapshot freezes it, with today's prices."""
        prices = ModelPrice.frozen(self.provider, self.model_name)
        timeout_s = self.timeout_s if self.timeout_s is not None else self.panel.member_timeout_s
        spec = MemberSpec(
            alias=self.alias,
            provider=self.provider,
            model=self.model_name,
            temperature=self.temperature,
            vote_temperature=self.vote_temperature,
            max_tokens=self.max_tokens,
            timeout_s=timeout_s,
            system_prompt=self.system_prompt,
            base_url=self.base_url,
            options=self.options,
            fault_mode=self.fault_mode,
            fault_target=self.fault_target,
            input_price_per_mtok=prices["input_price_per_mtok"],
            output_price_per_mtok=prices["output_price_per_mtok"],
        )
        return MemberSnapshot(spec, member_id=self.pk, credential_id=self.credential_id)


def member_spec(data: Mapping[str, Any]) -> MemberSpec:
    """Rebuild a MemberSpec from a stored snapshot entry (see :class:`MemberSnapshot`)."""
    return MemberSnapshot.from_json(data).spec


class ModelPrice(models.Model):
    """What a vendor charges for one model, in USD per million tokens, edited by
    administrators. A deliberation freezes the prices into its snapshot when it is created,
    so later edits never change what a past deliberation cost."""

    provider = models.CharField(max_length=20, choices=ProviderKind.choices)
    model_name = models.CharField(max_length=100)
    input_usd_per_mtok = models.DecimalField(
        max_digits=10, decimal_places=4, help_text="USD per million input (prompt) tokens."
    )
    output_usd_per_mtok = models.DecimalField(
        max_digits=10, decimal_places=4, help_text="USD per million output tokens."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "model_name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "model_name"], name="unique_model_price"),
            models.CheckConstraint(
                condition=models.Q(input_usd_per_mtok__gte=0, output_usd_per_mtok__gte=0),
                name="model_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.model_name}"

    @classmethod
    def frozen(cls, provider: str, model_name: str) -> dict[str, float | None]:
        """The snapshot fields for ``provider``/``model_name``: both prices, or None each
        when the table has no row (the member's calls then cost 0)."""
        price = cls.objects.filter(provider=provider, model_name=model_name).first()
        return {
            "input_price_per_mtok": float(price.input_usd_per_mtok) if price else None,
            "output_price_per_mtok": float(price.output_usd_per_mtok) if price else None,
        }
