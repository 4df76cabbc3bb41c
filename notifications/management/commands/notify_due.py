"""Queue the scheduled reminders that are due: run it daily (or more often) from cron or a
systemd timer (docs/OPERATIONS.md). Each reminder is logged under a unique key, so running it
again, or on two machines, never sends one twice."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Event, SentReminder
from notifications.receivers import event_queue
from projects.models import Lifecycle, ReleaseProject


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
    """Remind the members of each open release due to go live `days` after `today`."""
    due = today + dt.timedelta(days=days)
    queued = 0
    for project in ReleaseProject.objects.filter(
        planned_release_date=due, lifecycle__in=[Lifecycle.PLANNING, Lifecycle.IN_PROGRESS]
    ):
        queued += reminder_queue_once(
            key=f"{Event.RELEASE_DUE}:{project.pk}:{due.isoformat()}:{days}",
            event=Event.RELEASE_DUE,
            payload={"project_id": project.pk, "days": days, "date": due.isoformat()},
        )
    return queued


class Command(BaseCommand):
    help = "Queue due reminders: releases going live in NOTIFY_DAYS_BEFORE_GO_LIVE days."

    def handle(self, *args: object, **options: object) -> None:
        today = timezone.localdate()
        queued = releases_due_remind(today=today, days=settings.NOTIFY_DAYS_BEFORE_GO_LIVE)
        self.stdout.write(f"Queued {queued} reminder(s).")
