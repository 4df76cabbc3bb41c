"""Which tables are the journal: found, not listed, so a tracked model added later is sealed
and verified without a change here.

A journal table is the historical model of any model django-simple-history tracks, or any
other concrete model shaped like a journal row (a `history_id` primary key and a
`history_date`, such as `journal.AccessChange` or this app's own `EvidenceView`, the journal
of pack downloads). Found by shape, so this app imports nothing from the apps whose journal it
seals. The seal tables themselves are never journal tables: they are what seals.
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models
from simple_history.models import HistoricalChanges


@dataclass(frozen=True)
class JournalTable:
    model: type[models.Model]
    table: str
    pk: str  # the primary key's attribute name
    columns: tuple[str, ...]  # every concrete column, by attribute name, sorted
    has_date: bool  # carries `history_date` (the late-sealing check needs it)


# The seals (evidence/models.py): append-only by their own trigger, never sealed themselves.
SEAL_MODELS = frozenset({"evidence.sealschema", "evidence.seal", "evidence.sealedrow"})


def _is_journal(model: type[models.Model]) -> bool:
    if model._meta.label_lower in SEAL_MODELS:
        return False
    if model._meta.abstract or model._meta.proxy or not model._meta.managed:
        return False
    if issubclass(model, HistoricalChanges):
        return True
    field_names = {field.name for field in model._meta.concrete_fields}
    return model._meta.pk.name == "history_id" and "history_date" in field_names


@cache
def journal_tables() -> tuple[JournalTable, ...]:
    found = []
    for model in apps.get_models():
        if not _is_journal(model):
            continue
        columns = tuple(sorted(field.attname for field in model._meta.concrete_fields))
        found.append(
            JournalTable(
                model=model,
                table=model._meta.db_table,
                pk=model._meta.pk.attname,
                columns=columns,
                has_date="history_date" in columns,
            )
        )
    return tuple(sorted(found, key=lambda item: item.table))


@cache
def journal_table_by_name() -> dict[str, JournalTable]:
    return {item.table: item for item in journal_tables()}


def journal_table_for_model(model: type[models.Model]) -> JournalTable | None:
    return journal_table_by_name().get(model._meta.db_table)
