"""What each event says and to whom: run by the worker, never in a request.

An event becomes letters, one per recipient: the subject, the template and its context as plain
strings, so that a letter whose sending failed can be queued again unchanged. The subject is an
English text marked for translation whose {placeholders} the context fills, and `moments` in the
context are ISO instants: both are rendered at send time in the recipient's language and time
zone (notifications.tasks.deliver).
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils.translation import gettext_noop

from approvals.models import Approval, ReleaseApproval, Vote
from conversation.models import Comment
from items.models import ReleaseItem, ReleaseStatus
from notifications.models import RELEASE_LIVE, Event, ReleaseMailing
from notifications.selectors import (
    approval_rule_of_move,
    approval_rule_waiting,
    approvers_eligible,
    item_followers,
    project_members,
    users_active,
)
from projects.models import ReleaseProject
from releases.notes_selectors import notes_published


class Letter(TypedDict, total=False):
    event: str
    user_id: int
    address: str
    subject: str
    template: str
    context: dict[str, Any]


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def name_of(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""  # the mail templates say "someone" in the recipient's language
    return user.get_full_name() or user.get_username()


def _to_users(users: list[AbstractBaseUser], **letter: Any) -> list[Letter]:
    return [Letter(user_id=u.pk, **letter) for u in users]


def _item(item_id: int) -> ReleaseItem | None:
    return (
        ReleaseItem.objects.select_related("project", "status", "state_entered_by", "change")
        .filter(pk=item_id)
        .first()
    )


def item_moved_letters(payload: dict[str, Any]) -> list[Letter]:
    item = _item(payload["item_id"])
    if item is None:  # deleted since: nothing to tell
        return []
    names = dict(
        ReleaseStatus.objects.filter(
            pk__in=[payload["from_state_id"], payload["to_state_id"]]
        ).values_list("pk", "name")
    )
    actor = users_active(ids=[payload["actor_id"]], exclude=None)
    context = {
        "code": item.project.code,
        "key": item.key,
        "title": item.title,
        "project": str(item.project),
        "source": names.get(payload["from_state_id"], "?"),
        "target": names.get(payload["to_state_id"], "?"),
        "actor": name_of(actor[0] if actor else None),
        "comment": payload.get("comment", ""),
        "emergency": payload.get("emergency", False),
        "url": absolute(item.get_absolute_url()),
    }
    letters = _to_users(
        item_followers(item=item, exclude=payload["actor_id"]),
        event=Event.ITEM_MOVED,
        subject=gettext_noop("[{code}] {key} moved to {target}: {title}"),
        template="notifications/mail/item_moved.txt",
        context=context,
    )
    # Waiting for approval: only while the item is still where this move put it, this round.
    still_there = (item.status_id, item.round) == (payload["to_state_id"], payload["round"])
    rule = approval_rule_waiting(item=item) if still_there else None
    if rule is not None:
        letters += _to_users(
            approvers_eligible(item=item, rule=rule, exclude=payload["actor_id"]),
            event=Event.APPROVAL_REQUESTED,
            subject=gettext_noop("[{code}] Your approval is requested: {key} to {next}"),
            template="notifications/mail/approval_requested.txt",
            context=context
            | {
                "next": rule.to_state.name,
                "required": rule.approvals_required,
                "approvals_url": absolute(reverse("approvals:waiting")),
            },
        )
    if payload.get("emergency"):
        # The approvals the move skipped are owed now (approvals: EmergencyMove).
        skipped = approval_rule_of_move(
            from_state_id=payload["from_state_id"], to_state_id=payload["to_state_id"]
        )
        if skipped is not None:
            letters += _to_users(
                approvers_eligible(item=item, rule=skipped, exclude=payload["actor_id"]),
                event=Event.APPROVAL_REQUESTED,
                subject=gettext_noop(
                    "[{code}] Approval owed for the emergency move of {key} to {target}"
                ),
                template="notifications/mail/approval_owed.txt",
                context=context
                | {
                    "required": skipped.approvals_required,
                    "emergencies_url": absolute(
                        reverse("approvals:emergencies", kwargs={"code": item.project.code})
                    ),
                },
            )
    return letters


def approval_decided_letters(payload: dict[str, Any]) -> list[Letter]:
    if "release_approval_id" in payload:
        return _release_vote_letters(payload)
    approval = (
        Approval.objects.select_related("item__project", "item__change", "to_state", "approver")
        .filter(pk=payload["approval_id"])
        .first()
    )
    if approval is None:
        return []
    item = approval.item
    verdict = "approved" if approval.vote == Vote.APPROVE else "rejected"
    subject = {
        "approved": gettext_noop("[{code}] {key} approved by {approver}: move to {target}"),
        "rejected": gettext_noop("[{code}] {key} rejected by {approver}: move to {target}"),
    }[verdict]
    return _to_users(
        users_active(ids=[payload["requester_id"]], exclude=payload["actor_id"]),
        event=Event.APPROVAL_DECIDED,
        subject=subject,
        template="notifications/mail/approval_decided.txt",
        context={
            "code": item.project.code,
            "key": item.key,
            "title": item.title,
            "verdict": verdict,
            "approver": name_of(approval.approver),
            "target": approval.to_state.name,
            "comment": approval.comment,
            "url": absolute(item.get_absolute_url()),
        },
    )


def _release_vote_letters(payload: dict[str, Any]) -> list[Letter]:
    approval = (
        ReleaseApproval.objects.select_related("project", "approver")
        .filter(pk=payload["release_approval_id"])
        .first()
    )
    if approval is None:
        return []
    project = approval.project
    verdict = "approved" if approval.vote == Vote.APPROVE else "rejected"
    subject = {
        "approved": gettext_noop("[{code}] Release {name} approved by {approver}"),
        "rejected": gettext_noop("[{code}] Release {name} rejected by {approver}"),
    }[verdict]
    return _to_users(
        users_active(ids=[project.release_manager_id], exclude=payload["actor_id"]),
        event=Event.APPROVAL_DECIDED,
        subject=subject,
        template="notifications/mail/release_vote_decided.txt",
        context={
            "code": project.code,
            "name": project.name,
            "release": str(project),
            "verdict": verdict,
            "approver": name_of(approval.approver),
            "comment": approval.comment,
            "url": absolute(project.get_absolute_url()),
        },
    )


def release_due_letters(payload: dict[str, Any]) -> list[Letter]:
    project = ReleaseProject.objects.filter(pk=payload["project_id"]).first()
    if project is None:
        return []
    days = payload["days"]
    if days == 0:
        subject = gettext_noop("[{code}] {name} goes live today ({date})")
    elif days == 1:
        subject = gettext_noop("[{code}] {name} goes live tomorrow ({date})")
    else:  # never 1: one plural form says it (English and German alike)
        subject = gettext_noop("[{code}] {name} goes live in {days} days ({date})")
    return _to_users(
        project_members(project_id=project.pk),
        event=Event.RELEASE_DUE,
        subject=subject,
        template="notifications/mail/release_due.txt",
        context={
            "code": project.code,
            "name": project.name,
            "release": str(project),
            "days": days,
            "date": payload["date"],
            "url": absolute(project.get_absolute_url()),
        },
    )


def release_freeze_letters(payload: dict[str, Any]) -> list[Letter]:
    project = ReleaseProject.objects.filter(pk=payload["project_id"]).first()
    if project is None:
        return []
    return _to_users(
        project_members(project_id=project.pk),
        event=Event.RELEASE_FREEZE,
        subject=gettext_noop("[{code}] Freeze “{name}” in force until {until}"),
        template="notifications/mail/release_freeze.txt",
        context={
            "code": project.code,
            "release": str(project),
            "name": payload["name"],
            # Shown in each recipient's zone; a reminder queued before the payload carried
            # the instants keeps the window's own wall-clock text.
            "since": payload["since"],
            "until": payload["until"],
            "moments": {
                name: payload[key]
                for name, key in (("since", "starts_at"), ("until", "ends_at"))
                if key in payload
            },
            "scope": payload["scope"],
            "reason": payload.get("reason", ""),
            "url": absolute(project.get_absolute_url()),
        },
    )


def release_live_letters(payload: dict[str, Any]) -> list[Letter]:
    project = ReleaseProject.objects.filter(pk=payload["project_id"]).first()
    mailing = ReleaseMailing.objects.filter(project_id=payload["project_id"]).first()
    if project is None or mailing is None or not mailing.addresses:
        return []
    # The release notes published when it went live (releases.notes_services), as Markdown,
    # which reads as plain text; a release that went live before notes existed lists its items.
    published = notes_published(project=project)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for item in (
        []
        if published
        else project.items.select_related("project", "change").order_by("change__kind", "number")
    ):
        # The kind's value: put into words when each letter is written, in its language.
        by_kind[item.kind].append(f"{item.key} {item.title}")
    context = {
        "code": project.code,
        "name": project.name,
        "release": str(project),
        "date": str(project.actual_release_date or ""),
        "notes": published.markdown if published else "",
        "kinds": sorted(by_kind.items()),
        "url": absolute(project.get_absolute_url()),
    }
    return [
        Letter(
            address=address,
            event=RELEASE_LIVE,
            subject=gettext_noop("[{code}] {name} is live"),
            template="notifications/mail/release_live.txt",
            context=context,
        )
        for address in mailing.addresses
    ]


def comment_quote(body: str) -> str:
    """The comment's Markdown as the mail quotes it: the text as written, each line after "> "
    (plain text: never the rendered HTML)."""
    return "\n".join(f"> {line}".rstrip() for line in body.strip().splitlines())


def comment_added_letters(payload: dict[str, Any]) -> list[Letter]:
    comment = (
        Comment.objects.select_related("item__project", "item__change", "author")
        .filter(pk=payload["comment_id"])
        .first()
    )
    if comment is None:  # removed with its item since: nothing to tell
        return []
    item = comment.item
    return _to_users(
        item_followers(item=item, exclude=payload["actor_id"]),
        event=Event.COMMENT_ADDED,
        subject=gettext_noop("[{code}] {actor} commented on {key}: {title}")
        if comment.author
        else gettext_noop("[{code}] New comment on {key}: {title}"),
        template="notifications/mail/comment_added.txt",
        context={
            "code": item.project.code,
            "key": item.key,
            "title": item.title,
            "project": str(item.project),
            "actor": name_of(comment.author),
            "quote": comment_quote(comment.body),
            "url": absolute(f"{item.get_absolute_url()}#conversation"),
        },
    )


BUILDERS: dict[str, Callable[[dict[str, Any]], list[Letter]]] = {
    Event.ITEM_MOVED: item_moved_letters,
    Event.APPROVAL_DECIDED: approval_decided_letters,
    Event.RELEASE_DUE: release_due_letters,
    Event.RELEASE_FREEZE: release_freeze_letters,
    RELEASE_LIVE: release_live_letters,
    Event.COMMENT_ADDED: comment_added_letters,
}
