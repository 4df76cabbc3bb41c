"""QA evidence on release items: test cases, their runs, sign-offs and acceptance decisions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals.sod import sod_checks_said
from items.models import ReleaseItem
from journal.models import JournalFields
from releasemgmt.limits import COMMENT_MAX, EXPECTED_RESULT_MAX, TEST_STEPS_MAX, at_most


class TestCase(models.Model):
    __test__ = False  # not a pytest test class, despite the name
    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="test_cases")
    title = models.CharField(max_length=200)
    steps = models.TextField(
        blank=True, max_length=TEST_STEPS_MAX, help_text=at_most(TEST_STEPS_MAX)
    )
    expected_result = models.TextField(
        blank=True, max_length=EXPECTED_RESULT_MAX, help_text=at_most(EXPECTED_RESULT_MAX)
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Retired, never deleted: its runs are evidence. A retired case no longer counts for the
    # QA gate and leaves the item page; the journal and the evidence pack keep it.
    retired_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Result(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    BLOCKED = "blocked", _("Blocked")


class TestRun(models.Model):
    __test__ = False
    test_case = models.ForeignKey(TestCase, on_delete=models.CASCADE, related_name="runs")
    result = models.CharField(max_length=8, choices=Result.choices)
    note = models.TextField(blank=True, max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX))
    evidence_url = models.URLField(_("evidence link"), blank=True)
    tester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["test_case", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_result_display()} by {self.tester}"


class QASignoff(models.Model):
    """A QA tester's sign-off of an item, valid for the round it was given in."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="qa_signoffs")
    round = models.PositiveIntegerField()
    tester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True, max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX))
    sod_checks = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "round", "tester"], name="one_signoff_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"QA sign-off by {self.tester}"

    @property
    def sod_checks_said(self) -> str:
        """The stored checks in the reader's language."""
        return sod_checks_said(self.sod_checks)


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class AcceptanceDecision(models.Model):
    """The acceptance test's outcome: accepted or rejected, by whom, when, why."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="acceptances")
    round = models.PositiveIntegerField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX))
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.decided_by}"
