"""What sealing the journal costs, on the seeded bench database (500,000 journal rows):

1. the backfill: `journal_seal` over every row written before sealing began;
2. `journal_verify` over all of it (streaming, one snapshot), timed, with its peak memory;
3. moves with sealing off, in batches (production) and at each commit, side by side: three
   gunicorns on the same database (JOURNAL_SEALING=off / batch / commit), their movers on
   disjoint thirds of BIG's items, taking turns in short rounds so the shared machine's drift
   weighs on all alike;
4. the catch-up: `journal_seal` sealing what the sealing-off server left, then verify again.

    python -m bench.sealing [--seconds 20] [--rounds 4] [--workers 4] [--clients 8]

Results in bench/results/sealing.json; written up in docs/PERFORMANCE.md.
"""

import argparse
import json
import resource
import subprocess
import sys
import time

from bench.common import BIG, RESULTS, ROOT, django_setup
from bench.loadgen import Gunicorn, Mover, PhaseResult, login, run_phase

CPU_SECONDS: dict[str, float] = {}


def command(*args: str, env: dict | None = None) -> tuple[float, float, str]:
    """Run a manage.py command; its wall seconds, peak memory (MiB) and output's last line.
    Its CPU seconds go to CPU_SECONDS (the machine is shared: wall time drifts, CPU less)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS[" ".join(args)] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = (done.stdout + done.stderr).strip().splitlines()
    if done.returncode not in (0, 1):
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, peak, lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    django_setup()
    from evidence.journal_tables import journal_tables
    from items import engine
    from items.models import ReleaseItem
    from projects.models import ReleaseMember, ReleaseProject
    from projects.roles import Role

    results: dict = {}
    rows = sum(table.model._base_manager.count() for table in journal_tables())
    print(f"journal rows: {rows:,}", flush=True)
    results["journal_rows"] = rows

    seconds, peak, last = command("journal_seal")
    print(f"backfill seal: {seconds:.1f} s ({last[:80]})", flush=True)
    results["backfill_seal_s"] = seconds
    seconds, peak, last = command("journal_seal")
    cpu = CPU_SECONDS["journal_seal"]
    print(f"sweep with nothing to seal: {seconds:.2f} s ({cpu:.1f} s CPU)", flush=True)
    results["empty_sweep_s"], results["empty_sweep_cpu_s"] = seconds, cpu
    seconds, peak, last = command("journal_verify", "--no-progress")
    cpu = CPU_SECONDS["journal_verify --no-progress"]
    print(
        f"verify: {seconds:.1f} s ({cpu:.1f} s CPU), peak RSS {peak:.0f} MiB ({last[:100]})",
        flush=True,
    )
    results["verify_s"], results["verify_cpu_s"], results["verify_peak_mib"] = seconds, cpu, peak

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
    modes = ("off", "batch", "commit")
    halves = {mode: items[n :: len(modes)] for n, mode in enumerate(modes)}
    probe = f"/projects/{BIG}/items/1/"
    merged = {mode: PhaseResult(mode, 0.0) for mode in halves}
    log = RESULTS / "gunicorn-sealing.log"
    with (
        Gunicorn(workers=args.workers, log=log, env={"JOURNAL_SEALING": "off"}) as off,
        Gunicorn(workers=args.workers, log=log, env={"JOURNAL_SEALING": "batch"}) as batch,
        Gunicorn(workers=args.workers, log=log, env={"JOURNAL_SEALING": "commit"}) as commit,
    ):
        clients = {}
        for mode, server in (("off", off), ("batch", batch), ("commit", commit)):
            sessions = [
                login(server.port, movers[n % len(movers)], probe) for n in range(args.clients)
            ]
            slices = [halves[mode][n :: args.clients] for n in range(args.clients)]
            clients[mode] = [
                Mover(server.port, s, BIG, part, states)
                for s, part in zip(sessions, slices, strict=True)
            ]
        for round_number in range(1, args.rounds + 1):
            # Rotate which goes first, so none always follows another's writes.
            shift = round_number % len(modes)
            order = modes[shift:] + modes[:shift]
            for mode in order:
                part = run_phase(
                    f"moves, sealing {mode}", clients[mode], seconds=args.seconds / args.rounds
                )
                merged[mode].merge(part)
                print(
                    f"round {round_number}: sealing {mode:<6} {len(part.outcomes):>6} requests "
                    f"in {part.seconds:5.1f} s",
                    flush=True,
                )
    for mode, result in merged.items():
        done = sum(result.successes.values())
        results[f"moves_per_s_sealing_{mode}"] = done / result.seconds
        results[f"moves_failed_sealing_{mode}"] = sum(
            1 for outcome in result.outcomes if outcome.status not in (302, 200)
        )
    off_rate = results["moves_per_s_sealing_off"]
    for mode in ("batch", "commit"):
        rate = results[f"moves_per_s_sealing_{mode}"]
        results[f"sealing_{mode}_cost_share"] = 1 - rate / off_rate
        print(
            f"moves/s: sealing off {off_rate:.1f}, {mode} {rate:.1f}: sealing ({mode}) costs "
            f"{results[f'sealing_{mode}_cost_share']:.1%} of a move's throughput",
            flush=True,
        )

    seconds, peak, last = command("journal_seal")
    print(f"catch-up seal of the sealing-off moves: {seconds:.1f} s ({last[:60]})", flush=True)
    results["catch_up_seal_s"] = seconds
    seconds, peak, last = command("journal_verify", "--no-progress")
    print(f"verify again: {seconds:.1f} s ({last[:100]})", flush=True)
    results["verify_after_s"] = seconds
    results["verify_after_ok"] = last.startswith("OK")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sealing.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
