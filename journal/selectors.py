"""Reads of the journal: the django-simple-history rows of every tracked model.

Every page is a merge of the newest rows of each source, with keyset pagination (never an
OFFSET or COUNT over the whole journal), so its query count does not grow with the data.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from approvals.models import Approval, EmergencyMove, ReleaseApproval
from items.models import ReleaseItem, ReleaseStatus, TransitionRule
from journal.models import ChangeKind
from projects.models import ReleaseMember, ReleaseProject
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun

User = get_user_model()

PAGE_SIZE = 50
BAD_CURSOR = "That page of the journal does not exist; start again from the newest entry."

# Columns that change on every save and say nothing to a reader.
NOISE = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
    "ip_address",
    "change_kind",
    "from_status_id",
    "version",
    "updated_at",
    "created_at",
    "position",
    "id",
}


class BadCursor(ValueError):
    pass


@dataclass(slots=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(slots=True)
class Entry:
    source: str
    rank: int
    history_id: int
    when: datetime
    user: Any
    ip: str | None
    kind: str
    subject: str
    subject_url: str | None
    summary: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    emergency: bool = False

    @property
    def cursor(self) -> str:
        return f"{self.when.isoformat()}|{self.rank}|{self.history_id}"

    @property
    def kind_label(self) -> str:
        return ChangeKind(self.kind).label if self.kind in ChangeKind.values else self.kind


ItemHistory = ReleaseItem.history.model
TestCaseHistory = TestCase.history.model


def _items_of(project_id: int) -> Subquery:
    # From the items' journal, not the items: a removed item's evidence stays in view.
    return Subquery(ItemHistory.objects.filter(project_id=project_id).values("id"))


def _cases_of(**item_scope: Any) -> Subquery:
    return Subquery(TestCaseHistory.objects.filter(**item_scope).values("id"))


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    label: str
    rank: int
    model: type[Model]
    # How to select a project's rows and an item's rows (None: not part of that journal).
    of_project: Callable[[int], Q] | None
    of_item: Callable[[int], Q] | None


def _item_evidence(name: str, label: str, rank: int, model: type[Model]) -> Source:
    """A source of rows about one item each (votes, emergencies, QA records)."""
    return Source(
        name, label, rank, model, lambda p: Q(item_id__in=_items_of(p)), lambda i: Q(item_id=i)
    )


SOURCES = {
    s.name: s
    for s in (
        Source("items", "Items", 0, ItemHistory, lambda p: Q(project_id=p), lambda i: Q(id=i)),
        Source(
            "members", "Members", 1, ReleaseMember.history.model, lambda p: Q(project_id=p), None
        ),
        Source("projects", "Projects", 2, ReleaseProject.history.model, lambda p: Q(id=p), None),
        Source("states", "Release states", 3, ReleaseStatus.history.model, None, None),
        Source("rules", "Transition rules", 4, TransitionRule.history.model, None, None),
        _item_evidence("approvals", "Approvals", 5, Approval.history.model),
        Source(
            "release",
            "Release approval",
            6,
            ReleaseApproval.history.model,
            lambda p: Q(project_id=p),
            None,
        ),
        _item_evidence("emergencies", "Emergency moves", 7, EmergencyMove.history.model),
        _item_evidence("tests", "Test cases", 8, TestCaseHistory),
        Source(
            "runs",
            "Test runs",
            9,
            TestRun.history.model,
            lambda p: Q(test_case_id__in=_cases_of(item_id__in=_items_of(p))),
            lambda i: Q(test_case_id__in=_cases_of(item_id=i)),
        ),
        _item_evidence("signoffs", "QA sign-offs", 10, QASignoff.history.model),
        _item_evidence("acceptance", "Acceptance decisions", 11, AcceptanceDecision.history.model),
    )
}
ITEM_SOURCES = [n for n, s in SOURCES.items() if s.of_item]
PROJECT_SOURCES = [n for n, s in SOURCES.items() if s.of_project]
ALL_SOURCES = list(SOURCES)


@dataclass(frozen=True, slots=True)
class JournalQuery:
    user_id: int | None = None
    kind: str | None = None
    source: str | None = None
    since: date | None = None
    until: date | None = None
    before: tuple[datetime, int, int] | None = None  # the keyset cursor


def parse_cursor(value: str) -> tuple[datetime, int, int]:
    try:
        when, rank, history_id = value.split("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            raise ValueError(value)
        return parsed, int(rank), int(history_id)
    except (ValueError, OverflowError):
        raise BadCursor(BAD_CURSOR) from None


def _before(source: Source, cursor: tuple[datetime, int, int]) -> Q:
    """Rows strictly older than the cursor in the order (date, rank, history_id) descending."""
    when, rank, history_id = cursor
    if source.rank < rank:
        return Q(history_date__lte=when)
    if source.rank > rank:
        return Q(history_date__lt=when)
    # The redundant range lets the database seek its index to the cursor: the OR alone is no
    # index condition, and scanning every newer row made deep pages slow (docs/PERFORMANCE.md).
    return Q(history_date__lte=when) & (
        Q(history_date__lt=when) | Q(history_date=when, history_id__lt=history_id)
    )


def _filtered(rows: QuerySet, query: JournalQuery, source: Source) -> QuerySet:
    if query.user_id is not None:
        rows = rows.filter(history_user_id=query.user_id)
    if query.kind:
        rows = rows.filter(change_kind=query.kind)
    tz = timezone.get_current_timezone()
    if query.since:
        rows = rows.filter(history_date__gte=datetime.combine(query.since, time.min, tz))
    if query.until:
        rows = rows.filter(history_date__lte=datetime.combine(query.until, time.max, tz))
    if query.before:
        rows = rows.filter(_before(source, query.before))
    return rows


def _with_previous(rows: list[Model], model: type[Model]) -> dict[int, Model]:
    """The row before each edited row (one query), to show what an edit changed."""
    wanted = [r.prev_history_id for r in rows if r.history_type == "~" and r.prev_history_id]
    if not wanted:
        return {}
    return {r.history_id: r for r in model.objects.filter(history_id__in=wanted)}


def _changes(row: Model, previous: Model | None, names: Callable[[str, Any], str]) -> list[Change]:
    if previous is None:
        return []
    changes = []
    for f in row._meta.concrete_fields:
        attname = f.attname
        if attname in NOISE or f.name in NOISE:
            continue
        old, new = getattr(previous, attname), getattr(row, attname)
        if old != new:
            label = str(f.verbose_name).removesuffix(" id")
            changes.append(Change(label, names(f.name, old), names(f.name, new)))
    return changes


def journal_entries(
    *,
    sources: Iterable[str],
    query: JournalQuery,
    project: ReleaseProject | None = None,
    item_id: int | None = None,
    page_size: int = PAGE_SIZE,
) -> tuple[list[Entry], bool]:
    """The newest `page_size` entries older than the cursor, and whether there are more.

    One query per source (plus one for the rows before edited ones, where a page has edits)
    and a few for the names the page mentions: constant whatever the journal's size.
    """
    picked = [SOURCES[name] for name in sources if not query.source or query.source == name]
    fetched: list[tuple[Source, list[Model]]] = []
    for source in picked:
        rows = source.model.objects.select_related("history_user")
        if item_id is not None:
            rows = rows.filter(source.of_item(item_id))
        elif project is not None:
            rows = rows.filter(source.of_project(project.pk))
        rows = _filtered(rows, query, source)
        previous = source.model.objects.filter(
            id=OuterRef("id"), history_date__lt=OuterRef("history_date")
        ).order_by("-history_date", "-history_id")
        rows = rows.annotate(prev_history_id=Subquery(previous.values("history_id")[:1])).order_by(
            "-history_date", "-history_id"
        )[: page_size + 1]
        fetched.append((source, list(rows)))

    merged = sorted(
        ((source, row) for source, rows in fetched for row in rows),
        key=lambda pair: (pair[1].history_date, pair[0].rank, pair[1].history_id),
        reverse=True,
    )
    has_more = len(merged) > page_size
    page = merged[:page_size]

    previous_rows: dict[int, Model] = {}
    for source in picked:
        previous_rows |= _with_previous([r for s, r in page if s is source], source.model)
    names = _Names(page=page, previous=previous_rows.values(), project=project)
    return [_entry(source, row, previous_rows, names) for source, row in page], has_more


class _Names:
    """Names for the ids a page mentions: two queries (states with users, projects)."""

    def __init__(self, *, page: list, previous: Iterable[Model], project: ReleaseProject | None):
        rows = [row for _, row in page] + list(previous)
        user_ids = {
            getattr(r, a, None)
            for r in rows
            for a in ("assignee_id", "user_id", "release_manager_id")
        }
        user_ids.discard(None)
        self.states = dict(ReleaseStatus.objects.values_list("id", "name"))
        self.users = (
            {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
        )
        # Items and test cases mentioned by evidence rows: their keys and titles (two queries).
        case_ids = {r.test_case_id for r in rows if hasattr(r, "test_case_id")}
        self.cases: dict[int, tuple[int, str]] = {}
        if case_ids:
            for case_id, case_item, title in TestCaseHistory.objects.filter(
                id__in=case_ids
            ).values_list("id", "item_id", "title"):
                self.cases[case_id] = (case_item, title)
        item_ids = {getattr(r, "item_id", None) for r in rows} | {
            case_item for case_item, _ in self.cases.values()
        }
        item_ids.discard(None)
        self.items: dict[int, tuple[int, int]] = {}
        if item_ids:
            for key_item, key_project, number in (
                ItemHistory.objects.filter(id__in=item_ids)
                .values_list("id", "project_id", "number")
                .distinct()
            ):
                self.items[key_item] = (key_project, number)
        project_ids = {getattr(r, "project_id", None) for r in rows} - {None}
        project_ids |= {key_project for key_project, _ in self.items.values()}
        if project is not None:
            self.codes = {project.pk: project.code}
        elif project_ids:
            self.codes = dict(
                ReleaseProject.objects.filter(pk__in=project_ids).values_list("id", "code")
            )
        else:
            self.codes = {}

    def item(self, item_id: int) -> tuple[str, str | None]:
        """An item's key and journal URL."""
        if item_id not in self.items:
            return f"item #{item_id}", None
        project_id, number = self.items[item_id]
        code = self.codes.get(project_id, "?")
        return f"{code}-{number}", reverse("journal:item", kwargs={"code": code, "number": number})

    def __call__(self, name: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if name in ("assignee", "user", "release_manager"):
            return self.users.get(value, f"user #{value}")
        if name == "status":
            return self.states.get(value, f"state #{value}")
        return str(value)


def _entry(source: Source, row: Model, previous: dict[int, Model], names: _Names) -> Entry:
    kind = row.change_kind
    changes = _changes(row, previous.get(row.prev_history_id), names) if kind == "edited" else []
    subject_url = None
    if source.name == "items":
        code = names.codes.get(row.project_id, "?")
        subject = f"{code}-{row.number}"
        subject_url = reverse("journal:item", kwargs={"code": code, "number": row.number})
        state = names.states.get(row.status_id, "?")
        summary = {
            "created": f"Created in {state}",
            "moved": f"Moved from {names.states.get(row.from_status_id, '?')} to {state}",
            "reordered": f"Reordered within {state}",
            "removed": "Removed",
        }.get(kind, "Edited")
        summary = f"{summary}: {row.title}" if kind in ("created", "removed") else summary
    elif source.name == "members":
        subject = f"Member {names('user', row.user_id)}"
        role = ReleaseMember(role=row.role).get_role_display()
        summary = {"created": f"Added as {role}", "removed": "Removed from the project"}.get(
            kind, f"Role set to {role}"
        )
    elif source.name == "projects":
        subject = f"Project {row.code}"
        summary = {"created": f"Created “{row.name}”", "removed": "Deleted"}.get(kind, "Edited")
    elif source.name == "states":
        subject = f"State {row.id}"
        summary = {"created": f"Created “{row.name}”", "removed": f"Deleted “{row.name}”"}.get(
            kind, "Edited"
        )
    elif source.name == "rules":
        move = (
            f"{names.states.get(row.from_state_id, '?')} → {names.states.get(row.to_state_id, '?')}"
        )
        subject = f"Rule {move}"
        summary = {"created": "Rule created", "removed": "Rule deleted"}.get(kind, "Rule edited")
    elif source.name == "release":
        subject = f"Release {names.codes.get(row.project_id, '?')}"
        summary = _vote_summary(row, kind, what="the release")
    else:
        item_id = (
            row.item_id if hasattr(row, "item_id") else names.cases.get(row.test_case_id, (0,))[0]
        )
        subject, subject_url = names.item(item_id)
        summary = _evidence_summary(source.name, row, kind, names)
    return Entry(
        source=source.name,
        rank=source.rank,
        history_id=row.history_id,
        when=row.history_date,
        user=row.history_user,
        ip=row.ip_address,
        kind=kind,
        subject=subject,
        subject_url=subject_url,
        summary=summary,
        reason=row.history_change_reason or "",
        changes=changes,
        emergency=getattr(row, "emergency", False) or source.name == "emergencies",
    )


def _vote_summary(row: Model, kind: str, *, what: str) -> str:
    if kind == "edited" and row.withdrawn:
        return f"Withdrew the vote on {what}"
    return f"{'Approved' if row.vote == 'approve' else 'Rejected'} {what}"


def _evidence_summary(name: str, row: Model, kind: str, names: _Names) -> str:
    if name == "approvals":
        target = names.states.get(row.to_state_id, "?")
        return f"{_vote_summary(row, kind, what=f'the move to {target}')} ({row.sod_checks})"
    if name == "emergencies":
        source, target = (
            names.states.get(row.from_state_id, "?"),
            names.states.get(row.to_state_id, "?"),
        )
        return f"Emergency move from {source} to {target}, past: {row.blockers}"
    if name == "tests":
        return f"Test case {'added' if kind == 'created' else kind}: {row.title}"
    if name == "runs":
        title = names.cases.get(row.test_case_id, (0, "?"))[1]
        return f"Test run {row.get_result_display().lower()}: {title}"
    if name == "signoffs":
        return f"QA sign-off ({row.sod_checks})"
    return f"Acceptance decision: {row.get_decision_display().lower()}"


def item_history_identity(*, project: ReleaseProject, number: int) -> tuple[int, str] | None:
    """The id and latest title of an item, from its journal, so removed items stay readable."""
    row = (
        ReleaseItem.history.model.objects.filter(project_id=project.pk, number=number)
        .order_by("-history_date")
        .values_list("id", "title")
        .first()
    )
    return row
