"""Release planning: milestones of a release's schedule and freeze windows."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from journal.models import JournalFields
from projects.models import ReleaseProject


class Milestone(models.TextChoices):
    """A release's milestones, in the order they must come (the planned field has its name)."""

    DEVELOPMENT_START = "development_start", "Development start"
    CODE_FREEZE = "code_freeze", "Code freeze"
    QA_START = "qa_start", "QA start"
    GO_LIVE_START = "go_live_start", "Go-live window start"
    GO_LIVE_END = "go_live_end", "Go-live window end"


# The actual date the system records for each milestone (docs/PLANNING.md says which event).
ACTUAL_FIELDS = {
    Milestone.DEVELOPMENT_START: "development_started_at",
    Milestone.CODE_FREEZE: "code_frozen_at",
    Milestone.QA_START: "qa_started_at",
    Milestone.GO_LIVE_START: "went_live_at",
}


class ReleaseSchedule(models.Model):
    """A release's planned milestones (edited by its release manager) and the actual dates the
    system recorded when they happened."""

    project = models.OneToOneField(
        ReleaseProject, on_delete=models.CASCADE, related_name="schedule"
    )
    development_start = models.DateTimeField("development start", null=True, blank=True)
    code_freeze = models.DateTimeField("code freeze", null=True, blank=True)
    qa_start = models.DateTimeField("QA start", null=True, blank=True)
    go_live_start = models.DateTimeField("go-live window start", null=True, blank=True)
    go_live_end = models.DateTimeField("go-live window end", null=True, blank=True)
    # Recorded by planning.schedule_actuals when they happen, never typed in.
    development_started_at = models.DateTimeField(
        "development started", null=True, blank=True, editable=False
    )
    code_frozen_at = models.DateTimeField(
        "code freeze happened", null=True, blank=True, editable=False
    )
    qa_started_at = models.DateTimeField("QA started", null=True, blank=True, editable=False)
    went_live_at = models.DateTimeField("went live", null=True, blank=True, editable=False)
    # Bumped by each edit of the plan: the iCal events' SEQUENCE, so clients take the update.
    revision = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(go_live_start__isnull=True, go_live_end__isnull=True)
                | models.Q(go_live_end__gt=models.F("go_live_start")),
                name="go_live_window_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"Schedule of {self.project_id}"


class CalendarFeed(models.Model):
    """A user's secret iCal feed address. Only a SHA-256 of the token is kept: the address is
    shown once, when it is made; regenerating or revoking it replaces or deletes this row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields], excluded_fields=["token_hash"])

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
