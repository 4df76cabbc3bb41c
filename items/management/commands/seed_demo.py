"""A realistic demo: three release projects at different stages, about 60 items, five users.

Idempotent: projects that exist are left alone; users' passwords are (re)set every run so the
printed password always works.
"""

import os
import random
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from items import engine, services
from items.models import Kind, Priority, ReleaseStatus
from projects import services as project_services
from projects.access import project_access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role

USERS = [
    ("admin", "Ada", "Admin", None),
    ("manager", "Maria", "Manager", Role.RELEASE_MANAGER),
    ("developer", "David", "Developer", Role.DEVELOPER),
    ("qa", "Quinn", "Tester", Role.QA_TESTER),
    ("viewer", "Victor", "Viewer", Role.VIEWER),
]

# code, name, stage, planned offset (days), items, how far items have got (0..7)
PROJECTS = [
    ("PAY", "Payments 4.2", Lifecycle.IN_PROGRESS, 21, 26, (0, 5)),
    ("CRM", "CRM spring release", Lifecycle.PLANNING, 75, 12, (0, 1)),
    ("WEB", "Web shop 2026.10", Lifecycle.RELEASED, -30, 22, (5, 7)),
]

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


class Command(BaseCommand):
    help = "Seed the default release states and a realistic demo (users, projects, items, journal)."

    def handle(self, *args: object, **options: object) -> None:
        call_command("seed_release_statuses", stdout=self.stdout)
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        with transaction.atomic():
            users = self._users(password)
            created = [code for code in self._projects(users) if code]
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

    def _projects(self, users: dict) -> list[str | None]:
        rng = random.Random(42)  # the same demo every time  # noqa: S311
        states = [s for s in engine.states_in_order() if s.enabled]
        return [
            self._project(users, rng, states, *spec)
            for spec in PROJECTS
            if not ReleaseProject.objects.filter(code=spec[0]).exists()
        ]

    def _project(
        self, users, rng, states: list[ReleaseStatus], code, name, stage, offset, count, reach
    ) -> str:
        today = timezone.localdate()
        manager = users["manager"]
        start = timezone.now() - timedelta(days=42)
        project_services.project_create(
            at=start,
            actor=manager,
            code=code,
            fields={
                "name": name,
                "description": f"{name}: planned scope, agreed with the change advisory board.",
                "release_manager": manager,
                "lifecycle": stage,
                "planned_release_date": today + timedelta(days=offset),
                "actual_release_date": today + timedelta(days=offset)
                if stage == Lifecycle.RELEASED
                else None,
            },
        )
        access = project_access(user=manager, code=code)
        for username, _f, _l, role in USERS[2:]:
            project_services.project_add_member(
                access=access, user=users[username], role=role, at=start + timedelta(hours=1)
            )
        start += timedelta(days=2)
        kinds, priorities = list(Kind), list(Priority)
        movers = [users["manager"], users["developer"], users["qa"]]
        for n in range(count):
            when = start + timedelta(hours=rng.randint(0, 200))
            item = services.item_create(
                access=access,
                fields={
                    "title": TITLES[(n + len(code)) % len(TITLES)],
                    "kind": rng.choice(kinds),
                    "priority": rng.choice(priorities),
                    "assignee": rng.choice([users["developer"], users["qa"], None]),
                    "external_key": f"JIRA-{1000 + rng.randint(1, 8999)}",
                    "description": "Raised by the service desk; see the linked ticket.",
                },
                at=when,
            )
            target = min(rng.randint(*reach), len(states) - 1)
            for step in range(target):
                when += timedelta(hours=rng.randint(2, 60))
                mover = rng.choice(movers)
                item = engine.item_move(
                    access=project_access(user=mover, code=code),
                    item_id=item.pk,
                    expected_version=item.version,
                    direction="next",
                    comment=rng.choice(["", "", "Reviewed, looks good", f"Step {step + 1} done"]),
                    at=when,
                )
        return code
