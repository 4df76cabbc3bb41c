"""Odd input to the planning pages: never a 500, and a refusal changes nothing."""

from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from planning.models import CalendarFeed, Milestone, ReleaseSchedule
from tests.conftest import Team

ODD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "2026-12-01T09:00",
            "2026-12-01 09:00",
            "2026-02-30T09:00",
            "0000-01-01T00:00",
            "9999-12-31T23:59",
            "2026-12-01T25:00",
            "1e3",
            "\x00",
            "\u202e",
            "x" * 10_000,
        ]
    ),
)
QUIET = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
}


def _snapshot() -> tuple:
    return (ReleaseSchedule.history.count(), CalendarFeed.history.count())


def test_odd_schedules_never_fail_with_500_and_refusals_change_nothing(team: Team) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(team.manager)

    @settings(max_examples=40, **QUIET)
    @given(body=st.dictionaries(st.sampled_from(Milestone.values), ODD))
    @example(body={"go_live_start": "2026-12-01T09:00", "go_live_end": "2026-12-01T09:00"})
    @example(body={"go_live_start": "9999-12-31T23:59", "go_live_end": "0001-01-01T00:00"})
    @example(body={"code_freeze": "2026-12-01\x00T09:00"})
    def check(body: dict) -> None:
        before = _snapshot()
        response = client.post("/projects/PAY/schedule/", body)
        assert response.status_code < 500, (body, response.status_code)
        if response.status_code >= 400:
            assert _snapshot() == before, body
            assert response.content

    check()


def test_odd_calendar_queries_never_fail_with_500(team: Team) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(team.viewer)

    @settings(max_examples=40, **QUIET)
    @given(query=st.dictionaries(st.sampled_from(["month", "view"]), ODD))
    @example(query={"month": "9999-12"})
    @example(query={"month": "0001-01"})
    @example(query={"month": "٢٠٢٦-١٢"})
    @example(query={"view": "list", "month": "1969-12"})
    def check(query: dict) -> None:
        response = client.get("/calendar/", query)
        assert response.status_code in (200, 400), (query, response.status_code)

    check()


def test_odd_feed_tokens_are_404_never_500(team: Team) -> None:
    client = Client(raise_request_exception=False)

    @settings(max_examples=40, **QUIET)
    @given(token=st.text(alphabet=st.characters(blacklist_characters="/?#%"), min_size=1))
    @example(token="\x00")
    @example(token="x" * 5000)
    def check(token: str) -> None:
        response = client.get(f"/calendar/ical/{token}.ics")
        assert response.status_code in (400, 404), (token, response.status_code)

    check()
