"""Signed but odd payloads (GitHub's and GitLab's events, their fields replaced by random
JSON): never a 500, and a refusal writes nothing."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import github_post, gitlab_post, payload
from vcs.models import Delivery, VcsLink, Webhook

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["PAY-1", "Fixes PAY-2", "refs/heads/master", "x\x00y", "2019-05-15"])
    | st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "y" * 300]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
EVENTS = {
    "github": [("push", "github_push"), ("pull_request", "github_pull_request_closed")],
    "gitlab": [("Push Hook", "gitlab_push"), ("Merge Request Hook", "gitlab_merge_request")],
}
# Where a random value replaces the fixture's: the top, an object, a commit, a commit's author.
PATHS = [
    (),
    ("repository",),
    ("project",),
    ("pull_request",),
    ("object_attributes",),
    ("commits",),
    ("commits", 0),
    ("commits", 0, "author"),
    ("pull_request", "base"),
    ("pull_request", "user"),
]
FIELDS = [
    "id",
    "message",
    "title",
    "timestamp",
    "url",
    "number",
    "iid",
    "ref",
    "name",
    "username",
    "full_name",
    "path_with_namespace",
    "default_branch",
    "target_branch",
    "updated_at",
    "merged",
    "action",
    "state",
    "body",
    "description",
    "commits",
    "login",
]


def _mutate(body: dict, path: tuple, field: str, value: object) -> object:
    if not path and not field:
        return value
    node = body
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return body
    if isinstance(node, dict):
        node[field] = value
    return body


def _snapshot() -> tuple[int, int]:
    return Delivery.objects.count(), VcsLink.objects.count()


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_odd_signed_payloads_never_fail_with_500(provider: str, github: Webhook, gitlab, items):
    hook = github if provider == "github" else gitlab
    post = github_post if provider == "github" else gitlab_post
    client = Client(raise_request_exception=False)
    deliveries = iter(range(10**6))

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(
        event=st.sampled_from(EVENTS[provider]),
        path=st.sampled_from(PATHS),
        field=st.sampled_from(FIELDS),
        value=JSON,
    )
    @example(event=EVENTS[provider][0], path=("commits", 0), field="message", value="a\x00b")
    @example(
        event=EVENTS[provider][0],
        path=("commits", 0),
        field="timestamp",
        value="0001-01-01T00:00:00+14:00",
    )
    @example(
        event=EVENTS[provider][0], path=("commits", 0, "author"), field="name", value="n" * 300
    )
    def check(event: tuple[str, str], path: tuple, field: str, value: object) -> None:
        name, fixture = event
        body = _mutate(payload(fixture), path, field, value)
        before = _snapshot()
        response = post(hook, body, event=name, delivery=f"fuzz-{next(deliveries)}", client=client)
        assert response.status_code < 500, (name, path, field, value, response.status_code)
        if response.status_code >= 400:
            assert _snapshot() == before
            assert response.json()["detail"]

    check()


def test_json_nested_too_deep_is_400(github: Webhook, items) -> None:
    response = github_post(github, b"[" * 100_000 + b"]" * 100_000)

    assert response.status_code == 400
    assert not Delivery.objects.exists()
