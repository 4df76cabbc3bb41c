"""Turn bench/results/*.json into the Markdown tables of docs/PERFORMANCE.md.

python -m bench.report --machine   # record the machine (nproc, memory, versions)
python -m bench.report             # print bench/results/summary.md
"""

import argparse
import json
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path

from bench.common import RESULTS, database_url


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next(line.split()[1] for line in meminfo if line.startswith("MemTotal"))
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    server = subprocess.run(
        ["psql", database_url().rsplit("/", 1)[0] + "/postgres", "-tAc", "SHOW server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": server,
        **{
            name: version(name)
            for name in ("django", "gunicorn", "psycopg", "psycopg-pool", "django-simple-history")
        },
        "load_average_at_start": os.getloadavg(),
    }


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def summary() -> str:
    parts = []
    info = json.loads((RESULTS / "machine.json").read_text())
    parts.append("## Machine\n\n" + table(["", ""], [[k, v] for k, v in info.items()]))
    timings = json.loads((RESULTS / "timings.json").read_text())
    parts.append(
        "## Server-side timings\n\n"
        + table(
            ["page", "status", "SQL queries", "median ms", "p95 ms", "CPU ms", "runs", "KiB"],
            [
                [
                    t["name"],
                    t["status"],
                    t["queries"],
                    f"{t['median_ms']:.1f}",
                    f"{t['p95_ms']:.1f}",
                    f"{t.get('cpu_median_ms', float('nan')):.1f}",
                    t["runs"],
                    f"{t['kb']:.0f}",
                ]
                for t in timings
            ],
        )
    )
    load = json.loads((RESULTS / "load.json").read_text())
    parts.append(
        "## Throughput under load\n\n"
        + table(
            ["phase", "request", "requests", "per s", "median ms", "p99 ms", "statuses", "errors"],
            [
                [
                    r["phase"],
                    r["request"],
                    r["requests"],
                    f"{r['rps']:.1f}",
                    f"{r['median_ms']:.1f}",
                    f"{r['p99_ms']:.1f}",
                    ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()),
                    r["errors"],
                ]
                for r in load["rows"]
                if r["requests"]
            ],
        )
    )
    parts.append(
        "## Ratios\n\n"
        + table(["", ""], [[k, f"{v:.3f}"] for k, v in load["ratios"].items()])
        + "\n\n"
        + "## Consistency after load\n\n"
        + "```json\n"
        + json.dumps(load["checks"], indent=1)
        + "\n```"
    )
    for what in ("move", "board"):
        path = RESULTS / f"profile-{what}-top.txt"
        if path.exists():
            parts.append(f"## Profile: {what}\n\n```\n{path.read_text()}```")
    faults = RESULTS / "faults.json"
    if faults.exists():
        parts.append("## Faults\n\n```json\n" + faults.read_text() + "\n```")
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.machine:
        info = machine()
        (RESULTS / "machine.json").write_text(json.dumps(info, indent=1))
        print(json.dumps(info, indent=1))
        return
    text = summary()
    (RESULTS / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
