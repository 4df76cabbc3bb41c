"""Votes on moves and on releases, and the emergency moves that skipped them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals.sod import sod_checks_said
from items.models import ReleaseItem, ReleaseStatus
from journal.models import JournalFields
from projects.models import ReleaseProject
from releasemgmt.limits import COMMENT_MAX, at_most


class Vote(models.TextChoices):
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")


class Approval(models.Model):
    """One approver's vote on moving an item from one state to another, in one round."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="approvals")
    from_state = models.ForeignKey(ReleaseStatus, on_delete=models.PROTECT, related_name="+")
    to_state = models.ForeignKey(ReleaseStatus, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals"
    )
    vote = models.CharField(max_length=8, choices=Vote.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX))
    # Which segregation-of-duties checks this vote passed, for the auditor.
    sod_checks = models.CharField(max_length=200, blank=True)
    withdrawn = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "from_state", "to_state", "round", "approver"],
                condition=models.Q(withdrawn=False),
                name="one_live_vote_per_approver_and_round",
            )
        ]
        indexes = [models.Index(fields=["item", "round"])]

    def __str__(self) -> str:
        return f"{self.get_vote_display()} by {self.approver} on item {self.item_id}"

    @property
    def sod_checks_said(self) -> str:
        """The stored checks in the reader's language."""
        return sod_checks_said(self.sod_checks)


class ReleaseApproval(models.Model):
    """Management approval of a release project, needed before it leaves planning."""

    project = models.ForeignKey(
        ReleaseProject, on_delete=models.CASCADE, related_name="release_approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="release_approvals"
    )
    vote = models.CharField(max_length=8, choices=Vote.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX))
    withdrawn = models.BooleanField(default=False)
    # Set when the release goes back to planning: it needs a new round of approval.
    voided = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "approver"],
                condition=models.Q(withdrawn=False, voided=False),
                name="one_live_release_vote_per_approver_and_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_vote_display()} by {self.approver} for {self.project_id}"


class EmergencyMove(models.Model):
    """A release manager's forced move past a rule's gates; approvals are owed afterwards."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="emergencies")
    from_state = models.ForeignKey(ReleaseStatus, on_delete=models.PROTECT, related_name="+")
    to_state = models.ForeignKey(ReleaseStatus, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField(
        help_text=_("The round the missing approvals are owed for.")
    )
    approvals_required = models.PositiveSmallIntegerField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.TextField(max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX))
    blockers = models.TextField(help_text=_("What the rule would have blocked on."))
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Emergency move of item {self.item_id} by {self.moved_by}"
