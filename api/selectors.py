"""Reads for the API: each returns a queryset or list in a constant number of queries."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from api.models import ApiToken, ApiTokenUse
from approvals.models import Approval
from items.models import ReleaseItem
from items.selectors import items_for_project
from projects.models import ReleaseMember, ReleaseProject
from projects.selectors import projects_visible_to
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun

USES_SHOWN = 20


def releases_for_user(*, user: AbstractBaseUser) -> QuerySet[ReleaseProject]:
    """The release projects `user` sees in the portal (members; administrators all)."""
    return projects_visible_to(user=user).select_related("release_manager")


def items_filtered(
    *,
    project: ReleaseProject,
    state: int | None = None,
    kind: str | None = None,
    assignee: str | None = None,
    text: str | None = None,
) -> QuerySet[ReleaseItem]:
    """A release's items by the list's filters: state, kind, assignee (username), text in the
    title. One query with their state, assignee and change."""
    items = items_for_project(project=project)
    if state is not None:
        items = items.filter(status_id=state)
    if kind:
        items = items.filter(change__kind=kind)
    if assignee:
        items = items.filter(assignee__username=assignee)
    if text:
        items = items.filter(change__title__icontains=text)
    return items


def members_of(*, project: ReleaseProject) -> QuerySet[ReleaseMember]:
    return ReleaseMember.objects.filter(project=project).select_related("user")


def votes_on(*, item: ReleaseItem) -> QuerySet[Approval]:
    """Every vote on the item, withdrawn ones too, oldest first."""
    return (
        Approval.objects.filter(item=item).select_related("approver").order_by("created_at", "pk")
    )


def qa_records_of(*, item: ReleaseItem) -> dict:
    """Test cases with all their runs, sign-offs and acceptance decisions: four queries."""
    runs = TestRun.objects.select_related("tester").order_by("-created_at", "-pk")
    return {
        "test_cases": list(
            TestCase.objects.filter(item=item).prefetch_related(Prefetch("runs", queryset=runs))
        ),
        "signoffs": list(QASignoff.objects.filter(item=item).select_related("tester")),
        "acceptances": list(
            AcceptanceDecision.objects.filter(item=item).select_related("decided_by")
        ),
    }


def tokens_of(*, user: AbstractBaseUser) -> list[ApiToken]:
    """The user's tokens, newest first, each with `active`."""
    now = timezone.now()
    tokens = list(ApiToken.objects.filter(user=user))
    for token in tokens:
        token.active = token.is_active(now=now)
    return tokens


def token_uses_of(*, user: AbstractBaseUser, limit: int = USES_SHOWN) -> list[ApiTokenUse]:
    """The latest requests made with the user's tokens (one query, by the journal's index)."""
    return list(ApiTokenUse.objects.filter(history_user=user)[:limit])
