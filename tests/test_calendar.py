"""The release calendar (month and list views) and each user's iCal feed."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from planning.ical import calendar_feed_create
from planning.models import CalendarFeed, FreezeKind, FreezeWindow
from planning.schedule import schedule_update
from projects.access import project_access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role
from tests.conftest import Team
from tests.factories import MemberFactory, ProjectFactory

UTC = dt.UTC


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


PLAN = {
    "development_start": at(11, 2),
    "code_freeze": at(12, 4),
    "qa_start": at(12, 7),
    "go_live_start": at(12, 15, 18),
    "go_live_end": at(12, 15, 22),
}


def plan(team: Team, project: ReleaseProject | None = None, **planned: dt.datetime) -> None:
    """Plan PLAN (with `planned` changed) for the team's release, or as an administrator for
    `project`."""
    if project is None:
        access = team.access(team.manager)
    else:
        access = project_access(user=team.admin, code=project.code)
    schedule_update(access=access, planned={**PLAN, **planned})


@pytest.fixture
def other(team: Team) -> ReleaseProject:
    """A release the team's people are not members of."""
    return ProjectFactory(code="SECRET", name="Secret merger")


def feed(client: Client, token: str) -> Calendar:
    response = client.get(f"/calendar/ical/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    return Calendar.from_ical(response.content)


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


# --- The calendar page ---------------------------------------------------------------------


def test_month_view_is_a_grid_with_the_milestones_on_their_days(team: Team) -> None:
    plan(team)

    response = team.client(team.viewer).get("/calendar/?month=2026-12")

    assert response.status_code == 200
    html = response.text
    assert '<th scope="col">Monday</th>' in html
    assert "?view=month&amp;month=2026-11" in html  # previous month
    assert "?view=month&amp;month=2027-01" in html  # next month
    day_4 = re.search(r"<td[^>]*>\s*<span class=\"day-number\">4</span>(.*?)</td>", html, re.S)
    assert "PAY Code freeze" in day_4.group(1)
    assert '<a href="/projects/PAY/schedule/">PAY Go-live window</a>' in html
    assert "PAY Development start" not in html  # in November


def test_list_view_lists_the_months_events_in_order_with_links(team: Team) -> None:
    plan(team)

    html = team.client(team.developer).get("/calendar/?view=list&month=2026-12").text

    titles = re.findall(r">(PAY [A-Z][^<]+)</a>", html)
    assert titles == ["PAY Code freeze", "PAY QA start", "PAY Go-live window"]
    assert 'href="/projects/PAY/"' in html


def test_the_calendar_shows_only_releases_the_user_may_see(team: Team, other) -> None:
    plan(team)
    plan(team, other)

    member_view = team.client(team.viewer).get("/calendar/?view=list&month=2026-12").text
    admin_view = team.client(team.admin).get("/calendar/?view=list&month=2026-12").text
    outsider_view = team.client(team.outsider).get("/calendar/?view=list&month=2026-12").text

    assert "SECRET" not in member_view
    assert "SECRET Code freeze" in admin_view
    assert "PAY" not in outsider_view


def test_today_is_marked(team: Team) -> None:
    html = team.client(team.viewer).get("/calendar/").text

    assert html.count('aria-current="date"') == 1


@pytest.mark.parametrize("month", ["2026-13", "december", "2026-1", "0000-01", "2026-12-01"])
def test_a_bad_month_is_a_400_saying_how_to_write_one(team: Team, month: str) -> None:
    response = team.client(team.viewer).get("/calendar/", {"month": month})

    assert response.status_code == 400
    assert "use the form 2026-12 (year-month)" in response.text


def test_a_bad_view_is_a_400(team: Team) -> None:
    response = team.client(team.viewer).get("/calendar/?view=week")

    assert response.status_code == 400
    assert "use month or list" in response.text


def test_cancelled_releases_are_struck_through_and_labelled(team: Team) -> None:
    plan(team)
    ReleaseProject.objects.filter(pk=team.project.pk).update(lifecycle=Lifecycle.CANCELLED)

    html = team.client(team.viewer).get("/calendar/?view=list&month=2026-12").text

    assert '<del><a href="/projects/PAY/schedule/">PAY Code freeze</a></del>' in html
    assert "cancelled</span>" in html


def test_freeze_windows_show_on_the_calendar(team: Team, other) -> None:
    FreezeWindow.objects.create(
        name="Year-end freeze",
        kind=FreezeKind.ONE_OFF,
        starts_at=at(12, 20, 0),
        ends_at=dt.datetime(2027, 1, 3, 8, tzinfo=UTC),
    )
    FreezeWindow.objects.create(
        name="Merger freeze",
        project=other,
        kind=FreezeKind.ONE_OFF,
        starts_at=at(12, 1, 0),
        ends_at=at(12, 2, 0),
    )

    html = team.client(team.viewer).get("/calendar/?month=2026-12").text

    # One a day from 20 Dec to 3 Jan: the grid's last week runs into January.
    assert html.count("Freeze: Year-end freeze") == 15
    assert "Merger freeze" not in html  # another release's


def test_the_calendar_is_in_the_main_navigation(team: Team) -> None:
    html = team.client(team.viewer).get("/projects/").text

    assert '<a href="/calendar/">Calendar</a>' in html


# --- The feed's address --------------------------------------------------------------------


def test_making_a_feed_shows_its_address_once_and_stores_only_a_digest(team: Team) -> None:
    client = team.client(team.viewer)

    made = client.post("/calendar/feed/new/")
    token = re.search(r"/calendar/ical/([^\"]+)\.ics", made.text).group(1)
    later = client.get("/calendar/feed/")

    assert made.status_code == 200
    assert len(token) >= 43  # 32 random bytes
    assert token not in later.text
    stored = CalendarFeed.objects.get(user=team.viewer)
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_feed_address_changes_need_post_and_csrf(team: Team) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.viewer)

    assert team.client(team.viewer).get("/calendar/feed/new/").status_code == 405
    assert client.post("/calendar/feed/new/").status_code == 403
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("url", ["/calendar/", "/calendar/feed/", "/projects/PAY/schedule/"])
def test_the_planning_pages_need_a_login(team: Team, url: str) -> None:
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_calendar_clients_may_ask_with_head(team: Team) -> None:
    token = calendar_feed_create(user=team.viewer)

    response = Client().head(f"/calendar/ical/{token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


# --- The feed ------------------------------------------------------------------------------


def test_the_feed_parses_and_its_events_are_the_milestones(team: Team) -> None:
    plan(team)
    token = calendar_feed_create(user=team.viewer)

    calendar = feed(Client(), token)  # no session: calendar clients have none

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    events = events_by_uid(calendar)
    pid = team.project.pk
    assert set(events) == {
        f"release-{pid}-development-start@releasemgmt",
        f"release-{pid}-code-freeze@releasemgmt",
        f"release-{pid}-qa-start@releasemgmt",
        f"release-{pid}-go-live@releasemgmt",
    }
    freeze = events[f"release-{pid}-code-freeze@releasemgmt"]
    assert freeze.decoded("DTSTART") == PLAN["code_freeze"]
    assert str(freeze["SUMMARY"]) == "PAY Code freeze (Payments 4.2)"
    assert str(freeze["URL"]) == "http://testserver/projects/PAY/"
    assert str(freeze["STATUS"]) == "CONFIRMED"
    assert freeze["DTSTAMP"]
    assert "DTEND" not in freeze  # a moment: RFC 5545 wants a DTEND later than DTSTART
    go_live = events[f"release-{pid}-go-live@releasemgmt"]
    assert go_live.decoded("DTSTART") == PLAN["go_live_start"]
    assert go_live.decoded("DTEND") == PLAN["go_live_end"]
    assert go_live.decoded("DTSTART").tzinfo.utcoffset(None) == dt.timedelta(0)


def test_times_are_written_in_utc(team: Team) -> None:
    zurich = dt.datetime(2026, 12, 4, 17, 0, tzinfo=ZoneInfo("Europe/Zurich"))
    plan(team, code_freeze=zurich)
    token = calendar_feed_create(user=team.viewer)

    body = Client().get(f"/calendar/ical/{token}.ics").content.decode()

    assert "DTSTART:20261204T160000Z" in body


def test_uids_stay_and_the_sequence_grows_when_the_schedule_is_edited(team: Team) -> None:
    plan(team)
    token = calendar_feed_create(user=team.viewer)
    before = events_by_uid(feed(Client(), token))

    plan(team, code_freeze=at(12, 5), go_live_end=at(12, 16))
    after = events_by_uid(feed(Client(), token))

    assert set(after) == set(before)
    uid = f"release-{team.project.pk}-code-freeze@releasemgmt"
    assert after[uid].decoded("DTSTART") == at(12, 5)
    assert after[uid]["SEQUENCE"] > before[uid]["SEQUENCE"]


def test_a_cancelled_release_is_marked_cancelled_in_the_feed(team: Team) -> None:
    plan(team)
    token = calendar_feed_create(user=team.viewer)
    before = events_by_uid(feed(Client(), token))
    ReleaseProject.objects.filter(pk=team.project.pk).update(lifecycle=Lifecycle.CANCELLED)

    events = events_by_uid(feed(Client(), token))

    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"}
    uid = f"release-{team.project.pk}-go-live@releasemgmt"
    assert events[uid]["SEQUENCE"] > before[uid]["SEQUENCE"]


def test_the_feed_holds_only_releases_the_user_may_see(team: Team, other) -> None:
    plan(team)
    plan(team, other)
    MemberFactory(project=other, user=team.admin, role=Role.VIEWER)

    body = Client().get(f"/calendar/ical/{calendar_feed_create(user=team.viewer)}.ics").text

    assert "SECRET" not in body
    assert "Secret merger" not in body
    assert f"release-{other.pk}-" not in body


def test_freeze_windows_are_events_of_the_feed(team: Team) -> None:
    FreezeWindow.objects.create(
        name="Weekend freeze",
        kind=FreezeKind.WEEKLY,
        time_zone="Europe/Zurich",
        start_weekday=4,
        start_time=dt.time(16),
        end_weekday=0,
        end_time=dt.time(8),
    )
    token = calendar_feed_create(user=team.viewer)

    freezes = [
        e for e in feed(Client(), token).walk("VEVENT") if str(e["SUMMARY"]).startswith("Freeze")
    ]

    assert len(freezes) >= 50  # a year of weekends
    assert len({str(e["UID"]) for e in freezes}) == len(freezes)
    assert all(e.decoded("DTSTART").weekday() == 4 for e in freezes)


def test_a_wrong_token_is_a_plain_404_that_reveals_nothing(team: Team) -> None:
    plan(team)
    calendar_feed_create(user=team.viewer)

    for token in ["x" * 43, "A" * 500, "..", "%2e%2e"]:
        response = Client().get(f"/calendar/ical/{token}.ics")
        assert response.status_code == 404, token
        assert "PAY" not in response.text
        assert "Payments" not in response.text
        assert "text/html" in response["Content-Type"]


def test_a_revoked_or_replaced_token_is_a_404(team: Team) -> None:
    plan(team)
    old = calendar_feed_create(user=team.viewer)
    new = calendar_feed_create(user=team.viewer)
    client = team.client(team.viewer)

    replaced = Client().get(f"/calendar/ical/{old}.ics")
    still = Client().get(f"/calendar/ical/{new}.ics")
    client.post("/calendar/feed/revoke/")
    revoked = Client().get(f"/calendar/ical/{new}.ics")

    assert replaced.status_code == 404
    assert still.status_code == 200
    assert revoked.status_code == 404
    assert "Payments" not in revoked.text + replaced.text
    assert not CalendarFeed.objects.exists()


def test_a_disabled_accounts_feed_is_a_404(team: Team) -> None:
    token = calendar_feed_create(user=team.viewer)
    team.viewer.is_active = False
    team.viewer.save()

    assert Client().get(f"/calendar/ical/{token}.ics").status_code == 404


def test_making_and_revoking_a_feed_is_journaled(team: Team) -> None:
    client = team.client(team.viewer)
    client.post("/calendar/feed/new/")
    client.post("/calendar/feed/new/")
    client.post("/calendar/feed/revoke/")

    kinds = list(
        CalendarFeed.history.filter(user=team.viewer)
        .order_by("history_date", "history_id")
        .values_list("history_type", "history_user__username")
    )
    assert kinds == [("+", "victor"), ("~", "victor"), ("-", "victor")]


def test_a_freeze_occurrence_keeps_its_uid_when_the_window_is_moved_within_the_day(
    team: Team,
) -> None:
    window = FreezeWindow.objects.create(
        name="Weekend freeze",
        kind=FreezeKind.WEEKLY,
        time_zone="Europe/Zurich",
        start_weekday=4,
        start_time=dt.time(16),
        end_weekday=0,
        end_time=dt.time(8),
    )
    token = calendar_feed_create(user=team.viewer)
    before = {u for u in events_by_uid(feed(Client(), token)) if u.startswith("freeze-")}

    window.start_time = dt.time(17)
    window.save()
    after = events_by_uid(feed(Client(), token))

    assert before <= set(after)
    zurich = ZoneInfo("Europe/Zurich")  # in UTC: 16:00 in winter, 15:00 in summer
    assert {after[u].decoded("DTSTART").astimezone(zurich).hour for u in before} == {17}


def test_the_feed_tells_clients_how_often_to_refresh_and_when_events_changed(
    team: Team,
) -> None:
    plan(team)
    token = calendar_feed_create(user=team.viewer)

    calendar = feed(Client(), token)

    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    event = events_by_uid(calendar)[f"release-{team.project.pk}-qa-start@releasemgmt"]
    assert event.decoded("LAST-MODIFIED") is not None
