"""One signal for a release's stage change (projects.signals.stage_changed): sent once per
change, from the portal, the admin and reopening alike, and never when the stage stays; each
app that reacts (notes, schedule, announcement) does so once per change."""

from typing import Any

import pytest

from notifications import receivers
from notifications.models import RELEASE_LIVE
from planning.models import ReleaseSchedule
from projects.models import Lifecycle, ReleaseProject
from projects.services import project_update
from projects.signals import stage_changed
from releases.models import PublishedNotes
from releases.services import release_reopen
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import DEVELOPING, PRODUCTION, item_in
from tests.stage_changes import admin_project_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent() -> list[dict[str, Any]]:
    """Every stage_changed sent during the test, as (from, to, by)."""
    calls: list[dict[str, Any]] = []

    def spy(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    stage_changed.connect(spy, weak=False, dispatch_uid="tests.stage_changed.spy")
    yield calls
    stage_changed.disconnect(dispatch_uid="tests.stage_changed.spy")


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notification events queued during the test."""
    events: list[str] = []
    monkeypatch.setattr(receivers, "event_queue", lambda *, event, payload: events.append(event))
    return events


@pytest.fixture
def shipped(team: Team) -> None:
    item_in(team, PRODUCTION, number=1)


def moves(sent: list[dict[str, Any]]) -> list[tuple[str, str, object]]:
    return [(c["from_stage"], c["to_stage"], c["by"]) for c in sent]


def went_live_at() -> object:
    return ReleaseSchedule.objects.values_list("went_live_at", flat=True).first()


def test_going_live_from_the_portal_is_one_change_with_one_reaction_each(
    team: Team, shipped, sent, queued
) -> None:
    access = team.access(team.manager)
    project_update(access=access, fields={"lifecycle": Lifecycle.RELEASED})
    project_update(access=access, fields={"description": "Shipped."})  # the stage stays

    assert moves(sent) == [(Lifecycle.IN_PROGRESS, Lifecycle.RELEASED, team.manager)]
    assert PublishedNotes.objects.count() == 1
    assert went_live_at() == sent[0]["at"]
    assert queued == [RELEASE_LIVE]


def test_going_live_in_the_admin_is_one_change_with_one_reaction_each(
    team: Team, shipped, sent, queued
) -> None:
    assert admin_project_post(team, Lifecycle.RELEASED).status_code == 302
    assert admin_project_post(team, Lifecycle.RELEASED, name="Renamed").status_code == 302

    assert moves(sent) == [(Lifecycle.IN_PROGRESS, Lifecycle.RELEASED, team.admin)]
    assert PublishedNotes.objects.get().published_by == team.admin
    assert went_live_at() == sent[0]["at"]
    assert queued == [RELEASE_LIVE]


def test_saving_a_project_in_the_same_stage_sends_nothing_and_nothing_reacts(
    team: Team, sent, queued
) -> None:
    access = team.access(team.manager)
    project_update(access=access, fields={"lifecycle": Lifecycle.IN_PROGRESS, "name": "New"})
    assert admin_project_post(team, Lifecycle.IN_PROGRESS, name="Newer").status_code == 302

    assert ReleaseProject.objects.get(code="PAY").name == "Newer"
    assert (sent, queued) == ([], [])
    assert not PublishedNotes.objects.exists()
    assert went_live_at() is None


def test_a_refused_stage_change_sends_nothing(team: Team, sent, queued) -> None:
    item_in(team, DEVELOPING, number=1)  # far from ready: the release gate refuses

    response = admin_project_post(team, Lifecycle.RELEASED)

    assert response.status_code == 200  # the form again, with the reason
    assert (sent, queued) == ([], [])


def test_reopening_is_a_stage_change_too(team: Team, sent) -> None:
    access = team.access(team.manager)
    project_update(access=access, fields={"lifecycle": Lifecycle.CANCELLED})
    release_reopen(access=access, reason="Cancelled by mistake")

    assert moves(sent) == [
        (Lifecycle.IN_PROGRESS, Lifecycle.CANCELLED, team.manager),
        (Lifecycle.CANCELLED, Lifecycle.PLANNING, team.manager),
    ]
