from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from journal.models import JournalFields
from projects.roles import Role
from releasemgmt.limits import DESCRIPTION_MAX, at_most


class Lifecycle(models.TextChoices):
    PLANNING = "planning", _("Planning")
    IN_PROGRESS = "in_progress", _("In progress")
    RELEASED = "released", _("Released")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# A release in these stages is read-only for its items (no new items, moves, edits, removals,
# votes or QA records) until a release manager reopens it with a reason (releases app).
READ_ONLY_STAGES = frozenset({Lifecycle.RELEASED, Lifecycle.CLOSED, Lifecycle.CANCELLED})
RELEASE_READ_ONLY = _("Release {code} is {stage}: reopen it to change items.")


CODE_RESERVED = _(
    "The code {code} belonged to a release project that was deleted; codes are never reused, "
    "so that its item keys keep naming one item each. Choose another."
)

code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}$",
    _("Use 2 to 10 capital letters or digits, starting with a letter (e.g. PAY)."),
)


class ReleaseProject(models.Model):
    name = models.CharField(max_length=200)
    code = models.CharField(
        max_length=10,
        unique=True,
        validators=[code_validator],
        help_text=_("Short code that prefixes item keys (PAY-12). Cannot be changed later."),
    )
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX, help_text=at_most(DESCRIPTION_MAX)
    )
    planned_release_date = models.DateField(null=True, blank=True)
    actual_release_date = models.DateField(null=True, blank=True)
    release_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_releases",
    )
    lifecycle = models.CharField(
        max_length=20, choices=Lifecycle.choices, default=Lifecycle.PLANNING, db_index=True
    )
    release_approvals_required = models.PositiveSmallIntegerField(
        default=1,
        help_text=_("Approvals by the project's approvers needed before it leaves planning."),
    )
    # Item numbers are never reused, even after an item is removed.
    next_item_number = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[JournalFields], excluded_fields=["next_item_number"])

    class Meta:
        ordering = ["code"]
        # The auditor role (projects/auditors.py): given through the group migration 0005 makes.
        permissions = [
            ("audit_all_releases", "Can read every release, its journal and evidence (auditor)")
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"code": self.code})

    @property
    def read_only_reason(self) -> str:
        """Why its items cannot change now (empty: they can)."""
        if self.lifecycle not in READ_ONLY_STAGES:
            return ""
        stage = Lifecycle(self.lifecycle).label.lower()
        return RELEASE_READ_ONLY.format(code=self.code, stage=stage)

    def clean(self) -> None:
        # Here, not only in the portal's form, so that the admin refuses a reserved code too.
        from projects.selectors import project_code_reserved  # selectors import this module

        if self._state.adding and self.code and project_code_reserved(code=self.code):
            raise ValidationError({"code": CODE_RESERVED.format(code=self.code)})


class ReleaseMember(models.Model):
    project = models.ForeignKey(ReleaseProject, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="release_memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="unique_member_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.project.code}"
