"""Writes on notifications: a user's choices, watching items, a release's distribution list."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from items.models import ReleaseItem
from notifications.models import Event, Preference, ReleaseMailing, Watch, addresses_parse
from projects.access import Access
from projects.roles import MANAGE

UNKNOWN_EVENTS = gettext_noop("Unknown notification choice: {names}.")
ITEM_NOT_FOUND = gettext_noop("There is no such item in {code}.")


class NotificationError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def preference_update(*, user: AbstractBaseUser, enabled: Iterable[str]) -> Preference:
    """Keep the events in `enabled` on and turn every other one off."""
    enabled = set(enabled)
    unknown = enabled - set(Event.values)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise NotificationError(gettext(UNKNOWN_EVENTS).format(names=names))
    muted = [event for event in Event.values if event not in enabled]
    preference, _ = Preference.objects.update_or_create(user=user, defaults={"muted": muted})
    return preference


def _item(*, access: Access, number: int) -> ReleaseItem:
    item = ReleaseItem.objects.filter(project=access.project, number=number).first()
    if item is None:
        raise NotificationError(gettext(ITEM_NOT_FOUND).format(code=access.project.code))
    return item


def item_watch(*, access: Access, number: int) -> ReleaseItem:
    """Watch an item of a project one can see (any role: watching changes nothing there)."""
    item = _item(access=access, number=number)
    try:
        with transaction.atomic():
            Watch.objects.get_or_create(user=access.user, item=item)
    except IntegrityError:
        pass  # a double submit watched it a moment ago: the outcome asked for
    return item


def item_unwatch(*, access: Access, number: int) -> ReleaseItem:
    item = _item(access=access, number=number)
    Watch.objects.filter(user=access.user, item=item).delete()
    return item


def mailing_update(*, access: Access, distribution_list: str) -> ReleaseMailing:
    """Set where the release's go-live announcement goes (its release managers only)."""
    access.require(MANAGE)
    addresses = addresses_parse(distribution_list)  # ValidationError names a bad address
    mailing, _ = ReleaseMailing.objects.update_or_create(
        project=access.project, defaults={"distribution_list": ", ".join(addresses)}
    )
    return mailing
