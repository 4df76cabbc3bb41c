"""What every benchmark script shares: the production environment, Django setup, the fixture names.

Scripts run as `python -m bench.<name>` from the repository root; `bench/run.sh` sets the
environment once (production settings against the bench database) and every script uses it.
"""

import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/releasemgmt_bench"

# The seeded installation (bench/seed.py) and the projects the measurements use.
BIG = "BIG"  # 1,000 items on its board
SMALL = "TEN"  # 10 items: the same pages must cost the same number of queries
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105  (bench users only)


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def database_name(url: str | None = None) -> str:
    return urlsplit(url or database_url()).path.lstrip("/")


def refuse_foreign_database() -> None:
    """The seeder truncates tables: only ever run against a database named *_bench."""
    name = database_name()
    if not name.endswith("_bench"):
        sys.exit(f"Refusing to run against database {name!r}: its name must end in _bench.")


def django_setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "releasemgmt.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty list."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(seconds: list[float]) -> tuple[float, float, float]:
    """Median, p95 and p99 in milliseconds."""
    if not seconds:
        return (float("nan"),) * 3
    return (
        statistics.median(seconds) * 1000,
        percentile(seconds, 0.95) * 1000,
        percentile(seconds, 0.99) * 1000,
    )
