"""Reads for release items, the board and the items list."""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Case, Count, F, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from items.models import CHANGE_KEY_PREFIX, Change, ReleaseItem, ReleaseStatus
from items.policy import MovePolicy
from projects.models import ReleaseProject
from projects.selectors import projects_visible_filter

User = get_user_model()


# Cards shown per column; the rest behind "Show all" (one column at a time): a 1,000-card
# board stays within 500 KB of HTML and 100 ms (docs/PERFORMANCE.md).
COLUMN_PAGE = 30
EVERY_CARD = 1_000_000_000  # an expanded column's page: no limit


@dataclass(slots=True)
class BoardColumn:
    state: ReleaseStatus
    previous: ReleaseStatus | None
    following: ReleaseStatus | None
    items: list[ReleaseItem] = field(default_factory=list)
    count: int = 0  # every card of the column the filter keeps, shown or not
    collapsed: bool = False  # the last state starts folded (a <details> the user opens)

    @property
    def more(self) -> int:
        return self.count - len(self.items)

    @property
    def over_limit(self) -> bool:
        return self.state.wip_limit is not None and self.count > self.state.wip_limit


def _board_columns(
    states: list[ReleaseStatus], *, only: set[int] | None = None
) -> dict[int, BoardColumn]:
    """Empty columns of the enabled states (or of `only` those), each knowing its neighbours;
    the last state's column starts folded."""
    enabled = [s for s in states if s.enabled]
    return {
        s.id: BoardColumn(
            state=s,
            previous=enabled[i - 1] if i > 0 else None,
            following=enabled[i + 1] if i + 1 < len(enabled) else None,
            collapsed=i == len(enabled) - 1 and i > 0,
        )
        for i, s in enumerate(enabled)
        if only is None or s.id in only
    }


def items_for_project(*, project: ReleaseProject) -> QuerySet[ReleaseItem]:
    return ReleaseItem.objects.filter(project=project).select_related(
        "project", "status", "assignee", "change"
    )


def board_columns_for_project(
    *,
    items: QuerySet[ReleaseItem],
    states: list[ReleaseStatus],
    page: int = COLUMN_PAGE,
    expanded: int | None = None,
) -> list[BoardColumn]:
    """One column per enabled state in position order, each with its first `page` items in
    order (all of them for the `expanded` state) and its count.

    Two queries whatever the data size: `states` (already fetched) and the items, numbered
    and counted per column by window functions so only the cards shown are read.
    """
    columns = _board_columns(states)
    per_column = {"partition_by": [F("status_id")]}
    ranked = items.filter(status__enabled=True).annotate(
        column_rank=Window(RowNumber(), order_by=[F("position"), F("number")], **per_column),
        column_count=Window(Count("pk"), **per_column),
    )
    limit = Case(When(status_id=expanded, then=Value(EVERY_CARD)), default=Value(page))
    for item in ranked.filter(column_rank__lte=limit).order_by("position", "number"):
        column = columns[item.status_id]
        column.items.append(item)
        column.count = item.column_count
    return list(columns.values())


@dataclass(frozen=True, slots=True)
class CardsWanted:
    """The cards of one column that an in-place answer sends again, by their rank after the
    change (1 = the top): the first `top`, the last `bottom`, the one at `rank`, and the item
    `around` (a primary key) with its two neighbours."""

    state_id: int
    top: int = 0
    bottom: int = 0
    rank: int = 0
    around: int = 0


# The ranks as the board numbers its cards (position, then number), over the filtered items
# (their SQL goes between the two parts).
_RANKED = (
    """
SELECT id, status_id, column_rank, column_count, above_id, below_id FROM (
    SELECT id, status_id,
        row_number() OVER w AS column_rank,
        count(*) OVER (PARTITION BY status_id) AS column_count,
        lag(id) OVER w AS above_id,
        lead(id) OVER w AS below_id
    FROM (""",
    """) AS items
    WINDOW w AS (PARTITION BY status_id ORDER BY position, number)
) AS ranked WHERE """,
)
_WANTED = (
    "(status_id = %s AND (column_rank <= %s OR column_rank > column_count - %s"
    " OR column_rank = %s OR %s IN (id, above_id, below_id)))"
)


def board_column_cards(
    *, items: QuerySet[ReleaseItem], states: list[ReleaseStatus], wanted: list[CardsWanted]
) -> list[BoardColumn]:
    """The `wanted` columns with their counts and only the cards asked for (plus each one's
    top card, which carries the count), each ranked (`column_rank`) as the board ranks it.

    Two queries however long the columns are: the ranks of the cards asked for, then those
    cards. An arrow press re-sends a few cards, not the columns' pages (docs/PERFORMANCE.md);
    the ORM's own filtering on window functions cost more to compile than the rest of the
    answer.
    """
    columns = _board_columns(states, only={w.state_id for w in wanted})
    wanted = [w for w in wanted if w.state_id in columns]
    if not wanted:
        return []
    base = items.filter(status_id__in=list(columns)).values("id", "status_id", "position", "number")
    base_sql, base_params = base.query.sql_with_params()
    sql = _RANKED[0] + base_sql + _RANKED[1] + " OR ".join([_WANTED] * len(wanted))
    params = [*base_params]
    for w in wanted:
        params += [w.state_id, max(w.top, 1), w.bottom, w.rank, w.around]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ranks = {row[0]: row[2:] for row in cursor.fetchall()}
    for item in items.filter(pk__in=list(ranks)).order_by("position", "number"):
        item.column_rank, item.column_count, item.above_pk, item.below_pk = ranks[item.pk]
        column = columns[item.status_id]
        column.items.append(item)
        column.count = item.column_count
    return list(columns.values())


def item_for_project(*, project: ReleaseProject, number: int) -> ReleaseItem | None:
    # get(), not first(): (project, number) is unique, and first() would sort by the model's
    # ordering, whose joins cost more to compile than the query takes (docs/PERFORMANCE.md).
    try:
        return ReleaseItem.objects.select_related(
            "project", "status", "assignee", "created_by", "change"
        ).get(project=project, number=number)
    except ReleaseItem.DoesNotExist:
        return None


def item_to_change(*, project: ReleaseProject, number: int) -> ReleaseItem | None:
    """The item a move or reorder names: its own row only, since the engine locks and re-reads
    it; the project is the caller's (no join). Refusal pages load the rest lazily."""
    try:
        item = ReleaseItem.objects.get(project=project, number=number)
    except ReleaseItem.DoesNotExist:
        return None
    item.project = project
    return item


def project_member_users(*, project: ReleaseProject) -> QuerySet:
    return User.objects.filter(release_memberships__project=project).order_by("username")


def board_with_decisions(*, columns: list[BoardColumn], policy: MovePolicy) -> None:
    """Give every card its arrows: `move_prev` / `move_next` decisions (None at either end)
    and `notes` (open gates, owed retrospective approvals). No queries: the policy has it all.
    """
    for column in columns:
        for item in column.items:
            item.move_prev = column.previous and policy.decide(item, column.previous)
            item.move_next = column.following and policy.decide(item, column.following)
            # The open gates of the way on, whoever looks: not only those who may move it.
            rule = column.following and policy.rule_for(item, column.following)
            notes = policy.blockers(item, rule) if rule else []
            if rule and not notes:
                # The vote the requester waited for.
                item.approved_by = ", ".join(policy.satisfied_by(item, rule))
            item.notes = notes + policy.notes(item)


# How users name a change: its key in a release (PAY-12) or its own id (CH-7), any case.
CHANGE_REF = re.compile(r"\s*([A-Za-z][A-Za-z0-9]{1,9})-([1-9][0-9]{0,8})\s*")


def change_for_ref(*, user: AbstractBaseUser, ref: str) -> Change | None:
    """The change `ref` names, if it is in a release `user` can see (None otherwise: a change
    only in releases the user cannot see does not exist for them)."""
    match = CHANGE_REF.fullmatch(ref or "")
    if match is None:
        return None
    prefix, number = match[1].upper(), int(match[2])
    inclusions = ReleaseItem.objects.all()
    inclusions = inclusions.filter(projects_visible_filter(user=user, field="project"))
    if f"{prefix}-" == CHANGE_KEY_PREFIX:
        found = inclusions.filter(change_id=number)
    else:
        found = inclusions.filter(project__code=prefix, number=number)
    change_id = found.values_list("change_id", flat=True).first()
    return Change.objects.filter(pk=change_id).first() if change_id else None


def other_inclusions(*, item: ReleaseItem, user: AbstractBaseUser) -> list[ReleaseItem]:
    """The change's inclusions in other releases the user can see: one query."""
    others = (
        ReleaseItem.objects.filter(change_id=item.change_id)
        .exclude(pk=item.pk)
        .select_related("project", "status")
        .order_by("project__code")
    )
    return list(others.filter(projects_visible_filter(user=user, field="project")))
