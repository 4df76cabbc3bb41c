"""The percentiles and durations of the KPI pages in SQL: PostgreSQL's percentile_cont and the
SQLite fallback (ROW_NUMBER and COUNT windows) give Python's linear interpolation, whatever
database the suite runs on (the fallback on the standard library's SQLite, the database in use
through Django's connection)."""

import sqlite3
import statistics

import pytest
from django.db import connection

from measurement.sql import MEDIAN, P85, percentile_select, seconds_between

pytestmark = pytest.mark.django_db

GROUPS = {
    1: [5.0],
    2: [3.0, 1.0],
    3: [10.0, 2.0, 7.0, 7.0, 1.0, 30.0, 4.0],
    4: [float(n * n) for n in range(21)],
    5: [0.5, 0.25, 86400.0, 3600.0],
}


def python_percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (R's type 7, numpy's default)."""
    if len(values) == 1:
        return values[0]
    if fraction == MEDIAN:
        return statistics.median(values)
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return cuts[round(fraction * 20) - 1]


def expected() -> dict[int | None, tuple[int, float, float]]:
    rows = {
        g: (len(v), python_percentile(v, MEDIAN), python_percentile(v, P85))
        for g, v in GROUPS.items()
    }
    every = [v for values in GROUPS.values() for v in values]
    rows[None] = (len(every), python_percentile(every, MEDIAN), python_percentile(every, P85))
    return rows


def _rows(cursor, vendor: str) -> dict[int | None, tuple[int, float, float]]:
    per_group = percentile_select(source="vals", groups=["grp"], vendor=vendor)
    overall = percentile_select(source="vals", groups=[], vendor=vendor)
    cursor.execute(per_group)
    found = {grp: (n, median, p85) for grp, n, median, p85 in cursor.fetchall()}
    cursor.execute(overall)
    (n, median, p85) = cursor.fetchone()
    found[None] = (n, median, p85)
    return found


def _assert_same(found, wanted) -> None:
    assert set(found) == set(wanted)
    for group, (n, median, p85) in wanted.items():
        assert found[group][0] == n, group
        assert float(found[group][1]) == pytest.approx(median), group
        assert float(found[group][2]) == pytest.approx(p85), group


def test_the_sqlite_fallback_interpolates_like_percentile_cont():
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE vals (grp INTEGER, v REAL)")
    database.executemany(
        "INSERT INTO vals VALUES (?, ?)", [(g, v) for g, vs in GROUPS.items() for v in vs]
    )
    _assert_same(_rows(database.cursor(), "sqlite"), expected())


def test_the_database_in_use_computes_the_same_percentiles():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE vals (grp INTEGER, v FLOAT)")
        for group, values in GROUPS.items():
            for value in values:
                cursor.execute("INSERT INTO vals VALUES (%s, %s)", [group, value])
        _assert_same(_rows(cursor, connection.vendor), expected())
        cursor.execute("DROP TABLE vals")


def test_sqlite_durations_read_djangos_datetime_text():
    database = sqlite3.connect(":memory:")
    sql = seconds_between(later="?", earlier="?", vendor="sqlite")
    (seconds,) = database.execute(
        f"SELECT {sql}", ["2026-03-03 21:30:00.500000", "2026-03-02 09:00:00"]
    ).fetchone()
    assert seconds == pytest.approx(36.5 * 3600 + 0.5, abs=0.01)
