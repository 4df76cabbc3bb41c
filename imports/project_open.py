"""Reading a ]project-open[ export: CSV files of its tables (docs/IMPORTS.md), and mapping its
release statuses to our states. Reads files only; the writes are in project_open_services.

The column names are ]po['s own (intranet-core, intranet-helpdesk, intranet-release-mgmt,
acs-kernel). `im_release_items` in ]po[ holds only rel_id, release_status_id and sort_order; the
release and the item are the acs_rels row's object_id_one and object_id_two, so the export file
carries them as release_project_id and item_id (docs/IMPORTS.md gives the query).
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone

from items.models import Kind, Priority, ReleaseStatus

RELEASE_PROJECT_TYPE = 4599  # "Software Release", Intranet Project Type
TASK_PROJECT_TYPE = 100  # "Task"
RELEASE_STATUS_TYPE = "Intranet Release Status"
TICKET_TYPE = "Intranet Ticket Type"
TICKET_PRIORITY = "Intranet Ticket Priority"

# The two id series of the default states (DOMAIN.md §2): the same eight states, in order.
KNOWN_STATUS_SERIES = (
    (4500, 4540, 4550, 4560, 4570, 4585, 4590, 4595),
    (27000, 27040, 27050, 27060, 27070, 27085, 27090, 27095),
)

# file -> columns it must have (more are allowed and ignored).
REQUIRED = {
    "im_projects.csv": ("project_id", "project_name", "project_type_id"),
    "im_release_items.csv": ("release_project_id", "item_id", "release_status_id"),
}
OPTIONAL = {
    "im_categories.csv": ("category_id", "category", "category_type"),
    "im_tickets.csv": ("ticket_id",),
    "users.csv": ("user_id", "username"),
    "parties.csv": ("party_id", "email"),
    "persons.csv": ("person_id", "first_names", "last_name"),
}

NOT_A_DIRECTORY = "{path} is not a directory."
FILE_MISSING = "{name} is missing from {path}: it is required."
COLUMNS_MISSING = "{name} lacks the column(s) {columns}."
UNREADABLE = "{name} could not be read ({error}): save it as UTF-8 CSV with a header row."
BAD_ID = "{name} line {line}: {column} “{value}” is not a number."


class ExportError(Exception):
    """The export cannot be read at all: the import stops before writing anything."""


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else None


def when(value: str) -> datetime | None:
    """A ]po[ date or timestamp ("2009-03-12", "2009-03-12 14:22:01.5+01") as an aware
    datetime, never later than now (None when absent or unreadable)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, timezone.now())


def day(value: str) -> date | None:
    moment = when(value)
    return moment.date() if moment else None


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "") or ""

    def id(self, column: str) -> int | None:
        return _int(self[column])


def _read(path: Path, name: str, required: Iterable[str]) -> list[Row]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            headers = [h.strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in required if c not in headers]
            if missing:
                raise ExportError(COLUMNS_MISSING.format(name=name, columns=", ".join(missing)))
            reader.fieldnames = headers
            rows = []
            start = 2
            for record in reader:
                # NUL cannot be stored in a text column (nor does ]po['s PostgreSQL hold any).
                cells = {
                    k: (v or "").replace("\x00", "").strip()
                    for k, v in record.items()
                    if k is not None and not isinstance(v, list)
                }
                rows.append(Row(line=start, cells=cells))
                start = reader.line_num + 1
            return rows
    except (UnicodeDecodeError, csv.Error) as error:
        raise ExportError(UNREADABLE.format(name=name, error=str(error)[:80])) from None


@dataclass(slots=True)
class Export:
    projects: dict[int, Row]  # every im_projects row: releases, tickets, tasks
    release_items: list[Row]
    categories: dict[int, Row]
    tickets: dict[int, Row]
    usernames: dict[int, str]
    emails: dict[int, str]
    names: dict[int, str]
    problems: list[str] = field(default_factory=list)

    @property
    def releases(self) -> list[Row]:
        return [
            r for r in self.projects.values() if r.id("project_type_id") == RELEASE_PROJECT_TYPE
        ]


def _by_id(rows: list[Row], column: str, name: str, problems: list[str]) -> dict[int, Row]:
    found: dict[int, Row] = {}
    for row in rows:
        key = row.id(column)
        if key is None:
            problems.append(
                BAD_ID.format(name=name, line=row.line, column=column, value=row[column])
            )
            continue
        found[key] = row
    return found


def export_read(*, directory: Path) -> Export:
    """Read the export's files; ExportError when a required file or column is missing."""
    if not directory.is_dir():
        raise ExportError(NOT_A_DIRECTORY.format(path=directory))
    tables: dict[str, list[Row]] = {}
    for name, required in REQUIRED.items():
        if not (directory / name).is_file():
            raise ExportError(FILE_MISSING.format(name=name, path=directory))
        tables[name] = _read(directory / name, name, required)
    for name, required in OPTIONAL.items():
        path = directory / name
        tables[name] = _read(path, name, required) if path.is_file() else []
    problems: list[str] = []
    users = _by_id(tables["users.csv"], "user_id", "users.csv", problems)
    parties = _by_id(tables["parties.csv"], "party_id", "parties.csv", problems)
    persons = _by_id(tables["persons.csv"], "person_id", "persons.csv", problems)
    return Export(
        projects=_by_id(tables["im_projects.csv"], "project_id", "im_projects.csv", problems),
        release_items=tables["im_release_items.csv"],
        categories=_by_id(
            tables["im_categories.csv"], "category_id", "im_categories.csv", problems
        ),
        tickets=_by_id(tables["im_tickets.csv"], "ticket_id", "im_tickets.csv", problems),
        usernames={k: r["username"] for k, r in users.items() if r["username"]},
        emails={k: r["email"] for k, r in parties.items() if r["email"]},
        names={
            k: " ".join(filter(None, (r["first_names"], r["last_name"])))
            for k, r in persons.items()
        },
        problems=problems,
    )


# --- Mapping ]po['s categories to ours ----------------------------------------------------

_ORDINAL = re.compile(r"\s*(\d+)\s*-\s*(.*)")


def _normalised(name: str) -> str:
    """ "0 - Developing" and "0-Developing" alike: lower case, single spaces, no ordinal."""
    match = _ORDINAL.fullmatch(name)
    text = match[2] if match else name
    return " ".join(text.split()).casefold()


def status_map(
    *, categories: dict[int, Row], states: Iterable[ReleaseStatus]
) -> dict[int, ReleaseStatus]:
    """]po[ release status id -> our state.

    An id that is one of our states' ids (4500...) maps to it. Otherwise by the category's name
    ("0-Developing" is our "0 - Developing"), then by its place in either default series (27040
    is the second state), then by the ordinal its name starts with ("1-Review" is the second
    enabled state). Ids none of these explain are left out: the import reports them.
    """
    ordered = [s for s in states if s.enabled]
    by_id = {s.pk: s for s in states}
    by_name = {_normalised(s.name): s for s in states}
    mapping: dict[int, ReleaseStatus] = {}
    candidates = {i for series in KNOWN_STATUS_SERIES for i in series} | {
        k for k, r in categories.items() if r["category_type"] == RELEASE_STATUS_TYPE
    }
    for status_id in candidates:
        if status_id in by_id:
            mapping[status_id] = by_id[status_id]
            continue
        row = categories.get(status_id)
        name = row["category"] if row else ""
        state = by_name.get(_normalised(name)) if name else None
        if state is None:
            place = next((s.index(status_id) for s in KNOWN_STATUS_SERIES if status_id in s), None)
            if place is None and name and (match := _ORDINAL.fullmatch(name)):
                place = int(match[1])
            if place is not None and place < len(ordered):
                state = ordered[place]
        if state is not None:
            mapping[status_id] = state
    return mapping


_KIND_WORDS = (
    ("bug", Kind.BUG),
    ("incident", Kind.INCIDENT),
    ("problem", Kind.PROBLEM),
    ("feature", Kind.FEATURE),
    ("change", Kind.CHANGE_REQUEST),
)


def item_kind(*, project: Row, ticket: Row | None, categories: dict[int, Row]) -> str:
    """A task is a task; a ticket's kind comes from the words of its ticket type ("Bug
    request" is a bug); anything else is a change request."""
    if project.id("project_type_id") == TASK_PROJECT_TYPE:
        return Kind.TASK
    if ticket is not None:
        category = categories.get(ticket.id("ticket_type_id") or -1)
        words = category["category"].casefold() if category else ""
        for word, kind in _KIND_WORDS:
            if word in words:
                return kind
    return Kind.CHANGE_REQUEST


def item_priority(*, ticket: Row | None, categories: dict[int, Row]) -> int:
    """]po[ ticket priorities are named "1" (highest) to "9": 1-2 critical, 3-4 high,
    5-6 medium, 7-9 low; anything else medium."""
    category = categories.get(ticket.id("ticket_prio_id") or -1) if ticket else None
    rank = _int(category["category"]) if category else None
    if rank is None or not 1 <= rank <= 9:
        return Priority.MEDIUM
    return (Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW)[
        min((rank - 1) // 2, 3)
    ]
