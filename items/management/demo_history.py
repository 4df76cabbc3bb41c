"""A year of the demo's history (manage.py seed_demo): releases that went live month after month,
hotfixes forced through with approvals given afterwards, rework, a descoped item, a cancelled
release and one planned for next year, so every KPI and chart has something true to show.

Everything goes through the services and the engine on the demo's clock (items.management.
demo_flow), so the journal tells the story the measurements read.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from approvals import services as approval_services
from items import engine, services
from items.management.demo_flow import OFFICE, DemoClock, DemoFlow, year_end
from items.models import Kind, Priority, ReleaseItem
from planning.schedule import schedule_update
from projects import services as project_services
from projects.access import project_access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role

MEMBERS = [
    ("developer", Role.DEVELOPER),
    ("qa", Role.QA_TESTER),
    ("approver", Role.APPROVER),
    ("viewer", Role.VIEWER),
]
GO_LIVE_DAYS = (1, 2, 3)  # Tuesday to Thursday, never before a weekend freeze
READY_FOR_PRODUCTION = 5  # state number the items reach before the go-live day
CLOSED_AFTER = timedelta(days=21)  # a release is closed three weeks after it went live


@dataclass(frozen=True, slots=True)
class DemoRelease:
    code: str
    name: str
    days: int  # go-live, in days from the day the demo is seeded (negative: in the past)
    items: int
    stage: str = Lifecycle.RELEASED
    hotfix: str = ""  # the emergency it answers: its first item is forced past the review
    ships_also: str = ""  # a hotfix release whose fix ships in this release too
    descoped: str = ""  # one item is removed from the release before go-live, for this reason


# Oldest first: a hotfix's fix must exist before a later release includes it.
RELEASES = [
    DemoRelease("PAY40", "Payments 4.0", -352, 9),
    DemoRelease("WEB2601", "Web shop 2026.01", -318, 8),
    DemoRelease("CRM26W", "CRM winter release", -290, 6),
    DemoRelease(
        "PAY41",
        "Payments 4.1",
        -255,
        10,
        descoped="Descoped by the change advisory board: not ready for 4.1, planned again.",
    ),
    DemoRelease(
        "PAY411",
        "Payments 4.1.1 hotfix",
        -248,
        1,
        hotfix="P1 incident INC-3120: SEPA files rejected by the clearing house since 4.1.",
    ),
    DemoRelease("WEB2604", "Web shop 2026.04", -230, 8),
    DemoRelease(
        "WEB2604H",
        "Web shop 2026.04 hotfix",
        -222,
        1,
        hotfix="CVE in the web tier's TLS library, exploited in the wild; CISO approved.",
    ),
    DemoRelease("CRMAPP", "CRM mobile app", -200, 3, stage=Lifecycle.CANCELLED),
    DemoRelease("WEB2606", "Web shop 2026.06", -170, 7, ships_also="WEB2604H"),
    DemoRelease("CRM26S", "CRM summer release", -150, 7),
    DemoRelease("WEB2608", "Web shop 2026.08", -110, 6),
    DemoRelease("CRM26A", "CRM autumn release", -62, 8),
    DemoRelease("WEB2701", "Web shop 2027.01", 50, 4, stage=Lifecycle.PLANNING),
]

# What each product's changes are about: titles are "<verb> <subject>".
SUBJECTS = {
    "PAY": [
        "SEPA credit transfers",
        "card refunds",
        "settlement batch",
        "payment limits",
        "fee calculation",
        "chargeback handling",
        "3-D Secure flow",
        "merchant statements",
        "currency conversion",
    ],
    "WEB": [
        "order search",
        "basket page",
        "checkout",
        "product images",
        "delivery slots",
        "voucher codes",
        "customer reviews",
        "wish list",
        "newsletter sign-up",
    ],
    "CRM": [
        "customer merge",
        "contact import",
        "lead scoring",
        "call notes",
        "consent records",
        "segment export",
        "duplicate check",
        "campaign mails",
    ],
}
VERBS = ["Fix", "Speed up", "Audit log for", "Accessibility of", "Validation in", "Redesign"]
HOTFIX_TITLES = {
    "PAY411": "Hotfix: SEPA file header rejected by the clearing house",
    "WEB2604H": "Patch the TLS library (CVE) on the web tier",
}


def history_seed_demo(*, users: dict, clock: DemoClock) -> list[str]:
    """The releases of RELEASES that do not exist yet, oldest first; returns their codes."""
    rng = random.Random(2026)  # the same year every time  # noqa: S311
    titles = {series: _titles(series, rng) for series in SUBJECTS}
    existing = set(ReleaseProject.objects.values_list("code", flat=True))
    created = []
    for spec in RELEASES:
        series_titles = titles[spec.code[:3]]
        if spec.code in existing:
            continue
        _release(spec, users=users, clock=clock, rng=rng, titles=series_titles)
        created.append(spec.code)
    return created


def _titles(series: str, rng: random.Random) -> list[str]:
    pairs = [f"{verb} {subject}" for verb in VERBS for subject in SUBJECTS[series]]
    rng.shuffle(pairs)
    return pairs


def go_live_moment(*, origin: datetime, days: int, later: bool = False) -> datetime:
    """06:00 in the office (before the help desk opens) on a Tuesday to Thursday outside the
    year-end freeze: the last such day at or before the day `days` from `origin`, or with
    `later` the first one after it."""
    day = (origin.astimezone(OFFICE) + timedelta(days=days)).date()
    step = timedelta(days=1 if later else -1)
    day += step if later else timedelta(0)
    while day.weekday() not in GO_LIVE_DAYS or year_end(day):
        day += step
    return datetime.combine(day, time(6), tzinfo=OFFICE)


def _release(
    spec: DemoRelease, *, users: dict, clock: DemoClock, rng: random.Random, titles: list[str]
) -> None:
    manager = users["manager"]
    go_live = go_live_moment(origin=clock.origin, days=spec.days)
    lead = timedelta(days=6 if spec.hotfix else 50)
    # A planned release was set up twenty days ago: its story, too, is in the past.
    planned = spec.stage == Lifecycle.PLANNING
    clock.set(clock.origin - timedelta(days=20) if planned else go_live - lead)
    clock.office_hours()
    project_services.project_create(
        actor=manager,
        code=spec.code,
        fields={
            "name": spec.name,
            "description": f"{spec.name}: scope agreed with the change advisory board.",
            "release_manager": manager,
            "planned_release_date": go_live.date(),
        },
    )
    as_manager = project_access(user=manager, code=spec.code)
    for username, role in MEMBERS:
        clock.tick(minutes=5)
        project_services.project_add_member(access=as_manager, user=users[username], role=role)
    schedule_update(
        access=as_manager,
        planned={
            "development_start": go_live - lead * 0.8,
            "code_freeze": go_live - lead * 0.3,
            "qa_start": go_live - lead * 0.28,
            "go_live_start": go_live,
            "go_live_end": go_live + timedelta(hours=4),
        },
    )
    pace = (1, 6) if spec.hotfix else (2, 40)
    flow = DemoFlow(users=users, code=spec.code, clock=clock, rng=rng, office_hours=True, pace=pace)
    if planned:
        _items(spec, flow=flow, titles=titles, start=clock.current, reach=(0, 1))
        return
    flow.pause(hours=1 if spec.hotfix else 20)
    approval_services.release_vote(
        access=project_access(user=users["approver"], code=spec.code),
        vote="approve",
        comment="Scope and schedule agreed by the change advisory board.",
    )
    flow.pause(hours=2)
    project_services.project_update(access=as_manager, fields={"lifecycle": Lifecycle.IN_PROGRESS})
    clock.latest = clock.current  # each item walks on its own time: when did the last stop?
    if spec.hotfix:
        _hotfix(spec, flow=flow)
    else:
        start = go_live - timedelta(days=40)
        if spec.stage == Lifecycle.CANCELLED:
            _items(spec, flow=flow, titles=titles, start=start, reach=(0, 2))
            clock.set(max(clock.latest + timedelta(days=1), go_live - timedelta(days=20)))
            clock.office_hours()
            project_services.project_update(
                access=as_manager, fields={"lifecycle": Lifecycle.CANCELLED}
            )
            return
        _items(spec, flow=flow, titles=titles, start=start, reach=(READY_FOR_PRODUCTION,) * 2)
    if spec.ships_also:
        _include_fix(spec, flow=flow, start=go_live - timedelta(days=30))
    if spec.descoped:
        _descope(spec, flow=flow, titles=titles, start=go_live - timedelta(days=35))
    # A walk that ran late moves the go-live (the schedule keeps what was planned).
    if clock.latest > go_live - timedelta(hours=2):
        go_live = go_live_moment(origin=clock.latest, days=0, later=True)
    _go_live(spec, flow=flow, go_live=go_live)


def _items(
    spec: DemoRelease,
    *,
    flow: DemoFlow,
    titles: list[str],
    start: datetime,
    reach: tuple[int, int],
) -> None:
    """The release's changes, each created in its first weeks and walked towards production;
    about one in four is sent back once on the way (rework)."""
    rng = flow.rng
    # Created in key order over the first ten days, so the journal's first rows follow the keys.
    offsets = sorted(rng.randint(0, 240) for _ in range(spec.items))
    for n, hours in enumerate(offsets):
        flow.clock.set(start + timedelta(hours=hours))
        flow.clock.office_hours()
        item = services.item_create(
            access=flow.access("developer"),
            fields={
                "title": titles[(n + spec.days) % len(titles)],
                "kind": rng.choice([k for k in Kind if k != Kind.INCIDENT]),
                "priority": rng.choice(list(Priority)),
                "assignee": flow.users["developer"],
                "external_key": f"JIRA-{1000 + rng.randint(1, 8999)}",
                "description": "Raised by the service desk; see the linked ticket.",
            },
        )
        target = rng.randint(*reach)
        rework = (rng.choice([2, 3, 4]),) if target >= 4 and rng.random() < 0.25 else ()
        flow.walk(item, target, rework=rework)


def _hotfix(spec: DemoRelease, *, flow: DemoFlow) -> None:
    """An incident fix forced past its open review in an emergency; the approver gives the
    owed approval the next morning, and the fix is then tested and signed off as usual."""
    item = services.item_create(
        access=flow.access("developer"),
        fields={
            "title": HOTFIX_TITLES[spec.code],
            "kind": Kind.INCIDENT,
            "priority": Priority.CRITICAL,
            "assignee": flow.users["developer"],
            "description": spec.hotfix,
        },
    )
    item = flow.walk(item, 1)
    flow.clock.tick(hours=1)
    owed_round = item.round
    item = engine.item_move(
        access=flow.access("manager"),
        item_id=item.pk,
        expected_version=item.version,
        to_status_id=4550,
        emergency=True,
        comment=spec.hotfix,
    )
    flow.approve(item, from_state_id=4540, round=owed_round)
    flow.walk(item, READY_FOR_PRODUCTION, start=2)


def _include_fix(spec: DemoRelease, *, flow: DemoFlow, start: datetime) -> None:
    """The hotfix's change ships in this regular release too: its own inclusion, walked again."""
    flow.clock.set(start)
    flow.clock.office_hours()
    included = services.item_include(access=flow.access("manager"), ref=f"{spec.ships_also}-1")
    flow.walk(included, READY_FOR_PRODUCTION)


def _descope(spec: DemoRelease, *, flow: DemoFlow, titles: list[str], start: datetime) -> None:
    """A change that does not make it: stuck in integration, removed from the release."""
    flow.clock.set(start)
    flow.clock.office_hours()
    item = services.item_create(
        access=flow.access("developer"),
        fields={
            "title": titles[-1],
            "kind": Kind.CHANGE_REQUEST,
            "priority": Priority.LOW,
            "assignee": flow.users["developer"],
        },
    )
    item = flow.walk(item, 2)
    flow.pause(hours=48)
    services.item_delete(
        access=flow.access("manager"),
        item_id=item.pk,
        expected_version=item.version,
        reason=spec.descoped,
    )


def _go_live(spec: DemoRelease, *, flow: DemoFlow, go_live: datetime) -> None:
    """The go-live morning: every item deployed, verified in production and closed, then the
    release is released (the schedule records it), and closed three weeks later."""
    clock, access = flow.clock, flow.access("manager")
    items = list(ReleaseItem.objects.filter(project__code=spec.code).order_by("number"))
    for step, comment in ((5, "Deployed"), (6, "Verified in production")):
        clock.set(go_live + timedelta(hours=step - 5))
        for item in items:
            clock.tick(minutes=3)
            item.refresh_from_db()
            engine.item_move(
                access=access,
                item_id=item.pk,
                expected_version=item.version,
                direction="next",
                comment=comment,
            )
    clock.set(go_live + timedelta(hours=3))
    project_services.project_update(
        access=access,
        fields={"lifecycle": Lifecycle.RELEASED, "actual_release_date": go_live.date()},
    )
    if go_live + CLOSED_AFTER < clock.origin - timedelta(days=7):
        clock.set(go_live + CLOSED_AFTER)
        clock.office_hours()
        project_services.project_update(
            access=project_access(user=flow.users["manager"], code=spec.code),
            fields={"lifecycle": Lifecycle.CLOSED},
        )
