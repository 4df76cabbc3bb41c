"""The import receipts as a source of the release journals (journal.selectors): "Import #7 of
sprint.csv: 3 created, 1 changed, 1 moved", beside the item rows that name it in their reason;
and as a section of the release's evidence pack (evidence.pack_sections)."""

from typing import Any

from django.db.models import Model, Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from evidence.pack_sections import PackField, PackNames, PackSection, pack_section_register
from imports.models import ItemImport
from journal.selectors import Said, Source, source_register

ImportHistory = ItemImport.history.model


def _of_release(project_id: int) -> Q:
    return Q(project_id=project_id)


def import_row_said(row: Model, kind: str, names: object, previous: Model | None) -> Said:
    return Said(
        subject=gettext("Import #{number}").format(number=row.id),
        action=gettext("Imported"),
        summary=gettext("{file}: {created} created, {updated} changed, {moved} moved").format(
            file=row.file_name, created=row.created, updated=row.updated, moved=row.moved
        ),
    )


def _pack_names(row: dict[str, Any], names: PackNames) -> dict[str, Any]:
    return {"imported_by": names.user(row["created_by_id"])}


# The evidence pack: each receipt; the item rows it wrote are the pack's transitions, their
# reason naming it ("Import #7 (sprint.csv), line 4").
PACK_SECTION = PackSection(
    name="imports",
    label=gettext_noop("Imports"),
    source="imports",
    fields=(
        PackField("number", gettext_noop("Import #"), "id"),
        PackField("file_name", gettext_noop("File"), "file_name"),
        PackField("sha256", gettext_noop("SHA-256 of the file"), "sha256"),
        PackField("imported_by", gettext_noop("Imported by")),
        PackField("created", gettext_noop("Items created"), "created"),
        PackField("updated", gettext_noop("Items changed"), "updated"),
        PackField("moved", gettext_noop("Items moved"), "moved"),
    ),
    derive=_pack_names,
    user_columns=("created_by_id",),
    order=30,
)


def journal_source_register() -> None:
    source_register(
        Source(
            name="imports",
            label=_("Imports"),
            rank=50,  # unique among the sources: it orders rows written at the same instant
            model=ImportHistory,
            of_project=_of_release,
            of_item=None,
            describe=import_row_said,
            hidden=frozenset({"sha256", "nonce", "created", "updated", "moved", "created_at"}),
        )
    )
    pack_section_register(PACK_SECTION)
