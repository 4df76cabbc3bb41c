"""Where a move's time goes (and a board GET's): pyinstrument over repeated in-process requests.

Writes the call tree to bench/results/profile-<what>.txt, and prints (and writes to
profile-<what>-top.txt) the functions with the most time of their own and the most time
including what they call. Wall-clock time: waiting for PostgreSQL counts too.

    python -m bench.profile [--moves 300] [--boards 5]
"""

import argparse
import time
from collections import defaultdict

from bench.common import BIG, RESULTS, ROOT, django_setup


def ranked(session, *, top: int) -> tuple[list, list]:
    """Per function: time of its own, and time including its callees; largest first, in %."""
    own: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)

    def walk(frame, stack: frozenset) -> None:
        if frame.function.startswith("["):  # pyinstrument's [self]/[await]: the parent's own
            return
        name = f"{frame.function}  {frame.file_path_short}:{frame.line_no}"
        real = [c for c in frame.children if not c.function.startswith("[")]
        own[name] += frame.time - sum(c.time for c in real)
        if name not in stack:  # count recursion once
            inclusive[name] += frame.time
        for child in real:
            walk(child, stack | {name})

    root = session.root_frame()
    walk(root, frozenset())
    total = root.time or 1.0

    def top_of(table: dict[str, float]) -> list[tuple[float, str]]:
        rows = sorted(table.items(), key=lambda kv: kv[1], reverse=True)[:top]
        return [(100 * seconds / total, name) for name, seconds in rows]

    return top_of(own), top_of(inclusive)


def cpu_breakdown(call, repeat: int) -> list[tuple[float, float, str]]:
    """CPU time (not wall) per request, inclusive, of the portal's own functions (and the
    journal library's), with cProfile: what throughput on a busy machine depends on."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.enable()
    for _ in range(repeat):
        call()
    profiler.disable()
    total = time.process_time() - started
    stats = pstats.Stats(profiler).stats
    rows = []
    for (path, line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        ours = path.startswith(str(ROOT)) and "/.venv/" not in path and "/bench/" not in path
        if ours or "site-packages/simple_history/" in path:
            short = path.removeprefix(f"{ROOT}/").split("site-packages/")[-1]
            rows.append(
                (cumulative / total, cumulative / repeat * 1000, f"{function}  {short}:{line}")
            )
    rows.sort(reverse=True)
    return [(100 * share, ms, name) for share, ms, name in rows[:20]], total / repeat * 1000


def profile(what: str, call, repeat: int, *, top: int) -> None:
    from pyinstrument import Profiler

    for _ in range(3):
        call()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeat):
        call()
    session = profiler.stop()
    tree = profiler.output_text(unicode=False, color=False, show_all=False)
    path = RESULTS / f"profile-{what}.txt"
    path.write_text(tree)
    each = session.duration / repeat * 1000
    print(f"\n{what}: {repeat} requests, {each:.1f} ms each; tree -> {path}")
    by_own, by_inclusive = ranked(session, top=top)
    lines = ["own time   function"]
    lines += [f"{share:7.1f}%   {name}" for share, name in by_own]
    lines += ["", "inclusive  function"]
    lines += [f"{share:7.1f}%   {name}" for share, name in by_inclusive]
    breakdown, per_request = cpu_breakdown(call, repeat)
    lines += [
        "",
        f"CPU (cProfile, inflates ~3-5x; read the shares): {per_request:.1f} ms per request",
        "inclusive CPU  portal function",
    ]
    lines += [f"{share:7.1f}%       {name}" for share, _ms, name in breakdown]
    (RESULTS / f"profile-{what}-top.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--boards", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    django_setup()
    from django.test import Client

    from bench.timings import Mover
    from projects.models import ReleaseProject

    RESULTS.mkdir(parents=True, exist_ok=True)
    big = ReleaseProject.objects.select_related("release_manager").get(code=BIG)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(big.release_manager)
    mover = Mover(client, big, count=1000)
    if args.moves:
        profile("move", mover.post, args.moves, top=args.top)
    if args.boards:
        profile("board", lambda: client.get(f"/projects/{BIG}/board/"), args.boards, top=args.top)


if __name__ == "__main__":
    main()
