"""Columns every journal (django-simple-history) row carries beyond who, when and why, and the
journal of accounts, groups and the access they grant."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    MOVED = "moved", _("Moved")
    REORDERED = "reordered", _("Reordered")
    REMOVED = "removed", _("Removed")


class JournalFields(models.Model):
    """Abstract base of every historical model (passed as `HistoricalRecords(bases=...)`)."""

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    change_kind = models.CharField(max_length=12, choices=ChangeKind.choices, db_index=True)

    class Meta:
        abstract = True


class AccountJournalFields(JournalFields):
    """An account's journal row also says whether its password changed (never the hash)."""

    password_changed = models.BooleanField(default=False)

    class Meta:
        abstract = True


# Account columns the journal never keeps: the password hash, and the last login (a row per
# login would bury the changes of access SoX asks about).
ACCOUNT_UNTRACKED = ["password", "last_login"]


def password_changed(user: Any) -> bool:
    """set_password() keeps the new password on the instance until the save is done;
    set_unusable_password() (the admin's "disable password-based authentication") does not,
    so journal.signals compares the hash with the stored one before the save."""
    return getattr(user, "_password", None) is not None or user.__dict__.get(
        "_journal_password_replaced", False
    )


class AccountHistoricalRecords(HistoricalRecords):
    """Writes no journal row for a save of untracked columns only: a login's `last_login`, a
    password hash upgrade at login. A password change (set_password, then save) still writes
    one."""

    def post_save(self, instance: Any, created: bool, using: str | None = None, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        untracked_only = bool(update_fields) and set(update_fields) <= set(self.excluded_fields)
        if untracked_only and not password_changed(instance):
            return
        super().post_save(instance, created, using=using, **kwargs)


register(
    User,
    app="journal",
    records_class=AccountHistoricalRecords,
    bases=[AccountJournalFields],
    excluded_fields=ACCOUNT_UNTRACKED,
)
register(Group, app="journal", bases=[JournalFields])


class AccessRelation(models.TextChoices):
    GROUPS = "groups", _("group membership")
    USER_PERMISSIONS = "user_permissions", _("user permission")
    GROUP_PERMISSIONS = "group_permissions", _("group permission")


class AccessChange(JournalFields):
    """One grant or revocation of access: a user added to or removed from a group, or a
    permission given to or taken from a user or a group (written by journal.signals).

    Shaped like a journal row (who, when, from where) and append-only like one. Ids are plain
    numbers and names are kept as they were, so the row outlives the user, group or permission.
    """

    history_id = models.BigAutoField(primary_key=True)
    history_date = models.DateTimeField(db_index=True)
    history_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history_change_reason = models.TextField(blank=True)
    relation = models.CharField(max_length=20, choices=AccessRelation.choices)
    granted = models.BooleanField(help_text=_("Added (true) or removed (false)."))
    user_id = models.IntegerField(null=True, blank=True)
    user_name = models.CharField(max_length=150, blank=True)
    group_id = models.IntegerField(null=True, blank=True)
    group_name = models.CharField(max_length=150, blank=True)
    permission_id = models.IntegerField(null=True, blank=True)
    permission_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-history_date", "-history_id"]

    def __str__(self) -> str:
        relation = {"relation": self.get_relation_display()}
        if self.granted:
            return gettext("%(relation)s added") % relation
        return gettext("%(relation)s removed") % relation
