"""Reads for release items, the board and the items list."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from items.models import ReleaseItem, ReleaseStatus
from projects.models import ReleaseProject

User = get_user_model()


@dataclass(slots=True)
class BoardColumn:
    state: ReleaseStatus
    previous: ReleaseStatus | None
    following: ReleaseStatus | None
    items: list[ReleaseItem] = field(default_factory=list)


def items_for_project(*, project: ReleaseProject) -> QuerySet[ReleaseItem]:
    return ReleaseItem.objects.filter(project=project).select_related(
        "project", "status", "assignee"
    )


def board_columns_for_project(
    *, items: QuerySet[ReleaseItem], states: list[ReleaseStatus]
) -> list[BoardColumn]:
    """One column per enabled state in position order, each with its items in order.

    Two queries whatever the data size: `states` (already fetched) and the items.
    """
    enabled = [s for s in states if s.enabled]
    columns = {
        s.id: BoardColumn(
            state=s,
            previous=enabled[i - 1] if i > 0 else None,
            following=enabled[i + 1] if i + 1 < len(enabled) else None,
        )
        for i, s in enumerate(enabled)
    }
    for item in items.filter(status__enabled=True).order_by("position", "number"):
        columns[item.status_id].items.append(item)
    return list(columns.values())


def item_for_project(*, project: ReleaseProject, number: int) -> ReleaseItem | None:
    return (
        ReleaseItem.objects.select_related("project", "status", "assignee", "created_by")
        .filter(project=project, number=number)
        .first()
    )


def project_member_users(*, project: ReleaseProject) -> QuerySet:
    return User.objects.filter(release_memberships__project=project).order_by("username")
