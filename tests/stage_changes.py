"""Changing a release's stage in tests, through the paths the product has."""

from django.contrib.auth.models import AbstractBaseUser

from projects.models import ReleaseProject
from projects.services import project_save
from tests.conftest import Team


def stage_set(project: ReleaseProject, stage: str, *, by: AbstractBaseUser | None = None) -> None:
    """Save `project` in `stage` through projects' one save, past the stage gates (tested in
    their own files): every app reacts as it does to a change from the portal or the admin."""
    from_stage = ReleaseProject.objects.values_list("lifecycle", flat=True).get(pk=project.pk)
    project.lifecycle = stage
    project_save(project=project, from_stage=from_stage, by=by)


def admin_project_post(team: Team, lifecycle: str, **fields: object):
    """Save PAY's change form in the admin, as the administrator, with `lifecycle`."""
    project = ReleaseProject.objects.get(code="PAY")
    return team.client(team.admin).post(
        f"/admin/projects/releaseproject/{project.pk}/change/",
        {
            "name": project.name,
            "description": "",
            "release_manager": team.manager.pk,
            "lifecycle": lifecycle,
            "release_approvals_required": project.release_approvals_required,
            "actual_release_date": "2026-12-01",
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "members-MIN_NUM_FORMS": 0,
            "members-MAX_NUM_FORMS": 1000,
            **fields,
        },
    )
