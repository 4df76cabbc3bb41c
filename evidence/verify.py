"""Re-computing every seal (read only): the engine of `manage.py journal_verify`.

Streams everything with server-side cursors in one REPEATABLE READ snapshot, so memory stays
constant however long the journal: seals against their chain and signatures, each seal's
sealed rows against its Merkle root, then each journal table merged by id against its sealed
rows. A finding names the table, the row and the seal concerned.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from evidence.crypto import (
    canonical,
    leaf_hash,
    merkle_root,
    schema_digest,
    seal_document,
    signature_valid,
    verification_keys,
)
from evidence.journal_tables import JournalTable, journal_tables
from evidence.models import Seal, SealedRow, SealSchema

CHUNK = 5000

SEAL_MISSING = "seal {number} is missing (deleted): the chain jumps from seal {before} to {after}"
SEAL_ALTERED = "seal {number} was altered: its content no longer hashes to its digest"
SEAL_BAD_SIGNATURE = "seal {number}: the signature does not match its digest"
SEAL_UNKNOWN_KEY = "seal {number}: signed by an unknown key {key_id}"
SEAL_BROKEN_CHAIN = "seal {number}: its 'previous' is not the digest of seal {before}"
SEAL_ROWS_CHANGED = (
    "seal {number}: its sealed rows no longer give its Merkle root "
    "(a sealed-row record was changed, deleted or added)"
)
SCHEMA_ALTERED = "seal schema {digest} was altered"
ROW_CHANGED = "{table} row {row}: changed since seal {seal} (its content hash differs)"
ROW_DELETED = "{table} row {row}: deleted (sealed in seal {seal})"
ROW_UNSEALED = "{table} row {row}: inserted behind the application's back (in no seal; {when})"
ROW_LATE = (
    "{table} row {row}: dated {date} but first sealed at {sealed_at} in seal {seal} "
    "(inserted back-dated?)"
)
COLUMN_GONE = "{table} row {row}: column {column} sealed in seal {seal} no longer exists"


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    table: str = ""
    row: int | None = None
    seal: int | None = None
    # "warn" only informs (a legitimately back-dated import looks the same); "fail" fails.
    severity: str = "fail"


@dataclass
class Summary:
    seals: int = 0
    rows: int = 0
    pending: int = 0


Progress = Callable[[int], None]


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _seal_checks(summary: Summary, progress: Progress) -> Iterator[Finding]:
    keys = verification_keys()
    schemas_ok = set()
    for schema in SealSchema.objects.all():
        if schema_digest(schema.tables) == schema.digest:
            schemas_ok.add(schema.digest)
        else:
            yield Finding("schema", SCHEMA_ALTERED.format(digest=schema.digest))
    rows = (
        SealedRow.objects.order_by("seal_id", "position")
        .values_list("seal_id", "leaf")
        .iterator(chunk_size=CHUNK)
    )
    pending_row = next(rows, None)
    previous: Seal | None = None
    for seal in Seal.objects.order_by("number").iterator(chunk_size=CHUNK):
        summary.seals += 1
        expected = previous.number + 1 if previous else 1
        if seal.number != expected:
            yield Finding(
                "seal-missing",
                SEAL_MISSING.format(
                    number=_span(expected, seal.number - 1),
                    before=previous.number if previous else "(start)",
                    after=seal.number,
                ),
                seal=expected,
            )
        elif seal.previous != (previous.digest if previous else ""):
            yield Finding(
                "seal-chain",
                SEAL_BROKEN_CHAIN.format(number=seal.number, before=expected - 1),
                seal=seal.number,
            )
        document = seal_document(
            number=seal.number,
            sealed_at=seal.sealed_at,
            previous=seal.previous,
            root=seal.root,
            rows=seal.rows,
            schema=seal.schema_id,
            backfill=seal.backfill,
            key_id=seal.key_id,
        )
        if hashlib.sha256(document).hexdigest() != seal.digest or seal.schema_id not in schemas_ok:
            yield Finding("seal-altered", SEAL_ALTERED.format(number=seal.number), seal=seal.number)
        elif seal.key_id not in keys:
            yield Finding(
                "seal-key",
                SEAL_UNKNOWN_KEY.format(number=seal.number, key_id=seal.key_id),
                seal=seal.number,
            )
        elif not signature_valid(
            key=keys[seal.key_id], digest=seal.digest, signature=seal.signature
        ):
            yield Finding(
                "seal-signature", SEAL_BAD_SIGNATURE.format(number=seal.number), seal=seal.number
            )
        # The seal's leaves, in order; rows of vanished seals are skipped (reported above).
        while pending_row is not None and pending_row[0] < seal.number:
            pending_row = next(rows, None)
        count = 0

        def leaves(number: int = seal.number) -> Iterator[bytes]:
            nonlocal pending_row, count
            while pending_row is not None and pending_row[0] == number:
                count += 1
                yield bytes(pending_row[1])
                pending_row = next(rows, None)

        if merkle_root(leaves()).hex() != seal.root or count != seal.rows:
            yield Finding(
                "seal-rows", SEAL_ROWS_CHANGED.format(number=seal.number), seal=seal.number
            )
        progress(count)
        previous = seal


Layout = tuple[str | None, list[tuple[str, int]]]


def _layout(columns: list[str] | None, item: JournalTable, index: dict[str, int]) -> Layout:
    """The columns a seal's schema covers, by position in this run's rows, and the first one
    that no longer exists."""
    columns = columns or list(item.columns)
    gone = next((column for column in columns if column not in index), None)
    return gone, [(column, index[column]) for column in columns if column in index]


def _row_checks(summary: Summary, progress: Progress) -> Iterator[Finding]:
    schemas = {schema.digest: schema.tables for schema in SealSchema.objects.all()}
    now = timezone.now()
    grace = timedelta(minutes=settings.SEAL_GRACE_MINUTES)
    for item in journal_tables():
        index = {column: position for position, column in enumerate(item.columns)}
        pk_at, date_at = index[item.pk], index.get("history_date")
        layouts: dict[str, Layout] = {}
        rows = (
            item.model._base_manager.order_by("pk")
            .values_list(*item.columns)
            .iterator(chunk_size=CHUNK)
        )
        sealed = (
            SealedRow.objects.filter(table=item.table)
            .order_by("row_id")
            .values_list(
                "row_id", "leaf", "seal_id", "seal__schema_id", "seal__sealed_at", "seal__backfill"
            )
            .iterator(chunk_size=CHUNK)
        )
        record = next(rows, None)
        mark = next(sealed, None)
        done = 0
        while record is not None or mark is not None:
            done += 1
            if done % 10_000 == 0:
                progress(10_000)
            pk = record[pk_at] if record is not None else None
            date = record[date_at] if record is not None and date_at is not None else None
            if record is not None and (mark is None or pk < mark[0]):
                summary.rows += 1
                if date is not None and now - grace <= date <= now + grace:
                    summary.pending += 1
                else:
                    when = f"dated {date.isoformat()}" if date is not None else "undated"
                    yield Finding(
                        "row-inserted",
                        ROW_UNSEALED.format(table=item.table, row=pk, when=when),
                        table=item.table,
                        row=pk,
                    )
                record = next(rows, None)
                continue
            row_id, leaf, seal_number, schema, sealed_at, backfill = mark
            if record is None or row_id < pk:
                yield Finding(
                    "row-deleted",
                    ROW_DELETED.format(table=item.table, row=row_id, seal=seal_number),
                    table=item.table,
                    row=row_id,
                    seal=seal_number,
                )
                mark = next(sealed, None)
                continue
            summary.rows += 1
            if schema not in layouts:
                layouts[schema] = _layout(schemas.get(schema, {}).get(item.table), item, index)
            gone, positions = layouts[schema]
            if gone:
                yield Finding(
                    "row-column",
                    COLUMN_GONE.format(table=item.table, row=pk, column=gone, seal=seal_number),
                    table=item.table,
                    row=pk,
                    seal=seal_number,
                )
            elif leaf_hash(
                canonical(table=item.table, pk=pk, row={c: record[i] for c, i in positions})
            ) != bytes(leaf):
                yield Finding(
                    "row-changed",
                    ROW_CHANGED.format(table=item.table, row=pk, seal=seal_number),
                    table=item.table,
                    row=pk,
                    seal=seal_number,
                )
            elif not backfill and date is not None and sealed_at - date > grace:
                yield Finding(
                    "row-late",
                    ROW_LATE.format(
                        table=item.table,
                        row=pk,
                        date=date.isoformat(),
                        sealed_at=sealed_at.isoformat(),
                        seal=seal_number,
                    ),
                    table=item.table,
                    row=pk,
                    seal=seal_number,
                    severity="warn",
                )
            record = next(rows, None)
            mark = next(sealed, None)
        progress(done % 10_000)


def journal_verify(*, progress: Progress | None = None) -> tuple[list[Finding], Summary]:
    """Every finding, and what was checked. Findings are few (or the journal is lost), so
    they are collected; everything else streams."""
    progress = progress or (lambda _: None)
    summary = Summary()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        # One snapshot for the whole run (impossible inside a caller's transaction).
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        findings = [*_seal_checks(summary, progress), *_row_checks(summary, progress)]
    return findings, summary


def journal_size_estimate() -> int:
    """Roughly how many rows verify reads (for the progress bar), without counting them."""
    tables = [item.table for item in journal_tables()] + ["evidence_sealedrow"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(greatest(reltuples, 0)), 0)::bigint FROM pg_class "
                "WHERE relname = ANY(%s)",
                [tables],
            )
            return int(cursor.fetchone()[0])
    return sum(item.model._base_manager.count() for item in journal_tables())
