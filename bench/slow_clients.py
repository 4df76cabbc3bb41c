"""Slow clients: half-sent requests against gunicorn's sync workers, alone and behind nginx.

    python -m bench.slow_clients [--slow 50] [--cap 90]

gunicorn runs deploy/gunicorn.conf.py with 2 sync workers; nginx runs deploy/nginx.conf
(bench/nginx.py: loopback ports, no TLS). Each phase opens the slow clients, lets them settle,
then times normal GETs of the login page, and counts how many slow clients are still held
open (unanswered) at the end. A GET with no answer within --cap seconds is reported as such.
Results in bench/results/slow_clients.json (docs/PERFORMANCE.md, "Slow clients").
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, ROOT, django_setup
from bench.loadgen import Gunicorn
from bench.nginx import Nginx, close_all, open_slow_clients, still_connected, timed_get

WORKERS = 2
PATH = "/accounts/login/"


def phase(name: str, port: int, *, slow: int, gets: int, cap: float) -> dict:
    clients = open_slow_clients(port, slow)
    time.sleep(1.0)  # every slow client accepted and stuck before the first normal GET
    seconds, statuses = [], []
    try:
        for _ in range(gets):
            status, took, _ = timed_get(port, PATH, timeout=cap)
            statuses.append(status)
            seconds.append(took)
            if status is None:
                break  # no answer within the cap: the next would wait just as long
        held = sum(still_connected(sock) for sock in clients)
    finally:
        close_all(clients)
    row = {
        "phase": name,
        "slow_clients": slow,
        "slow_clients_still_held_at_end": held,
        "gets": len(statuses),
        "statuses": statuses,
        "first_get_s": round(seconds[0], 3),
        "median_get_s": round(statistics.median(seconds), 3),
        "max_get_s": round(max(seconds), 3),
        "answered_within_cap": None not in statuses,
        "cap_s": cap,
    }
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=50, help="slow clients per phase")
    parser.add_argument("--cap", type=float, default=90.0, help="longest wait for one GET (s)")
    parser.add_argument("--gets", type=int, default=20, help="normal GETs per phase")
    args = parser.parse_args()
    django_setup()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    config = ROOT / "deploy" / "gunicorn.conf.py"
    log = RESULTS / "gunicorn-slow-clients.log"
    with (
        Gunicorn(workers=WORKERS, log=log, env={"TRUSTED_PROXY_COUNT": "1"}, config=config) as app,
        tempfile.TemporaryDirectory(prefix="bench-nginx-") as directory,
        Nginx(
            upstream_port=app.port, directory=Path(directory), static_root=ROOT / "staticfiles"
        ) as proxy,
    ):
        common = {"gets": args.gets, "cap": args.cap}
        rows.append(phase("gunicorn alone", app.port, slow=0, **common))
        rows.append(phase("nginx in front", proxy.port, slow=0, **common))
        rows.append(phase("nginx in front", proxy.port, slow=args.slow, **common))
        rows.append(phase("nginx in front", proxy.port, slow=10 * args.slow, **common))
        # Last: gunicorn's workers are killed at its 30 s timeout and come back.
        rows.append(phase("gunicorn alone", app.port, slow=WORKERS, **common))
        rows.append(phase("gunicorn alone", app.port, slow=args.slow, **common))
    (RESULTS / "slow_clients.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
