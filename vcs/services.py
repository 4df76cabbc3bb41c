"""Writes: a delivery received, its commits and merge requests linked to the items they name,
and the moves their closing references request (docs/INTEGRATIONS.md).

Everything a delivery writes is one transaction, begun by recording the delivery: a delivery
received twice is recorded once (its id is unique per webhook), and the second finds it there.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import translation

from items import engine
from items.models import ReleaseItem
from journal.models import ChangeKind
from projects.access import Access, project_access
from vcs.keys import Key, closing_keys, item_keys, key_text
from vcs.models import Delivery, LinkKind, MoveOutcome, Outcome, VcsLink, Webhook
from vcs.payloads import Event, Reference, event_parse

# At most this many distinct release projects are looked up for one delivery.
PROJECTS_PER_DELIVERY = 20

ALREADY_RECEIVED = "Delivery {delivery_id} was already received; nothing was done again."
EVENT_NOT_USED = "“{event}” events are not used; nothing was linked."
NOT_A_MEMBER = "{key}: not linked: the service account {user} is not a member of a release {code}."
NO_SUCH_ITEM = "{key}: not linked: there is no such item."
ACCOUNT_INACTIVE = "Nothing was linked: the service account {user} is deactivated."
TOO_MANY_PROJECTS = "Only the first {count} release codes named were looked up."
TRUNCATED = "Only the first {count} commits of the push were read."
ALREADY_MOVED = (
    "{key} was already moved by a closing reference ({ref}) and has not moved or changed since."
)
MOVE_COMMENT = "{verb} {key} in {kind} {ref} ({repository}){by}"


class DuplicateDelivery(Exception):
    def __init__(self, delivery_id: str) -> None:
        self.message = ALREADY_RECEIVED.format(delivery_id=delivery_id)
        super().__init__(self.message)


@dataclass(slots=True)
class _Work:
    """What a delivery did, for its summary."""

    notes: list[str] = field(default_factory=list)
    moves: list[dict[str, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0


@transaction.atomic
def delivery_receive(
    *, webhook: Webhook, delivery_id: str, event_name: str, payload: Any
) -> Delivery:
    """Record a delivery whose signature was checked, and act on it.

    Raises PayloadError (nothing written) when the payload is not shaped like its event, and
    DuplicateDelivery when this delivery id was already received.
    """
    event = event_parse(provider=webhook.provider, event=event_name, payload=payload)
    try:
        with transaction.atomic():  # a savepoint: the unique index decides, also under a race
            delivery = Delivery.objects.create(
                webhook=webhook,
                delivery_id=delivery_id,
                event=event_name[:50],
                outcome=Outcome.IGNORED if event is None else Outcome.PROCESSED,
                summary=EVENT_NOT_USED.format(event=event_name[:50]) if event is None else "",
            )
    except IntegrityError:
        raise DuplicateDelivery(delivery_id) from None
    if event is None:
        return delivery
    work = _Work()
    account = webhook.service_account
    if not account.is_active:
        work.notes.append(ACCOUNT_INACTIVE.format(user=account))
    else:
        _link_event(webhook=webhook, event=event, work=work)
    if event.truncated:
        work.notes.append(TRUNCATED.format(count=len(event.references)))
    counted = f"{len(event.references)} commit(s) or merge request(s) read from {event.repository}"
    linked = f"{work.created} link(s) made, {work.updated} updated"
    delivery.summary = " ".join([f"{counted}; {linked}.", *work.notes])
    delivery.moves = work.moves
    delivery.save(update_fields=["summary", "moves"])
    return delivery


def _link_event(*, webhook: Webhook, event: Event, work: _Work) -> None:
    named = [(reference, item_keys(reference.message)) for reference in event.references]
    accesses = _accesses(
        webhook=webhook, codes=[code for _, keys in named for code, _ in keys], work=work
    )
    items = _items(accesses=accesses, keys={key for _, keys in named for key in keys})
    existing = {
        (link.item_id, link.kind, link.ref): link
        for link in VcsLink.objects.filter(
            item__in=[item.pk for item in items.values()],
            provider=webhook.provider,
            repository=event.repository,
            ref__in={reference.ref for reference, _ in named},
        )
    }
    for reference, keys in named:
        closed = closing_keys(reference.message) if reference.closes else {}
        for key in keys:
            if key[0] not in accesses:
                continue  # noted once, by _accesses
            item = items.get(key)
            if item is None:
                work.notes.append(NO_SUCH_ITEM.format(key=key_text(key)))
                continue
            link = existing.get((item.pk, reference.kind, reference.ref))
            link = _link_save(
                webhook=webhook,
                repository=event.repository,
                reference=reference,
                item=item,
                link=link,
                work=work,
            )
            existing[(item.pk, reference.kind, reference.ref)] = link
            verb = closed.get(key)
            if verb and not link.move_outcome:
                _move_request(
                    access=accesses[key[0]],
                    item=item,
                    link=link,
                    verb=verb,
                    repository=event.repository,
                    work=work,
                )


def _accesses(*, webhook: Webhook, codes: list[str], work: _Work) -> dict[str, Access]:
    """The service account's access to each release named, one query each; a release it is
    not a member of links nothing (outsiders see nothing, machines included)."""
    distinct = list(dict.fromkeys(codes))
    if len(distinct) > PROJECTS_PER_DELIVERY:
        work.notes.append(TOO_MANY_PROJECTS.format(count=PROJECTS_PER_DELIVERY))
        distinct = distinct[:PROJECTS_PER_DELIVERY]
    accesses = {}
    for code in distinct:
        try:
            accesses[code] = project_access(user=webhook.service_account, code=code)
        except Http404:
            work.notes.append(
                NOT_A_MEMBER.format(key=f"{code}-…", user=webhook.service_account, code=code)
            )
    return accesses


def _items(*, accesses: dict[str, Access], keys: set[Key]) -> dict[Key, ReleaseItem]:
    """The items named, in the releases the service account may see: one query."""
    numbers: dict[str, set[int]] = defaultdict(set)
    for code, number in keys:
        if code in accesses:
            numbers[code].add(number)
    if not numbers:
        return {}
    wanted = Q()
    for code, found in numbers.items():
        wanted |= Q(project_id=accesses[code].project.pk, number__in=sorted(found))
    items = {}
    by_project = {access.project.pk: access.project for access in accesses.values()}
    for item in ReleaseItem.objects.filter(wanted):
        item.project = by_project[item.project_id]
        items[(item.project.code, item.number)] = item
    return items


def _link_save(
    *,
    webhook: Webhook,
    repository: str,
    reference: Reference,
    item: ReleaseItem,
    link: VcsLink | None,
    work: _Work,
) -> VcsLink:
    """Create the link, or bring a known one up to date (a merge request's title and state; the
    branch a commit reached). Journaled either way, by the service account."""
    if link is None:
        link = VcsLink(
            item=item,
            provider=webhook.provider,
            kind=reference.kind,
            repository=repository,
            ref=reference.ref,
            title=reference.title,
            message=reference.message,
            author=reference.author,
            url=reference.url,
            happened_at=reference.happened_at,
            branch=reference.branch,
            state=reference.state,
            webhook=webhook,
        )
        link._history_user = webhook.service_account
        link.save()
        work.created += 1
        return link
    if reference.kind == LinkKind.MERGE_REQUEST:
        fresh = {
            "title": reference.title,
            "message": reference.message,
            "url": reference.url or link.url,
            "happened_at": reference.happened_at or link.happened_at,
            "branch": reference.branch,
            "state": reference.state,
        }
    else:  # a commit never changes; it may reach the default branch later
        fresh = {"branch": reference.branch} if reference.closes else {}
    changed = [name for name, value in fresh.items() if getattr(link, name) != value]
    if changed:
        for name in changed:
            setattr(link, name, fresh[name])
        link._history_user = webhook.service_account
        link._journal_kind = ChangeKind.EDITED
        link.save(update_fields=changed)
        work.updated += 1
    return link


def _move_request(
    *,
    access: Access,
    item: ReleaseItem,
    link: VcsLink,
    verb: str,
    repository: str,
    work: _Work,
) -> None:
    """A closing reference asks for one move forward, made as the service account through the
    engine: its role, the transition rules and their gates decide. A refusal is recorded with
    the engine's reason; the delivery itself still succeeds."""
    key = item.key
    current = ReleaseItem.objects.filter(pk=item.pk).values("version", "round").first()
    previous = (
        VcsLink.objects.filter(
            item=item, move_outcome=MoveOutcome.MOVED, move_round=current["round"]
        )
        .exclude(pk=link.pk)
        .first()
        if current
        else None
    )
    move_round = None
    if current is None:
        outcome, reason = (
            MoveOutcome.REFUSED,
            engine.ITEM_NOT_FOUND.format(code=access.project.code),
        )
    elif previous is not None:
        outcome = MoveOutcome.ALREADY
        reason = ALREADY_MOVED.format(key=key, ref=previous.short_ref)
    else:
        by = f" by {link.author}" if link.author else ""
        with translation.override("en"):  # the move's comment is stored in the journal
            comment = MOVE_COMMENT.format(
                verb=verb,
                key=key,
                kind=link.get_kind_display().lower(),
                ref=link.short_ref,
                repository=repository,
                by=by,
            )
        try:
            with translation.override("en"):  # its refusal is stored, in English
                moved = engine.item_move(
                    access=access,
                    item_id=item.pk,
                    expected_version=current["version"],
                    direction="next",
                    comment=comment[:2000],
                )
        except engine.EngineError as error:
            outcome, reason = MoveOutcome.REFUSED, error.message
        else:
            outcome, reason = MoveOutcome.MOVED, f"Moved to {moved.status.name}."
            move_round = moved.round
    link.move_verb = verb[:20]
    link.move_outcome = outcome
    link.move_reason = reason
    link.move_round = move_round
    link._history_user = access.user
    link._change_reason = reason  # the journal entry's "why", and what marks it as the request
    link._journal_kind = ChangeKind.EDITED
    link.save(update_fields=["move_verb", "move_outcome", "move_reason", "move_round"])
    work.moves.append({"item": key, "ref": link.short_ref, "outcome": outcome, "reason": reason})
