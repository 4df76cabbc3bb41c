"""States and rules are kept in memory per process, and no change to them is ever missed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from items.models import ReleaseStatus, TransitionRule, WorkflowRevision
from items.workflow import workflow_current
from tests.conftest import Team

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


class Rollback(Exception):
    pass


def names() -> list[str]:
    return [s.name for s in workflow_current().states]


def test_an_unchanged_workflow_costs_one_small_query_and_is_not_reloaded(states) -> None:
    first = workflow_current()

    with CaptureQueriesContext(connection) as queries:
        again = workflow_current()

    assert again is first
    assert [q["sql"] for q in queries.captured_queries] == [
        'SELECT token FROM "items_workflowrevision"'
    ]


def test_the_states_come_in_board_order_with_the_disabled_ones(states) -> None:
    ReleaseStatus.objects.filter(pk=states[2].pk).update(enabled=False)

    workflow = workflow_current()

    assert [s.pk for s in workflow.states] == [s.pk for s in states]
    assert [s.enabled for s in workflow.states].count(False) == 1


def test_a_saved_state_is_seen_at_once(states) -> None:
    workflow_current()
    state = ReleaseStatus.objects.get(pk=states[0].pk)
    state.name = "0 - Drafting"
    state.save()

    assert names()[0] == "0 - Drafting"


def test_a_bulk_update_that_sends_no_signal_is_seen_at_once(states) -> None:
    workflow_current()

    ReleaseStatus.objects.filter(pk=states[1].pk).update(position=999)

    assert names()[-1] == states[1].name


def test_added_and_deleted_rules_are_seen_at_once(states) -> None:
    assert workflow_current().rules == ()

    rule = TransitionRule.objects.create(
        from_state=states[0], to_state=states[1], direction="forward", roles=["developer"]
    )
    assert [r.pk for r in workflow_current().rules] == [rule.pk]

    TransitionRule.objects.filter(pk=rule.pk).delete()
    assert workflow_current().rules == ()


def test_a_change_rolled_back_is_forgotten_even_if_it_was_read_before_the_rollback(
    states,
) -> None:
    original = names()

    seen_inside = []

    def change_then_roll_back() -> None:
        with transaction.atomic():
            ReleaseStatus.objects.filter(pk=states[0].pk).update(name="never committed")
            seen_inside.append(names()[0])  # this transaction sees its own change
            raise Rollback

    with pytest.raises(Rollback):
        change_then_roll_back()

    assert seen_inside == ["never committed"]
    assert names() == original


def test_every_change_stamps_a_fresh_random_token(states) -> None:
    """Random, not counted: a token from a rolled-back transaction, another database or an
    old dump never matches a copy some worker holds."""
    tokens = {WorkflowRevision.objects.get().token}
    for name in ("first", "second", "third"):
        ReleaseStatus.objects.filter(pk=states[0].pk).update(name=name)
        tokens.add(WorkflowRevision.objects.get().token)

    assert len(tokens) == 4
    assert all(len(token) == 32 and int(token, 16) >= 0 for token in tokens)


def test_the_revision_row_comes_back_with_the_next_change_after_a_test_emptied_it(
    states,
) -> None:
    WorkflowRevision.objects.all().delete()
    assert workflow_current().token is None  # no row: loaded each time, never cached

    ReleaseStatus.objects.filter(pk=states[0].pk).update(name="0 - Drafting")

    assert WorkflowRevision.objects.count() == 1
    assert workflow_current().token is not None
    assert names()[0] == "0 - Drafting"


def test_the_engine_applies_a_rule_added_after_the_workflow_was_cached(team: Team) -> None:
    from items import engine
    from items.engine import MoveNotAllowed

    item = team.item()
    workflow_current()  # cached with no rules: ]po['s policy lets the developer step on
    states = workflow_current().states
    TransitionRule.objects.create(
        from_state=states[1], to_state=states[2], direction="forward", roles=["qa_tester"]
    )

    with pytest.raises(MoveNotAllowed):
        engine.item_move(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=item.version,
            direction="next",
        )


@pytest.mark.parametrize("change", ["UPDATE", "INSERT", "DELETE"])
def test_on_sqlite_too_every_change_replaces_the_token(tmp_path: Path, change: str) -> None:
    """The demo runs on SQLite, whose triggers are written separately (migration 0004)."""
    statement = {
        "UPDATE": "UPDATE items_releasestatus SET name = 'renamed' WHERE id = 4500",
        "INSERT": "INSERT INTO items_releasestatus (id, name, position, enabled, description)"
        " VALUES (1, 'new', 99, 1, '')",
        "DELETE": "DELETE FROM items_releasestatus WHERE id = 4500",
    }[change]
    script = (
        "from django.db import connection\n"
        "from items.models import WorkflowRevision\n"
        "from items.services import status_seed_defaults\n"
        "status_seed_defaults()\n"
        "before = WorkflowRevision.objects.get().token\n"
        f"connection.cursor().execute({statement!r})\n"
        "print(before != WorkflowRevision.objects.get().token)\n"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    result = subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [*manage, "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )

    assert result.stdout.strip() == "True"
