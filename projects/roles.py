"""Roles in a release project and what each may do: the one place that answers it."""

from django.db import models


class Role(models.TextChoices):
    RELEASE_MANAGER = "manager", "Release manager"
    DEVELOPER = "developer", "Developer"
    QA_TESTER = "qa", "QA tester"
    APPROVER = "approver", "Approver"
    VIEWER = "viewer", "Viewer"


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
