"""The import receipts as a source of the release journals (journal.selectors): "Import #7 of
sprint.csv: 3 created, 1 changed, 1 moved", beside the item rows that name it in their reason."""

from django.db.models import Model, Q

from imports.models import ItemImport
from journal.selectors import Said, Source, source_register

ImportHistory = ItemImport.history.model


def _of_release(project_id: int) -> Q:
    return Q(project_id=project_id)


def import_row_said(row: Model, kind: str, names: object, previous: Model | None) -> Said:
    return Said(
        subject=f"Import #{row.id}",
        action="Imported",
        summary=(
            f"{row.file_name}: {row.created} created, {row.updated} changed, {row.moved} moved"
        ),
    )


def journal_source_register() -> None:
    source_register(
        Source(
            name="imports",
            label="Imports",
            rank=50,  # unique among the sources: it orders rows written at the same instant
            model=ImportHistory,
            of_project=_of_release,
            of_item=None,
            describe=import_row_said,
            hidden=frozenset({"sha256", "nonce", "created", "updated", "moved", "created_at"}),
        )
    )
