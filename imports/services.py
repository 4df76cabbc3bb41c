"""Writing a confirmed item import: all rows or none, through the items services and the
status engine, each journal row naming the import and its line."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from imports.models import ItemImport
from imports.selectors import Action, ImportPlan, import_plan
from imports.tokens import Upload
from imports.uploads import sheet_read
from items import engine, services
from items.engine import EngineError
from projects.access import Access
from projects.roles import EDIT_ITEMS

PLAN_HAS_ERRORS = _("The file has errors; nothing was imported.")
PLAN_CHANGED = _(
    "The release changed since the preview (an item was edited, moved or added), so nothing "
    "was imported. Check the new preview and confirm again."
)
ALREADY_IMPORTED = _(
    "This preview was already imported (import #{number}); nothing was imported again."
)
ROW_REFUSED = _("Line {line}: {reason} Nothing was imported.")


class ImportRefused(Exception):
    """A confirm that writes nothing. `plan` is the fresh plan to show, when there is one."""

    def __init__(self, message: str, *, status_code: int, plan: ImportPlan | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.plan = plan


@dataclass(frozen=True, slots=True)
class ImportResult:
    receipt: ItemImport
    created: int
    updated: int
    moved: int


def items_import(*, access: Access, upload: Upload) -> ImportResult:
    """Import a previewed upload into the release: re-read and re-checked now, written only
    if it is still the plan the user confirmed, in one transaction."""
    access.require(EDIT_ITEMS)
    sheet = sheet_read(content=upload.content, file_format=upload.file_format)
    try:
        with transaction.atomic():
            plan = import_plan(access=access, sheet=sheet)
            if plan.has_errors:
                raise ImportRefused(PLAN_HAS_ERRORS, status_code=400, plan=plan)
            if plan.digest != upload.plan_digest:
                raise ImportRefused(PLAN_CHANGED, status_code=409, plan=plan)
            return _apply(access=access, upload=upload, plan=plan)
    except IntegrityError:
        done = ItemImport.objects.filter(nonce=upload.nonce).values_list("pk", flat=True).first()
        if done is None:
            raise
        raise ImportRefused(ALREADY_IMPORTED.format(number=done), status_code=409) from None


def _apply(*, access: Access, upload: Upload, plan: ImportPlan) -> ImportResult:
    receipt = ItemImport(
        project=access.project,
        created_by=access.user,
        file_name=upload.file_name[:200],
        sha256=upload.sha256,
        nonce=upload.nonce,
        # All rows or none: what the plan says is what the import does.
        created=plan.count(Action.CREATE),
        updated=sum(1 for row in plan.rows if row.action == Action.UPDATE and row.fields),
        moved=plan.moves,
    )
    receipt._history_user = access.user
    with transaction.atomic():  # the nonce's unique index: a second confirm stops here
        receipt.save()
    for row in plan.rows:
        if row.action == Action.UNCHANGED:
            continue
        reason = f"Import #{receipt.pk} ({receipt.file_name}), line {row.line}"
        try:
            if row.action == Action.CREATE:
                item = services.item_create(access=access, fields=row.fields, reason=reason)
            else:
                item = services.item_update(
                    access=access,
                    item_id=row.item_id,
                    expected_version=row.version,
                    fields=row.fields,
                    reason=reason,
                )
            if row.to_state is not None:
                engine.item_move(
                    access=access,
                    item_id=item.pk,
                    expected_version=item.version,
                    to_status_id=row.to_state.pk,
                    comment=reason,
                )
        except EngineError as error:
            raise ImportRefused(
                ROW_REFUSED.format(line=row.line, reason=error.message),
                status_code=error.status_code,
            ) from None
        except PermissionDenied as error:
            raise ImportRefused(
                ROW_REFUSED.format(line=row.line, reason=str(error)), status_code=403
            ) from None
    return ImportResult(
        receipt=receipt, created=receipt.created, updated=receipt.updated, moved=receipt.moved
    )
