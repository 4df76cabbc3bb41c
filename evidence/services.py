"""Writing seals: the sealer takes journal rows no seal covers yet, hashes each row's canonical
content into a leaf, and writes a signed seal over their Merkle root, chained to the seal
before it. Serialised by an advisory lock, so seal numbers and the chain never fork."""

import hashlib
from collections.abc import Iterator
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from evidence.crypto import (
    canonical,
    key_id_of,
    leaf_hash,
    merkle_root,
    schema_digest,
    seal_document,
    signing_key,
)
from evidence.journal_tables import JournalTable, journal_tables
from evidence.models import Seal, SealedRow, SealSchema

# One key for every sealer of the database; pg_advisory_xact_lock frees it at commit.
SEAL_LOCK_KEY = 0x5EA1_0F_70_124A1
# A seal covers at most this many rows: a backfill of millions becomes many seals, and the
# sealer's memory stays bounded.
SEAL_MAX_ROWS = 10_000


def _begin_sealing() -> None:
    """Take the sealers' lock. The seal's own commit need not wait for the disk: if a crash
    loses it, the rows it covered are still in the journal, unsealed, and the next
    journal_seal seals them; so the lock is held for a few statements, not for a flush."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])


def _leaves(
    *, tables: tuple[JournalTable, ...], rows: dict[str, set[int]] | None, unsealed_only: bool
) -> Iterator[tuple[str, int, bytes]]:
    for item in tables:
        if rows is not None and not rows.get(item.table):
            continue
        queryset = item.model._base_manager.all()
        if unsealed_only:
            queryset = queryset.exclude(
                Exists(SealedRow.objects.filter(table=item.table, row_id=OuterRef("pk")))
            )
        if rows is not None:
            queryset = queryset.filter(pk__in=rows[item.table])
        values = queryset.order_by("pk").values_list(*item.columns)
        # A transaction's few rows in one fetch; a sweep streams (a server-side cursor).
        for record in values if rows is not None else values.iterator(chunk_size=2000):
            row = dict(zip(item.columns, record, strict=True))
            pk = row[item.pk]
            yield item.table, pk, leaf_hash(canonical(table=item.table, pk=pk, row=row))


@cache
def _schema(tables: tuple[JournalTable, ...]) -> SealSchema:
    columns = {item.table: list(item.columns) for item in tables}
    return SealSchema(digest=schema_digest(columns), tables=columns)


def _seal_write(*, batch: list[tuple[str, int, bytes]], schema: SealSchema, backfill: bool) -> Seal:
    latest = (
        Seal.objects.order_by("-number")
        .annotate(schema_known=Exists(SealSchema.objects.filter(pk=schema.digest)))
        .only("number", "digest")
        .first()
    )
    if latest is None or not latest.schema_known:
        SealSchema.objects.bulk_create([schema], ignore_conflicts=True)
    # Rows written before the first seal carry old dates: the first seal says so.
    backfill = backfill or latest is None
    number = latest.number + 1 if latest else 1
    key = signing_key()
    fields = {
        "number": number,
        "sealed_at": timezone.now(),
        "previous": latest.digest if latest else "",
        "root": merkle_root(leaf for _, _, leaf in batch).hex(),
        "rows": len(batch),
        "schema": schema.digest,
        "backfill": backfill,
        "key_id": key_id_of(key.public_key()),
    }
    digest = hashlib.sha256(seal_document(**fields)).hexdigest()
    seal = Seal.objects.create(
        **(fields | {"schema": schema}),
        digest=digest,
        signature=key.sign(bytes.fromhex(digest)).hex(),
    )
    SealedRow.objects.bulk_create(
        SealedRow(seal=seal, table=table, row_id=pk, position=position, leaf=leaf)
        for position, (table, pk, leaf) in enumerate(batch)
    )
    return seal


def _seal_unsealed(*, rows: dict[str, set[int]] | None, backfill: bool) -> list[Seal]:
    tables = journal_tables()
    schema = _schema(tables)
    seals: list[Seal] = []
    with transaction.atomic():
        _begin_sealing()
        batch: list[tuple[str, int, bytes]] = []
        for entry in _leaves(tables=tables, rows=rows, unsealed_only=True):
            batch.append(entry)
            if len(batch) == SEAL_MAX_ROWS:
                seals.append(_seal_write(batch=batch, schema=schema, backfill=backfill))
                backfill, batch = seals[-1].backfill, []
        if batch:
            seals.append(_seal_write(batch=batch, schema=schema, backfill=backfill))
    return seals


def journal_seal(*, rows: dict[str, set[int]] | None = None, backfill: bool = False) -> list[Seal]:
    """Seal the given journal rows (table -> ids) that no seal covers yet, or with rows=None
    every such row of every journal table. Rows of transactions not yet committed are not
    visible here; they are sealed by a later call (no cursor, so commit order cannot make the
    sealer skip a row). Returns the seals written, none when nothing was left to seal."""
    if rows is None or sum(len(ids) for ids in rows.values()) > SEAL_MAX_ROWS:
        return _seal_unsealed(rows=rows, backfill=backfill)
    # A transaction's own rows: hashed before the lock is taken, so the lock is held only to
    # chain and write the seal. A sweep may have sealed some meanwhile: the unique (table, row)
    # refuses the seal, and the careful path seals what is left.
    tables = journal_tables()
    batch = list(_leaves(tables=tables, rows=rows, unsealed_only=False))
    if not batch:
        return []
    try:
        with transaction.atomic():
            _begin_sealing()
            return [_seal_write(batch=batch, schema=_schema(tables), backfill=backfill)]
    except IntegrityError:
        return _seal_unsealed(rows=rows, backfill=backfill)
