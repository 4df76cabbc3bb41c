"""The KPI dashboards' cache (measurement/kpi_cache.py): a second view reads only the journals'
high-water marks, and any journal row between two views makes the next one recompute."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.zones import BROWSER_ZONE_COOKIE
from helpdesk.models import TicketKind
from items.workflow import workflow_current
from measurement.filters import KpiFilters
from measurement.kpi_cache import KpiReading
from tests.factories import MemberFactory, ProjectFactory, UserFactory
from tests.kpi_fixtures import *  # noqa: F403 (the world fixture)
from tests.kpi_fixtures import PRODUCTION, REVIEW, at, create, go_live, move, ticket

pytestmark = pytest.mark.django_db
KPIS = reverse("measurement:kpis")


def release_url(code: str) -> str:
    return reverse("measurement:release_kpis", kwargs={"code": code})


def _view(client, url: str, query: dict | None = None) -> tuple[object, list[str]]:
    workflow_current()  # the states are cached per process: warm, as on a running server
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in captured]


def _table(response, name: str) -> list[list[object]]:
    return response.context["dashboard"].table(name).rows


def test_a_second_view_reads_only_the_high_water_marks(client, team, world):
    client.force_login(team.manager)
    _, cold = _view(client, KPIS)
    _, warm = _view(client, KPIS)
    assert len(cold) == 10
    # The session, the user, then one query: the marks and the releases the reader sees.
    assert len(warm) == 3
    assert "MAX(history_id)" in warm[2]
    _, cold = _view(client, release_url("PAY"))
    _, warm = _view(client, release_url("PAY"))
    assert len(cold) == 12
    assert len(warm) == 4  # the session, the user, the project and role, the marks
    _, export = _view(client, KPIS, {"_export": "csv", "table": "releases"})
    assert len(export) == 3


def test_a_move_between_two_views_changes_the_numbers(client, team, world):
    client.force_login(team.manager)
    before, _ = _view(client, release_url("HR"))
    (item,) = list(world["hr"].items.all())
    move(team, item, PRODUCTION, at(25))
    after, queries = _view(client, release_url("HR"))
    assert len(queries) == 12  # recomputed
    assert dict(_table(before, "release"))["Items shipped (reached a production state)"] == 0
    assert dict(_table(after, "release"))["Items shipped (reached a production state)"] == 1


def test_a_new_ticket_between_two_views_changes_the_numbers(client, team, world):
    client.force_login(team.manager)
    before, _ = _view(client, release_url("PAY"))
    ticket("I4", at(14), kind=TicketKind.INCIDENT, caused_by_release=team.project)
    after, _ = _view(client, release_url("PAY"))
    caused = "Tickets caused within 30 days of go-live"
    assert dict(_table(after, "release"))[caused] == dict(_table(before, "release"))[caused] + 1


def test_a_go_live_between_two_views_changes_the_numbers(client, team, world):
    client.force_login(team.manager)
    before, _ = _view(client, KPIS)
    go_live(world["hr"], at(30))
    after, _ = _view(client, KPIS)
    was = {row[0]: row[2] for row in _table(before, "releases")}
    now = {row[0]: row[2] for row in _table(after, "releases")}
    assert (was["HR"], now["HR"]) == ("", at(30).date().isoformat())


def test_two_readers_who_see_the_same_releases_share_the_numbers(client, team, world):
    client.force_login(team.manager)
    _view(client, KPIS)
    twin = UserFactory(username="twin")
    for project in (team.project, world["crm"], world["hr"]):
        MemberFactory(project=project, user=twin)
    client.force_login(twin)
    _, queries = _view(client, KPIS)
    assert len(queries) == 3


def test_a_reader_in_another_time_zone_never_gets_numbers_grouped_by_anothers_dates(
    client, team, world
):
    # The dashboards group by the reader's local date, and midnight falls elsewhere there. A
    # zone whose date is UTC's today: the key's date alone would not tell the readers apart.
    zone = "Asia/Tokyo" if timezone.now().hour < 12 else "America/Los_Angeles"
    client.force_login(team.manager)
    _view(client, KPIS)
    twin = UserFactory(username="twin")
    for project in (team.project, world["crm"], world["hr"]):
        MemberFactory(project=project, user=twin)
    client.force_login(twin)
    client.cookies[BROWSER_ZONE_COOKIE] = zone
    _, queries = _view(client, KPIS)
    assert len(queries) == 10  # computed in their zone, not served the UTC reader's entry
    _, queries = _view(client, KPIS)
    assert len(queries) == 3  # and kept for the next reader in that zone


def test_the_cache_key_names_the_readers_time_zone(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 12, 1))  # one date for all
    reading = KpiReading(marks=(1, 2), visible_ids=None)
    keys = set()
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            keys.add(reading.key(kind="installation", filters=KpiFilters()))
    assert len(keys) == 3


def test_a_member_of_one_release_never_gets_the_numbers_of_another(client, team, world):
    client.force_login(team.manager)
    everything, _ = _view(client, KPIS)
    other = ProjectFactory(code="OTH")
    member = UserFactory(username="only-oth")
    MemberFactory(project=other, user=member)
    client.force_login(member)
    response, queries = _view(client, KPIS)
    assert len(queries) == 10  # computed for their own set, not served the manager's
    codes = {row[0] for row in _table(response, "releases")}
    assert codes == {"OTH"}
    assert {row[0] for row in _table(everything, "releases")} >= {"PAY", "CRM", "HR"}
    assert "Payments 4.2" not in response.content.decode()


def test_an_administrator_and_an_auditor_share_the_entry_of_everything(client, team, world):
    client.force_login(team.admin)
    _view(client, KPIS)
    late = create(team, world["hr"], "late", at(50))
    _, cold = _view(client, KPIS)
    _, warm = _view(client, KPIS)
    assert len(warm) < len(cold)
    move(team, late, REVIEW, at(51))
    _, again = _view(client, KPIS)
    assert len(again) == len(cold)


def test_the_page_says_up_to_which_journal_row_it_counted(client, team, world):
    client.force_login(team.manager)
    response, _ = _view(client, release_url("PAY"))
    row = response.context["computed"].journal_row
    assert row > 0
    assert f"from the journal up to row {row};" in response.content.decode()
