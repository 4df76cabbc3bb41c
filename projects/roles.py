"""Roles in a release project and what each may do: the one place that answers it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RELEASE_MANAGER = "manager", _("Release manager")
    DEVELOPER = "developer", _("Developer")
    QA_TESTER = "qa", _("QA tester")
    APPROVER = "approver", _("Approver")
    VIEWER = "viewer", _("Viewer")


# Capabilities, named for what they allow.
MANAGE = "manage"  # edit the project, add and remove members, delete items
EDIT_ITEMS = "edit_items"  # add and edit items
MOVE = "move"  # arrows: next/previous state, reorder
MOVE_ANY = "move_any"  # set any enabled state (list and bulk)

RIGHTS: dict[str, frozenset[str]] = {
    Role.RELEASE_MANAGER: frozenset({MANAGE, EDIT_ITEMS, MOVE, MOVE_ANY}),
    Role.DEVELOPER: frozenset({EDIT_ITEMS, MOVE}),
    Role.QA_TESTER: frozenset({MOVE}),
    Role.APPROVER: frozenset(),
    Role.VIEWER: frozenset(),
}
SUPERUSER_RIGHTS = RIGHTS[Role.RELEASE_MANAGER]
