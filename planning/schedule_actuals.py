"""The actual dates of a release's milestones, recorded when the system sees them happen:

- development start: the release leaves planning, or its first item move, whichever is first;
- code freeze: the first move that leaves no item of the release in the first enabled state;
- QA start: the first test run recorded on one of its items;
- go-live: the release's stage becomes "released".

Receivers of projects' stage_changed, of the items' journal signal and of post_save for test
runs, connected in PlanningConfig.ready(): the engine and the project services do not know
this app exists.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone

from items.models import ReleaseItem
from items.workflow import workflow_current
from journal.models import ChangeKind
from planning.models import Milestone, ReleaseSchedule
from planning.schedule import schedule_record_actual
from projects.models import Lifecycle, ReleaseProject
from qa.models import TestRun


def record_project_stage(
    sender: Any, *, project: ReleaseProject, to_stage: str, at: datetime, **kwargs: Any
) -> None:
    """A release's stage changed (projects' stage_changed): did it leave planning, or go live?"""
    if to_stage == Lifecycle.PLANNING:
        return
    schedule_record_actual(project_id=project.pk, milestone=Milestone.DEVELOPMENT_START, at=at)
    if to_stage == Lifecycle.RELEASED:
        schedule_record_actual(project_id=project.pk, milestone=Milestone.GO_LIVE_START, at=at)


def record_item_move(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """A journal row of an item: a move starts development and may complete the code freeze."""
    if history_instance.change_kind != ChangeKind.MOVED:
        return
    project_id, at = history_instance.project_id, history_instance.history_date
    # Most moves come after both are recorded: one small read, no lock.
    recorded = (
        ReleaseSchedule.objects.filter(project_id=project_id)
        .values_list("development_started_at", "code_frozen_at")
        .first()
    ) or (None, None)
    if recorded[0] is None:
        schedule_record_actual(project_id=project_id, milestone=Milestone.DEVELOPMENT_START, at=at)
    if recorded[1] is not None:
        return
    enabled = [s for s in workflow_current().states if s.enabled]
    if enabled and not (
        ReleaseItem.objects.filter(project_id=project_id, status_id=enabled[0].pk).exists()
    ):
        schedule_record_actual(project_id=project_id, milestone=Milestone.CODE_FREEZE, at=at)


def record_test_run(sender: Any, instance: TestRun, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    project_id = (
        ReleaseProject.objects.filter(items__test_cases__pk=instance.test_case_id)
        .values_list("pk", flat=True)
        .first()
    )
    if project_id is not None:
        schedule_record_actual(
            project_id=project_id,
            milestone=Milestone.QA_START,
            at=instance.created_at or timezone.now(),
        )
