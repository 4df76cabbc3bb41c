"""Random and malformed input to every POST endpoint: never a 500, never a change when refused."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from approvals.models import Approval, EmergencyMove, ReleaseApproval
from items.models import ReleaseItem
from items.rules import rule_seed_defaults
from projects.models import ReleaseMember, ReleaseProject
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun

FIELDS = [
    "version",
    "direction",
    "to_status",
    "comment",
    "shift",
    "origin",
    "selected",
    "reason",
    "title",
    "kind",
    "priority",
    "assignee",
    "external_key",
    "external_url",
    "description",
    "user",
    "role",
    "name",
    "code",
    "lifecycle",
    "release_manager",
    "planned_release_date",
    "vote",
    "to_state",
    "round",
    "from_state",
    "steps",
    "expected_result",
    "result",
    "note",
    "evidence_url",
    "decision",
    "emergency",
]
ODD_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1",
            "2",
            "4540",
            "4595",
            "99999999999999999999",
            "1e3",
            "nan",
            "next",
            "prev",
            "up",
            "down",
            "1:1",
            "x:y",
            "1:",
            ":1",
            "\x00",
            "\u202e",
            "PAY",
            "\ud7ff" * 3,
        ]
    ),
    st.integers().map(str),
)
BODIES = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(ODD_TEXT, st.lists(ODD_TEXT, max_size=3))
)

ENDPOINTS = [
    "/projects/PAY/items/1/move/",
    "/projects/PAY/items/1/reorder/",
    "/projects/PAY/items/1/delete/",
    "/projects/PAY/items/1/edit/",
    "/projects/PAY/items/new/",
    "/projects/PAY/items/bulk-move/",
    "/projects/PAY/edit/",
    "/projects/PAY/members/add/",
    "/projects/PAY/members/1/remove/",
    "/projects/new/",
    "/projects/PAY/items/1/approvals/",
    "/projects/PAY/items/1/approvals/1/withdraw/",
    "/projects/PAY/release-approval/",
    "/projects/PAY/release-approval/1/withdraw/",
    "/projects/PAY/items/1/tests/",
    "/projects/PAY/items/1/tests/1/runs/",
    "/projects/PAY/items/1/signoff/",
    "/projects/PAY/items/1/acceptance/",
]


def _snapshot() -> tuple:
    return (
        list(
            ReleaseItem.objects.order_by("pk").values_list("pk", "status_id", "position", "version")
        ),
        *(
            model.history.count()
            for model in (
                ReleaseItem,
                ReleaseMember,
                ReleaseProject,
                Approval,
                ReleaseApproval,
                EmergencyMove,
                TestCase,
                TestRun,
                QASignoff,
                AcceptanceDecision,
            )
        ),
    )


@pytest.mark.parametrize("who", ["manager", "admin"])
@pytest.mark.parametrize("path", ENDPOINTS)
def test_random_posts_never_fail_with_500_and_refusals_change_nothing(team, path, who):
    rule_seed_defaults()  # the governance gates run too
    team.item()
    team.item()
    client = Client(raise_request_exception=False)
    client.force_login(getattr(team, who))

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(body=BODIES)
    @example(body={"version": "1", "comment": "x" * 1_000_000, "direction": "next"})
    @example(body={"version": "1", "direction": "next", "comment": "a\x00b"})
    @example(body={"version": "1", "title": "t" * 5000, "kind": "bug", "priority": "3"})
    def check(body: dict) -> None:
        before = _snapshot()
        response = client.post(path, body)
        assert response.status_code < 500, (path, body, response.status_code)
        if response.status_code >= 400:
            assert _snapshot() == before, (path, body)
            assert response.content, "a refusal must say why"

    check()
