"""Seals over the journal: each seal is a signed Merkle root over the leaf hashes of the
journal rows it covers, chained to the seal before it (docs/EVIDENCE.md).

All three tables are append-only like the journal itself (migration 0001 on PostgreSQL).
"""

from django.db import models


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
        default=False, help_text="Seals rows written before sealing began (their dates are old)."
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
