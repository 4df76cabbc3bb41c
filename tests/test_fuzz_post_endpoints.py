"""Random and malformed input to every POST endpoint and to the lists' queries: never a 500,
never a change when refused."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import AccountSettings
from approvals.models import Approval, EmergencyMove, ReleaseApproval
from conversation.models import COMMENT_MAX, Attachment, Comment, WatchChange
from items.models import ReleaseItem
from items.rules import rule_seed_defaults
from items.views import ITEMS_PER_PAGE_MAX
from projects.models import ReleaseMember, ReleaseProject
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun
from releasemgmt.limits import DESCRIPTION_MAX, EXPECTED_RESULT_MAX, TEST_STEPS_MAX
from releasemgmt.pagination import PER_PAGE_MAX
from tests.factories import ProjectFactory
from workplace.models import NAME_MAX, SavedFilter

FIELDS = [
    "time_zone",
    "language",
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
    "username",
    "password",
    "body",
    "file",
    "action",
    "next",
    "query",
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
            "GONE",  # the code of a deleted project: reserved
            "u" * 256,  # longer than any username (and django-axes' column)
            "x" * (DESCRIPTION_MAX + 1),
            "x" * (TEST_STEPS_MAX + 1),
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
    "/projects/PAY/reopen/",
    "/accounts/login/",
    "/projects/PAY/items/1/comments/",
    "/projects/PAY/items/1/attachments/",
    "/projects/PAY/items/1/attachments/1/remove/",
    "/projects/PAY/items/1/watch/",
    "/projects/PAY/items/filters/",
    "/projects/PAY/items/filters/1/delete/",
    "/accounts/settings/",
]
# Watching and saved filters are the reader's own, not the release's: a closed release allows them.
NOT_RELEASE_CHANGES = ("/watch/", "/filters/")


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
                Comment,
                Attachment,
            )
        ),
        WatchChange.objects.count(),
        SavedFilter.objects.count(),
        list(AccountSettings.objects.values_list("user_id", "time_zone", "language")),
    )


@pytest.mark.parametrize("who", ["manager", "admin"])
@pytest.mark.parametrize("path", ENDPOINTS)
def test_random_posts_never_fail_with_500_and_refusals_change_nothing(team, path, who):
    rule_seed_defaults()  # the governance gates run too
    team.item()
    team.item()
    ProjectFactory(code="GONE", release_manager=team.manager).delete()
    client = Client(raise_request_exception=False)
    client.force_login(getattr(team, who))
    manager, developer = str(team.manager.pk), str(team.developer.pk)
    project = {"name": "Core", "code": "CORE", "release_manager": manager}
    item = {"version": "1", "title": "t", "kind": "bug", "priority": "3"}

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
    # Over the text limits, otherwise valid: a form error, nothing written.
    @example(body={**item, "description": "x" * (DESCRIPTION_MAX + 1)})
    @example(body={**project, "description": "x" * (DESCRIPTION_MAX + 1)})
    @example(body={"title": "t", "steps": "x" * (TEST_STEPS_MAX + 1)})
    @example(body={"title": "t", "expected_result": "x" * (EXPECTED_RESULT_MAX + 1)})
    # Duplicates and reserved codes: the double-submitted new project, the member added twice.
    @example(body={**project, "code": "PAY"})
    @example(body={**project, "code": "GONE"})
    @example(body={"user": developer, "role": "viewer"})
    @example(body={"username": "u" * 256, "password": "x"})
    # Conversation and saved filters: over their limits, a NUL, an unknown watch action.
    @example(body={"body": "x" * (COMMENT_MAX + 1)})
    @example(body={"body": "a\x00b"})
    @example(body={"action": "stare"})
    @example(body={"name": "n" * (NAME_MAX + 1), "query": "status=1"})
    @example(body={"name": "mine", "query": "q=\x00"})
    # Time and language: a forged zone, an unknown language.
    @example(body={"time_zone": "../../etc/passwd", "language": ""})
    @example(body={"time_zone": "", "language": "xx\x00"})
    def check(body: dict) -> None:
        before = _snapshot()
        response = client.post(path, body)
        assert response.status_code < 500, (path, body, response.status_code)
        if response.status_code >= 400:
            assert _snapshot() == before, (path, body)
            assert response.content, "a refusal must say why"

    check()


# A released release: every item endpoint refuses whatever the body, and writes nothing.
ITEM_ENDPOINTS = [
    p for p in ENDPOINTS if "/items/" in p and not any(s in p for s in NOT_RELEASE_CHANGES)
]


@pytest.mark.parametrize("path", ITEM_ENDPOINTS)
def test_random_posts_to_a_released_release_change_no_item(team, path):
    rule_seed_defaults()
    team.item()
    ReleaseProject.objects.filter(pk=team.project.pk).update(lifecycle="released")
    client = Client(raise_request_exception=False)
    client.force_login(team.admin)

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(body=BODIES)
    @example(body={"version": "1", "direction": "next"})
    @example(body={"version": "1", "title": "t", "kind": "bug", "priority": "3"})
    @example(body={"selected": "1:1", "to_status": "4540"})
    def check(body: dict) -> None:
        before = _snapshot()
        response = client.post(path, body)
        assert 400 <= response.status_code < 500, (path, body, response.status_code)
        assert _snapshot() == before, (path, body)

    check()


LIST_PATHS = [
    "/projects/",
    "/projects/PAY/items/",
    "/projects/PAY/board/",
    "/projects/PAY/",
    "/projects/PAY/items/1/",
    "/projects/PAY/journal/",
    "/journal/",
    "/approvals/",
]
QUERY_KEYS = [
    "per_page",
    "page",
    "sort",
    "_export",
    "q",
    "kind",
    "priority",
    "status",
    "assignee",
    "lifecycle",
    "cursor",
    "before",
]
PER_PAGE_VALUES = ["-1", "0", "-0", "101", "1e3", "abc", " 5", "٣", "9" * 30, "", "5.0"]
QUERIES = st.dictionaries(
    st.sampled_from(QUERY_KEYS),
    st.one_of(
        ODD_TEXT,
        st.sampled_from([*PER_PAGE_VALUES, "priority", "-priority", "key", "-status", "csv"]),
    ),
)


@pytest.mark.parametrize("path", LIST_PATHS)
def test_random_list_queries_never_fail_with_500(team, path):
    team.item()
    team.item()
    client = Client(raise_request_exception=False)
    client.force_login(team.admin)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(query=QUERIES)
    @example(query={"per_page": "-1"})
    @example(query={"per_page": "0", "page": "-1"})
    @example(query={"per_page": "9" * 30, "page": "9" * 30})
    @example(query={"per_page": "-1", "_export": "csv"})
    @example(query={"sort": "-priority", "per_page": str(PER_PAGE_MAX)})
    def check(query: dict) -> None:
        before = _snapshot()
        response = client.get(path, query)
        assert response.status_code < 500, (path, query, response.status_code)
        assert _snapshot() == before, (path, query)
        per_page = query.get("per_page")
        if path in LIST_PATHS[:2] and per_page is not None and "_export" not in query:
            most = ITEMS_PER_PAGE_MAX if path == "/projects/PAY/items/" else PER_PAGE_MAX
            wanted = per_page.isascii() and per_page.isdigit() and 1 <= int(per_page) <= most
            if not wanted:
                assert response.status_code == 400, (path, query)

    check()
