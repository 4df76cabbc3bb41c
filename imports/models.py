"""The receipt of each confirmed item import: which file, by whom, into which release, what it
did. The items' own journal rows name the receipt in their reason ("Import #7 (x.csv), line 4")."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from journal.models import JournalFields
from projects.models import ReleaseProject


class ItemImport(models.Model):
    project = models.ForeignKey(ReleaseProject, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    # The preview's token: a confirm of the same preview twice imports once (409 the second time).
    nonce = models.CharField(max_length=32, unique=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    moved = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.file_name})"
