"""Writes on help-desk tickets: record, edit, link and unlink, each journaled.

A link names a release (the one that caused the ticket), a change of that release (the cause,
optional), and a change that fixes it. Only a release manager of the release a link names may
make or remove it (administrators and the help desk's token always may); the change reason of
each journal row says which link was made or removed, by the change's own key (CH-7), so a
release's journal never names another release its readers may not see.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Ticket, TicketKind
from helpdesk.selectors import (
    Actor,
    HelpDesk,
    changes_managed,
    releases_managed,
    ticket_may_change,
    user_manages_a_release,
)
from items.models import Change, ReleaseItem, change_key
from projects.models import ReleaseProject

CAUSE_NEEDS_RELEASE = _(
    "Name the release that shipped {change}: a change may ship in several releases, and the "
    "ticket is caused by one of them."
)
CHANGE_NOT_IN_RELEASE = _("{change} is not included in {code}; name a change the release shipped.")
NOT_MANAGER_OF = _("Only a release manager of {code} may link tickets to it or unlink them.")
NOT_MANAGER_OF_FIX = _(
    "Only a release manager of a release that includes {change} may link it as a fix or unlink it."
)
NOT_A_MANAGER = _("Only release managers may record tickets that are linked to no release yet.")
MAY_NOT_CHANGE = _("Only a release manager of a release this ticket is linked to may change it.")
REFERENCE_TAKEN = _("Reference {reference} is already used by another ticket.")
RESOLVED_BEFORE_OPENED = _("A ticket cannot be resolved before it was opened.")
REFERENCE_REQUIRED = _("Give the help desk's reference of the ticket, e.g. INC-1042.")
TITLE_REQUIRED = _("Give the ticket a title.")
TOO_LONG = _("At most {limit} characters.")
BAD_KIND = _("Choose one of: {choices}.")

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

ORIGIN_FORM = ""
ORIGIN_IMPORT = "Imported from a CSV file"
ORIGIN_HELP_DESK = "Posted by the help desk"


class TicketError(Exception):
    """A refused ticket write, with its HTTP status and a message naming the field."""

    status_code = 400

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TicketNotAllowed(TicketError):
    status_code = 403


class ReferenceTaken(TicketError):
    status_code = 409


class TicketStale(TicketError):
    status_code = 409


STALE = _("The ticket changed since this page was shown; look at it again and retry.")


@dataclass(frozen=True, slots=True)
class TicketValues:
    """A ticket as a form, a CSV line or the help desk gives it, its links resolved."""

    reference: str
    kind: str
    title: str
    opened_at: datetime
    resolved_at: datetime | None = None
    caused_by_release: ReleaseProject | None = None
    caused_by_change: Change | None = None
    fixed_by_change: Change | None = None


def ticket_values_check(values: TicketValues) -> None:
    """Refuse values the model would refuse (TicketError naming the field), before any write:
    the database's check constraints would otherwise answer with a 500."""
    limits = {
        "reference": Ticket._meta.get_field("reference").max_length,
        "title": Ticket._meta.get_field("title").max_length,
    }
    if not values.reference.strip():
        raise TicketError(REFERENCE_REQUIRED, field="reference")
    if not values.title.strip():
        raise TicketError(TITLE_REQUIRED, field="title")
    for name, limit in limits.items():
        if len(getattr(values, name)) > limit:
            raise TicketError(TOO_LONG.format(limit=limit), field=name)
    if values.kind not in TicketKind.values:
        raise TicketError(BAD_KIND.format(choices=", ".join(TicketKind.values)), field="kind")
    if values.resolved_at is not None and values.resolved_at < values.opened_at:
        raise TicketError(RESOLVED_BEFORE_OPENED, field="resolved_at")
    if values.caused_by_change is not None:
        if values.caused_by_release is None:
            raise TicketError(
                CAUSE_NEEDS_RELEASE.format(change=values.caused_by_change.key),
                field="caused_by_release",
            )
        included = ReleaseItem.objects.filter(
            project=values.caused_by_release, change=values.caused_by_change
        ).exists()
        if not included:
            raise TicketError(
                CHANGE_NOT_IN_RELEASE.format(
                    change=values.caused_by_change.key, code=values.caused_by_release.code
                ),
                field="caused_by_change",
            )


def _links_check(*, actor: Actor, old: Ticket | None, values: TicketValues) -> None:
    """The actor must manage each release a made or removed link names (403 otherwise)."""
    old_release = old.caused_by_release_id if old else None
    old_cause = old.caused_by_change_id if old else None
    old_fix = old.fixed_by_change_id if old else None
    new_release = values.caused_by_release.pk if values.caused_by_release else None
    new_cause = values.caused_by_change.pk if values.caused_by_change else None
    new_fix = values.fixed_by_change.pk if values.fixed_by_change else None

    releases = set()
    if (old_release, old_cause) != (new_release, new_cause):
        releases = {old_release, new_release} - {None}
    fixes = {old_fix, new_fix} - {None} if old_fix != new_fix else set()
    managed = releases_managed(user=actor, release_ids=releases)
    for release_id in sorted(releases - managed):
        code = (
            values.caused_by_release.code
            if values.caused_by_release and values.caused_by_release.pk == release_id
            else old.caused_by_release.code
        )
        raise TicketNotAllowed(NOT_MANAGER_OF.format(code=code), field="caused_by_release")
    for change_id in sorted(fixes - changes_managed(user=actor, change_ids=fixes)):
        raise TicketNotAllowed(
            NOT_MANAGER_OF_FIX.format(change=change_key(change_id)), field="fixed_by_change"
        )


def _link_words(*, old: Ticket | None, values: TicketValues) -> list[str]:
    """What the write links and unlinks, for the journal row's change reason."""
    words = []
    before_cause = (old.caused_by_release_id, old.caused_by_change_id) if old else (None, None)
    after_cause = (
        values.caused_by_release.pk if values.caused_by_release else None,
        values.caused_by_change.pk if values.caused_by_change else None,
    )
    if before_cause != after_cause:
        if after_cause[0] is None:
            words.append("cause unlinked")
        elif after_cause[1] is None:
            words.append("cause linked: a release, no change named")
        else:
            words.append(f"cause linked: {change_key(after_cause[1])}")
    before_fix = old.fixed_by_change_id if old else None
    after_fix = values.fixed_by_change.pk if values.fixed_by_change else None
    if before_fix != after_fix:
        words.append(
            f"fix linked: {change_key(after_fix)}" if after_fix is not None else "fix unlinked"
        )
    return words


def _reason(origin: str, words: list[str]) -> str:
    parts = [origin, *words] if origin else words
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


_FIELDS = (
    "kind",
    "title",
    "opened_at",
    "resolved_at",
    "caused_by_release",
    "caused_by_change",
    "fixed_by_change",
)


def _ticket_lock(ticket_id: int, seen: datetime | None = None) -> Ticket:
    """Lock the ticket; a page that showed an older version of it (`seen`, its updated_at
    then) loses politely: 409, nothing changed."""
    try:
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("caused_by_release")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise TicketError(gettext("No such ticket.")) from None
    if seen is not None and ticket.updated_at != seen:
        raise TicketStale(STALE)
    return ticket


def _write(
    *,
    actor: Actor,
    old: Ticket | None,
    values: TicketValues,
    origin: str,
    at: datetime | None = None,
) -> tuple[Ticket, str]:
    """Create or change one ticket (`old` locked by the caller); returns it and what happened
    ("created", "updated" or "unchanged": a write that changes nothing writes no row)."""
    values = replace(values, reference=values.reference.strip(), title=values.title.strip())
    ticket_values_check(values)
    if old is not None and not ticket_may_change(user=actor, ticket=old):
        raise TicketNotAllowed(MAY_NOT_CHANGE)
    _links_check(actor=actor, old=old, values=values)
    linked = values.caused_by_release or values.fixed_by_change
    if old is None and not linked and not user_manages_a_release(user=actor):
        raise TicketNotAllowed(NOT_A_MANAGER)
    words = _link_words(old=old, values=values)
    ticket = old or Ticket(reference=values.reference)
    changed = old is None or any(
        getattr(old, f"{name}_id" if name.startswith(("caused", "fixed")) else name)
        != (
            getattr(getattr(values, name), "pk", None)
            if name.startswith(("caused", "fixed"))
            else getattr(values, name)
        )
        for name in _FIELDS
    )
    if not changed:
        return ticket, UNCHANGED
    for name in _FIELDS:
        setattr(ticket, name, getattr(values, name))
    user = None if isinstance(actor, HelpDesk) else actor
    if old is None:
        ticket.created_by = user
        if at is not None:
            ticket.created_at = at
    ticket._history_user = user
    ticket._change_reason = _reason(origin, words)
    if at is not None:
        ticket._history_date = at
    try:
        with transaction.atomic():  # a savepoint: a racing twin's reference is a 409
            ticket.save()
    except IntegrityError:
        raise ReferenceTaken(
            REFERENCE_TAKEN.format(reference=values.reference), field="reference"
        ) from None
    return ticket, CREATED if old is None else UPDATED


def _values_of(ticket: Ticket, **changes: object) -> TicketValues:
    values = TicketValues(
        reference=ticket.reference,
        kind=ticket.kind,
        title=ticket.title,
        opened_at=ticket.opened_at,
        resolved_at=ticket.resolved_at,
        caused_by_release=ticket.caused_by_release,
        caused_by_change=ticket.caused_by_change,
        fixed_by_change=ticket.fixed_by_change,
    )
    return replace(values, **changes)


@transaction.atomic
def ticket_create(
    *, user: Actor, values: TicketValues, origin: str = ORIGIN_FORM, at: datetime | None = None
) -> Ticket:
    """Record a new ticket with its links. Refused (409) when its reference is taken.
    `at` back-dates the journal row; only the demo uses it."""
    if Ticket.objects.filter(reference=values.reference.strip()).exists():
        raise ReferenceTaken(
            REFERENCE_TAKEN.format(reference=values.reference.strip()), field="reference"
        )
    ticket, _ = _write(actor=user, old=None, values=values, origin=origin, at=at)
    return ticket


@transaction.atomic
def ticket_update(
    *,
    user: Actor,
    ticket_id: int,
    kind: str,
    title: str,
    opened_at: datetime,
    resolved_at: datetime | None,
    seen: datetime | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Edit a ticket's own fields (its links stay: see ticket_link_cause, ticket_link_fix).
    `seen` is the ticket's updated_at as the editing page showed it (409 when it changed)."""
    old = _ticket_lock(ticket_id, seen)
    values = _values_of(old, kind=kind, title=title, opened_at=opened_at, resolved_at=resolved_at)
    ticket, _ = _write(actor=user, old=old, values=values, origin=ORIGIN_FORM, at=at)
    return ticket


@transaction.atomic
def ticket_link_cause(
    *,
    user: Actor,
    ticket_id: int,
    release: ReleaseProject | None,
    change: Change | None = None,
    seen: datetime | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Say which release (and which of its changes) caused the ticket; `release=None` unlinks
    the cause."""
    old = _ticket_lock(ticket_id, seen)
    values = _values_of(old, caused_by_release=release, caused_by_change=change)
    ticket, _ = _write(actor=user, old=old, values=values, origin=ORIGIN_FORM, at=at)
    return ticket


@transaction.atomic
def ticket_link_fix(
    *,
    user: Actor,
    ticket_id: int,
    change: Change | None,
    seen: datetime | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Say which change fixes the ticket; `change=None` unlinks the fix."""
    old = _ticket_lock(ticket_id, seen)
    values = _values_of(old, fixed_by_change=change)
    ticket, _ = _write(actor=user, old=old, values=values, origin=ORIGIN_FORM, at=at)
    return ticket


def ticket_upsert(*, user: Actor, values: TicketValues, origin: str) -> tuple[Ticket, str]:
    """Create the ticket with this reference, or bring the existing one to these values (an
    import run twice changes nothing the second time). Call inside a transaction: imports
    write all their tickets or none."""
    found = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("caused_by_release")
        .filter(reference=values.reference.strip())
        .first()
    )
    if found is None and not values.reference.strip():
        raise TicketError(REFERENCE_REQUIRED, field="reference")
    return _write(actor=user, old=found, values=values, origin=origin)


def ticket_require_change(*, user: Actor, ticket: Ticket) -> None:
    """403 unless `user` may change `ticket` (for views that show a form before writing)."""
    if not ticket_may_change(user=user, ticket=ticket):
        raise PermissionDenied(MAY_NOT_CHANGE)
