"""Queue the scheduled reminders that are due: run it every 15 minutes from cron or a systemd
timer (docs/OPERATIONS.md). Each reminder is logged under a unique key, so running it again, or
on two machines, never sends one twice.

- A release going live in NOTIFY_DAYS_BEFORE_GO_LIVE days (its schedule's go-live window
  starts that day, or else its planned release date is that day): its members, once.
- A freeze window that has begun (in force now, started within FREEZE_LOOKBACK): the members
  of each open release it applies to, once per occurrence.
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import Event, SentReminder
from notifications.receivers import event_queue
from planning.freezes import freeze_windows_for, freezes_open_at
from projects.models import Lifecycle, ReleaseProject

OPEN = [Lifecycle.PLANNING, Lifecycle.IN_PROGRESS]
# A freeze that began longer ago than this is not announced (e.g. on the first run after an
# installation): its members have long been told by the banner.
FREEZE_LOOKBACK = dt.timedelta(days=1)


def reminder_queue_once(*, key: str, event: str, payload: dict) -> bool:
    """Queue `event` unless a reminder under `key` was queued before; True if queued now."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(key=key)
            event_queue(event=event, payload=payload)
    except IntegrityError:
        return False
    return True


def releases_due_remind(*, today: dt.date, days: int) -> int:
    """Remind the members of each open release due to go live `days` after `today`: the start
    of its schedule's go-live window that day, or else its planned release date."""
    due = today + dt.timedelta(days=days)
    day_starts = timezone.make_aware(dt.datetime.combine(due, dt.time.min))
    day_ends = timezone.make_aware(dt.datetime.combine(due + dt.timedelta(days=1), dt.time.min))
    by_schedule = Q(schedule__go_live_start__gte=day_starts, schedule__go_live_start__lt=day_ends)
    by_plan = Q(planned_release_date=due) & (
        Q(schedule__isnull=True) | Q(schedule__go_live_start__isnull=True)
    )
    queued = 0
    for project in ReleaseProject.objects.filter(by_schedule | by_plan, lifecycle__in=OPEN):
        queued += reminder_queue_once(
            key=f"{Event.RELEASE_DUE}:{project.pk}:{due.isoformat()}:{days}",
            event=Event.RELEASE_DUE,
            payload={"project_id": project.pk, "days": days, "date": due.isoformat()},
        )
    return queued


def releases_frozen_announce(*, now: dt.datetime) -> int:
    """Tell the members of each open release that a freeze applying to it has begun."""
    projects = {p.pk: p for p in ReleaseProject.objects.filter(lifecycle__in=OPEN)}
    queued = 0
    for freeze in freezes_open_at(freeze_windows_for(projects=list(projects)), at=now):
        if now - freeze.start > FREEZE_LOOKBACK:
            continue
        targets = [freeze.project_id] if freeze.project_id else list(projects)
        for project_id in targets:
            if project_id not in projects:
                continue  # a release's own window, while the release is not open
            queued += reminder_queue_once(
                key=f"{Event.RELEASE_FREEZE}:{freeze.window_id}:{freeze.start.isoformat()}:"
                f"{project_id}",
                event=Event.RELEASE_FREEZE,
                payload={
                    "project_id": project_id,
                    "name": freeze.name,
                    "scope": freeze.scope,
                    "since": freeze.local(freeze.start),
                    "until": freeze.local(freeze.end),
                    # The instants: each mail shows them in its recipient's time zone.
                    "starts_at": freeze.start.isoformat(),
                    "ends_at": freeze.end.isoformat(),
                    "reason": freeze.reason,
                },
            )
    return queued


class Command(BaseCommand):
    help = "Queue due reminders: releases going live soon, freezes that have begun."

    def handle(self, *args: object, **options: object) -> None:
        days = settings.NOTIFY_DAYS_BEFORE_GO_LIVE
        queued = releases_due_remind(today=timezone.localdate(), days=days)
        queued += releases_frozen_announce(now=timezone.now())
        self.stdout.write(f"Queued {queued} reminder(s).")
