"""Build a large, realistic installation on PostgreSQL for the benchmarks, in about a minute.

100 release projects, 20,000 items, 500,000 journal rows, 50 users; project BIG has 1,000 items
on its board (and a journal of 60,000 rows, so its journal is 1,200 pages deep), project TEN
has 10. Every item's journal is a consistent story: a "created" row, then moves (from-state
chained to the previous row's state, about two in five backward, a few emergency moves) and
edits, each bumping the version, ending in the item's current row, so the replay check
(bench/consistency.py) passes on fresh data.

For the measurement pages (KPIs, flow metrics): each project's journal walks it through its
stages, the released and closed ones going live on dates spread over the last two years, and
those releases caused help-desk tickets, some fixed by a change of a later release.

Journal rows are written straight into the historical tables with COPY (inserts are what the
append-only trigger allows); the tables are emptied with TRUNCATE first.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/releasemgmt_bench python -m bench.seed
"""

import random
import sys
import time
from datetime import timedelta

from bench.common import BENCH_PASSWORD, BIG, SMALL, django_setup, refuse_foreign_database

PROJECTS = 100
ITEMS = 20_000
JOURNAL_ROWS = 500_000
USERS = 50
BIG_ITEMS = 1_000
BIG_JOURNAL = 60_000  # 1,200 pages of 50
BIG_DEEP_ITEM_ROWS = 1_000  # BIG-1: an item with a long journal
SMALL_ITEMS = 10
SMALL_ITEM_ROWS = 5  # TEN-1 gets 10 rows, the others 5
EMERGENCY_SHARE = 0.005  # of the forward moves
TICKETS_PER_RELEASE = (5, 60)  # caused by each release that went live

FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dmitri", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas"]
LAST_NAMES = ["Adler", "Berg", "Costa", "Dahl", "Eze", "Fischer", "Garcia", "Horvat", "Ito"]
TITLE_WORDS = [
    ("Fix", "Add", "Upgrade", "Remove", "Refactor", "Audit", "Patch", "Speed up", "Document"),
    ("invoice", "payment", "login", "export", "report", "search", "webhook", "cache", "backup"),
    ("rounding", "timeout", "limits", "layout", "retry", "encoding", "permissions", "logging"),
]
KINDS = ["change_request", "bug", "incident", "problem", "task", "feature"]


def copy_columns(model, *, skip: tuple[str, ...] = ()) -> list:
    """Every concrete column of `model` (so fields added later get their defaults)."""
    return [f for f in model._meta.concrete_fields if f.name not in skip]


def row_for(fields: list, values: dict) -> tuple:
    return tuple(values[f.attname] if f.attname in values else f.get_default() for f in fields)


def progress(done: int, total: int, started: float, what: str) -> None:
    width = 30
    filled = width * done // total
    bar = "#" * filled + "." * (width - filled)
    line = f"[{bar}] {done}/{total} {what} {time.monotonic() - started:5.1f} s"
    if sys.stdout.isatty():
        sys.stdout.write(f"\r{line}" + ("\n" if done == total else ""))
        sys.stdout.flush()
    elif done % max(1, total // 10) == 0 or done == total:
        print(line, flush=True)


def split_exactly(total: int, parts: int, rng: random.Random, *, jitter: int) -> list[int]:
    """`parts` positive integers summing to `total`, spread +-`jitter` around the mean."""
    base, extra = divmod(total, parts)
    counts = [base + (1 if i < extra else 0) for i in range(parts)]
    for i in range(0, parts - 1, 2):
        shift = rng.randint(-jitter, jitter)
        if counts[i] + shift >= 1 and counts[i + 1] - shift >= 1:
            counts[i] += shift
            counts[i + 1] -= shift
    rng.shuffle(counts)
    return counts


class Seeder:
    def __init__(self, rng: random.Random) -> None:
        from django.utils import timezone

        self.rng = rng
        # Draws for the measurement data, apart: the items' walks stay those of earlier runs.
        self.story = random.Random(9)
        self.now = timezone.now()
        self.item_id = 0
        self.changes_of: dict[int, list[int]] = {}  # project id -> its items' change ids

    def run(self) -> None:
        from django.db import connection

        started = time.monotonic()
        self.truncate()
        print("Release states, users, projects, members...")
        self.states = self.seed_states()
        self.users = self.seed_users()
        projects = self.seed_projects()
        project_rows = self.seed_project_history(projects)
        members = self.seed_members(projects)
        fixed_rows = len(self.states) + project_rows + members
        item_budget = JOURNAL_ROWS - fixed_rows
        plan = self.plan(projects, item_budget)
        print(f"Items and their journal ({ITEMS:,} items, {item_budget:,} journal rows)...")
        from items.models import Change, ReleaseItem

        item_fields = copy_columns(ReleaseItem)
        history_model = ReleaseItem.history.model
        history_fields = copy_columns(history_model, skip=("history_id",))  # a serial
        change_fields = copy_columns(Change)
        change_history_model = Change.history.model
        change_history_fields = copy_columns(change_history_model, skip=("history_id",))
        copied = 0
        with connection.cursor() as cursor:
            pg = cursor.cursor  # the psycopg cursor, for COPY
            for index, (project, rows_per_item) in enumerate(plan, start=1):
                changes, change_history, items, history = self.simulate_project(
                    project, rows_per_item
                )
                for model, fields, rows in (
                    (Change, change_fields, changes),
                    (change_history_model, change_history_fields, change_history),
                    (ReleaseItem, item_fields, items),
                    (history_model, history_fields, history),
                ):
                    columns = ", ".join(f.column for f in fields)
                    with pg.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
                        for values in rows:
                            copy.write_row(row_for(fields, values))
                copied += len(history)
                progress(index, len(plan), started, f"projects, {copied:,} item journal rows")
            for table in ("items_releaseitem", "items_change"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [self.item_id]
                )
        # COPY fires no journal signal: the KPI dashboards' stays table is derived afterwards.
        from measurement.services import stays_rebuild

        print(f"{stays_rebuild():,} stays in states, derived from the item journal")
        tickets = self.seed_tickets(projects)
        print(f"{tickets:,} help-desk tickets caused by the releases that went live")
        print("VACUUM ANALYZE...")
        with connection.cursor() as cursor:
            for table in (
                "items_releaseitem",
                "items_historicalreleaseitem",
                "measurement_statestay",
                "items_change",
                "items_historicalchange",
                "projects_releaseproject",
                "projects_releasemember",
                "projects_historicalreleasemember",
                "projects_historicalreleaseproject",
                "helpdesk_ticket",
                "helpdesk_historicalticket",
                "auth_user",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
        self.report(started)

    def truncate(self) -> None:
        from django.db import connection

        keep = {"django_migrations", "django_content_type", "auth_permission"}
        tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - keep)
        print(f"TRUNCATE {len(tables)} tables...")
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")

    def seed_states(self) -> list[int]:
        from items.models import ReleaseStatus
        from items.services import status_seed_defaults

        status_seed_defaults()
        return list(ReleaseStatus.objects.order_by("position", "id").values_list("id", flat=True))

    def seed_users(self) -> list:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        User = get_user_model()
        password = make_password(BENCH_PASSWORD)  # hashed once, shared
        users = [
            User(
                username="admin" if n == 0 else f"user{n:02d}",
                first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                last_name=LAST_NAMES[n % len(LAST_NAMES)],
                email=f"user{n:02d}@example.com",
                password=password,
                is_superuser=n == 0,
                is_staff=n == 0,
            )
            for n in range(USERS)
        ]
        return User.objects.bulk_create(users)

    def seed_projects(self) -> list:
        from projects.models import Lifecycle, ReleaseProject

        codes = [BIG, SMALL] + [f"R{n:03d}" for n in range(1, PROJECTS - 1)]
        managers = self.users[1:11]
        today = self.now.date()
        projects = ReleaseProject.objects.bulk_create(
            ReleaseProject(
                code=code,
                name=f"Release {code} {2024 + n % 3}.{n % 12 + 1}",
                description="Scope agreed with the change advisory board.",
                release_manager=managers[n % len(managers)],
                # The measured projects stay open (a released or cancelled one refuses moves);
                # the draw is made for every project, so the others' data stays the same.
                lifecycle={BIG: Lifecycle.IN_PROGRESS, SMALL: Lifecycle.IN_PROGRESS}.get(
                    code, self.rng.choice(list(Lifecycle))
                ),
                planned_release_date=today + timedelta(days=self.rng.randint(-300, 300)),
            )
            for n, code in enumerate(codes)
        )
        self.go_live = {}
        for project in projects:
            if project.lifecycle in (Lifecycle.RELEASED, Lifecycle.CLOSED):
                when = self.now - timedelta(days=self.story.uniform(20, 720))
                self.go_live[project.pk] = when
                project.actual_release_date = when.date()
        ReleaseProject.objects.bulk_update(projects, ["actual_release_date"])
        return projects

    def seed_project_history(self, projects: list) -> int:
        """Each project's stages in its journal, as the services write them: created in
        planning, then in progress; released on its go-live (the KPIs' "went live"), closed three
        weeks later; or cancelled. Returns the number of rows."""
        from projects.models import Lifecycle, ReleaseProject

        model = ReleaseProject.history.model
        tracked = model.tracked_fields
        created = self.now - timedelta(days=800)
        rows = []
        for project in projects:
            values = {f.attname: getattr(project, f.attname) for f in tracked}
            stages = [(Lifecycle.PLANNING, created, "created")]
            live = self.go_live.get(project.pk)
            if project.lifecycle != Lifecycle.PLANNING:
                started = (live or self.now) - timedelta(days=self.story.uniform(30, 60))
                stages.append((Lifecycle.IN_PROGRESS, max(started, created), "edited"))
            if live is not None:
                stages.append((Lifecycle.RELEASED, live, "edited"))
            if project.lifecycle == Lifecycle.CLOSED:
                stages.append((Lifecycle.CLOSED, live + timedelta(days=21), "edited"))
            if project.lifecycle == Lifecycle.CANCELLED:
                stages.append((Lifecycle.CANCELLED, self.now - timedelta(days=10), "edited"))
            for stage, when, kind in stages:
                released = stage in (Lifecycle.RELEASED, Lifecycle.CLOSED)
                rows.append(
                    model(
                        **{
                            **values,
                            "lifecycle": stage,
                            "actual_release_date": project.actual_release_date
                            if released
                            else None,
                        },
                        history_date=when,
                        history_type="+" if kind == "created" else "~",
                        history_user_id=project.release_manager_id,
                        change_kind=kind,
                    )
                )
        model.objects.bulk_create(rows, batch_size=1000)
        return len(rows)

    def seed_tickets(self, projects: list) -> int:
        """Tickets caused by each release that went live, opened in the weeks after (some
        past the KPIs' 30-day window), two in three naming the causing change; about half are
        fixed by a change of a release that went live later, the rest still open."""
        from helpdesk.models import Ticket, TicketKind

        story = self.story
        released = sorted(self.go_live, key=self.go_live.get)
        managers = {p.pk: p.release_manager_id for p in projects}
        tickets = []
        for index, project_id in enumerate(released):
            live, changes = self.go_live[project_id], self.changes_of.get(project_id, [])
            later = released[index + 1 :]
            for _ in range(story.randint(*TICKETS_PER_RELEASE)):
                opened = live + timedelta(hours=story.uniform(1, 45 * 24))
                fixer = story.choice(later) if later and story.random() < 0.5 else None
                fix = story.choice(self.changes_of[fixer]) if self.changes_of.get(fixer) else None
                resolved = opened + timedelta(hours=story.uniform(2, 20 * 24)) if fix else None
                if resolved and resolved > self.now:
                    fix = resolved = None
                tickets.append(
                    Ticket(
                        reference=f"INC-{len(tickets) + 1:06d}",
                        kind=TicketKind.INCIDENT if story.random() < 0.8 else TicketKind.PROBLEM,
                        title=f"Incident after release {project_id}",
                        opened_at=opened,
                        resolved_at=resolved,
                        caused_by_release_id=project_id,
                        caused_by_change_id=story.choice(changes)
                        if changes and story.random() < 0.67
                        else None,
                        fixed_by_change_id=fix,
                        created_by_id=managers[project_id],
                        created_at=opened,
                    )
                )
        tickets = Ticket.objects.bulk_create(tickets, batch_size=1000)
        # Their journal: opened, and for the fixed ones the fix and resolution when they came.
        model = Ticket.history.model
        tracked = model.tracked_fields
        rows = []
        for ticket in tickets:
            values = {f.attname: getattr(ticket, f.attname) for f in tracked}
            by = {"history_user_id": ticket.created_by_id}
            opened = {**values, "resolved_at": None, "fixed_by_change_id": None}
            rows.append(
                model(
                    **opened,
                    **by,
                    history_date=ticket.opened_at,
                    history_type="+",
                    change_kind="created",
                )
            )
            if ticket.resolved_at is not None:
                rows.append(
                    model(
                        **values,
                        **by,
                        history_date=ticket.resolved_at,
                        history_type="~",
                        change_kind="edited",
                    )
                )
        model.objects.bulk_create(rows, batch_size=1000)
        return len(tickets)

    def seed_members(self, projects: list) -> int:
        from projects.models import ReleaseMember
        from projects.roles import Role

        others = self.users[11:]
        members = []
        for project in projects:
            members.append(
                ReleaseMember(
                    project=project, user=project.release_manager, role=Role.RELEASE_MANAGER
                )
            )
            # BIG has everyone else (the load clients need many movers); others a small team.
            team = others if project.code == BIG else self.rng.sample(others, 7)
            roles = [Role.DEVELOPER, Role.QA_TESTER, Role.DEVELOPER, Role.APPROVER, Role.VIEWER]
            members += [
                ReleaseMember(project=project, user=user, role=roles[i % len(roles)])
                for i, user in enumerate(team)
            ]
        members = ReleaseMember.objects.bulk_create(members)
        self.write_history(members, kind="created", user=lambda m: m.project.release_manager)
        return len(members)

    def write_history(self, objects: list, *, kind: str, user) -> None:
        """One "created" journal row per object, as django-simple-history would write it."""
        model = type(objects[0]).history.model
        tracked = model.tracked_fields  # the original model's fields the journal copies
        when = self.now - timedelta(days=800)
        model.objects.bulk_create(
            [
                model(
                    **{f.attname: getattr(obj, f.attname) for f in tracked},
                    history_date=when,
                    history_type="+",
                    history_user=user(obj),
                    change_kind=kind,
                )
                for obj in objects
            ],
            batch_size=1000,
        )

    def plan(self, projects: list, budget: int) -> list[tuple]:
        """Journal rows per item, per project, adding up to exactly `budget`."""
        rng = self.rng
        by_code = {p.code: p for p in projects}
        big = [
            BIG_DEEP_ITEM_ROWS,
            *split_exactly(BIG_JOURNAL - BIG_DEEP_ITEM_ROWS, BIG_ITEMS - 1, rng, jitter=30),
        ]
        small = [2 * SMALL_ITEM_ROWS] + [SMALL_ITEM_ROWS] * (SMALL_ITEMS - 1)
        rest = [p for p in projects if p.code not in (BIG, SMALL)]
        rest_items = split_exactly(ITEMS - BIG_ITEMS - SMALL_ITEMS, len(rest), rng, jitter=60)
        rest_rows = split_exactly(budget - sum(big) - sum(small), sum(rest_items), rng, jitter=15)
        plan = [(by_code[BIG], big), (by_code[SMALL], small)]
        offset = 0
        for project, count in zip(rest, rest_items, strict=True):
            plan.append((project, rest_rows[offset : offset + count]))
            offset += count
        return plan

    def simulate_project(self, project, rows_per_item: list[int]) -> tuple[list, list, list, list]:
        """The changes and items of one project and their journals: a random walk over the
        states. Each item has its own change (with the item's id), written once."""
        rng = self.rng
        states = self.states
        last = len(states) - 1
        members = [u for u in self.users[1:] if u.pk % 3 != project.pk % 3] or self.users
        counter = 0
        changes, change_history, items, history = [], [], [], []
        end = self.now - timedelta(hours=1)
        for number, rows in enumerate(rows_per_item, start=1):
            self.item_id += 1
            created = end - timedelta(days=rng.uniform(30, 730))
            span = (end - created).total_seconds()
            times = sorted(created + timedelta(seconds=rng.uniform(0, span)) for _ in range(rows))
            words = [rng.choice(w) for w in TITLE_WORDS]
            change = {
                "id": self.item_id,
                "kind": rng.choice(KINDS),
                "title": f"{words[0]} {words[1]} {words[2]}",
                "description": "Raised by the service desk; see the linked ticket for details.",
                "external_key": f"JIRA-{rng.randint(1000, 99999)}",
                "external_url": "",
                "created_by_id": project.release_manager_id,
                "created_at": times[0],
                "updated_at": times[0],
            }
            changes.append(change)
            change_history.append(
                {
                    **change,
                    "ip_address": "10.0.0.1",
                    "change_kind": "created",
                    "history_date": times[0],
                    "history_change_reason": None,
                    "history_type": "+",
                    "history_user_id": project.release_manager_id,
                }
            )
            item = {
                "id": self.item_id,
                "project_id": project.pk,
                "number": number,
                "change_id": self.item_id,
                "priority": rng.randint(1, 4),
                "assignee_id": rng.choice(members).pk if rng.random() < 0.8 else None,
                "status_id": states[0],
                "position": 0,
                "version": 1,
                "created_by_id": project.release_manager_id,
                "created_at": times[0],
                "updated_at": times[0],
            }
            state = 0
            for n, when in enumerate(times):
                kind, from_status, reason, emergency = "created", None, None, False
                if n > 0:
                    item["version"] += 1
                    # Item 1 ends with an edit, so its journal page shows "what changed".
                    if rng.random() < 0.85 and not (number == 1 and n == rows - 1):
                        kind, from_status, reason = "moved", states[state], ""
                        forward = state == 0 or (state < last and rng.random() < 0.6)
                        state += 1 if forward else -1
                        item["status_id"] = states[state]
                        if rng.random() < 0.1:
                            reason = "Checked with the change advisory board."
                        emergency = forward and self.story.random() < EMERGENCY_SHARE
                    else:
                        kind = "edited"
                        if rng.random() < 0.5:
                            item["priority"] = rng.randint(1, 4)
                        else:
                            item["assignee_id"] = rng.choice(members).pk
                if n == 0 or kind == "moved":
                    counter += 10
                    item["position"] = counter
                item["updated_at"] = when
                actor = project.release_manager_id if n == 0 else rng.choice(members).pk
                history.append(
                    {
                        **item,
                        "ip_address": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.1",
                        "change_kind": kind,
                        "from_status_id": from_status,
                        "emergency": emergency,
                        "updated_at": when,
                        "history_date": when,
                        "history_change_reason": reason,
                        "history_type": "+" if n == 0 else "~",
                        "history_user_id": actor,
                    }
                )
            items.append(item)
        self.changes_of[project.pk] = [item["change_id"] for item in items]
        # The counter is not journaled (excluded from history): a plain UPDATE, as item_create.
        type(project).objects.filter(pk=project.pk).update(next_item_number=len(rows_per_item) + 1)
        return changes, change_history, items, history

    def report(self, started: float) -> None:
        from django.contrib.auth import get_user_model

        from items.models import ReleaseItem, ReleaseStatus
        from projects.models import ReleaseMember, ReleaseProject

        journal = sum(
            m.history.model.objects.count()
            for m in (ReleaseItem, ReleaseStatus, ReleaseMember, ReleaseProject)
        )
        print(
            f"Done in {time.monotonic() - started:.0f} s: "
            f"{ReleaseProject.objects.count()} projects, {ReleaseItem.objects.count():,} items, "
            f"{journal:,} journal rows, {get_user_model().objects.count()} users; "
            f"{BIG} has {ReleaseItem.objects.filter(project__code=BIG).count():,} items."
        )


def main() -> None:
    refuse_foreign_database()
    django_setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    Seeder(random.Random(2026)).run()


if __name__ == "__main__":
    main()
