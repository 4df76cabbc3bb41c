"""Reads for release projects and their members."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from projects.auditors import auditor_permissions, user_is_auditor
from projects.models import ReleaseMember, ReleaseProject

User = AbstractBaseUser | AnonymousUser


# "The release projects a user may see", the one rule every list, search and panel applies:
# administrators and auditors see them all, everyone else the projects they are a member of.
# Three shapes of the same rule, so each caller keeps its query count: whether a user is an
# auditor is known for free for the request's user, and asked inside the same query otherwise.


def user_sees_every_release(*, user: User) -> bool:
    """Whether `user` sees every release project: administrators and auditors."""
    return user.is_superuser or user_is_auditor(user=user)


def _known_to_see_every_release(user: User) -> bool:
    """Free: administrators, and auditors loaded knowing it (the request's user). A user loaded
    otherwise is asked inside the caller's own query instead."""
    return user.is_superuser or bool(getattr(user, "is_auditor", False))


def _memberships(*, user: User) -> QuerySet[ReleaseMember]:
    return ReleaseMember.objects.filter(user_id=user.pk)


def projects_visible_filter(*, user: User, field: str = "pk") -> Q:
    """A filter on rows whose release project `user` may see; `field` leads from the rows to
    the project ("pk" on projects, "project" or "item__project" elsewhere). Q() for those who
    see every release, so their queries carry no condition at all."""
    if _known_to_see_every_release(user):
        return Q()
    members = Q(**{f"{field}__in": _memberships(user=user).values("project_id")})
    if getattr(user, "is_auditor", None) is False or not user.is_authenticated:
        return members
    return members | auditor_permissions(user.pk)


def projects_visible_to(*, user: User) -> QuerySet[ReleaseProject]:
    """The release projects `user` may see."""
    return ReleaseProject.objects.filter(projects_visible_filter(user=user))


def project_visible_flag(*, user: User, project_field: str) -> Expression:
    """An annotation: whether `user` may see the release project at `project_field` (an id)
    of each row, for pages that name what they may and hide what they may not."""
    if _known_to_see_every_release(user):
        return Value(True)
    member = Exists(_memberships(user=user).filter(project_id=OuterRef(project_field)))
    if getattr(user, "is_auditor", None) is False or not user.is_authenticated:
        return member
    return ExpressionWrapper(member | auditor_permissions(user.pk), output_field=BooleanField())


def projects_for_user(*, user: User) -> QuerySet[ReleaseProject]:
    """The projects a user may see, with their item counts."""
    return (
        projects_visible_to(user=user)
        .select_related("release_manager")
        .annotate(item_count=Count("items", distinct=True))
    )


def project_members(*, project: ReleaseProject) -> QuerySet[ReleaseMember]:
    return ReleaseMember.objects.filter(project=project).select_related("user")


def project_code_reserved(*, code: str) -> bool:
    """Whether a deleted release project had `code`. The journal (append-only) keeps every code
    ever used, however the project went, so a code never names a second project and an item
    key like DEL-1 never names a second item."""
    return (
        ReleaseProject.history.filter(code=code)
        .exclude(id__in=ReleaseProject.objects.filter(code=code).values("id"))
        .exists()
    )
