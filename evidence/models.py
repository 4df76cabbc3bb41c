"""Seals over the journal: each seal is a signed Merkle root over the leaf hashes of the
journal rows it covers, chained to the seal before it (docs/EVIDENCE.md).

All three tables are append-only like the journal itself (migration 0001 on PostgreSQL).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SealSchema(models.Model):
    """Which columns of which journal table a seal's leaves cover, so a column added to a
    journal table later does not change the leaves of rows sealed before it."""

    digest = models.CharField(max_length=64, primary_key=True)
    tables = models.JSONField()

    def __str__(self) -> str:
        return self.digest[:12]


class Seal(models.Model):
    """One signed batch: `number` runs 1, 2, 3... without gaps, `previous` is the digest of
    seal number - 1, `root` the Merkle root of its rows' leaves in `position` order."""

    number = models.BigIntegerField(primary_key=True)
    sealed_at = models.DateTimeField()
    previous = models.CharField(max_length=64, blank=True)
    root = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    schema = models.ForeignKey(SealSchema, on_delete=models.PROTECT, related_name="+")
    backfill = models.BooleanField(
        default=False, help_text=_("Seals rows written before sealing began (their dates are old).")
    )
    key_id = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"seal {self.number}"


class SealedRow(models.Model):
    """A journal row covered by a seal: (table, row) is sealed exactly once."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="+")
    table = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    position = models.PositiveIntegerField()
    leaf = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table", "row_id"], name="sealed_row_once"),
            models.UniqueConstraint(fields=["seal", "position"], name="sealed_row_position"),
        ]

    def __str__(self) -> str:
        return f"{self.table} #{self.row_id}"


class EvidenceViewManager(models.Manager):
    """Rows read like every journal row on the journal pages: a read is its own kind of entry
    and has no reason. Annotations, not columns: nothing is stored that was never said."""

    def get_queryset(self) -> models.QuerySet:
        return (
            super()
            .get_queryset()
            .annotate(
                change_kind=models.Value("read", output_field=models.CharField()),
                history_change_reason=models.Value("", output_field=models.TextField()),
            )
        )


class EvidenceView(models.Model):
    """One look at a release's evidence (a pack downloaded as JSON, HTML or PDF): who, when,
    from where and what, written by evidence.audit_log so an auditor's reads are on record.

    Shaped like a journal row, so it is append-only (migration 0002) and sealed like one
    (evidence/journal_tables.py). The release and the reader are kept by number and name as
    they were, so the row outlives both and never needs an UPDATE.
    """

    history_id = models.BigAutoField(primary_key=True)
    history_date = models.DateTimeField(db_index=True)
    history_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_name = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    project_id = models.BigIntegerField()
    project_code = models.CharField(max_length=10)
    what = models.CharField(max_length=40, help_text=_("What was read, e.g. pack.json."))

    objects = EvidenceViewManager()

    class Meta:
        ordering = ["-history_date", "-history_id"]
        indexes = [
            # The release journal's keyset reads this release's newest rows first.
            models.Index(
                fields=["project_id", "-history_date", "-history_id"], name="evidence_view_keyset"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(who)s read %(what)s of %(code)s") % {
            "who": self.user_name or gettext("someone"),
            "what": self.what,
            "code": self.project_code,
        }
