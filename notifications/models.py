"""Who gets which mail: preferences, watched items, a release's distribution list, and the
log that makes each scheduled reminder go once."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from items.models import ReleaseItem
from projects.models import ReleaseProject

BAD_ADDRESS = gettext_noop("“{address}” is not an e-mail address.")
TOO_MANY_ADDRESSES = gettext_noop("At most {limit} addresses.")
DISTRIBUTION_LIST_MAX = 50


class Event(models.TextChoices):
    """What a user can be told about; each is on unless they turn it off."""

    ITEM_MOVED = "item_moved", _("An item I am assigned to or watch is moved")
    APPROVAL_REQUESTED = "approval_requested", _("My approval is requested")
    APPROVAL_DECIDED = "approval_decided", _("A request of mine is approved or rejected")
    RELEASE_FREEZE = "release_freeze", _("A release I am a member of enters a freeze")
    RELEASE_DUE = "release_due", _("A release I am a member of is due to go live soon")
    COMMENT_ADDED = "comment_added", _("An item I am assigned to or watch is commented on")


# Sent to a release's distribution list, not to users: no preference.
RELEASE_LIVE = "release_live"


def addresses_parse(value: str) -> list[str]:
    """The addresses of a comma- (or newline-) separated list, each checked; ValidationError
    names the first bad one."""
    addresses = [a.strip() for a in value.replace("\n", ",").split(",") if a.strip()]
    if len(addresses) > DISTRIBUTION_LIST_MAX:
        raise ValidationError(gettext(TOO_MANY_ADDRESSES).format(limit=DISTRIBUTION_LIST_MAX))
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(gettext(BAD_ADDRESS).format(address=address)) from None
    return list(dict.fromkeys(addresses))


class Preference(models.Model):
    """The events a user turned off (none by default: everything is on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    muted = models.JSONField(default=list, blank=True, help_text=_("Events turned off."))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"


class Watch(models.Model):
    """A user who follows an item's moves without being its assignee."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="one_watch_per_user_and_item")
        ]

    def __str__(self) -> str:
        return f"{self.user} watches item {self.item_id}"


class ReleaseMailing(models.Model):
    """Where a release's go-live announcement goes."""

    project = models.OneToOneField(
        ReleaseProject, on_delete=models.CASCADE, primary_key=True, related_name="mailing"
    )
    distribution_list = models.TextField(
        blank=True,
        help_text=_("Addresses told when the release goes live, separated by commas."),
    )

    def __str__(self) -> str:
        return f"Distribution list of {self.project_id}"

    def clean(self) -> None:
        try:
            self.distribution_list = ", ".join(addresses_parse(self.distribution_list))
        except ValidationError as error:
            raise ValidationError({"distribution_list": error.messages}) from None

    @property
    def addresses(self) -> list[str]:
        return addresses_parse(self.distribution_list)


class SentReminder(models.Model):
    """One scheduled reminder already queued (its key is unique): `notify_due` runs as often
    as it likes and each reminder still goes once."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
