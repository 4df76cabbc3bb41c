"""Signal receivers: each event is queued for the worker once its transaction commits, so a
refused or rolled-back change queues (and sends) nothing, and the request never waits on mail.

The request pays one INSERT per event (the queued task); who gets what is worked out by the
worker (notifications.tasks).
"""

from typing import Any

from django.db import transaction

from approvals.models import Approval, ReleaseApproval
from approvals.signals import item_vote_cast, release_vote_cast
from conversation.models import Comment
from conversation.signals import comment_added
from items.models import ReleaseItem
from items.signals import item_moved
from notifications.models import RELEASE_LIVE, Event
from projects.access import Access
from projects.models import Lifecycle, ReleaseProject
from projects.signals import stage_changed


def event_queue(*, event: str, payload: dict[str, Any]) -> None:
    """Queue `event` for the worker when the current transaction commits."""
    from notifications.tasks import notify  # tasks import the mail builders, which import us

    transaction.on_commit(lambda: notify.enqueue(event=event, payload=payload), robust=True)


def on_item_moved(
    sender: object,
    *,
    access: Access,
    item: ReleaseItem,
    from_state_id: int,
    to_state_id: int,
    comment: str,
    emergency: bool,
    **kwargs: object,
) -> None:
    event_queue(
        event=Event.ITEM_MOVED,
        payload={
            "item_id": item.pk,
            "from_state_id": from_state_id,
            "to_state_id": to_state_id,
            "round": item.round,
            "actor_id": access.user.pk,
            "comment": comment,
            "emergency": emergency,
        },
    )


def on_item_vote(sender: object, *, access: Access, approval: Approval, **kwargs: object) -> None:
    event_queue(
        event=Event.APPROVAL_DECIDED,
        payload={
            "approval_id": approval.pk,
            # Who asked: whoever moved the item into the state the vote lets it leave.
            "requester_id": approval.item.state_entered_by_id,
            "actor_id": access.user.pk,
        },
    )


def on_release_vote(
    sender: object, *, access: Access, approval: ReleaseApproval, **kwargs: object
) -> None:
    event_queue(
        event=Event.APPROVAL_DECIDED,
        payload={"release_approval_id": approval.pk, "actor_id": access.user.pk},
    )


def on_comment_added(sender: object, *, access: Access, comment: Comment, **kwargs: object) -> None:
    # Who is told is worked out by the worker: the request pays one INSERT, however many watch.
    event_queue(
        event=Event.COMMENT_ADDED,
        payload={"comment_id": comment.pk, "actor_id": access.user.pk},
    )


def on_stage_changed(
    sender: object, *, project: ReleaseProject, to_stage: str, by: Any, **kwargs: object
) -> None:
    """A release that has just gone live is announced to its distribution list."""
    if to_stage == Lifecycle.RELEASED:
        event_queue(
            event=RELEASE_LIVE,
            payload={"project_id": project.pk, "actor_id": getattr(by, "pk", None)},
        )


def connect() -> None:
    item_moved.connect(on_item_moved, dispatch_uid="notifications.item_moved")
    item_vote_cast.connect(on_item_vote, dispatch_uid="notifications.item_vote")
    release_vote_cast.connect(on_release_vote, dispatch_uid="notifications.release_vote")
    comment_added.connect(on_comment_added, dispatch_uid="notifications.comment_added")
    stage_changed.connect(on_stage_changed, dispatch_uid="notifications.release_live")
