# ruff: noqa: S608 -- SQL built from model table names and fixed fragments; values are bound.
"""The few SQL pieces the KPI and flow reads need that differ between PostgreSQL and SQLite.

PostgreSQL computes percentiles with `percentile_cont`; SQLite has no percentile aggregate, so
there the same linear interpolation (the value at rank f * (n - 1) of the sorted values,
between its two neighbours) is computed with ROW_NUMBER and COUNT window functions: the same
numbers, still in the database, never by loading the rows into Python.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

MEDIAN = 0.5
P85 = 0.85


def seconds_between(*, later: str, earlier: str, vendor: str | None = None) -> str:
    """SQL for the seconds from `earlier` to `later` (two timestamp expressions)."""
    if (vendor or connection.vendor) == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    # SQLite keeps datetimes as UTC text; julianday() reads it.
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def placeholders(values: Sequence[object]) -> str:
    """`%s, %s, ...` for an IN list (never empty: callers return early on no releases)."""
    return ", ".join(["%s"] * len(values))


def percentile_select(
    *, source: str, groups: Sequence[str], value: str = "v", vendor: str | None = None
) -> str:
    """SQL returning, per group of `source` (a CTE or table name), the group's columns, the
    number of values, the median and the 85th percentile of `value` (linear interpolation,
    PostgreSQL's percentile_cont). `groups` may be empty: one row over all of `source`.
    `vendor` defaults to the connection's (the tests ask for SQLite's on PostgreSQL too)."""
    cols = ", ".join(groups)
    lead = f"{cols}, " if groups else ""
    group_by = f" GROUP BY {cols}" if groups else ""
    if (vendor or connection.vendor) == "postgresql":
        return (
            f"SELECT {lead}COUNT(*) AS n,"
            f" percentile_cont({MEDIAN}) WITHIN GROUP (ORDER BY {value}) AS median,"
            f" percentile_cont({P85}) WITHIN GROUP (ORDER BY {value}) AS p85"
            f" FROM {source}{group_by}"
        )
    partition = f"PARTITION BY {cols} " if groups else ""
    ranked = (
        f"SELECT {lead}{value} AS v,"
        f" ROW_NUMBER() OVER ({partition}ORDER BY {value}) - 1 AS rn,"
        f" COUNT(*) OVER ({partition.strip()}) AS n FROM {source}"
    )
    return (
        f"SELECT {lead}MAX(n) AS n, {_interpolated(MEDIAN)} AS median,"
        f" {_interpolated(P85)} AS p85 FROM ({ranked}) ranked{group_by}"
    )


def _interpolated(fraction: float) -> str:
    """percentile_cont(fraction) over a group of `ranked` rows (rn 0-based, n the group size):
    the value at rank floor(f * (n - 1)) plus the fraction of the way to the next one."""
    rank = f"CAST({fraction} * (n - 1) AS INTEGER)"  # SQLite's CAST truncates: floor for >= 0
    low = f"MAX(CASE WHEN rn = {rank} THEN v END)"
    high = f"MAX(CASE WHEN rn = {rank} + 1 THEN v END)"
    part = f"MAX({fraction} * (n - 1) - {rank})"
    return f"({low} + {part} * (COALESCE({high}, {low}) - {low}))"


@dataclass(frozen=True)
class Spread:
    """How many values, their median and 85th percentile (seconds; None without values)."""

    n: int = 0
    median: float | None = None
    p85: float | None = None


NO_VALUES = Spread()


@dataclass
class SpreadsByRelease:
    """One spread per release and one over all the releases asked about."""

    by_release: dict[int, Spread] = field(default_factory=dict)
    overall: Spread = NO_VALUES

    def of(self, release_id: int) -> Spread:
        return self.by_release.get(release_id, NO_VALUES)


def spread_of(row: Sequence) -> Spread:
    n, median, p85 = row
    return Spread(
        n=int(n or 0),
        median=float(median) if median is not None else None,
        p85=float(p85) if p85 is not None else None,
    )


def fetch_rows(sql: str, params: Sequence[object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def spreads_by_release(values_cte: str, params: list[object]) -> SpreadsByRelease:
    """Spreads of `values(rel, v)` per release and overall, in one query (UNION ALL)."""
    per_release = percentile_select(source="vals", groups=["rel"])
    overall = percentile_select(source="vals", groups=[])
    sql = (
        f"WITH {values_cte} SELECT * FROM ({per_release}) per_release"
        f" UNION ALL SELECT NULL, * FROM ({overall}) overall"
    )
    result = SpreadsByRelease()
    for rel, *rest in fetch_rows(sql, params):
        if rel is None:
            result.overall = spread_of(rest)
        else:
            result.by_release[int(rel)] = spread_of(rest)
    return result
