"""Each user's iCal feed: a secret, revocable address, and the RFC 5545 calendar it serves.

Only a SHA-256 of the token is stored, so a database dump does not hand out feeds; the
address is shown once, when it is made. Events are written in UTC ("Z"), which every client
converts to its own zone; UIDs name the release and the milestone, so an edit updates the
event in the user's calendar instead of adding another.
"""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from icalendar import Calendar, Event, vDuration

from planning.calendar_events import CalendarEvent, calendar_events
from planning.models import CalendarFeed

PRODID = "-//releasemgmt//Release calendar//EN"
# Recurring freeze windows repeat for ever: the feed carries those in this span around today.
FREEZES_BACK = dt.timedelta(days=31)
FREEZES_AHEAD = dt.timedelta(days=366)
REFRESH = dt.timedelta(hours=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: AbstractBaseUser) -> str:
    """A new secret token for `user`'s feed, replacing (and so revoking) any earlier one.
    Returns the token: the caller shows it once; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        feed = CalendarFeed(user=user)
    feed.token_hash = _digest(token)
    feed._history_user = user
    feed._change_reason = "Calendar feed address regenerated" if feed.pk else ""
    feed.save()
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: AbstractBaseUser) -> bool:
    """Revoke `user`'s feed: its address answers 404 from now on. False if there was none."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return False
    feed._history_user = user
    feed.delete()
    return True


def calendar_feed_exists(*, user: AbstractBaseUser) -> bool:
    return CalendarFeed.objects.filter(user=user).exists()


def calendar_feed_user(*, token: str) -> AbstractBaseUser | None:
    """The active user whose feed `token` opens, or None (wrong, revoked, or the account is
    disabled). One query."""
    if not token or len(token) > 100:
        return None
    return (
        get_user_model()
        .objects.filter(calendar_feed__token_hash=_digest(token), is_active=True)
        .first()
    )


def _vevent(event: CalendarEvent, *, stamp: dt.datetime, base_url: str) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    if event.modified is not None:
        vevent.add("last-modified", event.modified.astimezone(dt.UTC).replace(microsecond=0))
    vevent.add("dtstart", event.start.astimezone(dt.UTC))
    if event.end is not None:
        vevent.add("dtend", event.end.astimezone(dt.UTC))
    else:
        # A milestone is a moment: RFC 5545 3.6.1, a DTSTART without DTEND or DURATION ends
        # when it starts (a DTEND must be later than DTSTART). It blocks no one's time.
        vevent.add("transp", "TRANSPARENT")
    summary = event.title
    if event.project is not None and event.kind != "freeze":
        summary = f"{event.title} ({event.project.name})"
    if event.cancelled:
        summary = f"Cancelled: {summary}"
    vevent.add("summary", summary)
    # A cancellation is a change too: clients take it only with a higher SEQUENCE.
    vevent.add("sequence", event.revision + (1 if event.cancelled else 0))
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.project is not None:
        vevent.add("url", base_url + event.project.get_absolute_url())
    lines = []
    if event.actual is not None:
        lines.append(f"Happened: {event.actual.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC")
    if event.detail:
        lines.append(event.detail)
    if lines:
        vevent.add("description", "\n".join(lines))
    vevent.add("categories", ["Freeze" if event.kind == "freeze" else "Release"])
    return vevent


def calendar_feed_ics(*, user: AbstractBaseUser, base_url: str) -> bytes:
    """The feed of `user`: every planned milestone and go-live window of the releases they may
    see, and the freeze windows (occurrences from a month back to a year ahead). Two queries.
    Always in English, whatever language the calendar client asks in: machines read it too."""
    now = timezone.now()
    with translation.override("en"):
        events = calendar_events(
            user=user, start=now - FREEZES_BACK, end=now + FREEZES_AHEAD, all_milestones=True
        )
        return _calendar(events, now=now, base_url=base_url)


def _calendar(events: list[CalendarEvent], *, now: dt.datetime, base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Releases")
    # How often clients should fetch it again (Outlook reads the first, RFC 7986 the second).
    cal.add("x-published-ttl", vDuration(REFRESH))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    for event in events:
        cal.add_component(_vevent(event, stamp=stamp, base_url=base_url))
    return cal.to_ical()
