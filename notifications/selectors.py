"""Reads for notifications: who is told about an event, and what a user has chosen."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from items.models import Direction, ReleaseItem, TransitionRule
from notifications.models import Preference, Watch
from projects.models import ReleaseMember
from projects.selectors import projects_visible_filter

User = get_user_model()


def user_muted_events(*, user_id: int) -> set[str]:
    """The events `user_id` turned off (none: everything is on)."""
    muted = Preference.objects.filter(user_id=user_id).values_list("muted", flat=True).first()
    return set(muted or ())


def users_active(*, ids: Iterable[int | None], exclude: int | None) -> list[AbstractBaseUser]:
    """Active users among `ids` with an address, without `exclude` (the actor), by name."""
    wanted = {pk for pk in ids if pk is not None and pk != exclude}
    if not wanted:
        return []
    return list(
        User.objects.filter(pk__in=wanted, is_active=True).exclude(email="").order_by("username")
    )


def item_followers(*, item: ReleaseItem, exclude: int | None) -> list[AbstractBaseUser]:
    """The item's assignee and watchers who can still see its project, without `exclude`."""
    watcher_ids = Watch.objects.filter(item=item).filter(
        Q(user__release_memberships__project_id=item.project_id) | Q(user__is_superuser=True)
    )
    ids = {item.assignee_id, *watcher_ids.values_list("user_id", flat=True)}
    return users_active(ids=ids, exclude=exclude)


def approval_rule_waiting(*, item: ReleaseItem) -> TransitionRule | None:
    """The forward rule out of the item's state that asks for approvals, if any."""
    return (
        TransitionRule.objects.filter(
            from_state_id=item.status_id, direction=Direction.FORWARD, approvals_required__gt=0
        )
        .select_related("to_state")
        .order_by("to_state__position", "to_state_id")
        .first()
    )


def approval_rule_of_move(*, from_state_id: int, to_state_id: int) -> TransitionRule | None:
    """The rule of a move, if it asks for approvals (an emergency move skipped them)."""
    return (
        TransitionRule.objects.filter(
            from_state_id=from_state_id, to_state_id=to_state_id, approvals_required__gt=0
        )
        .select_related("to_state")
        .first()
    )


def approvers_eligible(
    *, item: ReleaseItem, rule: TransitionRule, exclude: int | None
) -> list[AbstractBaseUser]:
    """Members whose role may approve `rule`, less those segregation of duties rules out."""
    ids = set(
        ReleaseMember.objects.filter(
            project_id=item.project_id, role__in=rule.approver_roles
        ).values_list("user_id", flat=True)
    )
    if rule.segregation_of_duties:
        ids -= {item.created_by_id, item.assignee_id, item.state_entered_by_id}
    return users_active(ids=ids, exclude=exclude)


def project_members(*, project_id: int) -> list[AbstractBaseUser]:
    ids = ReleaseMember.objects.filter(project_id=project_id).values_list("user_id", flat=True)
    return users_active(ids=ids, exclude=None)


def watched_items(*, user: AbstractBaseUser) -> QuerySet[Watch]:
    """The items `user` watches, in projects they can still see, for the preferences page."""
    watches = Watch.objects.filter(user=user).select_related(
        "item__project", "item__status", "item__change"
    )
    watches = watches.filter(projects_visible_filter(user=user, field="item__project"))
    return watches.order_by("item__project__code", "item__number")


def item_watched(*, user: AbstractBaseUser, item: ReleaseItem) -> bool:
    return Watch.objects.filter(user=user, item=item).exists()
