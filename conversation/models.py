"""Comments and attachments on a release item (an inclusion: docs/WORKPLACE.md says why)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from items.models import ReleaseItem
from journal.models import JournalFields

COMMENT_MAX = 10_000  # characters of Markdown: room for any real discussion, not a document


class Comment(models.Model):
    """One comment, append-only: a correction is a new comment, so the discussion reads as it
    happened. The Markdown is rendered once, when it is written (conversation.markdown)."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX, help_text=_("Markdown (CommonMark)."))
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["item", "-created_at"], name="comment_item_newest")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on item {self.item_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Never a name the uploader chose: a random name under the item's folder.
    return f"attachments/{instance.item_id}/{instance.storage_name}"


class Attachment(models.Model):
    """A file attached to an item, kept by Django's storage; served only by
    conversation.views.attachment_download (never from MEDIA_URL)."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    storage_name = models.CharField(max_length=64, editable=False)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["item", "-created_at"], name="attachment_item_newest")]

    def __str__(self) -> str:
        return self.name


class WatchChange(JournalFields):
    """One watch of an item started or stopped (notifications' Watch rows keep no history):
    shaped like a journal row, append-only, written by conversation.receivers. The item and
    the watcher are plain ids with the name as it was, so the row outlives both."""

    history_id = models.BigAutoField(primary_key=True)
    history_date = models.DateTimeField(default=timezone.now, db_index=True)
    history_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history_change_reason = models.TextField(blank=True)
    # No constraint: the item may be removed; the journal row stays (like the historical rows).
    item = models.ForeignKey(
        ReleaseItem, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    watcher_id = models.BigIntegerField()
    watcher_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["-history_date", "-history_id"]
        indexes = [models.Index(fields=["item", "-history_date"], name="watchchange_item_newest")]

    def __str__(self) -> str:
        return f"{self.watcher_name} {self.get_change_kind_display().lower()} a watch"
