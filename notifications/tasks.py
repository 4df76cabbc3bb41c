"""The background work: an event becomes letters, and each letter is sent on its own.

The queue is Django's tasks framework (settings.TASKS; django-tasks-db in the database by
default, `manage.py db_worker` runs it). The backend does not retry, so a task that fails
queues itself again with a growing delay, up to MAX_ATTEMPTS, and then raises so the failure
stays visible in the task results (admin). The change that caused the event was committed
long before: a failing mail server never undoes it.
"""

import logging
import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import Task, task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.templatetags.clock import when_text
from accounts.zones import zone_is_known
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


class _Unfilled(dict):
    """Leaves a placeholder the context does not fill as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def letter_subject(subject: str, context: dict[str, Any]) -> str:
    """The subject in the active language, its {placeholders} filled from `context` (moments
    as text in the active zone). A subject that is no format (braces of a title) stays as is."""
    values = _Unfilled(
        {k: when_text(v) if isinstance(v, datetime) else v for k, v in context.items()}
    )
    text = translation.gettext(subject) if subject else subject  # "" would be the header
    try:
        return text.format_map(values)
    except (ValueError, IndexError, AttributeError):
        return text


def letter_context(context: dict[str, Any]) -> dict[str, Any]:
    """The context with its `moments` (ISO instants) as datetimes, for the `when_text` filter."""
    moments = context.get("moments") or {}
    return context | {name: datetime.fromisoformat(value) for name, value in moments.items()}


def recipient_locale(user: AbstractBaseUser | None) -> tuple[str, str]:
    """(language, time zone) a letter is written in: the recipient's own choices (loaded with
    the user: no query here), else the installation's (an address, or nothing chosen)."""
    try:
        chosen = user.account_settings if user is not None else None
    except ObjectDoesNotExist:
        chosen = None
    language = (chosen.language if chosen else "") or settings.LANGUAGE_CODE
    zone = chosen.time_zone if chosen else ""
    return language, zone if zone and zone_is_known(zone) else settings.TIME_ZONE


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
        user = None
        if user_id is not None:
            # Their language and time zone come with them: one query, whoever they are.
            user = (
                get_user_model()
                .objects.select_related("account_settings")
                .filter(pk=user_id, is_active=True)
                .first()
            )
            if user is None or not user.email:
                return "skipped: no active user with an address"
            if event in user_muted_events(user_id=user_id):
                return "skipped: turned off by the user"
            address = user.email
        language, zone = recipient_locale(user)
        preferences = absolute(reverse("notifications:preferences"))
        # Written in the recipient's language, its times in their zone, named.
        with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
            shown = letter_context(context)
            title = letter_subject(subject, shown)
            body = render_to_string(template, shown | {"preferences_url": preferences})
        # A header holds one line (titles come from users): fold any line breaks.
        EmailMessage(subject=" ".join(title.split()), body=body, to=[address]).send()
    except Exception:
        _retry_later(deliver, attempt=attempt, kwargs=letter)
        raise
    return f"sent to {address}"
