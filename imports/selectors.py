"""What an item import would do: every row checked against the release, nothing written.

The preview shows this plan, and the confirm recomputes it on the data as it is then: the
service writes only a plan that has no errors and is the one the user saw (its digest).
A constant number of queries whatever the number of rows: the workflow, the items the rows
name (by key or external key, one query), the release's members, the move policy's gates.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from imports.uploads import Sheet
from items.models import Change, Kind, Priority, ReleaseItem, ReleaseStatus
from items.policy import MovePolicy
from items.services import RELEASE_FIELDS
from items.workflow import Workflow, workflow_current
from projects.access import Access
from projects.roles import MOVE_ANY
from releasemgmt.limits import DESCRIPTION_MAX, grouped

User = get_user_model()

# Column names as a user (or our own export) writes them, to the field they fill.
COLUMNS = {
    "key": "key",
    "title": "title",
    "kind": "kind",
    "priority": "priority",
    "state": "state",
    "status": "state",
    "assignee": "assignee",
    "external": "external_key",
    "external key": "external_key",
    "external_key": "external_key",
    "external url": "external_url",
    "external_url": "external_url",
    "description": "description",
}
# Our export's columns that an import cannot set: read past without a word.
IGNORED_QUIETLY = frozenset({"updated", "select"})

NO_COLUMNS = _(
    "The header row names none of the columns an import reads: key, title, kind, priority, "
    "state, assignee, external key, external URL, description."
)
DUPLICATE_COLUMN = _("The column “{name}” appears twice in the header row.")
IGNORED_COLUMNS = _("Ignored columns: {names}.")
BAD_KEY = _("“{value}” is not an item key of {code} (e.g. {code}-12).")
NO_SUCH_KEY = _("There is no item {value} in {code}.")
AMBIGUOUS_EXTERNAL = _("{count} items of {code} have the external key “{value}”; give the key.")
DUPLICATE_ROW = _("The same item as line {line}: one row per item.")
TITLE_MISSING = _("A new item needs a title.")
TOO_LONG = _("{label} is longer than {limit} characters.")
UNKNOWN_KIND = _("Unknown kind “{value}”: use one of {choices}.")
UNKNOWN_PRIORITY = _("Unknown priority “{value}”: use one of {choices}.")
UNKNOWN_STATE = _("Unknown state “{value}”.")
DISABLED_STATE = _("The state “{value}” is disabled.")
STATE_NEEDS_MANAGER = _("Only release managers may set states; leave the state column empty.")
UNKNOWN_ASSIGNEE = _("“{value}” is not a member of {code} (give a username or an e-mail).")
BAD_URL = _("“{value}” is not a valid URL.")
ROW_TOO_LONG = _("The row has more cells than the header has columns.")

TITLE_MAX = Change._meta.get_field("title").max_length
EXTERNAL_KEY_MAX = Change._meta.get_field("external_key").max_length
EXTERNAL_URL_MAX = Change._meta.get_field("external_url").max_length
KEY = re.compile(r"([A-Za-z][A-Za-z0-9]{1,9})-([1-9][0-9]{0,8})")
ECHO = 60  # a user's value quoted back in a message, cut short
# How the preview's "changes" name the other fields.
FIELD_WORDS = {
    "title": _("title"),
    "external_key": _("external key"),
    "external_url": _("external url"),
}


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(slots=True)
class PlannedRow:
    line: int
    action: str = Action.CREATE
    key: str = ""  # the existing item's key
    title: str = ""
    item_id: int | None = None
    version: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # what changes (or is set, if new)
    changes: list[str] = field(default_factory=list)  # the same, in words
    to_state: ReleaseStatus | None = None
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ImportPlan:
    rows: list[PlannedRow]
    notices: list[str]
    errors: list[str]  # about the file as a whole

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(row.errors) for row in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.errors)

    @property
    def count_with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def count_create(self) -> int:
        return self.count(Action.CREATE)

    @property
    def count_update(self) -> int:
        return self.count(Action.UPDATE)

    @property
    def count_unchanged(self) -> int:
        return self.count(Action.UNCHANGED)

    @property
    def moves(self) -> int:
        return sum(1 for row in self.rows if row.to_state is not None and not row.errors)

    @property
    def digest(self) -> str:
        """What the confirm must find unchanged: each row's action, target and versions."""
        summary = [
            [
                r.line,
                r.action,
                r.item_id,
                r.version,
                # The fields' values, not `changes` (words in the reader's language).
                sorted(f"{name}={getattr(value, 'pk', value)}" for name, value in r.fields.items()),
                r.to_state.pk if r.to_state else None,
            ]
            for r in self.rows
        ]
        return hashlib.sha256(json.dumps(summary, default=str).encode()).hexdigest()


def _choice(value: str, choices: list[tuple[Any, str]]) -> Any:
    """A choice named by its value or its label, in any case; None if neither. The label in
    English too: a file exported in one language imports in another."""
    wanted = value.strip().casefold()
    with translation.override("en"):
        english = [str(label).casefold() for _, label in choices]
    for (stored, label), label_en in zip(choices, english, strict=True):
        if wanted in (str(stored).casefold(), str(label).casefold(), label_en):
            return stored
    return None


def _columns(headers: tuple[str, ...]) -> tuple[dict[str, int], list[str], list[str]]:
    """Field -> cell index, the ignored headers, and errors about the header row."""
    index: dict[str, int] = {}
    ignored: list[str] = []
    errors: list[str] = []
    for position, header in enumerate(headers):
        name = " ".join(header.replace("_", " ").split()).casefold()
        target = COLUMNS.get(name) or COLUMNS.get(name.replace(" ", "_"))
        if target is None:
            if name and name not in IGNORED_QUIETLY:
                ignored.append(header[:ECHO])
            continue
        if target in index:
            errors.append(DUPLICATE_COLUMN.format(name=header[:ECHO]))
        index[target] = position
    if not index:
        errors.append(NO_COLUMNS)
    return index, ignored, errors


@dataclass(slots=True)
class _Lookups:
    """Everything the rows are checked against, each loaded in one query."""

    by_number: dict[int, ReleaseItem]
    by_external: dict[str, list[ReleaseItem]]
    members: dict[str, Any]  # casefolded username, e-mail or unique full name -> user
    workflow: Workflow

    @property
    def states(self) -> tuple[ReleaseStatus, ...]:
        return self.workflow.states


def _lookups(*, access: Access, cells: list[dict[str, str]]) -> _Lookups:
    code = access.project.code
    numbers = set()
    externals = set()
    for row in cells:
        match = KEY.fullmatch(row.get("key", ""))
        if match and match[1].upper() == code:
            numbers.add(int(match[2]))
        if row.get("external_key") and not row.get("key"):
            externals.add(row["external_key"])
    found: list[ReleaseItem] = []
    if numbers or externals:
        found = list(
            ReleaseItem.objects.filter(project=access.project)
            .filter(Q(number__in=numbers) | Q(change__external_key__in=externals))
            .select_related("change", "assignee", "status")
            .order_by("number")
        )
    by_external: dict[str, list[ReleaseItem]] = {}
    for item in found:
        item.project = access.project
        if item.change.external_key in externals:
            by_external.setdefault(item.change.external_key, []).append(item)
    members: dict[str, Any] = {}
    if any(row.get("assignee") for row in cells):
        users = list(User.objects.filter(release_memberships__project=access.project))
        # A full name, as the items export writes it, where it names one member only.
        names = [u.get_full_name().casefold() for u in users]
        for user, name in zip(users, names, strict=True):
            if name and names.count(name) == 1:
                members[name] = user
        for user in users:
            if user.email:
                members[user.email.casefold()] = user
        for user in users:
            members[user.get_username().casefold()] = user
    return _Lookups(
        by_number={item.number: item for item in found},
        by_external=by_external,
        members=members,
        workflow=workflow_current(),
    )


def _find_item(
    *, access: Access, row: dict[str, str], lookups: _Lookups, planned: PlannedRow
) -> ReleaseItem | None:
    code = access.project.code
    if row.get("key"):
        match = KEY.fullmatch(row["key"])
        if match is None or match[1].upper() != code:
            planned.errors.append(BAD_KEY.format(value=row["key"][:ECHO], code=code))
            return None
        item = lookups.by_number.get(int(match[2]))
        if item is None:
            planned.errors.append(NO_SUCH_KEY.format(value=row["key"][:ECHO].upper(), code=code))
        return item
    if row.get("external_key"):
        matches = lookups.by_external.get(row["external_key"], [])
        if len(matches) > 1:
            planned.errors.append(
                AMBIGUOUS_EXTERNAL.format(
                    count=len(matches), code=code, value=row["external_key"][:ECHO]
                )
            )
            return None
        return matches[0] if matches else None
    return None


def _row_fields(
    *, access: Access, row: dict[str, str], lookups: _Lookups, planned: PlannedRow
) -> dict[str, Any]:
    """The row's cells as field values; errors for the cells that are not valid."""
    values: dict[str, Any] = {}
    code = access.project.code
    for name, label, limit in (
        ("title", _("The title"), TITLE_MAX),
        ("description", _("The description"), DESCRIPTION_MAX),
        ("external_key", _("The external key"), EXTERNAL_KEY_MAX),
        ("external_url", _("The external URL"), EXTERNAL_URL_MAX),
    ):
        value = row.get(name, "")
        if not value:
            continue
        if len(value) > limit:
            planned.errors.append(TOO_LONG.format(label=label, limit=grouped(limit)))
            continue
        values[name] = value
    if "external_url" in values:
        try:
            URLValidator()(values["external_url"])
        except ValidationError:
            planned.errors.append(BAD_URL.format(value=values.pop("external_url")[:ECHO]))
    if row.get("kind"):
        kind = _choice(row["kind"], Kind.choices)
        if kind is None:
            choices = ", ".join(str(label) for _, label in Kind.choices)
            planned.errors.append(UNKNOWN_KIND.format(value=row["kind"][:ECHO], choices=choices))
        else:
            values["kind"] = kind
    if row.get("priority"):
        priority = _choice(row["priority"], Priority.choices)
        if priority is None:
            choices = ", ".join(str(label) for _, label in Priority.choices)
            planned.errors.append(
                UNKNOWN_PRIORITY.format(value=row["priority"][:ECHO], choices=choices)
            )
        else:
            values["priority"] = priority
    if row.get("assignee"):
        user = lookups.members.get(row["assignee"].casefold())
        if user is None:
            planned.errors.append(UNKNOWN_ASSIGNEE.format(value=row["assignee"][:ECHO], code=code))
        else:
            values["assignee"] = user
    return values


def _state(*, value: str, lookups: _Lookups, planned: PlannedRow) -> ReleaseStatus | None:
    wanted = value.strip().casefold()
    state = next(
        (s for s in lookups.states if s.name.casefold() == wanted or str(s.pk) == wanted), None
    )
    if state is None:
        planned.errors.append(UNKNOWN_STATE.format(value=value[:ECHO]))
    elif not state.enabled:
        planned.errors.append(DISABLED_STATE.format(value=state.name))
        return None
    return state


def _describe(name: str, value: Any) -> str:
    if name == "kind":
        return gettext("kind: {kind}").format(kind=Kind(value).label)
    if name == "priority":
        return gettext("priority: {priority}").format(priority=Priority(value).label)
    if name == "assignee":
        return gettext("assignee: {username}").format(username=value.get_username())
    if name == "description":
        return gettext("description")
    if name in FIELD_WORDS:
        return gettext("{field}: {value}").format(field=FIELD_WORDS[name], value=value)
    return f"{name.replace('_', ' ')}: {value}"


def _current(item: ReleaseItem, name: str) -> Any:
    return getattr(item if name in RELEASE_FIELDS else item.change, name)


def _plan_row(
    *,
    access: Access,
    line: int,
    row: dict[str, str],
    lookups: _Lookups,
    seen: dict[tuple[str, Any], int],
    first: ReleaseStatus | None,
) -> PlannedRow:
    """One row: the item it names (or a new one), what changes, and its errors."""
    planned = PlannedRow(line=line)
    item = _find_item(access=access, row=row, lookups=lookups, planned=planned)
    unnamed = bool(planned.errors)  # the key or external key named no single item
    identity = ("item", item.pk) if item else None
    if identity is None and row.get("external_key"):
        identity = ("external", row["external_key"])
    if identity is not None and identity in seen:
        planned.errors.append(DUPLICATE_ROW.format(line=seen[identity]))
    elif identity is not None:
        seen[identity] = line
    values = _row_fields(access=access, row=row, lookups=lookups, planned=planned)
    state = None
    if row.get("state"):
        state = _state(value=row["state"], lookups=lookups, planned=planned)
    if item is not None:
        planned.action = Action.UPDATE
        planned.key, planned.item_id, planned.version = item.key, item.pk, item.version
        planned.fields = {n: v for n, v in values.items() if _current(item, n) != v}
        planned.title = planned.fields.get("title", item.title)
        if state is not None and state.pk != item.status_id:
            planned.to_state = state
        if not planned.fields and planned.to_state is None:
            planned.action = Action.UNCHANGED
    elif not unnamed:
        planned.fields = values
        planned.title = values.get("title", "")
        if not row.get("title"):
            planned.errors.append(TITLE_MISSING)
        if state is not None and first is not None and state.pk != first.pk:
            planned.to_state = state
    planned.changes = [_describe(n, v) for n, v in planned.fields.items()]
    if planned.to_state is not None:
        planned.changes.append(gettext("state: {state}").format(state=planned.to_state.name))
    return planned


def import_plan(*, access: Access, sheet: Sheet) -> ImportPlan:
    """Check every row of `sheet` against the release: what it would create or change, and
    every error with its line. Writes nothing."""
    index, ignored, errors = _columns(sheet.headers)
    notices = [IGNORED_COLUMNS.format(names=", ".join(ignored))] if ignored else []
    if errors:
        return ImportPlan(rows=[], notices=notices, errors=errors)
    width = len(sheet.headers)
    rows = [r for r in sheet.rows if any(r.cells)]  # blank lines and trailing empty rows
    cells = [
        {name: r.cells[i] if i < len(r.cells) else "" for name, i in index.items()} for r in rows
    ]
    lookups = _lookups(access=access, cells=cells)
    first = next((s for s in lookups.states if s.enabled), None)
    seen: dict[tuple[str, Any], int] = {}
    planned_rows = []
    for sheet_row, row in zip(rows, cells, strict=True):
        planned = _plan_row(
            access=access, line=sheet_row.line, row=row, lookups=lookups, seen=seen, first=first
        )
        if any(sheet_row.cells[width:]):
            planned.errors.insert(0, ROW_TOO_LONG)
        planned_rows.append(planned)
    _check_moves(access=access, rows=planned_rows, lookups=lookups, first=first)
    return ImportPlan(rows=planned_rows, notices=notices, errors=[])


def _check_moves(
    *,
    access: Access,
    rows: list[PlannedRow],
    lookups: _Lookups,
    first: ReleaseStatus | None,
) -> None:
    """Ask the move policy (the engine's) about every state the rows set: a move it would
    refuse is an error of its row now, not a failed confirm later."""
    moving = [r for r in rows if r.to_state is not None and not r.errors]
    if not moving:
        return
    if not access.can(MOVE_ANY):
        for row in moving:
            row.errors.append(STATE_NEEDS_MANAGER)
        return
    items: list[ReleaseItem] = []
    for row in moving:
        if row.item_id is not None:
            items.append(lookups.by_number[int(row.key.rsplit("-", 1)[1])])
        else:  # a new item starts in the first state, at round 1
            change = Change(created_by=access.user)
            items.append(
                ReleaseItem(
                    project=access.project,
                    number=0,
                    change=change,
                    created_by=access.user,
                    status=first,
                    round=1,
                    version=1,
                )
            )
    policy = MovePolicy(access=access, workflow=lookups.workflow, items=items)
    for row, item in zip(moving, items, strict=True):
        decision = policy.decide(item, row.to_state, chosen=True)
        if not decision.allowed:
            row.errors.append(
                decision.reason.replace(f"{access.project.code}-0 ", gettext("The item "))
            )
