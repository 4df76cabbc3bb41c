"""Columns every journal (django-simple-history) row carries beyond who, when and why."""

from django.db import models


class ChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    MOVED = "moved", "Moved"
    REORDERED = "reordered", "Reordered"
    REMOVED = "removed", "Removed"


class JournalFields(models.Model):
    """Abstract base of every historical model (passed as `HistoricalRecords(bases=...)`)."""

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    change_kind = models.CharField(max_length=12, choices=ChangeKind.choices, db_index=True)

    class Meta:
        abstract = True
