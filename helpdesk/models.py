"""Help-desk tickets (incidents, problems) and the release and change that caused them, and the
change that fixes them: the links the KPIs "issues caused per release" and "new versus fixed"
count (docs/MEASUREMENT.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from items.models import Change
from journal.models import JournalFields
from projects.models import ReleaseProject


class TicketKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    PROBLEM = "problem", _("Problem")


class Ticket(models.Model):
    """A help-desk ticket, known by the help desk's own reference (the import key).

    "Caused by" names a release, and optionally the change of that release that caused it
    (the change must be included in that release: helpdesk.services checks it, since one
    change may ship in several releases). "Fixed by" names the change that fixes it.
    """

    reference = models.CharField(
        max_length=50, unique=True, help_text=_("The help desk's own id, e.g. INC-1042.")
    )
    kind = models.CharField(max_length=12, choices=TicketKind.choices, default=TicketKind.INCIDENT)
    title = models.CharField(max_length=200)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    caused_by_release = models.ForeignKey(
        ReleaseProject,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caused_tickets",
    )
    caused_by_change = models.ForeignKey(
        Change, null=True, blank=True, on_delete=models.PROTECT, related_name="caused_tickets"
    )
    fixed_by_change = models.ForeignKey(
        Change, null=True, blank=True, on_delete=models.PROTECT, related_name="fixed_tickets"
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

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # A change alone says nothing: which of its releases caused the ticket?
            models.CheckConstraint(
                condition=Q(caused_by_change__isnull=True) | Q(caused_by_release__isnull=False),
                name="ticket_cause_change_needs_release",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("opened_at")),
                name="ticket_resolved_after_opened",
            ),
        ]
        indexes = [
            models.Index(fields=["caused_by_release", "opened_at"], name="ticket_release_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("helpdesk:detail", kwargs={"pk": self.pk})
