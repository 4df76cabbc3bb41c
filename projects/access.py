"""Who may see and change a release project: outsiders get 404, read-only members 403."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.auditors import AUDITOR_SQL
from projects.models import ReleaseProject
from projects.roles import EDIT_ITEMS, MANAGE, MOVE, MOVE_ANY, RIGHTS, SUPERUSER_RIGHTS, Role

NOT_FOUND = gettext_lazy("No such release project.")
READ_ONLY = gettext_lazy("You can read this release project but not change it.")
NOT_ALLOWED = gettext_lazy("Your role in this release project does not allow that.")

User = AbstractBaseUser | AnonymousUser

# What a released, closed or cancelled release takes from everyone (items are read-only);
# MANAGE stays, to edit the project and to reopen it.
ITEM_RIGHTS = frozenset({EDIT_ITEMS, MOVE, MOVE_ANY})


@dataclass(frozen=True, slots=True)
class Access:
    """What one user may do in one release project."""

    project: ReleaseProject
    user: User
    role: str | None  # None for a superuser who is not a member, and for every auditor
    rights: frozenset[str]
    is_auditor: bool = False  # reads every release, changes nothing (projects/auditors.py)

    def can(self, right: str) -> bool:
        return right in self.rights

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds one of `roles` here; a superuser holds them all."""
        return self.user.is_superuser or self.role in roles

    def require(self, right: str) -> None:
        """Raise PermissionDenied (403) with a clear message unless the user has `right`."""
        if not self.can(right):
            if right in ITEM_RIGHTS and self.read_only_reason:
                raise PermissionDenied(self.read_only_reason)
            raise PermissionDenied(READ_ONLY if not self.can_write else NOT_ALLOWED)

    @property
    def read_only_reason(self) -> str:
        """Why no one may change this release's items now (empty: the roles decide)."""
        return self.project.read_only_reason

    @property
    def role_label(self) -> str:
        if self.is_auditor:
            return _("Auditor")
        return Role(self.role).label if self.role else _("Administrator")

    @property
    def can_write(self) -> bool:
        return bool(self.rights)

    @property
    def can_manage(self) -> bool:
        return MANAGE in self.rights


# The project, the user's role and whether they are an auditor in one round trip, on every
# project page. Raw SQL because the ORM spends ~5x longer building this query (a correlated
# subquery) than running it (docs/PERFORMANCE.md); RawQuerySet still returns a
# ReleaseProject. The release manager is loaded only by the pages that show it.
_PROJECT_WITH_ROLE = (  # AUDITOR_SQL is a constant: no input is ever part of the text
    'SELECT p.*, (SELECT m.role FROM "projects_releasemember" m'  # noqa: S608
    " WHERE m.project_id = p.id AND m.user_id = %s) AS user_role,"
    f" {AUDITOR_SQL} AS user_audits"
    ' FROM "projects_releaseproject" p WHERE p.code = %s'
)


def project_access(*, user: User, code: str, right: str | None = None) -> Access:
    """The project and the user's rights in it, in one query.

    Raises Http404 for outsiders and PermissionDenied when `right` is asked for and missing.
    """
    found = list(ReleaseProject.objects.raw(_PROJECT_WITH_ROLE, [user.pk, user.pk, user.pk, code]))
    if not found:
        raise Http404(str(NOT_FOUND))  # Django's 404 page shows a str message only
    project = found[0]
    role = project.user_role if user.is_authenticated else None
    auditor = bool(project.user_audits) and user.is_authenticated and not user.is_superuser
    if user.is_superuser:
        rights = SUPERUSER_RIGHTS
    elif auditor:
        # Segregation of duties: whoever audits the releases takes part in none of them, so an
        # auditor who is also a member reads their release like every other one, and their
        # role there (approver, developer...) gives them nothing until they stop auditing.
        role, rights = None, frozenset()
    elif role is None:
        raise Http404(str(NOT_FOUND))
    else:
        rights = RIGHTS[role]
    if project.read_only_reason:
        # Every view, menu and service asks these rights: they all see the release read-only.
        rights -= ITEM_RIGHTS
    access = Access(project=project, user=user, role=role, rights=rights, is_auditor=auditor)
    if right is not None:
        access.require(right)
    return access
