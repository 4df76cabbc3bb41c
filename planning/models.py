"""Release planning: milestones of a release's schedule and freeze windows."""

import calendar
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from journal.models import JournalFields
from projects.models import ReleaseProject
from releasemgmt.limits import COMMENT_MAX, at_most


class Milestone(models.TextChoices):
    """A release's milestones, in the order they must come (the planned field has its name)."""

    DEVELOPMENT_START = "development_start", _("Development start")
    CODE_FREEZE = "code_freeze", _("Code freeze")
    QA_START = "qa_start", _("QA start")
    GO_LIVE_START = "go_live_start", _("Go-live window start")
    GO_LIVE_END = "go_live_end", _("Go-live window end")


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
    development_start = models.DateTimeField(_("development start"), null=True, blank=True)
    code_freeze = models.DateTimeField(_("code freeze"), null=True, blank=True)
    qa_start = models.DateTimeField(_("QA start"), null=True, blank=True)
    go_live_start = models.DateTimeField(_("go-live window start"), null=True, blank=True)
    go_live_end = models.DateTimeField(_("go-live window end"), null=True, blank=True)
    # Recorded by planning.schedule_actuals when they happen, never typed in.
    development_started_at = models.DateTimeField(
        _("development started"), null=True, blank=True, editable=False
    )
    code_frozen_at = models.DateTimeField(
        _("code freeze happened"), null=True, blank=True, editable=False
    )
    qa_started_at = models.DateTimeField(_("QA started"), null=True, blank=True, editable=False)
    went_live_at = models.DateTimeField(_("went live"), null=True, blank=True, editable=False)
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


# --- Freeze windows (issue 10) -------------------------------------------------------------

FREEZE_END_BEFORE_START = gettext_noop("A freeze window must end after it starts.")
FREEZE_ZERO_LENGTH = gettext_noop("A freeze window cannot start and end at the same moment.")
FREEZE_UNKNOWN_ZONE = gettext_noop(
    "“{zone}” is not a time zone name (use an IANA name such as Europe/Zurich)."
)
FREEZE_NEEDS_BY_KIND = {
    "one_off": gettext_noop("A one-off freeze window needs its {field}."),
    "weekly": gettext_noop("A weekly freeze window needs its {field}."),
    "annual": gettext_noop("A yearly freeze window needs its {field}."),
}
FREEZE_NO_SUCH_DAY = gettext_noop("{month}/{day} is not a day of the year.")


class FreezeKind(models.TextChoices):
    ONE_OFF = "one_off", _("One-off (from a date and time to a date and time)")
    WEEKLY = "weekly", _("Every week (from a weekday and time to a weekday and time)")
    ANNUAL = "annual", _("Every year (from a day and time to a day and time, e.g. 20 Dec to 3 Jan)")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(gettext(FREEZE_UNKNOWN_ZONE).format(zone=value)) from None


class FreezeWindow(models.Model):
    """A time in which nothing moves into a production state (planning.freezes computes its
    occurrences; the freeze gate of the move policy enforces it). Defined by administrators."""

    name = models.CharField(max_length=100)
    project = models.ForeignKey(
        ReleaseProject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="freeze_windows",
        help_text=_("Leave empty for an installation-wide freeze."),
    )
    kind = models.CharField(max_length=8, choices=FreezeKind.choices, default=FreezeKind.ONE_OFF)
    time_zone = models.CharField(
        max_length=64,
        default="Europe/Zurich",
        validators=[validate_time_zone],
        help_text=_(
            "The IANA zone the recurring times are wall-clock times in (e.g. "
            "Europe/Zurich); a one-off window's times are shown in it."
        ),
    )
    # One-off: two moments.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # Weekly: two weekdays; annual: two days of the year. Both: two wall-clock times.
    start_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    end_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    start_month = models.PositiveSmallIntegerField(null=True, blank=True)
    start_day = models.PositiveSmallIntegerField(null=True, blank=True)
    end_month = models.PositiveSmallIntegerField(null=True, blank=True)
    end_day = models.PositiveSmallIntegerField(null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    reason = models.TextField(blank=True, max_length=COMMENT_MAX, help_text=at_most(COMMENT_MAX))
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="one_off") | models.Q(ends_at__gt=models.F("starts_at")),
                name="freeze_one_off_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> str:
        return self.project.code if self.project_id else "installation-wide"

    def clean(self) -> None:
        required = {
            FreezeKind.ONE_OFF: ("starts_at", "ends_at"),
            FreezeKind.WEEKLY: ("start_weekday", "start_time", "end_weekday", "end_time"),
            FreezeKind.ANNUAL: (
                "start_month",
                "start_day",
                "start_time",
                "end_month",
                "end_day",
                "end_time",
            ),
        }.get(self.kind, ())
        missing = [name for name in required if getattr(self, name) is None]
        if missing:
            needs = gettext(FREEZE_NEEDS_BY_KIND.get(self.kind, FREEZE_NEEDS_BY_KIND["annual"]))
            raise ValidationError(
                {n: needs.format(field=self._meta.get_field(n).verbose_name) for n in missing}
            )
        if self.kind == FreezeKind.ONE_OFF and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": gettext(FREEZE_END_BEFORE_START)})
        if self.kind == FreezeKind.WEEKLY and (self.start_weekday, self.start_time) == (
            self.end_weekday,
            self.end_time,
        ):
            raise ValidationError({"end_time": gettext(FREEZE_ZERO_LENGTH)})
        if self.kind == FreezeKind.ANNUAL:
            for month, day, field in (
                (self.start_month, self.start_day, "start_day"),
                (self.end_month, self.end_day, "end_day"),
            ):
                # 29 February is refused: a yearly window must occur every year.
                if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2001, month)[1]:
                    message = gettext(FREEZE_NO_SUCH_DAY).format(month=month, day=day)
                    raise ValidationError({field: message})
            if (self.start_month, self.start_day, self.start_time) == (
                self.end_month,
                self.end_day,
                self.end_time,
            ):
                raise ValidationError({"end_time": gettext(FREEZE_ZERO_LENGTH)})
