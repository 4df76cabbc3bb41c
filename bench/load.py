"""Throughput under load against gunicorn + PostgreSQL, with the floors measured side by side.

In one run, each phase bounded in time and request count, on 127.0.0.1 only:

1. framework floor, GET and POST (bench/floor.py: login and middleware, nothing else);
2. (a) board GETs of the 1,000-item project;
3. (b) moves spread over the project's items, each client owning a slice of them;
   (1-3 take turns in short rounds, so drift of the shared machine weighs on all alike)
4. (c) 50 clients moving the same item (read its page, then post the move: 409 when late);
5. the database floor: pgbench running the SQL of one move (bench/results/move.sql, written by
   bench/timings.py) against a copy of the bench database on the same server.

After each move phase, the consistency check: every item's state equals the replay of its
journal, and the journal holds exactly one "moved" row per move the clients saw succeed.

    python -m bench.load [--seconds 20] [--workers 4] [--clients 8]
"""

import argparse
import json
import re
import subprocess
import time
from collections import Counter

from bench.common import BIG, RESULTS, database_name, django_setup
from bench.consistency import history_mark, moved_since, replay_check
from bench.loadgen import (
    FloorPoster,
    Getter,
    Gunicorn,
    Hammer,
    Mover,
    PhaseResult,
    Session,
    login,
    run_phase,
)

FLOOR_DATABASE = f"{database_name()}_dbfloor"


def check_moves(result: PhaseResult, mark: int) -> dict:
    """Replay every item's journal, and match this phase's journal rows to the clients' view."""
    started = time.monotonic()
    report = replay_check()
    journal = moved_since(mark)
    mismatched = [
        item_id
        for item_id in set(journal) | set(result.successes)
        if not result.successes[item_id]
        <= journal[item_id]
        <= result.successes[item_id] + result.unknown[item_id]
    ]
    check = {
        "replay_ok": report.ok,
        "replay_problems": report.problems[:10],
        "items": report.items,
        "journal_rows": report.rows,
        "moves_answered_done": sum(result.successes.values()),
        "moves_unanswered": sum(result.unknown.values()),
        "moved_rows_written": sum(journal.values()),
        "items_where_journal_disagrees": len(mismatched),
        "seconds": round(time.monotonic() - started, 1),
    }
    verdict = "OK" if report.ok and not mismatched else "FAILED"
    print(
        f"  consistency {verdict}: {check['moves_answered_done']} moves answered as done, "
        f"{check['moves_unanswered']} unanswered, {check['moved_rows_written']} moved rows "
        f"written; replay of {report.rows:,} rows over {report.items:,} items "
        f"{'OK' if report.ok else report.problems[:3]}",
        flush=True,
    )
    return check


def pgbench(script: str, *, clients: int, seconds: int) -> dict:
    """The database floor: the SQL of one move, as fast as PostgreSQL runs it (a copy DB)."""
    command = [
        "pgbench",
        "-n",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-f",
        script,
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        FLOOR_DATABASE,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    tps = float(re.search(r"tps = ([0-9.]+)", output)[1])
    latency = float(re.search(r"latency average = ([0-9.]+) ms", output)[1])
    failed = int(re.search(r"number of failed transactions: (\d+)", output)[1])
    print(f"  pgbench: {tps:.0f} moves/s, latency average {latency:.1f} ms, {failed} failed")
    return {"tps": tps, "latency_avg_ms": latency, "failed": failed, "command": " ".join(command)}


def describe(result: PhaseResult, label: str, cpu: float) -> dict:
    row = result.row(label)
    row["loadgen_cpu_s"] = round(cpu, 1)
    print(
        f"  {label:<12} {row['requests']:>6} requests  {row['rps']:7.1f}/s  "
        f"median {row['median_ms']:6.1f} ms  p99 {row['p99_ms']:7.1f} ms  "
        f"statuses {row['statuses']}  errors {row['errors']}  (load generator CPU {cpu:.1f} s)",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="per phase, in all rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--hammer-clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--no-pgbench", action="store_true")
    args = parser.parse_args()
    django_setup()
    from items import engine
    from items.models import ReleaseItem
    from projects.models import ReleaseMember, ReleaseProject
    from projects.roles import Role

    big = ReleaseProject.objects.get(code=BIG)
    states = {s.name: s.id for s in engine.states_in_order() if s.enabled}
    movers = [
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
    hammered, spread = items[499], items[:499] + items[500:]
    probe = f"/projects/{BIG}/items/1/"
    rows, checks = [], {}
    seconds, budget = args.seconds, args.max_requests

    def phase(name, clients, labels):
        cpu = time.process_time()
        print(f"{name} ({len(clients)} clients, {seconds:.0f} s)", flush=True)
        result = run_phase(name, clients, seconds=seconds, max_requests=budget)
        cpu = time.process_time() - cpu
        rows.extend(describe(result, label, cpu) for label in labels)
        return result

    with Gunicorn(workers=args.workers, log=RESULTS / "gunicorn.log") as server:
        port = server.port
        print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}", flush=True)
        sessions: list[Session] = [
            login(port, movers[n % len(movers)], probe)
            for n in range(max(args.clients, args.hammer_clients))
        ]
        few = sessions[: args.clients]
        slices = [spread[n :: args.clients] for n in range(args.clients)]
        # The ratio phases take turns in short rounds, so the load others put on the shared
        # machine weighs on the floors and on the portal alike.
        interleaved = [
            ("framework floor, GET", [Getter(port, s, "/bench/floor/", "floor GET") for s in few]),
            ("framework floor, POST", [FloorPoster(port, s) for s in few]),
            (
                "(a) board GETs, 1,000 items",
                [Getter(port, s, f"/projects/{BIG}/board/", "board GET") for s in few],
            ),
            (
                "(b) moves spread over 999 items",
                [Mover(port, s, BIG, part, states) for s, part in zip(few, slices, strict=True)],
            ),
        ]
        merged = {name: PhaseResult(name, 0.0) for name, _ in interleaved}
        mark = history_mark()
        cpu = dict.fromkeys(merged, 0.0)
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number}/{args.rounds}", flush=True)
            for name, clients in interleaved:
                started = time.process_time()
                part = run_phase(name, clients, seconds=seconds / args.rounds, max_requests=budget)
                cpu[name] += time.process_time() - started
                merged[name].merge(part)
                print(f"  {name:<34} {len(part.outcomes):>6} requests in {part.seconds:5.1f} s")
        for name, labels in (
            ("framework floor, GET", ["floor GET"]),
            ("framework floor, POST", ["floor POST"]),
            ("(a) board GETs, 1,000 items", ["board GET"]),
            ("(b) moves spread over 999 items", ["move POST", "item GET"]),
        ):
            print(name, flush=True)
            rows.extend(describe(merged[name], label, cpu[name]) for label in labels)
        checks["(b)"] = check_moves(merged["(b) moves spread over 999 items"], mark)
        mark = history_mark()
        result = phase(
            f"(c) {args.hammer_clients} clients on one item",
            [Hammer(port, s, BIG, hammered) for s in sessions[: args.hammer_clients]],
            ["move POST", "item GET"],
        )
        checks["(c)"] = check_moves(result, mark)
    database_floor = None
    if not args.no_pgbench:
        print(f"database floor: pgbench on {FLOOR_DATABASE} (copy of {database_name()})")
        database_floor = pgbench(
            str(RESULTS / "move.sql"), clients=args.clients, seconds=int(seconds)
        )
    ratios = summarize(rows, database_floor)
    (RESULTS / "load.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "rows": rows,
                "checks": checks,
                "database_floor": database_floor,
                "ratios": ratios,
            },
            indent=1,
        )
    )
    failed = [
        name
        for name, check in checks.items()
        if not check["replay_ok"] or check["items_where_journal_disagrees"]
    ]
    errors = sum(r["errors"] for r in rows)
    print(f"errors (unexpected statuses or no answer): {errors}; failed checks: {failed or 'none'}")
    if failed or errors:
        raise SystemExit(1)


def summarize(rows: list[dict], database_floor: dict | None) -> dict:
    rate = Counter()
    for row in rows:
        key = (row["phase"], row["request"])
        rate[key] = row["rps"]
    floor_get = next(r["rps"] for r in rows if r["request"] == "floor GET")
    floor_post = next(r["rps"] for r in rows if r["request"] == "floor POST")
    board = next(r["rps"] for r in rows if r["request"] == "board GET")
    moves = next(
        r["rps"] for r in rows if r["phase"].startswith("(b)") and r["request"] == "move POST"
    )
    ratios = {
        "moves_per_s": moves,
        "board_gets_per_s": board,
        "floor_get_per_s": floor_get,
        "floor_post_per_s": floor_post,
        "moves_vs_floor_post": moves / floor_post,
        "moves_vs_floor_get": moves / floor_get,
        "board_vs_floor_get": board / floor_get,
    }
    if database_floor:
        ratios["database_floor_moves_per_s"] = database_floor["tps"]
        ratios["moves_vs_database_floor"] = moves / database_floor["tps"]
    print("ratios:")
    for key, value in ratios.items():
        print(f"  {key:<28} {value:8.3f}")
    return ratios


if __name__ == "__main__":
    main()
