"""The tickets' journal as a source of the release journals (journal.selectors), and the same
words on the ticket's own page.

A release's journal shows the rows of the tickets that ever named it: caused by it, or fixed by
one of its changes, so a link, its removal and the edits in between are all there. Its rows
name only that release; another release is "another release" (its readers may not see it).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from evidence.pack_sections import PackField, PackNames, PackSection, pack_section_register
from helpdesk.models import Ticket, TicketKind
from helpdesk.selectors import Actor
from items.models import Change, ReleaseItem, change_key
from journal.models import ChangeKind
from journal.selectors import Said, Source, names_project_code, source_register
from projects.models import ReleaseProject
from projects.selectors import project_visible_flag

TicketHistory = Ticket.history.model
ANOTHER_RELEASE = _("another release")


def _of_release(project_id: int) -> Q:
    changes = ReleaseItem.history.model.objects.filter(project_id=project_id).values(
        of_change=Coalesce("change_id", "id")
    )
    named = TicketHistory.objects.filter(
        Q(caused_by_release_id=project_id) | Q(fixed_by_change_id__in=changes)
    ).values("id")
    return Q(id__in=Subquery(named))


def _change(names: Any, change_id: int) -> str:
    title = names.changes.get(change_id)
    return f"{change_key(change_id)} “{title}”" if title else change_key(change_id)


def _cause(names: Any, row: Model) -> str:
    code = names_project_code(names, row.caused_by_release_id) or ANOTHER_RELEASE
    if row.caused_by_change_id is None:
        return gettext("caused by {code}").format(code=code)
    return gettext("caused by {code}, change {change}").format(
        code=code, change=_change(names, row.caused_by_change_id)
    )


def _events(row: Model, names: Any, previous: Model | None) -> list[tuple[str, str]]:
    """The links a row made or removed: (badge, words) each."""
    events = []
    before = (
        (previous.caused_by_release_id, previous.caused_by_change_id) if previous else (None, None)
    )
    if (row.caused_by_release_id, row.caused_by_change_id) != before:
        if row.caused_by_release_id is None:
            events.append(
                (
                    gettext("Cause unlinked"),
                    gettext("No longer {cause}").format(cause=_cause(names, previous)),
                )
            )
        else:
            cause = _cause(names, row)
            events.append((gettext("Cause linked"), cause[:1].upper() + cause[1:]))
    before_fix = previous.fixed_by_change_id if previous else None
    if row.fixed_by_change_id != before_fix:
        if row.fixed_by_change_id is None:
            events.append(
                (
                    gettext("Fix unlinked"),
                    gettext("No longer fixed by {change}").format(
                        change=_change(names, before_fix)
                    ),
                )
            )
        else:
            events.append(
                (
                    gettext("Fix linked"),
                    gettext("Fixed by {change}").format(
                        change=_change(names, row.fixed_by_change_id)
                    ),
                )
            )
    return events


def ticket_row_said(row: Model, kind: str, names: Any, previous: Model | None) -> Said:
    """What one row of a ticket's journal says: recorded, a link made or removed, edited."""
    subject = gettext("Ticket {reference}").format(reference=row.reference)
    url = reverse("helpdesk:detail", kwargs={"pk": row.id})
    if kind == ChangeKind.CREATED:
        links = [_cause(names, row)] if row.caused_by_release_id else []
        if row.fixed_by_change_id:
            links.append(
                gettext("fixed by {change}").format(change=_change(names, row.fixed_by_change_id))
            )
        label = TicketKind(row.kind).label if row.kind in TicketKind.values else row.kind
        if links:
            summary = gettext("{kind} recorded: {title} ({links})").format(
                kind=label, title=row.title, links="; ".join(links)
            )
        else:
            summary = gettext("{kind} recorded: {title}").format(kind=label, title=row.title)
        return Said(subject, gettext("Ticket recorded"), summary, url)
    if kind == ChangeKind.REMOVED:
        return Said(subject, gettext("Deleted"), gettext("Ticket deleted"), url)
    events = _events(row, names, previous)
    if not events:
        return Said(subject, gettext("Edited"), gettext("Ticket edited"), url)
    return Said(subject, events[0][0], "; ".join(words for _, words in events), url)


# Links are said in words, with visibility in mind; never as a field change naming a release.
HIDDEN = frozenset({"caused_by_release", "caused_by_change", "fixed_by_change", "created_by"})


def _pack_names(row: dict[str, Any], names: PackNames) -> dict[str, Any]:
    """How the ticket relates to the release now; only this release's changes are named."""
    caused = row["caused_by_release_id"] == names.project_id
    fixed = row["fixed_by_change_id"] in names.change_ids
    relation = {
        (True, True): "caused and fixed",
        (True, False): "caused",
        (False, True): "fixed",
    }.get((caused, fixed), "no longer linked")
    cause = row["caused_by_change_id"] if caused else None
    return {
        "relation": relation,
        "caused_by_change": change_key(cause) if cause else None,
        "fixed_by_change": change_key(row["fixed_by_change_id"]) if fixed else None,
    }


# The evidence pack: each ticket the release caused or its changes fix, as last journaled.
PACK_SECTION = PackSection(
    name="tickets",
    label=gettext_noop("Help-desk tickets"),
    source="tickets",
    fields=(
        PackField("reference", gettext_noop("Reference"), "reference"),
        PackField("type", gettext_noop("Kind"), "kind", coded=True),
        PackField("title", gettext_noop("Title"), "title"),
        PackField("relation", gettext_noop("To this release"), coded=True),
        PackField("caused_by_change", gettext_noop("Caused by change")),
        PackField("fixed_by_change", gettext_noop("Fixed by change")),
        PackField("opened", gettext_noop("Opened (UTC)"), "opened_at"),
        PackField("resolved", gettext_noop("Resolved (UTC)"), "resolved_at"),
    ),
    derive=_pack_names,
    order=20,
)


def journal_source_register() -> None:
    source_register(
        Source(
            "tickets",
            _("Help-desk tickets"),
            40,
            TicketHistory,
            _of_release,
            None,
            ticket_row_said,
            HIDDEN,
        )
    )
    pack_section_register(PACK_SECTION)


# --- The ticket page's history ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PageNames:
    """Names for the ticket page: releases the reader may see, and change titles."""

    live_projects: set[int]
    codes: dict[int, str]
    changes: dict[int, str]

    def code(self, project_id: int) -> str:
        return self.codes.get(project_id, "?")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    when: datetime
    user: Any
    action: str
    summary: str
    reason: str
    changes: list[tuple[str, str, str]]


_SHOWN = ("kind", "title", "opened_at", "resolved_at")


def _shown(row: Model, name: str) -> str:
    value = getattr(row, name)
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
    if name == "kind":
        return TicketKind(value).label if value in TicketKind.values else value
    return str(value)


def ticket_history_entries(*, user: Actor, rows: list[Model]) -> list[HistoryEntry]:
    """The ticket's journal rows (oldest first) in words: two queries, for the releases
    (with whether `user` may see each) and the change titles the rows mention."""
    release_ids = {r.caused_by_release_id for r in rows} - {None}
    change_ids = {r.caused_by_change_id for r in rows} | {r.fixed_by_change_id for r in rows}
    change_ids -= {None}
    codes, visible = {}, set()
    if release_ids:
        for pk, code, seen in (
            ReleaseProject.objects.filter(pk__in=release_ids)
            .annotate(seen=project_visible_flag(user=user, project_field="pk"))
            .values_list("pk", "code", "seen")
        ):
            codes[pk] = code
            if seen:
                visible.add(pk)
    titles = (
        dict(Change.objects.filter(pk__in=change_ids).values_list("pk", "title"))
        if change_ids
        else {}
    )
    names = _PageNames(visible, codes, titles)
    entries = []
    previous = None
    for row in rows:
        said = ticket_row_said(row, row.change_kind, names, previous)
        changes = []
        if previous is not None and row.change_kind == ChangeKind.EDITED:
            changes = [
                (
                    str(Ticket._meta.get_field(n).verbose_name),
                    _shown(previous, n),
                    _shown(row, n),
                )
                for n in _SHOWN
                if getattr(previous, n) != getattr(row, n)
            ]
        entries.append(
            HistoryEntry(
                row.history_date,
                row.history_user,
                said.action,
                said.summary,
                row.history_change_reason or "",
                changes,
            )
        )
        previous = row
    return entries
