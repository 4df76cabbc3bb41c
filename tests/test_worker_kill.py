"""A gunicorn worker killed (SIGKILL) in the middle of a move leaves no half-written move.

A real gunicorn, started here on a free loopback port against the test database, takes moves
from a few clients; twice a worker is killed while its database connection is inside a
transaction. PostgreSQL rolls that transaction back, gunicorn replaces the worker, and every
item's state still equals the replay of its journal. (bench/faults.py does the same at scale.)
"""

import pytest
from django.conf import settings as django_settings

from bench.consistency import history_mark
from bench.faults import kill_worker_mid_transaction, verdict
from bench.loadgen import Getter, Gunicorn, Mover, login, run_phase
from items import engine
from tests.conftest import Team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 2
SECONDS = 6.0


def test_killing_workers_mid_move_leaves_every_journal_consistent(
    team: Team, postgres: None, tmp_path
) -> None:
    items = [team.item() for _ in range(16)]
    db = django_settings.DATABASES["default"]
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "true",
        "SECRET_KEY": django_settings.SECRET_KEY,  # the sessions made here must be valid there
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_POOL_MAX": "2",
    }
    states = {s.name: s.id for s in engine.states_in_order() if s.enabled}
    rows = [
        {"pk": i.pk, "number": i.number, "version": i.version, "status_id": i.status_id}
        for i in items
    ]
    with Gunicorn(workers=WORKERS, log=tmp_path / "gunicorn.log", env=env) as server:
        sessions = [
            login(server.port, user, "/projects/PAY/board/")
            for user in (
                team.developer,
                team.qa,
                team.manager,
                team.developer,
            )
        ]
        movers = [
            Mover(server.port, session, "PAY", rows[n :: len(sessions)], states)
            for n, session in enumerate(sessions)
        ]
        kill_at, kills = [SECONDS / 3, 2 * SECONDS / 3], []

        def during(elapsed: float) -> None:
            if kill_at and elapsed >= kill_at[0]:
                kill_at.pop(0)
                kills.append(kill_worker_mid_transaction(server, within=2.0))

        mark = history_mark()
        result = run_phase("moves with SIGKILLs", movers, seconds=SECONDS, during=during)
        after = run_phase(
            "after", [Getter(server.port, sessions[0], "/projects/PAY/board/", "board")], seconds=1
        )
        workers = len(server.worker_pids())

    outcome = verdict(result, mark)
    assert len(kills) == 2
    assert outcome["moves_answered_done"] > 0
    assert set(outcome["statuses"]) <= {0, 200, 302}, outcome
    assert outcome["replay_ok"], outcome["replay_problems"]
    assert outcome["items_where_journal_disagrees"] == 0, outcome
    assert workers == WORKERS
    assert {o.status for o in after.outcomes} == {200}
