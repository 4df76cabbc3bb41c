"""A realistic demo: three current release projects (about 60 items) showing the board's stories,
the year of releases before them (items.management.demo_history), the incidents those caused
(helpdesk.demo), six users.

Idempotent: projects and tickets that exist are left alone; users' passwords are (re)set every
run so the printed password always works.
"""

import os
import random
import secrets
from datetime import UTC, datetime, time, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from approvals import services as approval_services
from configuration.demo import configuration_seed_demo
from helpdesk.demo import tickets_seed_demo
from items import engine, services
from items.management.demo_flow import DemoClock, DemoFlow
from items.management.demo_history import go_live_moment, history_seed_demo
from items.models import Kind, Priority, ReleaseItem
from planning.models import FreezeKind, FreezeWindow
from planning.schedule import schedule_update
from projects import services as project_services
from projects.access import project_access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role
from qa import services as qa_services
from releases.models import Placement
from releases.notes_services import release_notes_update

USERS = [
    ("admin", "Ada", "Admin", None),
    ("manager", "Maria", "Manager", Role.RELEASE_MANAGER),
    ("developer", "David", "Developer", Role.DEVELOPER),
    ("qa", "Quinn", "Tester", Role.QA_TESTER),
    ("approver", "April", "Approver", Role.APPROVER),
    ("viewer", "Victor", "Viewer", Role.VIEWER),
]

# code, name, stage, planned offset (days), items, how far items have got (0..7)
PROJECTS = [
    ("PAY", "Payments 4.2", Lifecycle.IN_PROGRESS, 21, 24, (0, 5)),
    ("CRM", "CRM spring release", Lifecycle.PLANNING, 75, 12, (0, 1)),
    ("WEB", "Web shop 2026.10", Lifecycle.RELEASED, -30, 22, (5, 7)),
]

# The release notes' introductions (releases app) the demo's release manager writes.
NOTES_INTRODUCTIONS = {
    "PAY": "Payments 4.2 brings SEPA instant limits and faster settlement.\n\n"
    "The gateway's TLS upgrade needs no action from merchants.",
    "WEB": "Web shop 2026.10: faster order search and fewer duplicate e-mails.",
}

TITLES = [
    "Add SEPA instant transfer limit check",
    "Fix rounding of VAT on credit notes",
    "Upgrade TLS configuration of the payment gateway",
    "Show last login on the account page",
    "Timeout in nightly settlement job",
    "Export of open invoices to CSV",
    "Duplicate e-mails after password reset",
    "Customer merge loses phone numbers",
    "New approval step for refunds over 10,000 EUR",
    "Slow search on order history",
    "Retry failed webhook deliveries",
    "Remove deprecated SOAP endpoint",
    "Audit log for role changes",
    "Incident: checkout 502 during peak",
    "Problem: recurring cache stampede at midnight",
    "Translate shipping notices to Spanish",
    "Accessibility: label icon buttons",
    "Rotate database credentials automatically",
    "Mobile layout of the basket page",
    "Fraud score threshold configurable per market",
    "Patch OpenSSL (CVE) on web tier",
    "Add delivery slot picker",
    "Currency conversion uses stale rates",
    "Dashboard widget: releases per quarter",
]

# A PAY item that also ships in the CRM release (one change, two releases).
SHARED_TITLE = "Rounding of interest on savings accounts"


class Command(BaseCommand):
    help = "Seed the default release states and a realistic demo (users, projects, items, journal)."

    def handle(self, *args: object, **options: object) -> None:
        call_command("seed_release_statuses", stdout=self.stdout)
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        with transaction.atomic():
            users = self._users(password)
            created = [code for code in self._projects(users) if code]
            # After the projects: their history is walked through the engine, which a freeze
            # would stop on a simulated weekend.
            self._freeze_windows()
            # Configuration items and a cross-release dependency ("waits for CRM-1").
            configuration_seed_demo(owner=users["manager"])
            # Incidents the released releases caused, some fixed by a later release's change.
            tickets_seed_demo(actor=users["admin"])
        self.stdout.write(f"Demo projects created: {', '.join(created) or 'none (already there)'}")
        self.stdout.write("Demo accounts (log in at /accounts/login/):")
        for username, *_rest in USERS:
            self.stdout.write(f"  {username:<10} password: {password}")

    def _users(self, password: str) -> dict:
        User = get_user_model()
        users = {}
        for username, first, last, _role in USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                },
            )
            user.is_superuser = user.is_staff = username == "admin"
            user.set_password(password)
            user.save()
            users[username] = user
        users["manager"].user_permissions.add(Permission.objects.get(codename="add_releaseproject"))
        return users

    def _freeze_windows(self) -> None:
        """A weekend freeze and a year-end freeze, installation-wide, so the board shows one;
        and CRM's own freeze, in force from the day the demo is seeded."""
        zurich = {"time_zone": "Europe/Zurich"}
        crm = ReleaseProject.objects.filter(code="CRM").first()
        if crm is not None:
            today = timezone.localdate()
            FreezeWindow.objects.get_or_create(
                name="CRM data-centre move",
                project=crm,
                defaults={
                    "kind": FreezeKind.ONE_OFF,
                    "starts_at": datetime.combine(today, time(0), tzinfo=UTC),
                    "ends_at": datetime.combine(today + timedelta(days=10), time(8), tzinfo=UTC),
                    "reason": "The CRM servers move to the new data centre: nothing ships.",
                    "time_zone": "UTC",
                },
            )
        FreezeWindow.objects.get_or_create(
            name="Weekend freeze",
            defaults={
                "kind": FreezeKind.WEEKLY,
                "start_weekday": 4,
                "start_time": time(16),
                "end_weekday": 0,
                "end_time": time(8),
                "reason": "No production changes without the weekday on-call team.",
                **zurich,
            },
        )
        FreezeWindow.objects.get_or_create(
            name="Year-end freeze",
            defaults={
                "kind": FreezeKind.ANNUAL,
                "start_month": 12,
                "start_day": 20,
                "start_time": time(0),
                "end_month": 1,
                "end_day": 3,
                "end_time": time(8),
                "reason": "Year-end closing: finance systems must stay stable.",
                **zurich,
            },
        )

    def _projects(self, users: dict) -> list[str | None]:
        rng = random.Random(42)  # the same demo every time  # noqa: S311
        clock = DemoClock(origin=timezone.now())
        # Back-dated history is no news: nobody is mailed about moves made a year ago.
        with (
            mock.patch("django.utils.timezone.now", clock.now),
            mock.patch("notifications.receivers.event_queue"),
        ):
            # The year before them first, so changes are numbered (CH-n) in the order they came.
            created: list[str | None] = history_seed_demo(users=users, clock=clock)
            created += [
                self._project(users, rng, clock, *spec)
                for spec in PROJECTS
                if not ReleaseProject.objects.filter(code=spec[0]).exists()
            ]
            if {"PAY", "CRM"} <= set(created):
                self._shared_change(users, clock)
            return created

    def _shared_change(self, users: dict, clock: "DemoClock") -> None:
        """One change in two releases: PAY's rounding fix also ships in the CRM release, where
        it has its own key, state and journal (and PAY's state is untouched)."""
        fix = ReleaseItem.objects.select_related("project").get(
            project__code="PAY", change__title=SHARED_TITLE
        )
        clock.set(clock.origin - timedelta(days=2))
        included = services.item_include(
            access=project_access(user=users["manager"], code="CRM"), ref=fix.key
        )
        clock.tick(hours=3)
        engine.item_move(
            access=project_access(user=users["developer"], code="CRM"),
            item_id=included.pk,
            expected_version=included.version,
            direction="next",
            comment="Same fix as in PAY; ready for review here too.",
        )

    def _project(self, users, rng, clock, code, name, stage, offset, count, reach) -> str:
        today = timezone.localdate(clock.origin)
        manager = users["manager"]
        go_live = datetime.combine(
            today + timedelta(days=offset), time(18), tzinfo=timezone.get_current_timezone()
        )
        end = clock.origin
        if stage == Lifecycle.RELEASED:
            # Its story ends as it goes live, early on a weekday morning, as planned.
            go_live = go_live_moment(origin=clock.origin, days=offset)
            end = go_live + timedelta(days=2)
        clock.set(end - timedelta(days=45))
        project_services.project_create(
            actor=manager,
            code=code,
            fields={
                "name": name,
                "description": f"{name}: planned scope, agreed with the change advisory board.",
                "release_manager": manager,
                "planned_release_date": go_live.date(),
            },
        )
        as_manager = project_access(user=manager, code=code)
        for username, _f, _l, role in USERS[2:]:
            clock.tick(minutes=5)
            project_services.project_add_member(access=as_manager, user=users[username], role=role)
        # A schedule around the planned release date, so the release calendar shows it.
        schedule_update(
            access=as_manager,
            planned={
                "development_start": go_live - timedelta(days=40, hours=9),
                "code_freeze": go_live - timedelta(days=14, hours=1),
                "qa_start": go_live - timedelta(days=13, hours=9),
                "go_live_start": go_live,
                "go_live_end": go_live + timedelta(hours=4),
            },
        )
        if stage != Lifecycle.PLANNING:
            clock.tick(hours=20)
            approval_services.release_vote(
                access=project_access(user=users["approver"], code=code),
                vote="approve",
                comment="Scope and schedule agreed by the change advisory board.",
            )
            clock.tick(hours=2)
            project_services.project_update(
                access=as_manager, fields={"lifecycle": Lifecycle.IN_PROGRESS}
            )
        kinds, priorities = list(Kind), list(Priority)
        flow = DemoFlow(users=users, code=code, clock=clock, rng=rng)
        for n in range(count):
            clock.set(end - timedelta(days=40, hours=-rng.randint(0, 200)))
            target = rng.randint(*reach)
            item = services.item_create(
                access=project_access(user=users["developer"], code=code),
                fields={
                    "title": TITLES[(n + len(code)) % len(TITLES)],
                    "kind": rng.choice(kinds),
                    "priority": rng.choice(priorities),
                    # QA must not have implemented what it signs off: developers implement.
                    "assignee": users["developer"] if target >= 4 or rng.random() < 0.6 else None,
                    "external_key": f"JIRA-{1000 + rng.randint(1, 8999)}",
                    "description": "Raised by the service desk; see the linked ticket.",
                },
            )
            flow.walk(item, target)
        if code == "PAY":
            pay_showcase(flow)
        if code in NOTES_INTRODUCTIONS:
            # Internal tasks stay out of the notes; WEB's are published as it goes live.
            tasks = ReleaseItem.objects.filter(project__code=code, change__kind=Kind.TASK)
            release_notes_update(
                access=project_access(user=users["manager"], code=code),
                introduction=NOTES_INTRODUCTIONS[code],
                known_issues="",
                placements=dict.fromkeys(tasks.values_list("pk", flat=True), Placement.HIDDEN),
                revision=0,
            )
        if stage == Lifecycle.RELEASED:
            clock.set(go_live + timedelta(hours=1))
            project_services.project_update(
                access=as_manager,
                fields={
                    "lifecycle": Lifecycle.RELEASED,
                    "actual_release_date": go_live.date(),
                },
            )
        return code


def pay_showcase(flow: DemoFlow) -> None:
    """A few stories an auditor or a tester will want to see in the PAY release."""
    manager = flow.access("manager")
    flow.clock.set(flow.clock.origin - timedelta(days=12))
    # Rework: sent back with a reason, then forward again.
    item = services.item_create(
        access=flow.access("developer"),
        fields={
            "title": SHARED_TITLE,
            "kind": Kind.BUG,
            "priority": Priority.HIGH,
            "assignee": flow.users["developer"],
        },
    )
    item = flow.walk(item, 3)
    flow.clock.tick(hours=4)
    item = engine.item_move(
        access=flow.access("qa"),
        item_id=item.pk,
        expected_version=item.version,
        direction="prev",
        comment="Integration build fails on the nightly batch; back to the developer.",
    )
    # Blocked at the gate to production: a failing test run, the reason on the card.
    item = services.item_create(
        access=flow.access("developer"),
        fields={
            "title": "Limit for instant transfers per day",
            "kind": Kind.CHANGE_REQUEST,
            "priority": Priority.CRITICAL,
            "assignee": flow.users["developer"],
        },
    )
    item = flow.walk(item, 4)
    case = qa_services.qa_case_add(
        access=flow.access("qa"),
        item_id=item.pk,
        fields={"title": "Limit resets at midnight", "expected_result": "New limit applies"},
    )
    qa_services.qa_run_record(
        access=flow.access("qa"),
        item_id=item.pk,
        test_case_id=case.pk,
        fields={"result": "failed", "note": "Old limit still applies after midnight."},
    )
    # An emergency hotfix: forced past its open gates, approvals owed afterwards.
    item = services.item_create(
        access=flow.access("developer"),
        fields={
            "title": "Hotfix: card payments rejected after certificate rollover",
            "kind": Kind.INCIDENT,
            "priority": Priority.CRITICAL,
            "assignee": flow.users["developer"],
        },
    )
    item = flow.walk(item, 1)
    flow.clock.tick(hours=1)
    engine.item_move(
        access=manager,
        item_id=item.pk,
        expected_version=item.version,
        to_status_id=4550,
        emergency=True,
        comment="P1 incident INC-4711: card payments down; CAB chair informed by phone.",
    )
