"""Tickets in bulk: a CSV file uploaded by a person, or JSON posted by the help desk.

Both give the same fields (COLUMNS) and go the same way: every line is checked and every
reference resolved first (in a constant number of queries), and only a batch without a single
error is written, in one transaction, each ticket upserted by its reference. Every error names
its line (CSV) or position (JSON) and its field, so the sender can fix them all at once.
"""

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import tablib
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from helpdesk.selectors import ITEM_KEY, Actor, Resolved, key_normal, refs_resolve
from helpdesk.services import TicketError, TicketValues, ticket_upsert
from items.models import CHANGE_KEY_PREFIX, Change
from projects.models import ReleaseProject
from releasemgmt.limits import grouped_lazy

COLUMNS = (
    "reference",
    "kind",
    "title",
    "opened_at",
    "resolved_at",
    "caused_by_release",
    "caused_by_item",
    "fixes_item",
)
REQUIRED = ("reference", "title", "opened_at")

# A help desk's export of a few thousand tickets fits; a mistaken upload of a database dump
# is refused before it is parsed.
CSV_MAX_BYTES = 2 * 1024 * 1024
MAX_TICKETS = 5_000

MISSING = _("Required.")
BAD_DATE = _("Not a date and time; write it as ISO 8601, e.g. 2026-11-03T14:05:00+01:00.")
NOT_TEXT = _("Must be a string.")
NUL_CHARACTER = _("Contains a NUL character.")
UNKNOWN_FIELD = format_lazy(
    _("Unknown field; the fields are: {fields}."), fields=", ".join(COLUMNS)
)
NO_RELEASE = _("No release {code} you can see.")
NO_ITEM = _("No item {key} in a release you can see.")
BAD_ITEM = _("Write an item key such as PAY-12 (or a change id such as CH-7).")
ITEM_NOT_IN_RELEASE = _("{key} is in {actual}, not in the release {code} named on this line.")
DUPLICATE = _("Reference {reference} appears again on this batch (first at {first}).")
TOO_MANY = format_lazy(_("At most {count} tickets at once."), count=grouped_lazy(MAX_TICKETS))
TOO_BIG = format_lazy(_("The file is larger than {size} MB."), size=CSV_MAX_BYTES // (1024 * 1024))
NOT_UTF8 = _("The file is not UTF-8 text.")
NOT_CSV = _("The file could not be read as CSV: {error}")
EMPTY = _("The batch holds no tickets.")


@dataclass(frozen=True, slots=True)
class LineError:
    line: int  # the CSV line, or the position in the JSON list (from 1); 0: the whole batch
    field: str
    message: str
    status: int = 400  # 403 when the author lacks the right the line needs

    def __str__(self) -> str:
        # Column names stay as the file names them; the words around them are the reader's.
        if self.line and self.field:
            text = gettext("line {line}, {field}: {message}")
        elif self.line:
            text = gettext("line {line}: {message}")
        elif self.field:
            text = gettext("the file, {field}: {message}")
        else:
            text = gettext("the file: {message}")
        return text.format(line=self.line, field=self.field, message=self.message)


class ImportRefused(Exception):
    """The batch was refused and nothing was written; `errors` says why, line by line."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(map(str, errors[:3])))
        self.errors = errors


@dataclass(slots=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    references: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return ngettext(
            "{created} ticket recorded, {updated} updated, {unchanged} already up to date.",
            "{created} tickets recorded, {updated} updated, {unchanged} already up to date.",
            self.created,
        ).format(created=self.created, updated=self.updated, unchanged=self.unchanged)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _when(value: str) -> datetime:
    """An ISO 8601 date or date and time; without an offset, in the portal's time zone."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise TicketError(BAD_DATE) from None
    if len(value) <= 10:  # a date alone: its start
        parsed = datetime.combine(parsed.date(), time.min)
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        parsed.astimezone(UTC)  # the database stores UTC: the year 9999 may overflow
    except (OverflowError, ValueError):
        raise TicketError(BAD_DATE) from None
    return parsed


def _parse(line: int, record: Mapping[str, object], errors: list[LineError]) -> dict | None:
    """One record's fields as text, dates parsed; None (and errors) when any is wrong."""
    before = len(errors)
    for name in record:
        if name not in COLUMNS:
            errors.append(LineError(line, str(name)[:50], UNKNOWN_FIELD))
    values: dict[str, object] = {}
    for name in COLUMNS:
        raw = record.get(name)
        if raw is not None and not isinstance(raw, str):
            errors.append(LineError(line, name, NOT_TEXT))
            continue
        if raw and "\x00" in raw:  # PostgreSQL stores no NUL character in text
            errors.append(LineError(line, name, NUL_CHARACTER))
            continue
        values[name] = _text(raw)
    for name in REQUIRED:
        if name in values and not values[name]:
            errors.append(LineError(line, name, MISSING))
    for name in ("opened_at", "resolved_at"):
        if values.get(name):
            try:
                values[name] = _when(values[name])
            except TicketError as error:
                errors.append(LineError(line, name, error.message))
        else:
            values[name] = None
    values["kind"] = (values.get("kind") or "incident").lower()
    return values if len(errors) == before else None


Links = tuple[ReleaseProject | None, Change | None, Change | None]


def _links(line: int, parsed: dict, found: Resolved, errors: list[LineError]) -> Links:
    """The cause's release and change and the fixing change a record names (errors for any
    the author may not see or that do not fit together)."""
    release = change = fix = None
    code = str(parsed["caused_by_release"]).upper()
    if code:
        release = found.releases.get(code)
        if release is None:
            errors.append(LineError(line, "caused_by_release", NO_RELEASE.format(code=code)))
    cause_key = parsed["caused_by_item"]
    if cause_key:
        if ITEM_KEY.fullmatch(cause_key) is None:
            errors.append(LineError(line, "caused_by_item", BAD_ITEM))
        elif cause_key.upper().startswith(CHANGE_KEY_PREFIX):
            change = found.changes.get(key_normal(cause_key))
            if change is None:
                errors.append(LineError(line, "caused_by_item", NO_ITEM.format(key=cause_key)))
        else:
            item = found.items.get(key_normal(cause_key))
            if item is None:
                errors.append(LineError(line, "caused_by_item", NO_ITEM.format(key=cause_key)))
            elif release is not None and item.project_id != release.pk:
                errors.append(
                    LineError(
                        line,
                        "caused_by_item",
                        ITEM_NOT_IN_RELEASE.format(
                            key=cause_key, actual=item.project.code, code=release.code
                        ),
                    )
                )
            else:
                release, change = item.project, item.change
    fix_key = parsed["fixes_item"]
    if fix_key:
        if ITEM_KEY.fullmatch(fix_key) is None:
            errors.append(LineError(line, "fixes_item", BAD_ITEM))
        elif fix_key.upper().startswith(CHANGE_KEY_PREFIX):
            fix = found.changes.get(key_normal(fix_key))
        else:
            item = found.items.get(key_normal(fix_key))
            fix = item.change if item is not None else None
        if fix is None and ITEM_KEY.fullmatch(fix_key):
            errors.append(LineError(line, "fixes_item", NO_ITEM.format(key=fix_key)))
    return release, change, fix


def _values(line: int, parsed: dict, found: Resolved, errors: list[LineError]) -> TicketValues:
    release, change, fix = _links(line, parsed, found, errors)
    return TicketValues(
        reference=str(parsed["reference"]),
        kind=str(parsed["kind"]),
        title=str(parsed["title"]),
        opened_at=parsed["opened_at"],
        resolved_at=parsed["resolved_at"],
        caused_by_release=release,
        caused_by_change=change,
        fixed_by_change=fix,
    )


# Which field of a ticket each service error is about, by the batch's column names.
_COLUMN_OF = {"caused_by_change": "caused_by_item", "fixed_by_change": "fixes_item"}


def tickets_import(
    *, user: Actor, records: list[tuple[int, Mapping[str, object]]], origin: str
) -> ImportResult:
    """Write the batch, all of it or nothing (ImportRefused lists every error found).

    `records` pairs each record with its line (CSV) or position (JSON). A ticket whose
    reference exists is updated to the record's values; a record that changes nothing writes
    no journal row, so importing a file twice leaves one set of rows.
    """
    if not records:
        raise ImportRefused([LineError(0, "", EMPTY)])
    if len(records) > MAX_TICKETS:
        raise ImportRefused([LineError(0, "", TOO_MANY)])
    errors: list[LineError] = []
    parsed = [(line, _parse(line, record, errors)) for line, record in records]
    good = [(line, values) for line, values in parsed if values is not None]
    first_seen: dict[str, int] = {}
    for line, values in good:
        reference = str(values["reference"])
        if reference in first_seen:
            errors.append(
                LineError(
                    line,
                    "reference",
                    DUPLICATE.format(reference=reference, first=first_seen[reference]),
                )
            )
        first_seen.setdefault(reference, line)
    found = refs_resolve(
        user=user,
        codes=[str(v["caused_by_release"]) for _, v in good],
        keys=[str(v[k]) for _, v in good for k in ("caused_by_item", "fixes_item")],
    )
    batch = []
    for line, values in good:
        before = len(errors)
        ticket_values = _values(line, values, found, errors)
        if len(errors) == before:
            batch.append((line, ticket_values))
    result = ImportResult()
    with transaction.atomic():
        # Refusals come before any write, so the batch goes on to find every line's errors;
        # the writes of a refused batch are rolled back together.
        for line, ticket_values in batch:
            try:
                ticket, outcome = ticket_upsert(user=user, values=ticket_values, origin=origin)
            except TicketError as error:
                column = _COLUMN_OF.get(error.field, error.field)
                errors.append(LineError(line, column, error.message, error.status_code))
                continue
            result.references.append(ticket.reference)
            setattr(result, outcome, getattr(result, outcome) + 1)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    return result


def csv_records(*, data: bytes) -> list[tuple[int, Mapping[str, object]]]:
    """The records of an uploaded CSV file with their line numbers (the header is line 1).

    Raises ImportRefused for a file that is too big, not UTF-8, not CSV or lacks a column.
    """
    if len(data) > CSV_MAX_BYTES:
        raise ImportRefused([LineError(0, "", TOO_BIG)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([LineError(0, "", NOT_UTF8)]) from None
    try:
        dataset = tablib.Dataset().load(io.StringIO(text), format="csv", headers=True)
    except Exception as error:  # tablib raises several kinds for malformed files
        raise ImportRefused([LineError(1, "", NOT_CSV.format(error=error))]) from None
    headers = [_text(h).lower() for h in dataset.headers or []]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        lacks = ngettext(
            "The file lacks the column {columns}; the first line names the columns.",
            "The file lacks the columns {columns}; the first line names the columns.",
            len(missing),
        )
        raise ImportRefused([LineError(1, "", lacks.format(columns=", ".join(missing)))])
    return [
        (number, dict(zip(headers, row, strict=False)))
        for number, row in enumerate(dataset, start=2)
        if any(_text(cell) for cell in row)
    ]


def ticket_values_resolve(*, user: Actor, fields: Mapping[str, object]) -> TicketValues:
    """One ticket from a form (its dates already parsed), its references resolved as an
    import resolves them; ImportRefused (line 0) names each field that is wrong."""
    parsed = {
        name: fields.get(name) if name in ("opened_at", "resolved_at") else _text(fields.get(name))
        for name in COLUMNS
    }
    parsed["kind"] = parsed["kind"] or "incident"
    found = refs_resolve(
        user=user,
        codes=[str(parsed["caused_by_release"])],
        keys=[str(parsed["caused_by_item"]), str(parsed["fixes_item"])],
    )
    errors: list[LineError] = []
    values = _values(0, parsed, found, errors)
    if errors:
        raise ImportRefused(errors)
    return values


def links_resolve(
    *, user: Actor, caused_by_release: str = "", caused_by_item: str = "", fixes_item: str = ""
) -> Links:
    """The links a form names, resolved as an import resolves them (ImportRefused naming the
    field otherwise)."""
    parsed = {
        "caused_by_release": _text(caused_by_release),
        "caused_by_item": _text(caused_by_item),
        "fixes_item": _text(fixes_item),
    }
    found = refs_resolve(
        user=user,
        codes=[parsed["caused_by_release"]],
        keys=[parsed["caused_by_item"], parsed["fixes_item"]],
    )
    errors: list[LineError] = []
    links = _links(0, parsed, found, errors)
    if errors:
        raise ImportRefused(errors)
    return links
