"""Reads for release projects and their members."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet

from projects.models import ReleaseMember, ReleaseProject


def projects_for_user(*, user: AbstractBaseUser) -> QuerySet[ReleaseProject]:
    """The projects a user may see (all for superusers), with their item counts."""
    projects = ReleaseProject.objects.select_related("release_manager").annotate(
        item_count=Count("items", distinct=True)
    )
    if user.is_superuser:
        return projects
    return projects.filter(pk__in=ReleaseMember.objects.filter(user=user).values("project_id"))


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
