"""Faults under load: nothing half-written, clean answers, recovery without help.

    python -m bench.faults kill        # (a) SIGKILL gunicorn workers in the middle of moves
    python -m bench.faults disconnect  # (c) clients that hang up mid-request
    python -m bench.faults postgres    # (b) PostgreSQL stopped and started under load

(b) stops the shared PostgreSQL server for a few seconds: run it last, when nobody minds; the
server is started again in a `finally` whatever happens.

Each fault ends with the consistency check of bench/consistency.py and prints a verdict.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from bench.common import BIG, RESULTS, django_setup
from bench.consistency import history_mark, moved_since, replay_check
from bench.loadgen import HOST, Getter, Gunicorn, Mover, PhaseResult, login, run_phase

UNAVAILABLE = b"The database is unavailable"


# --- Which worker is inside a transaction -----------------------------------------------------


def _socket_ports(pid: int) -> set[int]:
    """Local TCP ports of the sockets process `pid` holds (its connections to PostgreSQL)."""
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def backends_in_transaction() -> list[tuple[int, str, float]]:
    """(client port, state, seconds in the transaction) of the bench database's open ones."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_port, state, extract(epoch FROM clock_timestamp() - xact_start) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND xact_start IS NOT NULL AND pid <> pg_backend_pid() AND client_port IS NOT NULL"
        )
        return [(port, state, float(age)) for port, state, age in cursor.fetchall()]


def kill_worker_mid_transaction(server: Gunicorn, *, within: float = 3.0) -> dict:
    """SIGKILL a gunicorn worker whose database connection is inside a transaction.

    Falls back to any worker if none is caught mid-transaction within `within` seconds.
    """
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        open_transactions = {port: (state, age) for port, state, age in backends_in_transaction()}
        for pid in server.worker_pids():
            caught = _socket_ports(pid) & set(open_transactions)
            if caught:
                state, age = open_transactions[caught.pop()]
                os.kill(pid, signal.SIGKILL)
                return {"pid": pid, "mid_transaction": True, "state": state, "xact_age_s": age}
        time.sleep(0.002)
    pid = server.worker_pids()[0]
    os.kill(pid, signal.SIGKILL)
    return {"pid": pid, "mid_transaction": False}


# --- Shared -------------------------------------------------------------------------------


def setup(port: int, clients: int):
    from items import engine
    from items.models import ReleaseItem
    from projects.models import ReleaseMember, ReleaseProject
    from projects.roles import Role

    big = ReleaseProject.objects.get(code=BIG)
    states = {s.name: s.id for s in engine.states_in_order() if s.enabled}
    users = [
        m.user
        for m in ReleaseMember.objects.filter(
            project=big, role__in=[Role.DEVELOPER, Role.QA_TESTER]
        ).select_related("user")
    ]
    items = list(
        ReleaseItem.objects.filter(project=big)
        .order_by("number")
        .values("pk", "number", "version", "status_id")
    )
    sessions = [
        login(port, users[n % len(users)], f"/projects/{BIG}/items/1/") for n in range(clients)
    ]
    return states, items, sessions


def verdict(result: PhaseResult, mark: int) -> dict:
    report = replay_check()
    journal = moved_since(mark)
    done, unknown = result.successes, result.unknown
    disagree = [
        i for i in set(journal) | set(done) if not done[i] <= journal[i] <= done[i] + unknown[i]
    ]
    statuses = Counter(o.status for o in result.outcomes)
    return {
        "statuses": dict(sorted(statuses.items())),
        "moves_answered_done": sum(done.values()),
        "moves_without_answer_or_503": sum(unknown.values()),
        "moved_rows_written": sum(journal.values()),
        "of_those_applied": sum(journal.values()) - sum(done.values()),
        "items_where_journal_disagrees": len(disagree),
        "replay_ok": report.ok,
        "replay_problems": report.problems[:5],
        "journal_rows": report.rows,
    }


def _print(name: str, outcome: dict) -> None:
    print(json.dumps({name: outcome}, indent=1, default=str), flush=True)
    path = RESULTS / "faults.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[name] = {"at": time.strftime("%Y-%m-%d %H:%M:%S"), **outcome}
    path.write_text(json.dumps(known, indent=1, default=str))


# --- (a) SIGKILL ------------------------------------------------------------------------------


def fault_kill(args) -> bool:
    with Gunicorn(workers=args.workers, log=RESULTS / "gunicorn-faults.log") as server:
        states, items, sessions = setup(server.port, args.clients)
        slices = [items[n :: args.clients] for n in range(args.clients)]
        movers = [
            Mover(server.port, s, BIG, part, states)
            for s, part in zip(sessions, slices, strict=True)
        ]
        kills, at = [], [args.seconds * (k + 1) / (args.kills + 1) for k in range(args.kills)]

        def during(elapsed: float) -> None:
            if at and elapsed >= at[0]:
                at.pop(0)
                kills.append(kill_worker_mid_transaction(server))

        mark = history_mark()
        result = run_phase("moves with SIGKILLs", movers, seconds=args.seconds, during=during)
        time.sleep(1)
        answering = Getter(server.port, sessions[0], "/bench/floor/", "after")
        after = run_phase("after the kills", [answering], seconds=2)
        workers_back = len(server.worker_pids())
    outcome = verdict(result, mark)
    failed = [o for o in result.outcomes if o.status == 0]
    outcome |= {
        "kills": kills,
        "requests_without_answer": len(failed),
        "workers_after": workers_back,
        "workers_wanted": args.workers,
        "answers_after": dict(Counter(o.status for o in after.outcomes)),
        "moves_per_s": sum(o.status == 302 for o in result.outcomes) / result.seconds,
    }
    ok = (
        outcome["replay_ok"]
        and not outcome["items_where_journal_disagrees"]
        and workers_back == args.workers
        and set(outcome["answers_after"]) == {200}
        and set(outcome["statuses"]) <= {0, 200, 302}
    )
    _print("kill", outcome | {"ok": ok})
    return ok


# --- (c) client disconnects -------------------------------------------------------------------


def _raw_post(port: int, path: str, cookie: str, body: bytes, *, send: int, wait: float) -> None:
    """Send the request (or the first `send` bytes of its body) and hang up with a reset."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nCookie: {cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(head + body[:send])
        if wait:
            time.sleep(wait)
        # SO_LINGER 0: close() sends RST, as a browser tab killed mid-request would.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def fault_disconnect(args) -> bool:
    from items.models import ReleaseItem

    variants = {
        "whole request, reset at once": (1.0, 0.0),
        "whole request, reset after 5 ms": (1.0, 0.005),
        "half the body, reset": (0.5, 0.0),
    }
    with Gunicorn(workers=args.workers, log=RESULTS / "gunicorn-faults.log") as server:
        states, items, sessions = setup(server.port, 1)
        session = sessions[0]
        mark = history_mark()
        targets = items[-args.attempts :]
        sent: dict[str, list[str]] = {name: [] for name in variants}
        lock = threading.Lock()

        def attempt(n: int, item: dict) -> None:
            name = list(variants)[n % len(variants)]
            share, wait = variants[name]
            fresh = item  # read just before; each attempt has an item of its own
            direction = "prev" if fresh["status_id"] == list(states.values())[-1] else "next"
            reason = f"disconnect-{n}"
            body = urlencode(
                {
                    "comment": reason,
                    "version": fresh["version"],
                    "direction": direction,
                    "origin": "board",
                    "csrfmiddlewaretoken": session.token,
                }
            ).encode()
            path = f"/projects/{BIG}/items/{item['number']}/move/"
            _raw_post(
                server.port, path, session.cookie, body, send=int(len(body) * share), wait=wait
            )
            with lock:
                sent[name].append(reason)

        threads = []
        for n, item in enumerate(targets):
            thread = threading.Thread(target=attempt, args=(n, item))
            thread.start()
            threads.append(thread)
            if len(threads) >= 4:
                threads.pop(0).join()
        for thread in threads:
            thread.join()
        time.sleep(3)  # let the workers finish what they were given
    applied = moved_since(mark, reason_prefix="disconnect-")
    rows = Counter(
        ReleaseItem.history.model.objects.filter(
            history_id__gt=mark, history_change_reason__startswith="disconnect-"
        ).values_list("history_change_reason", flat=True)
    )
    report = replay_check()
    per_variant = {
        name: {
            "attempts": len(reasons),
            "applied_whole": sum(rows[r] == 1 for r in reasons),
            "applied_twice": sum(rows[r] > 1 for r in reasons),
            "not_applied": sum(rows[r] == 0 for r in reasons),
        }
        for name, reasons in sent.items()
    }
    ok = report.ok and not any(v["applied_twice"] for v in per_variant.values())
    outcome = {
        "variants": per_variant,
        "moved_rows_written": sum(applied.values()),
        "replay_ok": report.ok,
        "replay_problems": report.problems[:5],
        "ok": ok,
    }
    _print("disconnect", outcome)
    return ok


# --- (b) PostgreSQL stopped and started --------------------------------------------------------


def _pg_ctl(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"), key=float)[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, "-m", "fast"]
        if action == "stop"
        else ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        timeout=60,
    )


def fault_postgres(args) -> bool:
    env = {"DB_POOL_TIMEOUT": str(args.pool_timeout)}
    with Gunicorn(workers=args.workers, log=RESULTS / "gunicorn-faults.log", env=env) as server:
        states, items, sessions = setup(server.port, args.clients)
        half = args.clients // 2
        slices = [items[n::half] for n in range(half)]
        clients = [
            Mover(server.port, s, BIG, part, states)
            for s, part in zip(sessions[:half], slices, strict=True)
        ]
        clients += [
            Getter(server.port, s, f"/projects/{BIG}/items/?page=2", "list GET")
            for s in sessions[half:]
        ]
        events: dict[str, float] = {}
        stop_at, outage = args.seconds / 4, args.outage

        def during(elapsed: float) -> None:
            if "stop" not in events and elapsed >= stop_at:
                events["stop"] = time.monotonic()
                try:
                    _pg_ctl("stop")
                    events["stopped"] = time.monotonic()
                    time.sleep(outage)
                finally:
                    _pg_ctl("start")
                    events["started"] = time.monotonic()

        from django.db import connections

        connections.close_all()
        mark = history_mark()
        connections.close_all()
        try:
            result = run_phase(
                "load across a restart", clients, seconds=args.seconds, during=during
            )
        finally:
            if "stop" in events and "started" not in events:
                _pg_ctl("start")
        for _ in range(60):  # the harness's own pool reconnects too
            try:
                connections.close_all()
                history_mark()
                break
            except Exception:  # the server may still be starting
                time.sleep(0.5)
    outcome = verdict(result, mark)
    bad_pages = [b for b in result.errors if b"Traceback" in b or UNAVAILABLE not in b]
    failures = sorted(o.at for o in result.outcomes if o.status not in (200, 302))
    last_failure = failures[-1] if failures else None
    started = events.get("started", 0.0)
    outcome |= {
        "outage_s": round(events.get("started", 0) - events.get("stop", 0), 1),
        "pool_timeout_s": args.pool_timeout,
        "answers_500": sum(o.status == 500 for o in result.outcomes),
        "no_answer": sum(o.status == 0 for o in result.outcomes),
        "answers_503": sum(o.status == 503 for o in result.outcomes),
        "503_pages_without_message_or_with_traceback": len(bad_pages),
        "last_failure_after_restart_s": round(last_failure - started, 1)
        if last_failure and started
        else None,
        "answers_after_recovery": dict(
            Counter(
                o.status for o in result.outcomes if last_failure is None or o.at > last_failure
            )
        ),
    }
    ok = (
        outcome["replay_ok"]
        and not outcome["items_where_journal_disagrees"]
        and outcome["answers_500"] == 0
        and not bad_pages
        and set(outcome["statuses"]) <= {0, 200, 302, 503}
        and outcome["answers_after_recovery"]
    )
    _print("postgres", outcome | {"ok": bool(ok)})
    return bool(ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fault", choices=["kill", "disconnect", "postgres"])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--attempts", type=int, default=150)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--pool-timeout", type=int, default=3)
    args = parser.parse_args()
    django_setup()
    RESULTS.mkdir(parents=True, exist_ok=True)
    run = {"kill": fault_kill, "disconnect": fault_disconnect, "postgres": fault_postgres}
    raise SystemExit(0 if run[args.fault](args) else 1)


if __name__ == "__main__":
    main()
