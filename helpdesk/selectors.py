"""Reads of help-desk tickets: who may see and change which ticket, the release's tickets, a
ticket's page, and the release and change references that imports and forms name.

Who sees a ticket: administrators every one; members of the release that caused it or of a
release that includes the change that fixes it; a ticket linked to nothing waits for triage and
is seen by the release managers of any release. Who changes one: the release managers of the
releases its links name (and, while it is linked to nothing, any release manager).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.http import Http404

from helpdesk.models import Ticket
from items.models import CHANGE_KEY_PREFIX, Change, ReleaseItem
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import Role
from projects.selectors import (
    project_visible_flag,
    projects_visible_filter,
    user_sees_every_release,
)

TICKET_NOT_FOUND = "No such ticket."

TicketHistory = Ticket.history.model


class HelpDesk:
    """The help desk itself, posting with the shared token: it may name any release."""

    is_superuser = True
    pk = None

    def __str__(self) -> str:
        return "the help desk"


HELP_DESK = HelpDesk()
Actor = AbstractBaseUser | AnonymousUser | HelpDesk


def _sees_everything(actor: Actor) -> bool:
    return isinstance(actor, HelpDesk) or user_sees_every_release(user=actor)


def _managed(actor: Actor) -> QuerySet[ReleaseMember]:
    return ReleaseMember.objects.filter(user_id=actor.pk, role=Role.RELEASE_MANAGER)


def _changes_of_releases(projects: QuerySet) -> QuerySet:
    return ReleaseItem.objects.filter(project__in=projects).values("change_id")


def tickets_visible_filter(*, user: Actor) -> Q:
    """A filter on tickets `user` may see (see the module's docstring)."""
    if _sees_everything(user):
        return Q()
    member_of = ReleaseMember.objects.filter(user_id=user.pk).values("project_id")
    return (
        Q(caused_by_release__in=member_of)
        | Q(fixed_by_change__in=_changes_of_releases(member_of))
        | (
            Q(caused_by_release__isnull=True, fixed_by_change__isnull=True)
            & Q(Exists(_managed(user)))
        )
    )


@dataclass(frozen=True, slots=True)
class TicketAccess:
    ticket: Ticket
    can_change: bool


def ticket_for_user(*, user: Actor, pk: int) -> TicketAccess:
    """The ticket and whether `user` may change it, in one query; 404 when they may not see
    it. The cause and fix are loaded with it, with whether `user` may see their releases."""
    if _sees_everything(user):
        ticket = Ticket.objects.select_related(
            "caused_by_release", "caused_by_change", "fixed_by_change", "created_by"
        ).filter(pk=pk)
        found = ticket.first()
        if found is None:
            raise Http404(TICKET_NOT_FOUND)
        found.cause_visible = True
        return TicketAccess(found, True)
    managed = _managed(user).values("project_id")
    found = (
        Ticket.objects.filter(tickets_visible_filter(user=user), pk=pk)
        .select_related("caused_by_release", "caused_by_change", "fixed_by_change", "created_by")
        .annotate(
            manages_cause=Exists(managed.filter(project_id=OuterRef("caused_by_release_id"))),
            manages_fix=Exists(
                ReleaseItem.objects.filter(
                    change_id=OuterRef("fixed_by_change_id"), project__in=managed
                )
            ),
            manages_any=Exists(_managed(user)),
            # Whether the page may name the release that caused it.
            cause_visible=project_visible_flag(user=user, project_field="caused_by_release_id"),
        )
        .first()
    )
    if found is None:
        raise Http404(TICKET_NOT_FOUND)
    linked = found.caused_by_release_id is not None or found.fixed_by_change_id is not None
    can_change = found.manages_cause or found.manages_fix or (not linked and found.manages_any)
    return TicketAccess(found, can_change)


def ticket_may_change(*, user: Actor, ticket: Ticket) -> bool:
    """Whether `user` may change `ticket` as it is now (one query; none for administrators)."""
    if _sees_everything(user):
        return True
    managed = _managed(user)
    if ticket.caused_by_release_id is None and ticket.fixed_by_change_id is None:
        return managed.exists()
    links = Q(pk__in=[])
    if ticket.caused_by_release_id is not None:
        links |= Q(project_id=ticket.caused_by_release_id)
    if ticket.fixed_by_change_id is not None:
        # A subquery, not a join: an OR over a join would let a release without items match.
        fixing = ReleaseItem.objects.filter(change_id=ticket.fixed_by_change_id)
        links |= Q(project_id__in=fixing.values("project_id"))
    return managed.filter(links).exists()


def releases_managed(*, user: Actor, release_ids: Iterable[int]) -> set[int]:
    """Which of these releases `user` manages (one query; none for administrators)."""
    wanted = {pk for pk in release_ids if pk is not None}
    if _sees_everything(user) or not wanted:
        return wanted
    return set(_managed(user).filter(project_id__in=wanted).values_list("project_id", flat=True))


def changes_managed(*, user: Actor, change_ids: Iterable[int]) -> set[int]:
    """Which of these changes are in a release `user` manages (one query)."""
    wanted = {pk for pk in change_ids if pk is not None}
    if _sees_everything(user) or not wanted:
        return wanted
    return set(
        ReleaseItem.objects.filter(
            change_id__in=wanted, project__in=_managed(user).values("project_id")
        ).values_list("change_id", flat=True)
    )


def user_manages_a_release(*, user: Actor) -> bool:
    return _sees_everything(user) or _managed(user).exists()


# --- References as users and help desks write them ------------------------------------------

ITEM_KEY = re.compile(r"([A-Za-z][A-Za-z0-9]{1,9})-([1-9][0-9]{0,8})")


def key_normal(key: str) -> str:
    """A key as Resolved is keyed by: "pay-012" and "PAY-12" name the same item."""
    match = ITEM_KEY.fullmatch(key.strip())
    return f"{match[1].upper()}-{int(match[2])}" if match else key


@dataclass(frozen=True, slots=True)
class Resolved:
    """The releases (by code) and items (by key, e.g. PAY-12, or CH-7 for a change alone)
    a batch of tickets names, among those its author may see."""

    releases: dict[str, ReleaseProject]
    items: dict[str, ReleaseItem]
    changes: dict[str, Change]
    # (release id, change id) pairs: which change each named release includes.
    included: set[tuple[int, int]]


def refs_resolve(*, user: Actor, codes: Iterable[str], keys: Iterable[str]) -> Resolved:
    """Resolve release codes and item or change keys in at most four queries, whatever the
    number of tickets. What `user` may not see is left out: to them it does not exist."""
    codes = {c.upper() for c in codes if c}
    item_keys: dict[tuple[str, int], str] = {}
    change_ids: dict[int, str] = {}
    for key in keys:
        match = ITEM_KEY.fullmatch(key or "")
        if match is None:
            continue
        prefix, number = match[1].upper(), int(match[2])
        if f"{prefix}-" == CHANGE_KEY_PREFIX:
            change_ids[number] = key_normal(key)
        else:
            item_keys[(prefix, number)] = key_normal(key)
    visible = Q() if _sees_everything(user) else projects_visible_filter(user=user, field="pk")
    releases = {}
    if codes:
        releases = {p.code: p for p in ReleaseProject.objects.filter(visible, code__in=codes)}
    items = {}
    if item_keys:
        wanted = Q()
        for prefix, number in item_keys:
            wanted |= Q(project__code=prefix, number=number)
        found = ReleaseItem.objects.filter(wanted).select_related("project", "change")
        if not _sees_everything(user):
            found = found.filter(projects_visible_filter(user=user, field="project"))
        items = {item_keys[(i.project.code, i.number)]: i for i in found}
    changes = {}
    if change_ids:
        found_changes = Change.objects.filter(pk__in=change_ids)
        if not _sees_everything(user):
            found_changes = found_changes.filter(
                Exists(
                    ReleaseItem.objects.filter(
                        projects_visible_filter(user=user, field="project"),
                        change_id=OuterRef("pk"),
                    )
                )
            )
        changes = {change_ids[c.pk]: c for c in found_changes}
    included: set[tuple[int, int]] = set()
    pairs_wanted = {p.pk for p in releases.values()}
    if pairs_wanted and changes:
        included = set(
            ReleaseItem.objects.filter(
                project_id__in=pairs_wanted, change_id__in=[c.pk for c in changes.values()]
            ).values_list("project_id", "change_id")
        )
    return Resolved(releases, items, changes, included)


# --- Pages ----------------------------------------------------------------------------------


def _number_in(project_field: Any, change_field: str) -> Subquery:
    return Subquery(
        ReleaseItem.objects.filter(
            project_id=project_field, change_id=OuterRef(change_field)
        ).values("number")[:1]
    )


def tickets_of_release(*, project: ReleaseProject) -> QuerySet[Ticket]:
    """The tickets the release caused, and those fixed by one of its changes, with the keys of
    those changes in this release (PAY-12): one query. Only this release is named, so members
    never learn about releases they cannot see."""
    return (
        Ticket.objects.filter(
            Q(caused_by_release=project)
            | Q(fixed_by_change__in=ReleaseItem.objects.filter(project=project).values("change_id"))
        )
        .annotate(
            cause_number=_number_in(project.pk, "caused_by_change_id"),
            fix_number=_number_in(project.pk, "fixed_by_change_id"),
        )
        .order_by("-opened_at", "-id")
    )


def tickets_for_triage(*, user: Actor) -> QuerySet[Ticket]:
    """The installation's ticket list: every ticket for administrators; for release managers
    the tickets linked to nothing yet (to link them) and those they may see, each with whether
    its cause's release may be named to them."""
    flag = (
        Value(True)
        if _sees_everything(user)
        else project_visible_flag(user=user, project_field="caused_by_release_id")
    )
    return (
        Ticket.objects.filter(tickets_visible_filter(user=user))
        .select_related("caused_by_release")
        .annotate(cause_visible=flag)
        .order_by("-opened_at", "-id")
    )


def ticket_page_links(*, user: Actor, ticket: Ticket) -> dict[str, list[ReleaseItem]]:
    """The inclusions, in releases `user` may see, of the ticket's cause and fix: one query.
    The cause's is only the one in the release that caused it."""
    wanted = Q(change_id=ticket.fixed_by_change_id) if ticket.fixed_by_change_id else Q(pk=None)
    if ticket.caused_by_change_id:
        wanted |= Q(change_id=ticket.caused_by_change_id, project_id=ticket.caused_by_release_id)
    if not ticket.fixed_by_change_id and not ticket.caused_by_change_id:
        return {"cause": [], "fix": []}
    found = ReleaseItem.objects.filter(wanted).select_related("project").order_by("project__code")
    if not _sees_everything(user):
        found = found.filter(projects_visible_filter(user=user, field="project"))
    links: dict[str, list[ReleaseItem]] = {"cause": [], "fix": []}
    for item in found:
        if (
            item.change_id == ticket.caused_by_change_id
            and item.project_id == ticket.caused_by_release_id
        ):
            links["cause"].append(item)
        if item.change_id == ticket.fixed_by_change_id:
            links["fix"].append(item)
    return links


def release_visible(*, user: Actor, release_id: int | None) -> bool:
    """Whether `user` may see release `release_id` (one query; none for administrators)."""
    if release_id is None:
        return False
    if _sees_everything(user):
        return True
    return ReleaseMember.objects.filter(user_id=user.pk, project_id=release_id).exists()


def ticket_history(*, ticket: Ticket) -> list[Any]:
    """The ticket's journal, oldest first, with who wrote each row: one query."""
    return list(
        TicketHistory.objects.filter(id=ticket.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
