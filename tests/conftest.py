"""Shared fixtures: the default release states and one release project with a person per role."""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from items.models import ReleaseItem, ReleaseStatus
from items.services import status_seed_defaults
from projects.access import Access, project_access
from projects.models import ReleaseProject
from projects.roles import Role
from tests.factories import ItemFactory, MemberFactory, ProjectFactory, UserFactory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # In CI the suite must run against PostgreSQL; a SQLite run would silently test less.
    if os.environ.get("CI") and "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise pytest.UsageError("CI runs the suite against PostgreSQL: set DATABASE_URL.")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: object) -> None:
    """Hashing test passwords with PBKDF2 would dominate the suite's run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with an empty cache: rolled-back tests may reuse ids (SQLite), so a
    KPI entry keyed by a journal's last id (measurement/kpi_cache.py) must not outlive its test."""
    cache.clear()


@pytest.fixture(autouse=True)
def english_and_utc() -> None:
    """Each test starts in the installation's language and zone: a German request leaves German
    active on the test's thread (LocaleMiddleware activates, nothing deactivates)."""
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def postgres(db: None) -> None:
    """Tests of row locks and concurrency need the real server; elsewhere they fail, not skip."""
    assert connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)"


@pytest.fixture
def states(db: None) -> list[ReleaseStatus]:
    status_seed_defaults()
    return list(ReleaseStatus.objects.order_by("position"))


@dataclass
class Team:
    """One release project and a person for each role, plus an outsider and a superuser."""

    project: ReleaseProject
    manager: AbstractBaseUser
    developer: AbstractBaseUser
    qa: AbstractBaseUser
    approver: AbstractBaseUser
    viewer: AbstractBaseUser
    outsider: AbstractBaseUser
    admin: AbstractBaseUser

    def access(self, user: AbstractBaseUser) -> Access:
        return project_access(user=user, code=self.project.code)

    def item(self, **kwargs: object) -> ReleaseItem:
        return ItemFactory(project=self.project, **kwargs)

    def client(self, user: AbstractBaseUser) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def team(states: list[ReleaseStatus]) -> Team:
    manager = UserFactory(username="maria")
    manager.user_permissions.add(Permission.objects.get(codename="add_releaseproject"))
    project = ProjectFactory(code="PAY", name="Payments 4.2", release_manager=manager)
    people = {"manager": manager}
    MemberFactory(project=project, user=manager, role=Role.RELEASE_MANAGER)
    for username, role in [
        ("david", Role.DEVELOPER),
        ("quinn", Role.QA_TESTER),
        ("april", Role.APPROVER),
        ("victor", Role.VIEWER),
    ]:
        people[role.name.split("_")[0].lower()] = MemberFactory(
            project=project, user=UserFactory(username=username), role=role
        ).user
    return Team(
        project=project,
        manager=manager,
        developer=people["developer"],
        qa=people["qa"],
        approver=people["approver"],
        viewer=people["viewer"],
        outsider=UserFactory(username="oscar"),
        admin=UserFactory(username="root", is_superuser=True, is_staff=True),
    )
