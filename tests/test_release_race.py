"""Releasing a release and changing one of its items at the same moment, for real on
PostgreSQL: the engine reads the stage under a share lock on the project row, the release
takes that row for update, so one waits for the other and neither acts on a stale stage."""

import threading
import time

import pytest
from django.db import connection, transaction

from items import engine
from items.engine import MoveNotAllowed
from items.models import ReleaseItem
from projects.access import project_access
from projects.models import Lifecycle, ReleaseProject
from projects.services import StageRefused, project_update
from releases.checks import NOT_IN_PRODUCTION
from tests.conftest import Team
from tests.governance_fixtures import ACCEPTANCE_TEST, PRODUCTION, item_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOLD = 0.5  # seconds the first transaction keeps its locks after its change


def in_thread(work) -> threading.Thread:
    def target() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_a_release_waits_for_a_move_out_of_production_and_is_refused(
    postgres: None, team: Team
) -> None:
    item = item_in(team, PRODUCTION, number=1)
    moved, outcome = threading.Event(), {}

    def move_back() -> None:
        access = project_access(user=team.manager, code="PAY")
        with transaction.atomic():
            engine.item_move(
                access=access,
                item_id=item.pk,
                expected_version=item.version,
                to_status_id=ACCEPTANCE_TEST,
            )
            moved.set()
            time.sleep(HOLD)  # still uncommitted: a release must not see the old state

    def release() -> None:
        moved.wait(timeout=10)
        try:
            project_update(
                access=project_access(user=team.manager, code="PAY"),
                fields={"lifecycle": Lifecycle.RELEASED},
            )
        except StageRefused as error:
            outcome["refused"] = error.message

    threads = [in_thread(move_back), in_thread(release)]
    for thread in threads:
        thread.join(timeout=30)

    assert NOT_IN_PRODUCTION in outcome.get("refused", "")
    assert ReleaseProject.objects.get(code="PAY").lifecycle == Lifecycle.IN_PROGRESS
    assert ReleaseItem.objects.get(pk=item.pk).status_id == ACCEPTANCE_TEST


def test_a_move_waits_for_the_release_and_is_refused(postgres: None, team: Team) -> None:
    item = item_in(team, PRODUCTION, number=1)
    access = project_access(user=team.manager, code="PAY")  # read while in progress
    released, outcome = threading.Event(), {}

    def release() -> None:
        with transaction.atomic():
            project_update(
                access=project_access(user=team.manager, code="PAY"),
                fields={"lifecycle": Lifecycle.RELEASED},
            )
            released.set()
            time.sleep(HOLD)

    def move_back() -> None:
        released.wait(timeout=10)
        try:
            engine.item_move(
                access=access,
                item_id=item.pk,
                expected_version=item.version,
                to_status_id=ACCEPTANCE_TEST,
            )
        except MoveNotAllowed as error:
            outcome["refused"] = error.message

    threads = [in_thread(release), in_thread(move_back)]
    for thread in threads:
        thread.join(timeout=30)

    assert outcome.get("refused") == "Release PAY is released: reopen it to change items."
    assert ReleaseItem.objects.get(pk=item.pk).status_id == PRODUCTION
