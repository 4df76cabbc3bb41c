"""Seal each transaction's journal rows as soon as it commits.

Every journal row saved through the ORM (simple_history's rows, AccessChange saved one by
one) is noted on its connection; one on_commit callback per transaction seals them. Rows
written without a save signal (bulk_create, bulk_history_create) and rows of a process that
died between commit and callback are sealed by `manage.py journal_seal` (docs/EVIDENCE.md).
"""

import logging
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_save

from evidence.journal_tables import journal_table_for_model

logger = logging.getLogger(__name__)


class _Pending:
    """The journal rows one transaction wrote, sealed by its on_commit callback."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.rows: dict[str, set[int]] = {}

    def __call__(self) -> None:
        from evidence.services import journal_seal

        try:
            journal_seal(rows=self.rows)
        except Exception:
            # The move has committed; an unsealed row is sealed by the next journal_seal run.
            logger.exception("Sealing after commit failed; journal_seal will catch up")


def _note_journal_row(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or not settings.JOURNAL_SEALING:
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
        pending = _Pending(using)
        connection._evidence_pending = pending
        pending.rows.setdefault(table.table, set()).add(instance.pk)
        transaction.on_commit(pending, using=using)
        return
    pending.rows.setdefault(table.table, set()).add(instance.pk)


def connect_journal_receivers() -> None:
    post_save.connect(_note_journal_row, dispatch_uid="evidence_note_journal_row")
