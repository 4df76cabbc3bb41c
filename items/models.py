from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from journal.models import JournalFields
from projects.models import ReleaseProject
from releasemgmt.limits import DESCRIPTION_MAX, at_most


def state_still_holds_items(*, name: str, count: int) -> str:
    """Why a state holding items may not be disabled, in the reader's language."""
    return ngettext(
        "“{name}” still holds {count} item; move it to another state before disabling it.",
        "“{name}” still holds {count} items; move them to another state before disabling it.",
        count,
    ).format(name=name, count=count)


class ReleaseStatus(models.Model):
    """One entry of the "Intranet Release Status" category table; ordered, may be disabled."""

    id = models.PositiveIntegerField(
        primary_key=True, help_text=_("The category id, e.g. 4500 for 0 - Developing.")
    )
    name = models.CharField(max_length=100, unique=True)
    position = models.IntegerField(default=0, db_index=True)
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    production = models.BooleanField(
        _("production state"),
        default=False,
        db_default=False,  # raw inserts (imports, SQL) get a non-production state
        help_text=_(
            "Moving an item into this state ships it: freeze windows, dependencies "
            "and release gates guard these states."
        ),
    )
    # Shown on the board's column; over it the count is flagged, nothing is refused.
    wip_limit = models.PositiveIntegerField(
        _("WIP limit"),
        null=True,
        blank=True,
        help_text=_(
            "How many items this state's column should hold at most (work in progress); "
            "the board flags a column over it. Empty: no limit."
        ),
    )

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("release state")
        verbose_name_plural = _("release states")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # An item must never vanish from the board into a disabled column.
        if not self.enabled and not self._state.adding:
            count = self.items.count()
            if count:
                raise ValidationError(
                    {"enabled": state_still_holds_items(name=self.name, count=count)}
                )


class Kind(models.TextChoices):
    CHANGE_REQUEST = "change_request", _("Change request")
    BUG = "bug", _("Bug")
    INCIDENT = "incident", _("Incident")
    PROBLEM = "problem", _("Problem")
    TASK = "task", _("Task")
    FEATURE = "feature", _("Feature")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")


class ItemJournalFields(JournalFields):
    """An item's journal row also keeps the state a move came from, and emergency flags."""

    from_status_id = models.PositiveIntegerField(null=True, blank=True)
    emergency = models.BooleanField(default=False)

    class Meta:
        abstract = True


CONTENT_FIELDS = ("kind", "title", "description", "external_key", "external_url")


class Change(models.Model):
    """What ships: an RfC, a bug or incident fix, a task... with its content, written once.

    A release includes a change through a ReleaseItem (the inclusion, with its own state,
    position and journal); one change may ship in several releases, like Jira's fix versions,
    and editing it edits it for every release that includes it.
    """

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHANGE_REQUEST)
    title = models.CharField(max_length=200)
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX, help_text=at_most(DESCRIPTION_MAX)
    )
    external_key = models.CharField(
        _("external key"),
        max_length=50,
        blank=True,
        help_text=_("Key in the tracker, e.g. JIRA-123."),
    )
    external_url = models.URLField(_("external URL"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["external_key"])]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        """The change's own identifier, the same in every release that includes it."""
        return change_key(self.pk)


CHANGE_KEY_PREFIX = "CH-"


def change_key(change_id: int | None) -> str:
    return f"{CHANGE_KEY_PREFIX}{change_id}"


class ReleaseItem(models.Model):
    """A change's inclusion in one release: its key there (PAY-12), state, position, priority,
    assignee, approval round and journal. The content lives on `change` (read through the
    properties below; write it with items.services.item_update)."""

    project = models.ForeignKey(ReleaseProject, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveIntegerField(editable=False)
    change = models.ForeignKey(
        Change, on_delete=models.PROTECT, related_name="inclusions", editable=False
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_release_items",
    )
    # Changed only by the status engine (items.engine).
    status = models.ForeignKey(
        ReleaseStatus, on_delete=models.PROTECT, related_name="items", editable=False
    )
    position = models.IntegerField(default=0, editable=False)
    # Bumped on every save; a form rendered with an older version is stale (409).
    version = models.PositiveIntegerField(default=1, editable=False)
    # The approval round: bumped by every state move and content edit. Approvals, sign-offs
    # and acceptance decisions count only for the round they were given in.
    round = models.PositiveIntegerField(default=1, editable=False)
    # A substantive edit after approvals or QA sign-off (items.engine.item_content_edited):
    # the gates it had passed reopen until its next forward move, and test runs from before
    # the edit no longer count.
    needs_reapproval = models.BooleanField(default=False, editable=False)
    edited_after_signoff_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who moved it into its current state: the requester of the next move's approvals.
    state_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[ItemJournalFields])

    class Meta:
        ordering = ["project", "status__position", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="unique_item_number"),
            models.UniqueConstraint(fields=["project", "change"], name="unique_change_per_release"),
        ]
        indexes = [models.Index(fields=["project", "status", "position"])]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("items:detail", kwargs={"code": self.project.code, "number": self.number})

    @property
    def key(self) -> str:
        """The human key, e.g. PAY-12 (needs `project` loaded)."""
        return f"{self.project.code}-{self.number}"

    @property
    def author_ids(self) -> set[int]:
        """Who wrote it (the change's author) and who put it in this release: segregation of
        duties keeps both from approving it."""
        return {u for u in (self.change.created_by_id, self.created_by_id) if u is not None}

    # The change's content, read as the item's own (select_related("change") in selectors).
    @property
    def kind(self) -> str:
        return self.change.kind

    @property
    def title(self) -> str:
        return self.change.title

    @property
    def description(self) -> str:
        return self.change.description

    @property
    def external_key(self) -> str:
        return self.change.external_key

    @property
    def external_url(self) -> str:
        return self.change.external_url

    def get_kind_display(self) -> str:
        return self.change.get_kind_display()


class Direction(models.TextChoices):
    FORWARD = "forward", _("Forward")
    BACK = "back", _("Back")


class TransitionRule(models.Model):
    """One move that exists between two release states, who may make it, and its gates.

    With no rules at all the installation keeps ]project-open['s simple policy (see
    items.policy); once rules exist, a move without a rule does not exist.
    """

    from_state = models.ForeignKey(
        ReleaseStatus, on_delete=models.CASCADE, related_name="rules_out"
    )
    to_state = models.ForeignKey(ReleaseStatus, on_delete=models.CASCADE, related_name="rules_in")
    direction = models.CharField(max_length=8, choices=Direction.choices, editable=False)
    roles = models.JSONField(
        default=list, help_text=_("Roles that may make this move (release managers always may).")
    )
    comment_required = models.BooleanField(default=False)
    approvals_required = models.PositiveSmallIntegerField(
        default=0, help_text=_("How many approvals the move needs first (0: none).")
    )
    approver_roles = models.JSONField(
        default=list, blank=True, help_text=_("Roles whose approvals count.")
    )
    rejection_blocks = models.BooleanField(
        default=True, help_text=_("One rejection blocks the move until it is withdrawn.")
    )
    requires_passing_tests = models.BooleanField(
        default=False, help_text=_("Every test case of the item has a passing latest run.")
    )
    requires_qa_signoff = models.BooleanField(default=False)
    requires_acceptance = models.BooleanField(
        default=False, help_text=_("An acceptance decision 'accepted' for this round.")
    )
    segregation_of_duties = models.BooleanField(
        default=True,
        help_text=_("Approvers and QA are not the item's author, assignee or requester."),
    )

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["from_state__position", "to_state__position"]
        constraints = [
            models.UniqueConstraint(fields=["from_state", "to_state"], name="unique_rule_per_move"),
            models.CheckConstraint(
                condition=~models.Q(from_state=models.F("to_state")), name="rule_changes_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_state_id} → {self.to_state_id}"

    @property
    def has_gates(self) -> bool:
        return bool(
            self.approvals_required
            or self.requires_passing_tests
            or self.requires_qa_signoff
            or self.requires_acceptance
        )


class WorkflowRevision(models.Model):
    """One row whose token changes with every change to the release states or the transition
    rules: a database trigger stamps it in the changing transaction (migration 0004), so
    workers can keep both in memory until it does (items.workflow)."""

    token = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"workflow revision {self.token}"
