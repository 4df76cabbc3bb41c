"""The background work: an event becomes letters, and each letter is sent on its own.

The queue is Django's tasks framework (settings.TASKS; django-tasks-db in the database by
default, `manage.py db_worker` runs it). The backend does not retry, so a task that fails
queues itself again with a growing delay, up to MAX_ATTEMPTS, and then raises so the failure
stays visible in the task results (admin). The change that caused the event was committed
long before: a failing mail server never undoes it.
"""

import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import Task, task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.letters import BUILDERS, absolute
from notifications.selectors import user_muted_events

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Seconds to wait before attempt 2, 3, ...: about a day of trying in all.
RETRY_DELAYS = (60, 300, 1800, 3 * 3600, 18 * 3600)
UNKNOWN_EVENT = "Unknown notification event “{event}”."


def _retry_later(queued: Task, *, attempt: int, kwargs: dict[str, Any]) -> None:
    if attempt >= MAX_ATTEMPTS:
        logger.error("Giving up on %s after %d attempts: %s", queued.name, attempt, kwargs)
        return
    delay = timedelta(seconds=RETRY_DELAYS[attempt - 1])
    queued.using(run_after=timezone.now() + delay).enqueue(**kwargs, attempt=attempt + 1)
    logger.warning("%s failed (attempt %d); retrying in %s", queued.name, attempt, delay)


@task
def notify(*, event: str, payload: dict[str, Any], attempt: int = 1) -> int:
    """Work out who gets `event` and queue one letter each; returns how many."""
    try:
        build = BUILDERS.get(event)
        if build is None:
            raise ValueError(UNKNOWN_EVENT.format(event=event))
        letters = build(payload)
        with transaction.atomic():  # all letters queued, or none (and the retry queues them)
            for letter in letters:
                deliver.enqueue(**letter)
    except Exception:
        _retry_later(notify, attempt=attempt, kwargs={"event": event, "payload": payload})
        raise
    return len(letters)


@task
def deliver(
    *,
    event: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    user_id: int | None = None,
    address: str | None = None,
    attempt: int = 1,
) -> str:
    """Send one letter, to a user (if they still want it, at send time) or an address."""
    letter = {
        "event": event,
        "subject": subject,
        "template": template,
        "context": context,
        "user_id": user_id,
        "address": address,
    }
    try:
        if user_id is not None:
            user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
            if user is None or not user.email:
                return "skipped: no active user with an address"
            if event in user_muted_events(user_id=user_id):
                return "skipped: turned off by the user"
            address = user.email
        preferences = absolute(reverse("notifications:preferences"))
        body = render_to_string(template, context | {"preferences_url": preferences})
        # A header holds one line (titles come from users): fold any line breaks.
        EmailMessage(subject=" ".join(subject.split()), body=body, to=[address]).send()
    except Exception:
        _retry_later(deliver, attempt=attempt, kwargs=letter)
        raise
    return f"sent to {address}"
