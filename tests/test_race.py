"""Races for real: threads on PostgreSQL moving one item and creating items at the same time."""

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from items import engine
from items.models import ReleaseItem
from items.services import item_create
from journal.models import ChangeKind
from projects.access import project_access
from tests.conftest import Team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
ATTEMPTS = 6


def run_together(worker: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """Start `threads` workers at the same instant; return their results, re-raise any crash."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads
    crashes: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = worker(index)
        except BaseException as error:  # reported to the test below
            crashes.append(error)
        finally:
            connection.close()  # each thread has its own connection

    pool = [threading.Thread(target=target, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a worker hung (deadlock?)"
    if crashes:
        raise crashes[0]
    return results


def test_concurrent_moves_lose_no_update_and_the_journal_replays_to_the_state(
    postgres: None, team: Team, states
):
    item = team.item(status=states[3])
    users = [team.manager, team.developer, team.qa]

    def worker(index: int) -> dict[str, list]:
        rng = random.Random(index)
        outcome: dict[str, list] = {"moved": [], "refused": []}
        access = project_access(user=users[index % len(users)], code="PAY")
        for _ in range(ATTEMPTS):
            seen = ReleaseItem.objects.get(pk=item.pk)
            try:
                moved = engine.item_move(
                    access=access,
                    item_id=item.pk,
                    expected_version=seen.version,
                    direction=rng.choice(["next", "prev"]),
                    comment=f"thread {index}",
                )
            except engine.EngineError as error:
                outcome["refused"].append(type(error))
            else:
                outcome["moved"].append((seen.version, moved.version))
        return outcome

    outcomes = run_together(worker)
    successes = [pair for outcome in outcomes for pair in outcome["moved"]]
    refusals = [kind for outcome in outcomes for kind in outcome["refused"]]
    assert len(successes) + len(refusals) == THREADS * ATTEMPTS
    assert successes, "no move got through"
    assert refusals, "the threads never collided; the test proves nothing"
    assert set(refusals) <= {engine.StaleItem, engine.EngineError}

    # No lost update: each success moved on from the version it read, one step each.
    item.refresh_from_db()
    assert all(after == before + 1 for before, after in successes)
    assert sorted(after for _before, after in successes) == list(range(2, len(successes) + 2))
    assert item.version == 1 + len(successes)

    # Exactly one journal row per successful move, and the journal replays to the state.
    rows = list(
        ReleaseItem.history.filter(id=item.pk, change_kind=ChangeKind.MOVED).order_by(
            "history_date", "history_id"
        )
    )
    assert len(rows) == len(successes)
    current = states[3].id
    for row in rows:
        assert row.from_status_id == current
        assert row.status_id != current
        current = row.status_id
    assert current == item.status_id
    assert [row.version for row in rows] == list(range(2, len(successes) + 2))


def test_concurrent_moves_with_the_same_version_let_exactly_one_through(
    postgres: None, team: Team, states
):
    item = team.item(status=states[2])

    def worker(index: int) -> bool:
        access = project_access(user=team.developer, code="PAY")
        try:
            engine.item_move(access=access, item_id=item.pk, expected_version=1, direction="next")
        except engine.StaleItem:
            return False
        return True

    assert sorted(run_together(worker)) == [False] * (THREADS - 1) + [True]
    item.refresh_from_db()
    assert (item.status, item.version) == (states[3], 2)
    assert ReleaseItem.history.filter(id=item.pk, change_kind=ChangeKind.MOVED).count() == 1


def test_concurrent_reorders_neither_deadlock_nor_lose_a_position(
    postgres: None, team: Team, states
):
    column = [team.item(status=states[0], number=n, position=n * 10) for n in range(1, 6)]

    def worker(index: int) -> int:
        rng = random.Random(index)
        access = project_access(user=team.developer, code="PAY")
        done = 0
        for _ in range(ATTEMPTS):
            seen = ReleaseItem.objects.get(pk=rng.choice(column).pk)
            try:
                engine.item_reorder(
                    access=access,
                    item_id=seen.pk,
                    expected_version=seen.version,
                    shift=rng.choice(["up", "down"]),
                )
            except engine.EngineError:
                continue
            done += 1
        return done

    successes = sum(run_together(worker))
    assert successes
    rows = ReleaseItem.objects.filter(pk__in=[item.pk for item in column])
    assert sorted(rows.values_list("position", flat=True)) == [10, 20, 30, 40, 50]
    assert sum(row.version - 1 for row in rows) == 2 * successes
    reordered = ReleaseItem.history.filter(change_kind=ChangeKind.REORDERED)
    assert reordered.count() == 2 * successes


def test_concurrent_item_creation_never_duplicates_a_number(postgres: None, team: Team, states):
    per_thread = 5

    def worker(index: int) -> list[int]:
        access = project_access(user=team.developer, code="PAY")
        return [
            item_create(access=access, fields={"title": f"Thread {index} item {n}"}).number
            for n in range(per_thread)
        ]

    numbers = [number for batch in run_together(worker) for number in batch]
    total = THREADS * per_thread
    assert sorted(numbers) == list(range(1, total + 1))
    assert sorted(
        ReleaseItem.objects.filter(project=team.project).values_list("number", flat=True)
    ) == list(range(1, total + 1))
    team.project.refresh_from_db()
    assert team.project.next_item_number == total + 1
    created = ReleaseItem.history.filter(change_kind=ChangeKind.CREATED, project=team.project)
    assert created.count() == total


def test_concurrent_moves_into_one_column_get_distinct_positions(
    postgres: None, team: Team, states
):
    # Each thread moves its own item into the same column at the same instant: each card must
    # land below the others, never on a shared position.
    items = [team.item(status=states[2], number=n, position=n * 10) for n in range(1, 9)]
    team.item(status=states[3], number=9, position=10)  # the column already has a card

    def worker(index: int) -> int:
        access = project_access(user=team.developer, code="PAY")
        moved = engine.item_move(
            access=access, item_id=items[index].pk, expected_version=1, direction="next"
        )
        return moved.position

    returned = run_together(worker, threads=len(items))
    positions = sorted(
        ReleaseItem.objects.filter(project=team.project, status=states[3]).values_list(
            "position", flat=True
        )
    )
    assert positions == [10 * n for n in range(1, len(items) + 2)]
    assert sorted(returned) == positions[1:]


def test_concurrent_creations_get_distinct_positions_in_the_first_column(
    postgres: None, team: Team, states
):
    def worker(index: int) -> int:
        access = project_access(user=team.developer, code="PAY")
        return item_create(access=access, fields={"title": f"Thread {index}"}).position

    run_together(worker)
    positions = sorted(
        ReleaseItem.objects.filter(project=team.project, status=states[0]).values_list(
            "position", flat=True
        )
    )
    assert positions == [10 * n for n in range(1, THREADS + 1)]


def test_overlapping_bulk_moves_into_one_column_do_not_deadlock(postgres: None, team: Team, states):
    # Item rows are locked before the target column (in primary-key order): two bulk moves
    # sharing an item queue behind each other instead of deadlocking on the column's lock.
    items = [team.item(status=states[0], number=n, position=n * 10) for n in range(1, 10)]

    def worker(index: int) -> bool:
        access = project_access(user=team.manager, code="PAY")
        pair = items[index : index + 2]
        try:
            engine.items_move_bulk(
                access=access,
                versions={item.pk: 1 for item in pair},
                to_status_id=states[4].pk,
                comment=f"bulk {index}",
            )
        except engine.StaleItem:
            return False
        return True

    outcomes = run_together(worker)
    assert any(outcomes)
    positions = list(
        ReleaseItem.objects.filter(project=team.project, status=states[4]).values_list(
            "position", flat=True
        )
    )
    assert len(positions) == len(set(positions))
