"""Reads: the item page's conversation panel, and an attachment to download."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conversation.models import Attachment, Comment
from conversation.rules import conversation_can_write
from conversation.uploads import attachment_max_bytes
from items.models import ReleaseItem
from notifications.models import Watch
from projects.access import Access
from projects.roles import MANAGE

# The panel shows the newest entries; the item's journal keeps every one.
PANEL_ENTRIES = 50
PANEL_WATCHERS = 100


@dataclass(frozen=True, slots=True)
class Activity:
    """One entry of the item's conversation, newest first: a comment or a file attached."""

    when: datetime
    comment: Comment | None = None
    attachment: Attachment | None = None
    removable: bool = False  # the reader may remove this attachment


@dataclass(frozen=True, slots=True)
class ConversationPanel:
    activity: list[Activity]
    more: bool  # older comments or files exist: the journal lists them
    watchers: list[Any]
    watching: bool
    can_write: bool
    max_bytes: int


def conversation_panel(*, access: Access, item: ReleaseItem) -> ConversationPanel:
    """Comments and attachments, merged newest first, and the watchers: three queries,
    whatever their number."""
    comments = list(
        Comment.objects.filter(item=item)
        .select_related("author")
        .order_by("-created_at", "-id")[: PANEL_ENTRIES + 1]
    )
    attachments = list(
        Attachment.objects.filter(item=item)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")[: PANEL_ENTRIES + 1]
    )
    watchers = [
        watch.user
        for watch in Watch.objects.filter(item=item)
        .select_related("user")
        .order_by("user__username")[:PANEL_WATCHERS]
    ]
    can_write = conversation_can_write(access=access)
    manager = access.can(MANAGE)
    activity = [Activity(when=c.created_at, comment=c) for c in comments[:PANEL_ENTRIES]] + [
        Activity(
            when=a.created_at,
            attachment=a,
            removable=can_write and (manager or a.uploaded_by_id == access.user.pk),
        )
        for a in attachments[:PANEL_ENTRIES]
    ]
    activity.sort(key=lambda entry: entry.when, reverse=True)
    return ConversationPanel(
        activity=activity[:PANEL_ENTRIES],
        more=len(comments) > PANEL_ENTRIES
        or len(attachments) > PANEL_ENTRIES
        or len(activity) > PANEL_ENTRIES,
        watchers=watchers,
        watching=any(user.pk == access.user.pk for user in watchers),
        can_write=can_write,
        max_bytes=attachment_max_bytes(),
    )


def attachment_for_download(
    *, item_project_id: int, number: int, attachment_id: int
) -> Attachment | None:
    """The attachment `attachment_id` of item `number` in this project, or None: one query."""
    return Attachment.objects.filter(
        pk=attachment_id, item__project_id=item_project_id, item__number=number
    ).first()
