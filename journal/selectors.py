"""Reads of the journal: the django-simple-history rows of every tracked model.

Every page is a merge of the newest rows of each source, with keyset pagination (never an
OFFSET or COUNT over the whole journal), so its query count does not grow with the data.

What a row says is decided in one place: each source has a describer (the subject, what
happened in words, a one-line summary) and names the fields that are bookkeeping; an edit's
field changes show values by their labels (choices, names of the things a key points to).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Field, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from approvals.models import Approval, EmergencyMove, ReleaseApproval
from approvals.sod import sod_checks_said
from configuration.models import Dependency
from evidence.models import EvidenceView
from items.models import Change as ItemChange
from items.models import ReleaseItem, ReleaseStatus, TransitionRule, change_key
from journal.field_labels import field_label
from journal.models import AccessChange, AccessRelation, ChangeKind
from planning.models import FreezeWindow, Milestone, ReleaseSchedule
from projects.models import ReleaseMember, ReleaseProject
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun
from releases.models import NotesItemPlacement, Placement, PublishedNotes, ReleaseNotes

User = get_user_model()

PAGE_SIZE = 50
BAD_CURSOR = gettext_noop(
    "That page of the journal does not exist; start again from the newest entry."
)
UNKNOWN = "?"
NOTHING = "—"

# Columns of every journal row that say nothing to a reader as a field change.
NOISE = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "ip_address",
    "change_kind",
    "from_status",
    "emergency",
    "password_changed",
    "version",
    "updated_at",
    "created_at",
    "id",
}


class BadCursor(ValueError):
    pass


@dataclass(slots=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Said:
    """What one journal row says: about what, what happened (a badge), and a summary line."""

    subject: str
    action: str
    summary: str
    subject_url: str | None = None


@dataclass(slots=True)
class Entry:
    source: str
    rank: int
    history_id: int
    when: datetime
    user: Any
    ip: str | None
    kind: str
    action: str
    subject: str
    subject_url: str | None
    summary: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    emergency: bool = False

    @property
    def cursor(self) -> str:
        return f"{self.when.isoformat()}|{self.rank}|{self.history_id}"


ItemHistory = ReleaseItem.history.model
ChangeHistory = ItemChange.history.model
TestCaseHistory = TestCase.history.model
ProjectHistory = ReleaseProject.history.model
StateHistory = ReleaseStatus.history.model
UserHistory = User.history.model
GroupHistory = Group.history.model


def _items_of(project_id: int) -> Subquery:
    # From the items' journal, not the items: a removed item's evidence stays in view.
    return Subquery(ItemHistory.objects.filter(project_id=project_id).values("id"))


def _changes_of(**item_scope: Any) -> Subquery:
    """The changes of these items, from the items' journal. Rows written before changes existed
    have no change id: their change has the item's id (items migration 0009)."""
    return Subquery(
        ItemHistory.objects.filter(**item_scope).values(of_change=Coalesce("change_id", "id"))
    )


def change_of(row: Model) -> int:
    """The change an item journal row is about (see _changes_of)."""
    return row.change_id if row.change_id is not None else row.id


def _cases_of(**item_scope: Any) -> Subquery:
    return Subquery(TestCaseHistory.objects.filter(**item_scope).values("id"))


# A describer gets the row, its change kind, the page's names and (for edits) the row before it.
Describer = Callable[[Model, str, "_Names", Model | None], Said]


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    label: str
    rank: int
    model: type[Model]
    # How to select a project's rows and an item's rows (None: not part of that journal).
    of_project: Callable[[int], Q] | None
    of_item: Callable[[int], Q] | None
    describe: Describer
    # Fields kept for the application's own bookkeeping, never listed as an edit's changes.
    hidden: frozenset[str] = frozenset()
    # Rows are snapshots of one object (django-simple-history): an edit is shown against the
    # row before it. False for rows that each record one change themselves (AccessChange).
    snapshots: bool = True


@dataclass(frozen=True, slots=True)
class ItemRows:
    """A source of rows about one item each (an `item` key, like votes and QA records): it is
    in the item's, its release's and the installation's journal, with the item as the entry's
    subject. `describe` returns the entry's badge and summary; `rank` must be one no other
    source uses."""

    name: str
    label: str
    rank: int
    model: type[Model]
    describe: Callable[[Model, str, "_Names"], tuple[str, str]]
    hidden: frozenset[str] = frozenset()


# --- Names: what the ids a page mentions are called --------------------------------------


def _latest_of_each(history: type[Model], ids: Iterable[int]) -> QuerySet:
    """The newest journal row of each of these objects: how a deleted one was last named."""
    newest = history.objects.filter(id=OuterRef("id")).order_by("-history_date", "-history_id")
    return history.objects.filter(id__in=ids, history_id=Subquery(newest.values("history_id")[:1]))


def _relations(model: type[Model]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.name not in NOISE]


class _Names:
    """Names for the ids a page mentions: a few queries, whatever the page holds.

    Live objects are named from their tables; deleted ones from their journal, as they were.
    """

    def __init__(self, *, rows: list[Model], project: ReleaseProject | None):
        wanted: dict[type[Model], set[int]] = defaultdict(set)
        for row in rows:
            for f in _relations(type(row)):
                value = getattr(row, f.attname)
                if value is not None:
                    wanted[f.related_model].add(value)
            if getattr(row, "from_status_id", None) is not None:
                wanted[ReleaseStatus].add(row.from_status_id)
            if isinstance(row, ItemHistory):
                wanted[ItemChange].add(change_of(row))

        self.states = dict(ReleaseStatus.objects.values_list("id", "name"))
        gone = wanted[ReleaseStatus] - self.states.keys()
        if gone:
            self.states |= dict(_latest_of_each(StateHistory, gone).values_list("id", "name"))

        self.users = self._users(wanted[User])

        # Test cases and items mentioned by evidence rows: titles and keys, from their journals.
        self.cases: dict[int, tuple[int, str]] = {}
        if wanted[TestCase]:
            for case_id, case_item, title in TestCaseHistory.objects.filter(
                id__in=wanted[TestCase]
            ).values_list("id", "item_id", "title"):
                self.cases[case_id] = (case_item, title)
        item_ids = wanted[ReleaseItem] | {case_item for case_item, _title in self.cases.values()}
        self.items: dict[int, tuple[int, int]] = {}
        if item_ids:
            for key_item, key_project, number in (
                ItemHistory.objects.filter(id__in=item_ids)
                .values_list("id", "project_id", "number")
                .distinct()
            ):
                self.items[key_item] = (key_project, number)

        # Changes are never deleted (PROTECT; no delete in the admin): titles from the table.
        self.changes: dict[int, str] = {}
        if wanted[ItemChange]:
            self.changes = dict(
                ItemChange.objects.filter(pk__in=wanted[ItemChange]).values_list("id", "title")
            )

        # In a release's journal, a change's content rows are named by its key there (PAY-12).
        self.project_id = project.pk if project is not None else None
        self.change_numbers: dict[int, int] = {}
        content = {row.id for row in rows if isinstance(row, ChangeHistory)}
        if content and project is not None:
            self.change_numbers = dict(
                ItemHistory.objects.filter(project_id=project.pk)
                .annotate(of_change=Coalesce("change_id", "id"))
                .filter(of_change__in=content)
                .values_list("of_change", "number")
                .distinct()
            )

        project_ids = wanted[ReleaseProject] | {
            key_project for key_project, _number in self.items.values()
        }
        if project is not None:
            self.codes = {project.pk: project.code}
        elif project_ids:
            self.codes = dict(
                ReleaseProject.objects.filter(pk__in=project_ids).values_list("id", "code")
            )
        else:
            self.codes = {}
        # Journal pages of a deleted project's items cannot be reached: no links to them.
        self.live_projects = set(self.codes)
        gone = project_ids - self.live_projects
        if gone:
            self.codes |= dict(_latest_of_each(ProjectHistory, gone).values_list("id", "code"))

    @staticmethod
    def _users(ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
        gone = ids - names.keys()
        if gone:
            names |= dict(_latest_of_each(UserHistory, gone).values_list("id", "username"))
        return names

    def code(self, project_id: int) -> str:
        return self.codes.get(project_id, UNKNOWN)

    def state(self, state_id: int | None) -> str:
        return self.states.get(state_id, UNKNOWN)

    def item_url(self, project_id: int, number: int) -> str | None:
        if project_id not in self.live_projects:
            return None
        return reverse("journal:item", kwargs={"code": self.codes[project_id], "number": number})

    def item(self, item_id: int) -> tuple[str, str | None]:
        """An item's key and journal URL."""
        if item_id not in self.items:
            return _("item #%(id)s") % {"id": item_id}, None
        project_id, number = self.items[item_id]
        return f"{self.code(project_id)}-{number}", self.item_url(project_id, number)

    def of(self, model: type[Model], pk: Any) -> str:
        """The name of the object `pk` of `model` a row points to."""
        if model is User:
            return self.users[pk] if pk in self.users else _("user #%(id)s") % {"id": pk}
        if model is ReleaseStatus:
            return self.states[pk] if pk in self.states else _("state #%(id)s") % {"id": pk}
        if model is ReleaseProject:
            return self.codes[pk] if pk in self.codes else _("project #%(id)s") % {"id": pk}
        if model is ReleaseItem:
            return self.item(pk)[0]
        if model is TestCase:
            return self.cases[pk][1] if pk in self.cases else _("test case #%(id)s") % {"id": pk}
        if model is ItemChange:
            return change_key(pk)
        return _("%(kind)s #%(id)s") % {"kind": model._meta.verbose_name, "id": pk}

    def value(self, f: Field, value: Any) -> str:
        """A field's value as a reader knows it: its label, or the name of what it points to."""
        if value is None or value == "":
            return NOTHING
        if f.is_relation:
            return self.of(f.related_model, value)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
        if isinstance(value, list):
            return ", ".join(map(str, value)) or NOTHING
        return str(value)

    def label(self, row: Model, name: str) -> str:
        f = row._meta.get_field(name)
        return self.value(f, getattr(row, f.attname))


def _changes(row: Model, previous: Model, names: _Names, hidden: frozenset[str]) -> list[Change]:
    changes = []
    for f in row._meta.concrete_fields:
        if f.name in NOISE or f.name in hidden:
            continue
        old, new = getattr(previous, f.attname), getattr(row, f.attname)
        if old != new:
            changes.append(Change(field_label(f), names.value(f, old), names.value(f, new)))
    return changes


# --- Describers: what each kind of row says -------------------------------------------------
# Describers run when a page is shown, so what they say follows the reader's language; the
# journal's rows (and their reasons) stay as they were written.


def _created_deleted(kind: str, otherwise: str) -> str:
    """The badge of a row that creates or deletes its object, else `otherwise`."""
    return {"created": _("Created"), "removed": _("Deleted")}.get(kind, otherwise)


def _item_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    state = names.state(row.status_id)
    title = names.changes.get(change_of(row), UNKNOWN)
    if kind == "created":
        summary = _("Created in %(state)s: %(title)s") % {"state": state, "title": title}
    elif kind == "removed":
        summary = _("Removed: %(title)s") % {"title": title}
    elif kind == "moved":
        summary = _("Moved from %(from)s to %(to)s") % {
            "from": names.state(row.from_status_id),
            "to": state,
        }
    elif kind == "reordered":
        summary = _("Reordered within %(state)s") % {"state": state}
    else:
        summary = _("Edited")
    return Said(
        subject=f"{names.code(row.project_id)}-{row.number}",
        subject_url=names.item_url(row.project_id, row.number),
        action=str(ChangeKind(kind).label),
        summary=summary,
    )


def _change_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    """The content of a change, shared by every release that includes it: named by its key in
    the release whose journal this is, else by its own id."""
    key, url = _("Change %(key)s") % {"key": change_key(row.id)}, None
    number = names.change_numbers.get(row.id)
    if number is not None and names.project_id is not None:
        key = f"{names.code(names.project_id)}-{number}"
        url = names.item_url(names.project_id, number)
    if kind == "created":
        action = _("Content written")
        summary = _(
            "Content written: %(title)s (%(key)s, the same in every release that includes it)"
        ) % {"title": row.title, "key": change_key(row.id)}
    elif kind == "removed":
        action = summary = _("Deleted")
    else:
        action = _("Content edited")
        summary = _("Content edited (%(key)s, the same in every release that includes it)") % {
            "key": change_key(row.id)
        }
    return Said(subject=key, subject_url=url, action=action, summary=summary)


def _member_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    role = names.label(row, "role")
    if kind == "created":
        action, summary = _("Added"), _("Added as %(role)s") % {"role": role}
    elif kind == "removed":
        action, summary = _("Removed"), _("Removed from the project")
    else:
        action, summary = _("Role changed"), _("Role set to %(role)s") % {"role": role}
    return Said(
        subject=_("Member %(user)s") % {"user": names.of(User, row.user_id)},
        action=action,
        summary=summary,
    )


def _project_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    summary = {
        "created": _("Created “%(name)s”") % {"name": row.name},
        "removed": _("Deleted"),
    }.get(kind, _("Edited"))
    return Said(
        subject=_("Project %(code)s") % {"code": row.code},
        action=_created_deleted(kind, _("Edited")),
        summary=summary,
    )


def _schedule_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    # An actual date is written by the system, which names the milestone in the (English,
    # stored) reason; the summary names it again in the reader's language.
    reason = row.history_change_reason or ""
    if reason.endswith(": recorded by the system"):
        english = reason.removesuffix(": recorded by the system")
        with translation.override("en"):
            milestone = next((m for m in Milestone if str(m.label) == english), None)
        named = milestone.label if milestone else english
        action = _("Milestone reached")
        summary = _("%(milestone)s: recorded by the system") % {"milestone": named}
    else:
        action = _created_deleted(kind, _("Planned"))
        summary = _("Deleted") if kind == "removed" else _("Milestones planned")
    return Said(
        subject=_("Schedule of %(code)s") % {"code": names.code(row.project_id)},
        action=action,
        summary=summary,
    )


def _freeze_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    if row.project_id:
        subject = _("Freeze window “%(name)s” (%(code)s)") % {
            "name": row.name,
            "code": names.code(row.project_id),
        }
    else:
        subject = _("Freeze window “%(name)s” (installation-wide)") % {"name": row.name}
    summary = {
        "created": _("Freeze window defined"),
        "removed": _("Freeze window deleted"),
    }.get(kind, _("Freeze window edited"))
    return Said(subject=subject, action=_created_deleted(kind, _("Edited")), summary=summary)


def _notes_of(names: _Names, project_id: int) -> str:
    return _("Release notes of %(code)s") % {"code": names.code(project_id)}


def _notes_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    return Said(
        subject=_notes_of(names, row.project_id),
        action=_created_deleted(kind, _("Edited")),
        summary=_("Introduction and known issues written")
        if kind == "created"
        else _("Introduction and known issues edited"),
    )


def _placement_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    key, _url = names.item(row.item_id)
    if kind == "removed":
        summary = _("%(key)s listed by its kind again") % {"key": key}
    elif row.placement == Placement.HIDDEN:
        summary = _("%(key)s hidden from the notes") % {"key": key}
    elif row.placement == Placement.KNOWN_ISSUE:
        summary = _("%(key)s a known issue") % {"key": key}
    else:
        summary = f"{key} {row.placement}"
    return Said(
        subject=_notes_of(names, row.project_id),
        action=_("Item placed") if kind != "removed" else _("Item placed by kind"),
        summary=summary,
    )


def _published_notes_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    return Said(
        subject=_notes_of(names, row.project_id),
        subject_url=reverse("releases:notes", kwargs={"code": names.code(row.project_id)})
        + f"?version={row.version}"
        if row.project_id in names.live_projects
        else None,
        action=_("Published"),
        summary=_("Version %(version)s published as the release went live")
        % {"version": row.version},
    )


def _state_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    summary = {
        "created": _("Created “%(name)s”") % {"name": row.name},
        "removed": _("Deleted “%(name)s”") % {"name": row.name},
    }.get(kind, _("Edited"))
    return Said(
        subject=_("State %(id)s") % {"id": row.id},
        action=_created_deleted(kind, _("Edited")),
        summary=summary,
    )


def _rule_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    summary = {"created": _("Rule created"), "removed": _("Rule deleted")}.get(
        kind, _("Rule edited")
    )
    return Said(
        subject=_("Rule %(from)s → %(to)s")
        % {"from": names.state(row.from_state_id), "to": names.state(row.to_state_id)},
        action=_created_deleted(kind, _("Edited")),
        summary=summary,
    )


def _vote(row: Model, kind: str, names: _Names, *, to_state: str | None) -> tuple[str, str]:
    """A vote's badge ("Approved", "Rejected", "Vote withdrawn") and summary: on the release,
    or (`to_state`) on an item's move to that state."""
    about = {"state": to_state}
    if kind == "edited" and row.withdrawn:
        if to_state is None:
            return _("Vote withdrawn"), _("Withdrew the vote on the release")
        return _("Vote withdrawn"), _("Withdrew the vote on the move to %(state)s") % about
    verdict = names.label(row, "vote")  # the choice's label: "Approved" or "Rejected"
    approved = row.vote == "approve"
    if to_state is None:
        summary = _("Approved the release") if approved else _("Rejected the release")
    elif approved:
        summary = _("Approved the move to %(state)s") % about
    else:
        summary = _("Rejected the move to %(state)s") % about
    return verdict, summary


def _release_vote_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    action, summary = _vote(row, kind, names, to_state=None)
    return Said(
        subject=_("Release %(code)s") % {"code": names.code(row.project_id)},
        action=action,
        summary=summary,
    )


def _item_evidence(describe: Callable[[Model, str, _Names], tuple[str, str]]) -> Describer:
    """A describer of rows about one item each (votes, emergencies, QA records)."""

    def said(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
        item_id = (
            row.item_id if hasattr(row, "item_id") else names.cases.get(row.test_case_id, (0,))[0]
        )
        subject, subject_url = names.item(item_id)
        action, summary = describe(row, kind, names)
        return Said(subject=subject, subject_url=subject_url, action=action, summary=summary)

    return said


def _approval(row: Model, kind: str, names: _Names) -> tuple[str, str]:
    action, summary = _vote(row, kind, names, to_state=names.state(row.to_state_id))
    return action, f"{summary} ({sod_checks_said(row.sod_checks)})"


def _emergency(row: Model, kind: str, names: _Names) -> tuple[str, str]:
    summary = _("Emergency move from %(from)s to %(to)s, past: %(blockers)s") % {
        "from": names.state(row.from_state_id),
        "to": names.state(row.to_state_id),
        "blockers": row.blockers,
    }
    return _("Emergency move"), summary


def _test_case(row: Model, kind: str, names: _Names) -> tuple[str, str]:
    about = {"title": row.title}
    if kind == "created":
        return _("Test case added"), _("Test case added: %(title)s") % about
    # "Remove test case" retires it (its runs stay evidence): the edit that set retired_at.
    if kind == "removed" or getattr(row, "retired_at", None):
        return _("Test case removed"), _("Test case removed: %(title)s") % about
    return _("Test case edited"), _("Test case edited: %(title)s") % about


def _test_run(row: Model, kind: str, names: _Names) -> tuple[str, str]:
    result = names.label(row, "result").lower()  # the choice's label: "passed", "failed"...
    case = names.of(TestCase, row.test_case_id)
    return (
        _("Test run: %(result)s") % {"result": result},
        _("Test run %(result)s: %(case)s") % {"result": result, "case": case},
    )


def _signoff(row: Model, kind: str, names: _Names) -> tuple[str, str]:
    action = _("Sign-off withdrawn") if kind == "removed" else _("QA signed off")
    return action, _("QA sign-off (%(checks)s)") % {"checks": sod_checks_said(row.sod_checks)}


def _dependency(row: Model, kind: str, names: _Names) -> tuple[str, str]:
    # A release's journal names only its own items (its names' live projects): an item of
    # another release may be one the reader cannot see. The installation's names them all.
    project_id, number = names.items.get(row.depends_on_id, (None, None))
    if project_id in names.live_projects:
        other = f"{names.code(project_id)}-{number}"
        if kind == "removed":
            return _("Dependency removed"), _("No longer depends on %(key)s") % {"key": other}
        return _("Dependency added"), _("Depends on %(key)s") % {"key": other}
    if kind == "removed":
        return _("Dependency removed"), _("No longer depends on an item of another release")
    return _("Dependency added"), _("Depends on an item of another release")


def _acceptance(row: Model, kind: str, names: _Names) -> tuple[str, str]:
    decision = names.label(row, "decision")  # "Accepted" or "Rejected"
    return decision, _("Acceptance decision: %(decision)s") % {"decision": decision.lower()}


# An account's flags, by the words for setting and clearing them (translated when shown).
ACCOUNT_FLAGS = {
    "is_superuser": (gettext_noop("granted superuser"), gettext_noop("revoked superuser")),
    "is_staff": (gettext_noop("granted staff status"), gettext_noop("revoked staff status")),
    "is_active": (gettext_noop("reactivated"), gettext_noop("deactivated")),
}


def _sentence(words: list[str]) -> str:
    """A list of events, the first capitalised: "Granted superuser, password changed"."""
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def _account_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    subject = _("User %(name)s") % {"name": row.username}
    if kind == "created":
        held = [
            _(ACCOUNT_FLAGS[flag][0]) for flag in ("is_superuser", "is_staff") if getattr(row, flag)
        ]
        if not row.is_active:
            held.append(_("inactive"))
        return Said(subject, _("Account created"), _sentence([_("account created"), *held]))
    if kind == "removed":
        return Said(subject, _("Account deleted"), _("Account deleted"))
    events = [
        _(words[0]) if getattr(row, flag) else _(words[1])
        for flag, words in ACCOUNT_FLAGS.items()
        if previous is not None and getattr(previous, flag) != getattr(row, flag)
    ]
    if row.password_changed:
        events.append(_("password changed"))
    if not events:
        return Said(subject, _("Edited"), _("Edited"))
    return Said(subject, _sentence(events[:1]), _sentence(events))


def _group_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    summary = {
        "created": _("Created “%(name)s”") % {"name": row.name},
        "removed": _("Deleted"),
    }.get(kind, _("Edited"))
    return Said(
        subject=_("Group %(name)s") % {"name": row.name},
        action={"created": _("Group created"), "removed": _("Group deleted")}.get(
            kind, _("Edited")
        ),
        summary=summary,
    )


def _access_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    if row.relation == AccessRelation.GROUPS:
        about = {"group": row.group_name}
        if row.granted:
            return Said(
                _("User %(name)s") % {"name": row.user_name},
                _("Added to group"),
                _("Added to group %(group)s") % about,
            )
        return Said(
            _("User %(name)s") % {"name": row.user_name},
            _("Removed from group"),
            _("Removed from group %(group)s") % about,
        )
    if row.group_id is not None:
        holder = _("Group %(name)s") % {"name": row.group_name}
    else:
        holder = _("User %(name)s") % {"name": row.user_name}
    permission = {"permission": row.permission_name}
    if row.granted:
        return Said(
            holder,
            _("Permission granted"),
            _("Granted permission “%(permission)s”") % permission,
        )
    return Said(
        holder, _("Permission revoked"), _("Revoked permission “%(permission)s”") % permission
    )


# How a read of a release's evidence is said (evidence.audit_log's `what`).
_EVIDENCE_READS = {
    "pack.json": gettext_noop("Downloaded the evidence pack as JSON"),
    "pack.html": gettext_noop("Downloaded the evidence pack as a page"),
    "pack.pdf": gettext_noop("Downloaded the evidence pack as PDF"),
}


def _evidence_read_row(row: Model, kind: str, names: _Names, previous: Model | None) -> Said:
    known = _EVIDENCE_READS.get(row.what)
    summary = (
        _(known) if known else _("Downloaded the evidence pack (%(what)s)") % {"what": row.what}
    )
    return Said(
        subject=_("Evidence pack of %(code)s") % {"code": row.project_code},
        action=_("Evidence read"),
        summary=summary,
    )


def _evidence_source(
    name: str, label: str, rank: int, model: type[Model], describe: Callable, hidden: Iterable[str]
) -> Source:
    return Source(
        name,
        label,
        rank,
        model,
        lambda p: Q(item_id__in=_items_of(p)),
        lambda i: Q(item_id=i),
        _item_evidence(describe),
        frozenset(hidden),
    )


SOURCES = {
    s.name: s
    for s in (
        Source(
            "items",
            gettext_lazy("Items"),
            0,
            ItemHistory,
            lambda p: Q(project_id=p),
            lambda i: Q(id=i),
            _item_row,
            # The board's order, the approval round, who moved it last and when an edit after
            # sign-off happened (the row's own time): the engine's bookkeeping.
            frozenset(
                {
                    "position",
                    "round",
                    "state_entered_by",
                    "created_by",
                    "edited_after_signoff_at",
                    "change",
                }
            ),
        ),
        # The content of the items' changes: in every journal of a release that includes it.
        Source(
            "changes",
            gettext_lazy("Content"),
            15,
            ChangeHistory,
            # A release's journals show the content's edits: its first version is named by
            # the item's own "created" row (and by the release that wrote it).
            lambda p: Q(id__in=_changes_of(project_id=p)) & ~Q(change_kind=ChangeKind.CREATED),
            lambda i: Q(id__in=_changes_of(id=i)) & ~Q(change_kind=ChangeKind.CREATED),
            _change_row,
            frozenset({"created_by"}),
        ),
        Source(
            "members",
            gettext_lazy("Members"),
            1,
            ReleaseMember.history.model,
            lambda p: Q(project_id=p),
            None,
            _member_row,
            frozenset({"added_at"}),
        ),
        Source(
            "projects",
            gettext_lazy("Projects"),
            2,
            ProjectHistory,
            lambda p: Q(id=p),
            None,
            _project_row,
        ),
        Source("states", gettext_lazy("Release states"), 3, StateHistory, None, None, _state_row),
        Source(
            "rules",
            gettext_lazy("Transition rules"),
            4,
            TransitionRule.history.model,
            None,
            None,
            _rule_row,
        ),
        _evidence_source(
            "approvals",
            gettext_lazy("Approvals"),
            5,
            Approval.history.model,
            _approval,
            {"round", "withdrawn", "sod_checks"},
        ),
        Source(
            "release",
            gettext_lazy("Release approval"),
            6,
            ReleaseApproval.history.model,
            lambda p: Q(project_id=p),
            None,
            _release_vote_row,
            frozenset({"withdrawn"}),
        ),
        _evidence_source(
            "emergencies",
            gettext_lazy("Emergency moves"),
            7,
            EmergencyMove.history.model,
            _emergency,
            {"round"},
        ),
        _evidence_source(
            "tests", gettext_lazy("Test cases"), 8, TestCaseHistory, _test_case, {"created_by"}
        ),
        Source(
            "runs",
            gettext_lazy("Test runs"),
            9,
            TestRun.history.model,
            lambda p: Q(test_case_id__in=_cases_of(item_id__in=_items_of(p))),
            lambda i: Q(test_case_id__in=_cases_of(item_id=i)),
            _item_evidence(_test_run),
        ),
        _evidence_source(
            "signoffs",
            gettext_lazy("QA sign-offs"),
            10,
            QASignoff.history.model,
            _signoff,
            {"round", "sod_checks"},
        ),
        _evidence_source(
            "acceptance",
            gettext_lazy("Acceptance decisions"),
            11,
            AcceptanceDecision.history.model,
            _acceptance,
            {"round"},
        ),
        _evidence_source(
            "dependencies",
            gettext_lazy("Dependencies"),
            17,
            Dependency.history.model,
            _dependency,
            set(),
        ),
        Source(
            "schedules",
            gettext_lazy("Schedules"),
            15,
            ReleaseSchedule.history.model,
            lambda p: Q(project_id=p),
            None,
            _schedule_row,
            frozenset({"revision"}),  # the iCal events' SEQUENCE: bookkeeping
        ),
        # A release's own freeze windows; installation-wide ones on the installation's journal.
        Source(
            "freezes",
            gettext_lazy("Freeze windows"),
            16,
            FreezeWindow.history.model,
            lambda p: Q(project_id=p),
            None,
            _freeze_row,
        ),
        # Release notes: the release manager's part, item placements, published versions.
        Source(
            "notes",
            gettext_lazy("Release notes"),
            20,
            ReleaseNotes.history.model,
            lambda p: Q(project_id=p),
            None,
            _notes_row,
            frozenset({"revision"}),
        ),
        Source(
            "notes_items",
            gettext_lazy("Release notes: items placed"),
            21,
            NotesItemPlacement.history.model,
            lambda p: Q(project_id=p),
            None,
            _placement_row,
        ),
        Source(
            "notes_published",
            gettext_lazy("Release notes published"),
            22,
            PublishedNotes.history.model,
            lambda p: Q(project_id=p),
            None,
            _published_notes_row,
            # The content is on the notes page; the journal row keeps it, the page says so.
            frozenset({"markdown", "snapshot", "published_by", "published_by_name"}),
        ),
        # Accounts, groups and the access they grant: the installation's journal only.
        Source(
            "accounts",
            gettext_lazy("User accounts"),
            12,
            UserHistory,
            None,
            None,
            _account_row,
            frozenset({*ACCOUNT_FLAGS, "date_joined"}),  # the flags are said in words
        ),
        Source("groups", gettext_lazy("Groups"), 13, GroupHistory, None, None, _group_row),
        Source(
            "access",
            gettext_lazy("Group memberships and permissions"),
            14,
            AccessChange,
            None,
            None,
            _access_row,
            snapshots=False,
        ),
        # Who read a release's evidence pack, and when (evidence.audit_log): auditors' too.
        Source(
            "evidence_reads",
            gettext_lazy("Evidence read"),
            18,
            EvidenceView,
            lambda p: Q(project_id=p),
            None,
            _evidence_read_row,
            snapshots=False,
        ),
    )
}
ITEM_SOURCES = [n for n, s in SOURCES.items() if s.of_item]
PROJECT_SOURCES = [n for n, s in SOURCES.items() if s.of_project]
ALL_SOURCES = list(SOURCES)


def source_register(source: Source | ItemRows) -> None:
    """Add the journal of an app built on the core ones (from its AppConfig.ready()), so
    journal imports none of them: its rows join the pages its scopes select them for (an
    `ItemRows`: those of its rows' items)."""
    if source.name in SOURCES:
        return  # ready() may run twice in tests
    if isinstance(source, ItemRows):
        source = _evidence_source(
            source.name, source.label, source.rank, source.model, source.describe, source.hidden
        )
    SOURCES[source.name] = source
    ALL_SOURCES.append(source.name)
    if source.of_project:
        PROJECT_SOURCES.append(source.name)
    if source.of_item:
        ITEM_SOURCES.append(source.name)


def source_rows_of_project(*, name: str, project_id: int) -> QuerySet:
    """Source `name`'s rows in a release's journal, unordered: what the evidence pack's
    sections (evidence/pack_sections.py) take of the apps that registered them."""
    source = SOURCES[name]
    if source.of_project is None:
        raise ValueError(f"journal source {name!r} is not part of a release's journal")
    return source.model.objects.filter(source.of_project(project_id))


def names_project_code(names: "_Names", project_id: int | None) -> str | None:
    """A release's code as a page of the journal may say it: None for a release the page
    does not name (a release's journal names only itself; its reader may not see others)."""
    if project_id is None or project_id not in names.live_projects:
        return None
    return names.code(project_id)


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
        raise BadCursor(_(BAD_CURSOR)) from None


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


def _previous_rows(rows: list[Model], model: type[Model]) -> dict[int, Model]:
    """The row before each edited row of one table (one query), to show what an edit changed.

    Keyed by history id, which is unique only within one table: never merge two tables' maps.
    """
    # Only edits list their changes; a move or a reorder says what it did in its summary.
    wanted = [r.prev_history_id for r in rows if r.change_kind == "edited" and r.prev_history_id]
    if not wanted:
        return {}
    return {r.history_id: r for r in model.objects.filter(history_id__in=wanted)}


def journal_entries(
    *,
    sources: Iterable[str],
    query: JournalQuery,
    project: ReleaseProject | None = None,
    item_id: int | None = None,
    page_size: int = PAGE_SIZE,
) -> tuple[list[Entry], bool]:
    """The newest `page_size` entries older than the cursor, and whether there are more.

    One query per source (plus one for the rows before edited ones, per source with edits on
    the page) and a few for the names the page mentions: constant whatever the journal's size.
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
        if source.snapshots:
            previous = source.model.objects.filter(
                id=OuterRef("id"), history_date__lt=OuterRef("history_date")
            ).order_by("-history_date", "-history_id")
            rows = rows.annotate(prev_history_id=Subquery(previous.values("history_id")[:1]))
        rows = rows.order_by("-history_date", "-history_id")[: page_size + 1]
        fetched.append((source, list(rows)))

    merged = sorted(
        ((source, row) for source, rows in fetched for row in rows),
        key=lambda pair: (pair[1].history_date, pair[0].rank, pair[1].history_id),
        reverse=True,
    )
    has_more = len(merged) > page_size
    page = merged[:page_size]

    previous_by_source = {
        source.name: _previous_rows([r for s, r in page if s is source], source.model)
        if source.snapshots
        else {}
        for source in picked
    }
    names = _Names(
        rows=[row for _source, row in page]
        + [row for rows in previous_by_source.values() for row in rows.values()],
        project=project,
    )
    return [
        _entry(
            source,
            row,
            previous_by_source[source.name].get(getattr(row, "prev_history_id", None)),
            names,
        )
        for source, row in page
    ], has_more


def _entry(source: Source, row: Model, previous: Model | None, names: _Names) -> Entry:
    kind = row.change_kind
    said = source.describe(row, kind, names, previous)
    changes = (
        _changes(row, previous, names, source.hidden)
        if kind == "edited" and previous is not None
        else []
    )
    return Entry(
        source=source.name,
        rank=source.rank,
        history_id=row.history_id,
        when=row.history_date,
        user=row.history_user,
        ip=row.ip_address,
        kind=kind,
        action=said.action,
        subject=said.subject,
        subject_url=said.subject_url,
        summary=said.summary,
        reason=row.history_change_reason or "",
        changes=changes,
        emergency=getattr(row, "emergency", False) or source.name == "emergencies",
    )


def item_history_identity(*, project: ReleaseProject, number: int) -> tuple[int, str] | None:
    """The id and title of an item, from its journal, so removed items stay readable."""
    row = (
        ReleaseItem.history.model.objects.filter(project_id=project.pk, number=number)
        .order_by("-history_date")
        .annotate(
            title=Subquery(
                ItemChange.objects.filter(
                    pk=Coalesce(OuterRef("change_id"), OuterRef("id"))
                ).values("title")[:1]
            )
        )
        .values_list("id", "title")
        .first()
    )
    return row
