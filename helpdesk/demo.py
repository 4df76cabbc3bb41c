"""The demo's help-desk tickets (wired into manage.py seed_demo): incidents and problems caused
by the released demo releases, some fixed by a change of a later release, some still open, so
the KPIs "issues caused per release" and "new versus fixed" and the DORA measures (change
failure rate, time to restore) show something true."""

import random
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from helpdesk.models import Ticket, TicketKind
from helpdesk.services import TicketValues, ticket_create, ticket_link_fix, ticket_update
from items.models import ReleaseItem
from projects.models import Lifecycle, ReleaseProject

SYMPTOMS = [
    "Card payments time out at checkout",
    "Statement PDF shows yesterday's balance",
    "Login loops back to the start page",
    "Refunds stay pending for hours",
    "Search returns no customers after the update",
    "Nightly export job fails with a locking error",
    "Wrong currency symbol on invoices",
    "Mobile app crashes when opening notifications",
    "Duplicate reminder e-mails sent to customers",
    "Dashboard totals differ from the report",
]
# A release made without the journal (no go-live recorded) went live at this hour of its
# actual release date.
GO_LIVE_HOUR = 10


def _went_live(release: ReleaseProject) -> datetime:
    """When the release went live: as its schedule recorded it from the journal, else at
    GO_LIVE_HOUR on its actual release date."""
    schedule = getattr(release, "schedule", None)
    if schedule is not None and schedule.went_live_at is not None:
        return schedule.went_live_at
    day = datetime.combine(release.actual_release_date, datetime.min.time())
    return timezone.make_aware(day) + timedelta(hours=GO_LIVE_HOUR)


def tickets_seed_demo(
    *,
    actor: AbstractBaseUser,
    codes: list[str] | None = None,
    per_release: int = 3,
    window_days: int = 30,
    now: datetime | None = None,
    seed: int = 9,
) -> list[Ticket]:
    """Record the demo's caused tickets; idempotent (references INC-<code>-<n> are skipped
    when they exist), deterministic for a given `seed`.

    - `actor`: who records and links them; an administrator (it links fixes in any release).
    - `codes`: the releases to give tickets (default: every released or closed release with
      an actual release date). Releases without one are skipped.
    - `per_release`: at most this many tickets per release (a release gets 0..per_release,
      one at least when it has items, so releases differ in the KPI).
    - `window_days`: tickets are opened within this many days after the go-live (the KPI's
      default window is 30 days).
    - `now`: the demo's "now" (default: the current time); nothing is opened or resolved
      after it.
    - `seed`: the random seed.

    About two in three tickets name the causing change (one of the release's items), the
    others the release only; a ticket is fixed (resolved, linked to the fixing change) when a
    release that went live later includes a change, about two times in three, and resolved
    only once that release went live; the rest stay open. The journal rows are dated when each
    thing happened.
    """
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311  (demo data, not a secret)
    releases = ReleaseProject.objects.filter(actual_release_date__isnull=False)
    if codes is not None:
        releases = releases.filter(code__in=codes)
    else:
        releases = releases.filter(lifecycle__in=[Lifecycle.RELEASED, Lifecycle.CLOSED])
    releases = list(releases.select_related("schedule").order_by("actual_release_date", "code"))
    live = {release.pk: _went_live(release) for release in releases}
    items = {}
    for item in ReleaseItem.objects.filter(project__in=releases).select_related("change"):
        items.setdefault(item.project_id, []).append(item)
    existing = set(Ticket.objects.values_list("reference", flat=True))
    created = []
    for index, release in enumerate(releases):
        shipped = sorted(items.get(release.pk, []), key=lambda i: i.number)
        if not shipped:
            continue
        go_live = live[release.pk]
        later = [i for r in releases[index + 1 :] for i in items.get(r.pk, [])]
        for n in range(1, rng.randint(1, per_release) + 1):
            # Every draw is made whether or not the ticket exists: a second run draws the
            # same numbers and skips what the first one recorded.
            reference = f"INC-{release.code}-{n}"
            opened = go_live + timedelta(
                days=rng.randint(0, window_days - 1), hours=rng.randint(0, 8)
            )
            cause = rng.choice(shipped) if rng.random() < 0.67 else None
            kind = TicketKind.INCIDENT if rng.random() < 0.8 else TicketKind.PROBLEM
            title = rng.choice(SYMPTOMS)
            resolved = opened + timedelta(hours=rng.randint(4, 24 * 12))
            fix = rng.choice(later) if later and rng.random() < 0.67 else None
            deployed = timedelta(hours=rng.randint(1, 36))
            if fix is not None:
                # A fix resolves the ticket only once its release is live.
                resolved = max(resolved, live[fix.project_id] + deployed)
            if reference in existing or opened > now:
                continue
            ticket = ticket_create(
                user=actor,
                values=TicketValues(
                    reference=reference,
                    kind=kind,
                    title=title,
                    opened_at=opened,
                    caused_by_release=release,
                    caused_by_change=cause.change if cause else None,
                ),
                at=opened,
            )
            if fix is not None and resolved <= now:
                ticket_link_fix(user=actor, ticket_id=ticket.pk, change=fix.change, at=resolved)
                ticket = ticket_update(
                    user=actor,
                    ticket_id=ticket.pk,
                    kind=kind,
                    title=title,
                    opened_at=opened,
                    resolved_at=resolved,
                    at=resolved,
                )
            created.append(ticket)
    return created
