"""Seal each transaction's journal rows once it commits.

Every journal row saved through the ORM (simple_history's rows, AccessChange saved one by
one) is noted on its connection; one on_commit callback per transaction hands them to the
sealer. JOURNAL_SEALING says how: "batch" (production) queues them for a thread of the process
that seals everything queued every SEAL_BATCH_SECONDS in one seal, so a request pays nothing
but the note; "commit" seals them in the callback itself, before the request ends (the test
suite, development); "off" only for measuring. Rows written without a save signal
(bulk_create, bulk_history_create) and rows of a process that died before sealing them are
sealed by `manage.py journal_seal` (docs/EVIDENCE.md).
"""

import atexit
import logging
import os
import threading
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_save

from evidence.journal_tables import journal_table_for_model

logger = logging.getLogger(__name__)

Rows = dict[str, set[int]]


def _seal(rows: Rows) -> None:
    from evidence.services import journal_seal

    try:
        journal_seal(rows=rows)
    except Exception:
        # The rows are committed; journal_seal's next run seals whatever is left.
        logger.exception("Sealing journal rows failed; journal_seal will catch up")


class _Batcher:
    """The process's queue of committed journal rows and the thread that seals them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: Rows = {}
        self.pid = 0
        self.thread: threading.Thread | None = None

    def add(self, rows: Rows) -> None:
        with self.lock:
            for table, ids in rows.items():
                self.rows.setdefault(table, set()).update(ids)
            if self.pid != os.getpid() or self.thread is None or not self.thread.is_alive():
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self.run, name="journal-sealer", daemon=True)
                self.thread.start()

    def flush(self) -> None:
        with self.lock:
            rows, self.rows = self.rows, {}
        if rows:
            _seal(rows)

    def run(self) -> None:
        stop = threading.Event()
        while not stop.wait(settings.SEAL_BATCH_SECONDS):
            try:
                self.flush()
            finally:
                connections.close_all()  # back to the pool between batches


_batcher = _Batcher()
atexit.register(_batcher.flush)  # a worker stopping seals what it queued


def journal_sealing_flush() -> None:
    """Seal what this process has queued now (tests, a worker about to stop)."""
    _batcher.flush()


class _Pending:
    """The journal rows one transaction wrote, handed over by its on_commit callback."""

    def __init__(self) -> None:
        self.rows: Rows = {}

    def __call__(self) -> None:
        if settings.JOURNAL_SEALING == "batch":
            _batcher.add(self.rows)
        else:
            _seal(self.rows)


def _note_journal_row(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or settings.JOURNAL_SEALING == "off":
        return
    table = journal_table_for_model(sender)
    if table is None:
        return
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    connection = connections[using]
    pending = getattr(connection, "_evidence_pending", None)
    # A batch whose callback has run or was dropped by a rollback is no longer queued.
    queued = pending is not None and any(
        callback is pending for _, callback, _ in connection.run_on_commit
    )
    if not queued:
        pending = _Pending()
        connection._evidence_pending = pending
        pending.rows.setdefault(table.table, set()).add(instance.pk)
        transaction.on_commit(pending, using=using)
        return
    pending.rows.setdefault(table.table, set()).add(instance.pk)


def connect_journal_receivers() -> None:
    post_save.connect(_note_journal_row, dispatch_uid="evidence_note_journal_row")
