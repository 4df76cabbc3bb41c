"""Who takes part in an item's conversation: every member but viewers. Approvers and QA
testers discuss the items they judge, though they may not edit them; viewers and auditors
read. A released, closed or cancelled release keeps its conversation as it was."""

from django.core.exceptions import PermissionDenied

from projects.access import NOT_ALLOWED, READ_ONLY, Access
from projects.roles import Role

TALKING_ROLES = (Role.RELEASE_MANAGER, Role.DEVELOPER, Role.QA_TESTER, Role.APPROVER)


def conversation_can_write(*, access: Access) -> bool:
    """May comment and attach files here now (a superuser may; an auditor never does)."""
    if access.is_auditor or access.read_only_reason:
        return False
    return access.has_role(*TALKING_ROLES)


def conversation_require_write(*, access: Access) -> None:
    """PermissionDenied (403) saying why, unless the user may comment and attach here now."""
    if conversation_can_write(access=access):
        return
    if access.read_only_reason:
        raise PermissionDenied(access.read_only_reason)
    raise PermissionDenied(NOT_ALLOWED if access.can_write else READ_ONLY)
