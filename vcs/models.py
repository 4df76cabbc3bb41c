"""Webhooks from GitHub and GitLab, the deliveries they sent, and the commits and merge requests
linked to release items (docs/INTEGRATIONS.md)."""

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from items.models import ReleaseItem
from journal.models import JournalFields

SECRET_MIN = 20


class Provider(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"


class Webhook(models.Model):
    """One webhook configured in a GitHub or GitLab repository (or group), kept by
    administrators. Deliveries are authenticated by `secret`; moves are made as
    `service_account`, with that account's role in each release."""

    name = models.CharField(max_length=100, unique=True, help_text=_("E.g. payments-service."))
    provider = models.CharField(max_length=10, choices=Provider.choices)
    # GitHub: the HMAC key of X-Hub-Signature-256; GitLab: the X-Gitlab-Token value. Both
    # providers need it as typed, so it is stored as is (and never shown again in the admin).
    secret = models.CharField(
        max_length=200,
        validators=[MinLengthValidator(SECRET_MIN)],
        help_text=format_lazy(
            _(
                "The webhook's secret (GitHub) or secret token (GitLab), at least {count} "
                "characters."
            ),
            count=SECRET_MIN,
        ),
    )
    service_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Links are made in the releases this account is a member of; “Fixes” moves "
            "are made as this account, with its role there."
        ),
    )
    active = models.BooleanField(default=True, help_text=_("An inactive webhook answers 404."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"


class Outcome(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (event not used)")


class Delivery(models.Model):
    """One delivery received with a valid signature: recorded once per delivery id."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=100)
    event = models.CharField(max_length=50)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    summary = models.TextField(blank=True)
    # The closing references' move requests: [{"item", "ref", "outcome", "reason"}].
    moves = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["webhook", "delivery_id"], name="unique_delivery")
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"


class LinkKind(models.TextChoices):
    COMMIT = "commit", _("Commit")
    MERGE_REQUEST = "merge_request", _("Merge request")


class MoveOutcome(models.TextChoices):
    MOVED = "moved", _("Moved")
    REFUSED = "refused", _("Refused")
    ALREADY = "already", _("Already moved")


class VcsLink(models.Model):
    """A commit or merge request (pull request) that names an item's key, as the provider
    described it; journaled, so it shows in the item's and the release's journal."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="vcs_links")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    kind = models.CharField(max_length=15, choices=LinkKind.choices)
    repository = models.CharField(max_length=200)
    ref = models.CharField(_("commit id or number"), max_length=64)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    happened_at = models.DateTimeField(_("when"), null=True, blank=True)
    branch = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=20, blank=True, help_text=_("Merge requests: its state."))
    # A closing reference ("Fixes PAY-12") on the default branch requests one move forward.
    move_verb = models.CharField(_("closing verb"), max_length=20, blank=True)
    move_outcome = models.CharField(max_length=10, choices=MoveOutcome.choices, blank=True)
    move_reason = models.TextField(blank=True)
    # The item's approval round after the move: a later closing reference while the item is
    # still in that round (not moved or edited since) is "already moved".
    move_round = models.PositiveIntegerField(null=True, blank=True)
    # PROTECT: a webhook that linked something is deactivated, never deleted (a SET_NULL would
    # rewrite journaled rows without a journal row).
    webhook = models.ForeignKey(
        Webhook, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("commit or merge request link")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "provider", "repository", "kind", "ref"], name="unique_vcs_link"
            )
        ]
        indexes = [models.Index(fields=["item", "-created_at"], name="vcs_link_item_newest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.short_ref} → item {self.item_id}"

    @property
    def short_ref(self) -> str:
        """abc1234 for a commit, !12 for a merge request (GitLab), #12 for a pull request."""
        if self.kind == LinkKind.COMMIT:
            return self.ref[:7]
        return f"!{self.ref}" if self.provider == Provider.GITLAB else f"#{self.ref}"
