"""Reads for finding things: a user's work across the releases they may see, the search, and
the saved filters of the items list. Every read here runs a fixed number of queries."""

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from approvals.models import EmergencyMove, ReleaseApproval, Vote
from approvals.selectors import emergencies_owed_to, items_waiting_for_approval, roles_by_project
from items.models import CHANGE_KEY_PREFIX, ReleaseItem
from items.workflow import Workflow, workflow_current
from projects.access import Access
from projects.models import READ_ONLY_STAGES, Lifecycle, ReleaseProject
from projects.roles import Role
from projects.selectors import projects_visible_filter
from qa.models import QASignoff
from workplace.models import SavedFilter

SEARCH_PER_PAGE = 50
SEARCH_MAX = 200
SEARCH_TOO_LONG = format_lazy(_("Search for at most {limit} characters."), limit=SEARCH_MAX)
# A key as people type it: `PAY-12`, `pay-12`, `CH-7` (project codes, projects.converters).
KEY = re.compile(r"\s*([A-Za-z][A-Za-z0-9]{1,9})-([1-9][0-9]{0,8})\s*")


@dataclass(slots=True)
class MyWork:
    """What waits for a user, in the releases they may see."""

    items: list[ReleaseItem] = field(default_factory=list)  # assigned to me, not done
    approvals: list[ReleaseItem] = field(default_factory=list)  # votes I owe on moves
    emergencies: list[EmergencyMove] = field(default_factory=list)  # retrospective votes
    releases: list[ReleaseProject] = field(default_factory=list)  # release approvals I owe
    qa: list[ReleaseItem] = field(default_factory=list)  # QA sign-offs I owe
    waiting: list[ReleaseItem] = field(default_factory=list)  # my moves awaiting others

    @property
    def owed(self) -> int:
        """The header's badge: what others wait for from me (my own items aside)."""
        return len(self.approvals) + len(self.emergencies) + len(self.releases) + len(self.qa)


def _open_items(*, user: AbstractBaseUser, workflow: Workflow) -> QuerySet[ReleaseItem]:
    """Items of open releases the user may see that are not in the last enabled state."""
    enabled = [s for s in workflow.states if s.enabled]
    items = ReleaseItem.objects.filter(projects_visible_filter(user=user, field="project")).exclude(
        project__lifecycle__in=READ_ONLY_STAGES
    )
    if enabled:
        items = items.exclude(status_id=enabled[-1].id)
    return items.select_related("project", "status", "change", "assignee").order_by(
        "project__code", "number"
    )


def _gated_states(*, workflow: Workflow, flag: str) -> set[int]:
    """The states whose way on has a rule asking `flag` (rules are in memory: no query)."""
    return {
        rule.from_state_id
        for rule in workflow.rules
        if (rule.approvals_required if flag == "approvals" else getattr(rule, flag))
    }


def my_work(*, user: AbstractBaseUser) -> MyWork:
    """Nine queries at most, whatever the data: the user's roles, the workflow's token, my
    items, the gated rules and the items waiting for my vote, the emergency moves owing my vote,
    the releases waiting for my approval, the QA sign-offs I owe, my moves waiting for others."""
    roles = roles_by_project(user=user)
    workflow = workflow_current()
    work = MyWork()
    work.items = list(_open_items(user=user, workflow=workflow).filter(assignee=user))
    work.approvals = items_waiting_for_approval(user=user, roles=roles)
    work.emergencies = emergencies_owed_to(user=user, roles=roles)
    work.releases = _releases_owed(user=user, roles=roles)
    work.qa = _qa_owed(user=user, roles=roles, workflow=workflow)
    work.waiting = _waiting_for_others(user=user, workflow=workflow)
    return work


def _releases_owed(*, user: AbstractBaseUser, roles: dict[int, set[str]]) -> list:
    """Releases in planning that need release approvals from an approver the user is, short of
    their quorum, that the user has not voted on and does not manage (segregation of duties)."""
    projects = [p for p, held in roles.items() if Role.APPROVER in held]
    if not projects:
        return []
    live = ReleaseApproval.objects.filter(project=OuterRef("pk"), withdrawn=False, voided=False)
    approved = live.filter(vote=Vote.APPROVE).values("project").annotate(n=Count("pk")).values("n")
    return list(
        ReleaseProject.objects.filter(
            pk__in=projects, lifecycle=Lifecycle.PLANNING, release_approvals_required__gt=0
        )
        .exclude(release_manager=user)
        .exclude(Exists(live.filter(approver=user)))
        .annotate(approvals=Coalesce(Subquery(approved[:1]), 0))
        .filter(approvals__lt=F("release_approvals_required"))
        .order_by("code")
    )


def _qa_owed(
    *, user: AbstractBaseUser, roles: dict[int, set[str]], workflow: Workflow
) -> list[ReleaseItem]:
    """Items in a state whose way on asks a QA sign-off, in releases where the user tests, not
    signed off by them this round and not implemented by them."""
    projects = [p for p, held in roles.items() if Role.QA_TESTER in held]
    states = _gated_states(workflow=workflow, flag="requires_qa_signoff")
    if not projects or not states:
        return []
    signed = QASignoff.objects.filter(item=OuterRef("pk"), round=OuterRef("round"), tester=user)
    return list(
        _open_items(user=user, workflow=workflow)
        .filter(project_id__in=projects, status_id__in=states)
        .exclude(assignee=user)
        .exclude(Exists(signed))
    )


def _waiting_for_others(*, user: AbstractBaseUser, workflow: Workflow) -> list[ReleaseItem]:
    """Items the user moved into a state whose way on awaits approvals, QA or acceptance."""
    states = set()
    for flag in ("approvals", "requires_qa_signoff", "requires_acceptance"):
        states |= _gated_states(workflow=workflow, flag=flag)
    if not states:
        return []
    items = _open_items(user=user, workflow=workflow)
    return list(items.filter(state_entered_by=user, status_id__in=states))


# --- Search -------------------------------------------------------------------------------


def item_for_key(*, user: AbstractBaseUser, text: str) -> ReleaseItem | None:
    """The item whose key `text` is (any case), if the user may see it; one query, none when
    `text` is no key. An item the user may not see is not found: nothing tells it exists."""
    match = KEY.fullmatch(text)
    if match is None:
        return None
    code, number = match[1].upper(), int(match[2])
    return (
        ReleaseItem.objects.filter(projects_visible_filter(user=user, field="project"))
        .filter(project__code=code, number=number)
        .select_related("project")
        .first()
    )


def items_search(*, user: AbstractBaseUser, text: str, page: str | int = 1) -> Page:
    """One page of the items of the releases the user may see whose title or external key
    holds `text`, or whose key or change key (CH-7) it is. Two queries: the count, the page."""
    text = text.strip()
    found = Q(change__title__icontains=text) | Q(change__external_key__icontains=text)
    match = KEY.fullmatch(text)
    if match is not None:
        code, number = match[1].upper(), int(match[2])
        found |= Q(project__code=code, number=number)
        if f"{code}-" == CHANGE_KEY_PREFIX:
            found |= Q(change_id=number)
    items = (
        ReleaseItem.objects.filter(projects_visible_filter(user=user, field="project"))
        .filter(found)
        .select_related("project", "status", "change", "assignee")
        .order_by("project__code", "number")
    )
    return Paginator(items, SEARCH_PER_PAGE).get_page(page)


# --- Saved filters of the items list ------------------------------------------------------


def saved_filters_for(*, user: AbstractBaseUser, project: ReleaseProject) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=user, project=project))


def saved_filters_panel(access: Access) -> list[SavedFilter]:
    """The items list's panel (items.panels): the reader's saved filters of this release."""
    return saved_filters_for(user=access.user, project=access.project)
