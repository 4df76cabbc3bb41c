"""API access tokens, the service accounts pipelines act as, and the journal of every use."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from journal.models import JournalFields
from releasemgmt.limits import COMMENT_MAX, at_most


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ServiceAccount(models.Model):
    """Marks a user as a machine (a CI pipeline, a webhook): it has no usable password, signs in
    only with its tokens, and acts through its own memberships of release projects."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_account"
    )
    description = models.TextField(
        blank=True, max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX)
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} (service account)"


class ApiToken(models.Model):
    """A bearer token for the API. Only the SHA-256 of the secret is kept: a database dump
    hands out no access. `prefix`, the secret's first characters, finds the row and names the
    token in lists and in the journal."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text=_("What it is for, e.g. “deploy pipeline”."))
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    # The digest stays out of the journal: it identifies the secret and says nothing to a reader.
    history = HistoricalRecords(bases=[JournalFields], excluded_fields=["digest"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def label(self) -> str:
        """How the journal names it: its name and prefix, never the secret."""
        return f"“{self.name}” ({self.prefix}…)"

    def is_active(self, *, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class ApiTokenUse(JournalFields):
    """One request made with a token: who acted, through which token, what they asked and how
    it was answered. Shaped like a journal row (journal.AccessChange), so it is append-only and
    sealed with the rest of the journal; the token is named by id, prefix and name as they were,
    so the row outlives the token."""

    history_id = models.BigAutoField(primary_key=True)
    history_date = models.DateTimeField(db_index=True)
    history_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history_change_reason = models.TextField(blank=True)
    token_id = models.BigIntegerField()
    token_prefix = models.CharField(max_length=16)
    token_name = models.CharField(max_length=100)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-history_date", "-history_id"]
        indexes = [models.Index(fields=["token_id", "-history_date"], name="api_use_token_date")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} with {self.token_prefix}…"
