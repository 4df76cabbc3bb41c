"""Fixtures and helpers of the API tests: a token per member of the team, and a client that
sends it. Test modules take the fixtures with `from tests.api_fixtures import *`."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from api.models import Scope
from api.services import token_create

__all__ = ["api_rate_clean", "tokens"]


class ApiClient:
    """Django's test client with a bearer token and JSON bodies."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, url: str, **headers: str):
        return self.client.get(url, headers=self.headers | headers)

    def _send(self, method: str, url: str, body: Any, headers: dict[str, str]):
        send = getattr(self.client, method)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return send(url, data, content_type="application/json", headers=self.headers | headers)

    def post(self, url: str, body: Any = None, **headers: str):
        return self._send("post", url, {} if body is None else body, headers)

    def patch(self, url: str, body: Any = None, **headers: str):
        return self._send("patch", url, {} if body is None else body, headers)


def make_token(
    user: AbstractBaseUser, *, scope: str = Scope.WRITE, days: int = 30, name: str = "ci"
) -> str:
    _, secret = token_create(
        actor=user,
        user=user,
        name=name,
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return secret


def api_as(user: AbstractBaseUser, *, scope: str = Scope.WRITE) -> ApiClient:
    return ApiClient(make_token(user, scope=scope))


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


@pytest.fixture(autouse=True)
def api_rate_clean() -> None:
    """The rate limit counts in the cache, which outlives a test's database."""
    cache.clear()


@pytest.fixture
def tokens(team) -> dict[str, str]:
    """A write token for each person of the team, by role."""
    return {
        role: make_token(user)
        for role, user in {
            "manager": team.manager,
            "developer": team.developer,
            "qa": team.qa,
            "approver": team.approver,
            "viewer": team.viewer,
            "outsider": team.outsider,
        }.items()
    }
