"""Server-side timings and SQL query counts of the heavy pages and of one move, in-process.

Each page goes through Django's whole request handler and middleware (the test client, with
production settings), against the seeded bench database: a few warm-up requests, then median
and 95th percentile over repeated runs, the median CPU time, and the number of SQL queries.
Every page is measured on a small (10 items) and a large (1,000 items) project to show the
count does not grow; the framework floor (bench/floor.py) is measured the same way.

It also records the SQL one move issues (bench/results/move.sql) for the pgbench database floor.

The measurement pages (release overview, KPI dashboards) read every release's journal: they are
timed as the administrator, who sees all 100 releases, and per release on TEN, BIG and the
largest release that went live. `--only measurement` times just those (results in
bench/results/timings-measurement.json); `--only board` the board, a bare move and an arrow
press answered in place (bench/results/timings-board.json).

    python -m bench.timings [--repeat 30] [--only measurement|board]
"""

import argparse
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from bench.common import BIG, RESULTS, SMALL, django_setup, summary_ms


@dataclass
class Timing:
    name: str
    url: str
    status: int
    queries: int
    median_ms: float
    p95_ms: float
    # CPU of this process alone (Django, the ORM, psycopg; not PostgreSQL's): what limits
    # throughput on a busy machine, and steadier than wall time there.
    cpu_median_ms: float
    runs: int
    kb: float


def measure(name: str, url: str, call: Callable[[], object], repeat: int) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up: caches, pool, PostgreSQL buffers
        call()
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    median, p95, _ = summary_ms(samples)
    cpu_median, _, _ = summary_ms(cpu)
    size = len(getattr(response, "content", b"")) / 1024
    timing = Timing(
        name,
        url,
        response.status_code,
        len(ctx.captured_queries),
        median,
        p95,
        cpu_median,
        repeat,
        size,
    )
    print(
        f"{name:<44} {timing.status} {timing.queries:>3} queries  median {median:7.1f} ms  "
        f"p95 {p95:7.1f} ms  CPU {cpu_median:6.1f} ms  {size:6.0f} KiB",
        flush=True,
    )
    return timing


class Mover:
    """Moves items of one project round-robin, flipping direction at either end of the states."""

    def __init__(self, client, project, *, count: int) -> None:
        from items import engine
        from items.models import ReleaseItem

        self.enabled = [s.id for s in engine.states_in_order() if s.enabled]
        self.first, self.last = self.enabled[0], self.enabled[-1]
        self.client = client
        self.code = project.code
        self.items = list(
            ReleaseItem.objects.filter(project=project)
            .order_by("number")[:count]
            .values("pk", "number", "version", "status_id")
        )
        self.turn = 0

    def direction(self, item: dict) -> str:
        if item["status_id"] == self.last:
            return "prev"
        if item["status_id"] == self.first:
            return "next"
        return "next" if item["number"] % 2 else "prev"

    def post(self):
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        direction = self.direction(item)
        form = {"version": item["version"], "direction": direction, "origin": "board"}
        response = self.client.post(  # urlencoded, as a browser sends a form
            f"/projects/{self.code}/items/{item['number']}/move/",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )
        if response.status_code != 302:
            raise RuntimeError(f"move refused: {response.status_code}")
        # A browser shows "Moved ..." on the page it is redirected to, which empties the
        # messages cookie; without that, messages would pile up and spill into the session.
        self.client.cookies.pop("messages", None)
        # Follow the move locally (no extra query inside the timed call).
        index = self.enabled.index(item["status_id"]) + (1 if direction == "next" else -1)
        item["status_id"], item["version"] = self.enabled[index], item["version"] + 1
        return response


class BoardArrowMover(Mover):
    """The same moves as an arrow press on the board with htmx: answered in place (only the
    cards it changed and the counts, out of band), not with a redirect."""

    def post(self):
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        direction = self.direction(item)
        form = {"version": item["version"], "direction": direction, "origin": "board"}
        response = self.client.post(
            f"/projects/{self.code}/items/{item['number']}/move/",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
            headers={"HX-Request": "true"},
        )
        if response.status_code != 200 or "hx-swap-oob" not in response.text:
            raise RuntimeError(f"arrow press refused: {response.status_code}")
        index = self.enabled.index(item["status_id"]) + (1 if direction == "next" else -1)
        item["status_id"], item["version"] = self.enabled[index], item["version"] + 1
        return response


def board_timings(page: Callable[..., Timing], clients: dict, projects: dict, repeat: int):
    """The board and its arrow press beside a bare move (POST + redirect), in the same run
    (issue 11: the 1,000-card board within 100 ms and 500 KB, an arrow press within twice a
    bare move)."""
    timings = []
    for size, code in (("10 items", SMALL), ("1,000 items", BIG)):
        timings.append(page(f"board ({size})", code, f"/projects/{code}/board/", repeat))
    for size, code in (("10 items", SMALL), ("1,000 items", BIG)):
        for label, mover_class in (
            ("move, POST + redirect", Mover),
            ("arrow press, htmx in place", BoardArrowMover),
        ):
            mover = mover_class(clients[code], projects[code], count=200)
            url = f"/projects/{code}/items/<n>/move/"
            timings.append(measure(f"{label} ({size})", url, mover.post, max(repeat, 50)))
    return timings


class ApiMover(Mover):
    """The same moves through the REST API: a bearer token, JSON, If-Match (docs/API.md)."""

    def __init__(self, client, project, *, count: int, token: str) -> None:
        super().__init__(client, project, count=count)
        self.auth = {"Authorization": f"Bearer {token}"}

    def post(self):
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        direction = self.direction(item)
        response = self.client.post(
            f"/api/v1/releases/{self.code}/items/{item['number']}/move/",
            json.dumps({"direction": direction}),
            content_type="application/json",
            headers={**self.auth, "If-Match": f'"{item["version"]}"'},
        )
        if response.status_code != 200:
            raise RuntimeError(f"API move refused: {response.status_code}")
        index = self.enabled.index(item["status_id"]) + (1 if direction == "next" else -1)
        item["status_id"], item["version"] = self.enabled[index], item["version"] + 1
        return response


def api_token_for(user) -> str:
    """A write token for the bench's release manager (a new one each run; they expire)."""
    from datetime import timedelta

    from django.utils import timezone

    from api.services import token_create

    _, secret = token_create(
        actor=user,
        user=user,
        name="bench",
        scope="write",
        expires_at=timezone.now() + timedelta(days=1),
    )
    return secret


def capture_move_sql(mover: Mover, path) -> list[str]:
    """The SQL of one move request, as a pgbench script over random items of the project."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = mover.items[mover.turn % len(mover.items)]
    with CaptureQueriesContext(connection) as ctx:
        mover.post()
    ids = [i["pk"] for i in mover.items]
    statements = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        column = '"items_releaseitem".'
        sql = sql.replace(f'{column}"id" = {item["pk"]}', f'{column}"id" = :id')
        sql = sql.replace(f'{column}"number" = {item["number"]}', f'{column}"number" = :num')
        sql = re.sub(rf"VALUES \({item['pk']}, ", "VALUES (:id, ", sql)
        statements.append(sql)
    offset = item["pk"] - item["number"]
    script = [
        f"\\set id random({min(ids)}, {max(ids)})",
        f"\\set num :id - {offset}",
        *(f"{s};" for s in statements),
    ]
    path.write_text("\n".join(script) + "\n")
    print(f"The {len(statements)} statements of one move -> {path}")
    return statements


def deep_journal_cursor(project, *, pages: int, page_size: int) -> str:
    """The keyset cursor that opens page `pages + 1` of the project journal, built directly.

    The project's member and project rows are older than all its item rows, so the first
    `pages * page_size` entries are item rows; the cursor is the last entry of page `pages`.
    """
    from items.models import ReleaseItem

    row = (
        ReleaseItem.history.model.objects.filter(project_id=project.pk)
        .order_by("-history_date", "-history_id")
        .values_list("history_date", "history_id")[pages * page_size - 1]
    )
    return f"{row[0].isoformat()}|0|{row[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--only",
        choices=["measurement", "board"],
        help="time only these pages (a group of them)",
    )
    args = parser.parse_args()
    # The API's per-token rate limit would stop the timed moves: lifted for this process.
    os.environ.setdefault("API_RATE_PER_MINUTE", "1000000")
    django_setup()
    from django.core.signals import request_started
    from django.db import reset_queries
    from django.test import Client

    from items.models import ReleaseItem
    from journal.selectors import PAGE_SIZE
    from projects.models import ReleaseProject

    # Django empties the query log at each request start: keep it, to count a request's queries.
    request_started.disconnect(reset_queries)
    RESULTS.mkdir(parents=True, exist_ok=True)
    big = ReleaseProject.objects.select_related("release_manager").get(code=BIG)
    small = ReleaseProject.objects.select_related("release_manager").get(code=SMALL)
    clients = {}
    for project in (big, small):
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(project.release_manager)
        clients[project.code] = client

    def page(name: str, code: str, url: str, repeat: int) -> Timing:
        client = clients[code]
        return measure(name, url, lambda: client.get(url), repeat)

    if args.only == "board":
        projects = {BIG: big, SMALL: small}
        timings = board_timings(page, clients, projects, args.repeat)
        # The yardstick: the board beside the framework floor, in the same run.
        timings.append(
            measure(
                "framework floor, POST",
                "/bench/floor/",
                lambda: clients[BIG].post("/bench/floor/"),
                50,
            )
        )
        out = RESULTS / "timings-board.json"
        out.write_text(json.dumps([asdict(t) for t in timings], indent=1))
        return
    if args.only == "measurement":
        timings = measurement_timings(page, clients, args.repeat)
        out = RESULTS / "timings-measurement.json"
        out.write_text(json.dumps([asdict(t) for t in timings], indent=1))
        return
    deep_filter = {"kind": "bug", "sort": "-updated_at"}
    bugs = ReleaseItem.objects.filter(project=big, change__kind="bug").count()
    deep_page = max(1, -(-bugs // 25) - 1)
    cursor = deep_journal_cursor(big, pages=1000, page_size=PAGE_SIZE)
    deep_item = ReleaseItem.history.model.objects.filter(id=1).count()
    r = args.repeat
    timings = []
    for size, code in (("10 items", SMALL), ("1,000 items", BIG)):
        timings.append(page(f"board ({size})", code, f"/projects/{code}/board/", r))
    for size, code in (("10 items", SMALL), ("1,000 items", BIG)):
        timings.append(page(f"items list, page 1 ({size})", code, f"/projects/{code}/items/", r))
    # Issue 11: a page of 1,000 rows renders in at most 150 ms (docs/PERFORMANCE.md).
    timings.append(
        page(
            "items list, 1,000 rows a page (1,000 items)",
            BIG,
            f"/projects/{BIG}/items/?per_page=1000",
            r,
        )
    )
    query = urlencode({**deep_filter, "page": deep_page})
    timings.append(
        page(
            f"items list, bugs by -updated, page {deep_page} (1,000 items)",
            BIG,
            f"/projects/{BIG}/items/?{query}",
            r,
        )
    )
    for size, code in (("10 items", SMALL), ("1,000 items, 60k rows", BIG)):
        timings.append(
            page(f"project journal, page 1 ({size})", code, f"/projects/{code}/journal/", r)
        )
    timings.append(
        page(
            "project journal, page 1,001 (60k rows)",
            BIG,
            f"/projects/{BIG}/journal/?{urlencode({'before': cursor})}",
            r,
        )
    )
    for label, code in (("10 rows", SMALL), (f"{deep_item:,} rows", BIG)):
        timings.append(
            page(f"item journal ({label})", code, f"/projects/{code}/items/1/journal/", r)
        )
    for size, project in (("10 items", small), ("1,000 items", big)):
        mover = Mover(clients[project.code], project, count=200)
        timings.append(
            measure(
                f"move, POST + redirect ({size})",
                f"/projects/{project.code}/items/<n>/move/",
                mover.post,
                max(r, 50),
            )
        )
    # The same moves through the REST API, beside the board's (issue 12: no dearer).
    for size, project in (("10 items", small), ("1,000 items", big)):
        mover = ApiMover(
            Client(SERVER_NAME="127.0.0.1"),
            project,
            count=200,
            token=api_token_for(project.release_manager),
        )
        timings.append(
            measure(
                f"API move, POST JSON ({size})",
                f"/api/v1/releases/{project.code}/items/<n>/move/",
                mover.post,
                max(r, 50),
            )
        )
    # The framework floor in-process (bench/floor.py): the move's CPU beside it.
    floor = clients[BIG]
    timings.append(
        measure("framework floor, POST", "/bench/floor/", lambda: floor.post("/bench/floor/"), 50)
    )
    timings += measurement_timings(page, clients, r)
    capture_move_sql(Mover(clients[BIG], big, count=1000), RESULTS / "move.sql")
    (RESULTS / "timings.json").write_text(json.dumps([asdict(t) for t in timings], indent=1))


def measurement_timings(page: Callable[..., Timing], clients: dict, repeat: int) -> list[Timing]:
    """The release overview and the KPI dashboards: installation-wide as the administrator
    (every release), per release on 10 items, 1,000 items (BIG) and the largest release that
    went live (its tickets counted too)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from projects.models import Lifecycle, ReleaseProject

    admin = Client(SERVER_NAME="127.0.0.1")
    admin.force_login(get_user_model().objects.get(username="admin"))
    clients["admin"] = admin  # the dict `page` reads its clients from
    released = (
        ReleaseProject.objects.filter(lifecycle__in=[Lifecycle.RELEASED, Lifecycle.CLOSED])
        .annotate(n=Count("items"))
        .order_by("-n", "code")
        .values_list("code", "n")
        .first()
    )
    clients[released[0]] = admin
    timings = [
        page("release overview (all open releases)", "admin", "/overview/", repeat),
        page("KPI dashboard, installation (100 releases)", "admin", "/kpis/", repeat),
    ]
    for label, code in (
        ("10 items", SMALL),
        ("1,000 items, 60k rows", BIG),
        (f"{released[1]:,} items, went live", released[0]),
    ):
        timings.append(
            page(f"KPI dashboard, release ({label})", code, f"/projects/{code}/kpis/", repeat)
        )
    # The dashboards' numbers are cached until a journal grows (measurement/kpi_cache.py): the
    # rows above are repeat views; these are first views, the cache emptied before each.
    for name, code, url in (
        ("KPI dashboard, installation, cold", "admin", "/kpis/"),
        ("KPI dashboard, release (1,000 items), cold", BIG, f"/projects/{BIG}/kpis/"),
    ):
        timings.append(measure(name, url, _cold(clients[code], url), max(3, repeat // 5)))
    return timings


def _cold(client: object, url: str) -> Callable[[], object]:
    from django.core.cache import cache

    def view() -> object:
        cache.clear()
        return client.get(url)

    return view


if __name__ == "__main__":
    main()
