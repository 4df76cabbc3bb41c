"""The auditor role (issue 13.6): installation-wide and read-only.

An administrator makes someone an auditor by adding them to the group the migration
projects/0005 creates (AUDITORS_GROUP), or by giving them the AUDIT_PERMISSION directly; both
are journaled as access changes (journal.AccessChange). An auditor sees every release (its
pages, journal, KPIs and evidence pack) and the installation's journal, and changes nothing:
`project_access` gives them no rights, and AuditorReadOnlyMiddleware refuses every unsafe
request they make, whichever app serves it (docs/GOVERNANCE.md "Auditors").

Whether a user is an auditor is read in the same query that loads them (AuditorAwareBackend)
or that loads a project with their role (projects.access), never in a query of its own.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

AUDIT_APP_LABEL = "projects"
AUDIT_CODENAME = "audit_all_releases"
AUDIT_PERMISSION = f"{AUDIT_APP_LABEL}.{AUDIT_CODENAME}"
AUDITORS_GROUP = "Auditors (all releases, read-only)"

AUDITORS_CHANGE_NOTHING = _("Auditors read every release; they cannot change anything.")

# What an auditor may still post: their own session and password, nothing about releases.
# An auditor's own account, not release data: signing in and out, the password, and the time
# zone and language the portal shows them (accounts/).
AUDITOR_MAY_POST = frozenset(
    {"login", "logout", "password_change", "admin:logout", "accounts:settings"}
)

User = AbstractBaseUser | AnonymousUser


def auditor_permissions(user_id: int | OuterRef) -> Q:
    """Whether the user `user_id` holds the audit permission, directly or through a group."""
    held = Permission.objects.filter(
        content_type__app_label=AUDIT_APP_LABEL, codename=AUDIT_CODENAME
    )
    return Exists(held.filter(user=user_id)) | Exists(held.filter(group__user=user_id))


# The same question inside projects.access's raw query (its one round trip): %s is the user.
AUDITOR_SQL = """EXISTS (
    SELECT 1 FROM "auth_permission" ap
    JOIN "django_content_type" ct ON ct.id = ap.content_type_id
    WHERE ct.app_label = 'projects' AND ap.codename = 'audit_all_releases' AND (
        EXISTS (SELECT 1 FROM "auth_user_user_permissions" up
                WHERE up.permission_id = ap.id AND up.user_id = %s)
        OR EXISTS (SELECT 1 FROM "auth_user_groups" ug
                   JOIN "auth_group_permissions" gp ON gp.group_id = ug.group_id
                   WHERE gp.permission_id = ap.id AND ug.user_id = %s)))"""


def user_is_auditor(*, user: User) -> bool:
    """Whether `user` is an auditor. Free for the request's user (AuditorAwareBackend loaded
    it with the answer); one query, then remembered, for a user loaded any other way."""
    if not user.is_authenticated or not user.is_active:
        return False
    known = getattr(user, "is_auditor", None)
    if known is None:
        known = (
            get_user_model()
            .objects.filter(pk=user.pk, is_active=True)
            .filter(auditor_permissions(user.pk))
            .exists()
        )
        user.is_auditor = known
    return known


class AuditorAwareBackend(ModelBackend):
    """Django's model backend, but the user it loads for each request already knows whether it
    is an auditor (one EXISTS in the same query), so pages and menus can ask for free."""

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        user_model = get_user_model()
        user = (
            user_model._default_manager.annotate(is_auditor=auditor_permissions(OuterRef("pk")))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None


class AuditorReadOnlyMiddleware:
    """Refuses (403) every unsafe request of an auditor who is not an administrator, whatever
    the view: a second wall behind `project_access`, which gives auditors no rights, so a view
    that forgets to ask for a right still changes nothing for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        if request.method in {"GET", "HEAD", "OPTIONS", "TRACE"}:
            return
        if request.resolver_match and request.resolver_match.view_name in AUDITOR_MAY_POST:
            return
        user = request.user
        if user.is_authenticated and not user.is_superuser and user_is_auditor(user=user):
            raise PermissionDenied(AUDITORS_CHANGE_NOTHING)
