"""Shared by the tests of the GitHub and GitLab webhooks: the payloads (tests/fixtures_vcs/,
trimmed from the providers' published examples), a service account, and signed posts.

Test modules take the fixtures with `from tests.vcs_support import *` (only the fixtures are
exported) and import the helpers by name.
"""

import copy
import hashlib
import hmac
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from items.models import ReleaseItem
from projects.roles import Role
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, UserFactory
from vcs.models import Provider, Webhook

__all__ = ["bot", "github", "gitlab", "items"]

FIXTURES = Path(__file__).parent / "fixtures_vcs"
SECRET = "only-for-the-tests-0123456789abcdef"
GITHUB_REPO = "Codertocat/Hello-World"
GITLAB_REPO = "mike/diaspora"


@cache
def _payload(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def payload(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture, to change as a test needs."""
    return copy.deepcopy(_payload(name))


def github_post(
    hook: Webhook,
    body: dict | bytes,
    *,
    event: str = "push",
    delivery: str = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    secret: str = SECRET,
    signature: str | None = None,
    client: Client | None = None,
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery}
    if signature:
        headers["X-Hub-Signature-256"] = signature
    return (client or Client()).post(
        f"/hooks/github/{hook.pk}/", data=raw, content_type="application/json", headers=headers
    )


def gitlab_post(
    hook: Webhook,
    body: dict | bytes,
    *,
    event: str = "Push Hook",
    delivery: str | None = "3bba2fbc-1d5b-4b3a-8f4e-0b4b1f0a8b9c",
    token: str | None = SECRET,
    client: Client | None = None,
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-Gitlab-Event": event}
    if delivery:
        headers["X-Gitlab-Event-UUID"] = delivery
    if token is not None:
        headers["X-Gitlab-Token"] = token
    return (client or Client()).post(
        f"/hooks/gitlab/{hook.pk}/", data=raw, content_type="application/json", headers=headers
    )


@pytest.fixture
def bot(team: Team) -> AbstractBaseUser:
    """The webhooks' service account: a developer of PAY."""
    account = UserFactory(username="ci-bot")
    MemberFactory(project=team.project, user=account, role=Role.DEVELOPER)
    return account


@pytest.fixture
def github(bot: AbstractBaseUser) -> Webhook:
    return Webhook.objects.create(
        name="Hello-World", provider=Provider.GITHUB, secret=SECRET, service_account=bot
    )


@pytest.fixture
def gitlab(bot: AbstractBaseUser) -> Webhook:
    return Webhook.objects.create(
        name="diaspora", provider=Provider.GITLAB, secret=SECRET, service_account=bot
    )


@pytest.fixture
def items(team: Team) -> list[ReleaseItem]:
    """PAY-1, PAY-2 and PAY-3, in the first state."""
    return [ItemFactory(project=team.project, number=n, title=f"Item {n}") for n in (1, 2, 3)]


def fresh(item: ReleaseItem) -> ReleaseItem:
    return ReleaseItem.objects.select_related("status").get(pk=item.pk)
