"""The KPIs, the flow metrics and the DORA measures (measurement), each on a small data set built
by hand through the services with back-dated journal rows, its answer worked out here."""

import csv
import html
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from items.rules import rule_seed_defaults
from items.services import item_include
from items.workflow import workflow_current
from measurement.flow_selectors import (
    flow_approval_waits,
    flow_cumulative,
    flow_lead_times,
    flow_moves,
    flow_time_in_state,
)
from measurement.kpi_selectors import kpi_releases, kpi_restore_times
from projects.access import project_access
from projects.models import Lifecycle
from projects.roles import Role
from tests.factories import MemberFactory, ProjectFactory
from tests.kpi_fixtures import *  # noqa: F403 (the world fixture)
from tests.kpi_fixtures import (
    DEVELOPING,
    INTEGRATION,
    PRODUCTION,
    REVIEW,
    at,
    create,
    go_live,
    move,
    ticket,
)

pytestmark = pytest.mark.django_db

DAY, HOUR = 86400, 3600
KPIS = reverse("measurement:kpis")
DASH = "\N{EN DASH}"  # what the tables show for a value that is not defined


def ids(team, world) -> list[int]:
    return [team.project.pk, world["crm"].pk, world["hr"].pk]


# --- The four KPIs ------------------------------------------------------------------------------


def test_releases_go_live_at_their_released_journal_row(team, world):
    releases = {r.code: r for r in kpi_releases(user=team.manager, window_days=30)}
    assert releases["PAY"].went_live == at(11)
    assert releases["CRM"].went_live == at(40)
    assert releases["HR"].went_live is None
    # By go-live, the release not live yet last.
    assert [r.code for r in kpi_releases(user=team.manager, window_days=30)] == [
        "PAY",
        "CRM",
        "HR",
    ]


def test_a_reopened_and_released_again_release_keeps_its_first_go_live(team, world):
    project = team.project
    project.lifecycle = Lifecycle.IN_PROGRESS
    project._history_date = at(15)
    project.save()
    go_live(project, at(18))
    (pay,) = [r for r in kpi_releases(user=team.manager, window_days=30) if r.code == "PAY"]
    assert pay.went_live == at(11)


def test_change_items_tickets_caused_fixed_and_their_ratio(team, world):
    releases = {r.code: r for r in kpi_releases(user=team.manager, window_days=30)}
    pay, crm, hr = releases["PAY"], releases["CRM"], releases["HR"]
    assert (pay.items, crm.items, hr.items) == (3, 1, 1)
    # I1, I2, I3 within 30 days of day 11; P1 (day 45) is 34 days after.
    assert (pay.caused, pay.caused_incidents, pay.fixed) == (3, 3, 2)
    assert pay.ratio == 3 / 2
    # CRM caused nothing and fixed nothing: no ratio. HR is not live: nothing caused yet.
    assert (crm.caused, crm.fixed, crm.ratio) == (0, 0, None)
    assert (hr.caused, hr.ratio) == (None, None)


def test_the_window_after_go_live_decides_what_counts_as_caused(team, world):
    pay = kpi_releases(user=team.manager, window_days=40)[0]
    assert (pay.caused, pay.caused_incidents, pay.ratio) == (4, 3, 2.0)
    # [go-live, go-live + 2 days): I1 (one day after) is in, I3 (two days after) is out.
    pay = kpi_releases(user=team.manager, window_days=2)[0]
    assert pay.caused == 1


def test_a_ticket_fixed_by_a_change_counts_for_every_release_that_ships_it(team, world):
    access = project_access(user=team.manager, code="HR")
    item_include(access=access, ref=world["a"].key)
    releases = {r.code: r for r in kpi_releases(user=team.manager, window_days=30)}
    assert (releases["PAY"].fixed, releases["HR"].fixed) == (2, 2)


def test_a_member_sees_the_kpis_of_their_releases_only(team, world):
    releases = kpi_releases(user=team.developer, window_days=30)
    assert [r.code for r in releases] == ["PAY"]
    assert kpi_releases(user=team.outsider, window_days=30) == []
    assert len(kpi_releases(user=team.admin, window_days=30)) == 3


# --- Flow metrics -------------------------------------------------------------------------------


def test_time_in_each_state_median_and_85th_percentile(team, world):
    stays = flow_time_in_state(release_ids=[team.project.pk]).by_state
    # Developing: A 1 d, B 0.5 d (C is still there: not counted).
    assert stays[DEVELOPING].n == 2
    assert stays[DEVELOPING].median == pytest.approx(0.75 * DAY)
    assert stays[DEVELOPING].p85 == pytest.approx((0.5 + 0.85 * 0.5) * DAY)
    # Review: A 2 d twice, B 2 d.
    assert (stays[REVIEW].n, stays[REVIEW].median, stays[REVIEW].p85) == (3, 2 * DAY, 2 * DAY)
    # Integration: A 1 d (day 3 to 4), then 4 d (day 6 to 10).
    assert stays[INTEGRATION].n == 2
    assert stays[INTEGRATION].median == pytest.approx(2.5 * DAY)
    assert stays[INTEGRATION].p85 == pytest.approx((1 + 0.85 * 3) * DAY)
    assert PRODUCTION not in stays  # nobody has left it


def test_time_in_each_state_per_release(team, world):
    stays = flow_time_in_state(release_ids=ids(team, world), per_release=True)
    pay, crm = team.project.pk, world["crm"].pk
    assert stays.by_release[(pay, INTEGRATION)].median == pytest.approx(2.5 * DAY)
    # CRM's D: created day 20, to production day 30; PAY's and CRM's developing stays together.
    assert stays.by_release[(crm, DEVELOPING)].n == 1
    assert stays.by_release[(crm, DEVELOPING)].median == pytest.approx(10 * DAY)
    assert stays.by_state[DEVELOPING].n == 3
    assert stays.by_state[DEVELOPING].median == pytest.approx(1 * DAY)
    assert (world["hr"].pk, DEVELOPING) not in stays.by_release  # E is still developing


def test_lead_time_from_creation_to_the_first_production_state(team, world):
    lead = flow_lead_times(release_ids=ids(team, world))
    # PAY: A 10 d, B 2.5 d; CRM: D 10 d; HR: nothing shipped.
    assert lead.of(team.project.pk).n == 2
    assert lead.of(team.project.pk).median == pytest.approx(6.25 * DAY)
    assert lead.of(team.project.pk).p85 == pytest.approx((2.5 + 0.85 * 7.5) * DAY)
    assert lead.of(world["crm"].pk).median == pytest.approx(10 * DAY)
    assert lead.of(world["hr"].pk).n == 0
    # Over all: 2.5, 10, 10.
    assert (lead.overall.n, lead.overall.median) == (3, pytest.approx(10 * DAY))
    assert lead.overall.p85 == pytest.approx(10 * DAY)


def test_rework_counts_backward_moves_per_release_and_per_state(team, world):
    moves = flow_moves(release_ids=ids(team, world))
    pay = moves.by_release[team.project.pk]
    # A: five moves, one of them back (2 -> 1); B: two; CRM's D: one.
    assert (pay.moves, pay.backward, pay.emergency) == (7, 1, 0)
    assert moves.by_state[INTEGRATION].backward == 1
    assert moves.by_state[REVIEW].backward == 0
    assert (moves.total.moves, moves.total.backward) == (8, 1)


def test_emergency_moves_are_counted_from_the_journal(team, world):
    rule_seed_defaults()  # review -> integration now needs an approval
    hr = world["hr"]
    item = create(team, hr, "Urgent", at(2))
    move(team, item, REVIEW, at(2, hours=1))
    move(team, item, INTEGRATION, at(2, hours=2), emergency=True, comment="Outage")
    moves = flow_moves(release_ids=ids(team, world))
    assert moves.by_release[hr.pk].emergency == 1
    assert moves.by_release[team.project.pk].emergency == 0
    assert moves.by_state[REVIEW].emergency == 1


def test_approval_wait_from_entering_the_state_to_the_vote(team, world):
    waits = flow_approval_waits(release_ids=ids(team, world))
    pay = waits.of(team.project.pk)
    assert pay.n == 2
    assert pay.median == pytest.approx(7.5 * HOUR)
    assert pay.p85 == pytest.approx((5 + 0.85 * 5) * HOUR)
    assert waits.overall.n == 2


def test_cumulative_flow_counts_the_items_in_each_state_per_day(team, world):
    days = {
        d.day: d.counts for d in flow_cumulative(release_id=team.project.pk, until=at(12).date())
    }
    assert min(days) == at(0).date()
    assert max(days) == at(12).date()
    assert days[at(0).date()] == {DEVELOPING: 1}
    # Day 2: A in review, B in review (since day 1.5), C created.
    assert days[at(2).date()] == {DEVELOPING: 1, REVIEW: 2}
    # Day 3: A to integration, B (3.5) to production.
    assert days[at(3).date()] == {DEVELOPING: 1, REVIEW: 0, INTEGRATION: 1, PRODUCTION: 1}
    assert days[at(4).date()][REVIEW] == 1
    assert days[at(12).date()] == {DEVELOPING: 1, REVIEW: 0, INTEGRATION: 0, PRODUCTION: 2}
    # Without an end, the flow ends with the last journal row (A into production, day 10).
    assert flow_cumulative(release_id=team.project.pk)[-1].day == at(10).date()


# --- DORA ---------------------------------------------------------------------------------------


def test_time_to_restore_of_the_incidents_a_release_caused(team, world):
    restore = kpi_restore_times(release_ids=ids(team, world), window_days=30)
    pay = restore.of(team.project.pk)
    # I1 6 h, I2 48 h; I3 is unresolved; P1 is a problem.
    assert pay.n == 2
    assert pay.median == pytest.approx(27 * HOUR)
    assert pay.p85 == pytest.approx((6 + 0.85 * 42) * HOUR)
    assert restore.of(world["crm"].pk).n == 0


def _table(content: str, name: str) -> list[list[str]]:
    """The rows of the dashboard table `name` as text (cells stripped)."""
    start = content.index(f'id="table-{name}"')
    body = content[start : content.index("</table>", start)]
    rows = []
    for row in body.split("<tr>")[2:]:
        cells = []
        for cell in row.replace("<th", "<td").split("<td")[1:]:
            text = cell.split(">", 1)[1].split("</t")[0]
            text = text.replace(f'<span aria-hidden="true">{DASH}</span>', "")
            text = text.replace('<span class="visually-hidden">not defined</span>', DASH)
            cells.append(html.unescape(text).strip())
        rows.append(cells)
    return rows


def test_the_dashboard_shows_the_dora_measures(client, team, world):
    client.force_login(team.manager)
    response = client.get(KPIS, {"by": "month"})
    assert response.status_code == 200
    dora = {row[0]: row[1:] for row in _table(response.content.decode(), "dora")}
    # PAY live in March 2026, CRM in April; months from March 2026 to today.
    assert dora["Change failure rate (%)"] == ["50.0", "1 of 2 releases"]
    assert dora["Time to restore, median (hours)"] == ["27.0", "2 resolved incidents"]
    assert dora["Lead time for changes, median (days)"] == ["10.0", "3 items"]
    assert dora["Backward moves (rework)"][0] == "1"
    # Counted in words: two live releases, in the plural.
    content = response.content.decode()
    assert "of go-live by 2 live releases: " in content
    assert " of 2 live releases fixed tickets (a ratio exists)." in content


def test_deployments_per_period_and_the_period_filter(client, team, world):
    client.force_login(team.manager)
    content = client.get(KPIS, {"period": "2026", "by": "quarter"}).content.decode()
    periods = _table(content, "periods")
    assert periods == [
        ["2026-Q1", "1", "3", "3", "3"],
        ["2026-Q2", "1", "1", "0", "0"],
        ["2026-Q3", "0", "0", "0", "0"],
        ["2026-Q4", "0", "0", "0", "0"],
    ]
    dora = {row[0]: row[1:] for row in _table(content, "dora")}
    assert dora["Deployment frequency (releases per quarter)"] == ["0.5", "4 quarters"]
    assert "Releases gone live in 4 quarters: 2, most in 2026-Q1." in content
    # A month holds only the releases gone live in it.
    content = client.get(KPIS, {"period": "2026-04", "by": "month"}).content.decode()
    assert [row[0] for row in _table(content, "releases")] == ["CRM"]
    assert _table(content, "periods") == [["2026-04", "1", "1", "0", "0"]]
    # One month is said in the singular.
    dora = {row[0]: row[1:] for row in _table(content, "dora")}
    assert dora["Deployment frequency (releases per month)"][1] == "1 month"
    assert "Releases gone live in 1 month: 1, most in 2026-04." in content


def test_the_releases_table_shows_no_ratio_where_nothing_was_fixed(client, team, world):
    client.force_login(team.manager)
    content = client.get(KPIS).content.decode()
    rows = {row[0]: row for row in _table(content, "releases")}
    assert rows["PAY"][3:8] == ["3", "3", "3", "2", "1.5"]
    assert rows["CRM"][7] == DASH
    assert rows["HR"][4] == DASH  # not live: nothing caused yet


# --- Pages: access, bad input, exports ----------------------------------------------------------


def release_url(code: str) -> str:
    return reverse("measurement:release_kpis", kwargs={"code": code})


def test_the_release_dashboard_shows_its_kpis_and_cumulative_flow(client, team, world):
    client.force_login(team.viewer)
    response = client.get(release_url("PAY"))
    assert response.status_code == 200
    content = response.content.decode()
    kpis = {row[0]: row[1] for row in _table(content, "release")}
    assert kpis["Went live"] == "2026-03-13"
    assert kpis["Tickets caused within 30 days of go-live"] == "3"
    assert kpis["New/fixed ratio"] == "1.5"
    assert kpis["Backward moves (rework)"] == "1"
    assert kpis["Approval wait median (hours)"] == "7.5"
    assert 'id="chart-flow"' in content
    assert "<polygon" in content


def test_an_outsider_gets_404_on_a_release_dashboard_and_sees_nothing_of_it(client, team, world):
    client.force_login(team.outsider)
    assert client.get(release_url("PAY")).status_code == 404
    assert client.get(release_url("PAY"), {"_export": "csv", "table": "release"}).status_code == 404
    response = client.get(KPIS)
    assert response.status_code == 200
    content = response.content.decode()
    assert "PAY" not in content.split("<main", 1)[1]
    assert "Nothing to draw yet" in content


def test_a_member_of_another_release_gets_404(client, team, world):
    client.force_login(team.developer)
    assert client.get(release_url("CRM")).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"window": "0"}, 'Unknown window "0"'),
        ({"window": "366"}, 'Unknown window "366"'),
        ({"window": "abc"}, 'Unknown window "abc"'),
        ({"window": "-5"}, 'Unknown window "-5"'),
        ({"period": "2026-Q5"}, 'Unknown period "2026-Q5"'),
        ({"period": "2026-13"}, 'Unknown period "2026-13"'),
        ({"period": "9999"}, 'Unknown period "9999"'),
        ({"period": "last year"}, 'Unknown period "last year"'),
        ({"by": "week"}, 'Cannot group by "week"'),
        ({"_export": "csv", "table": "secrets"}, 'No table "secrets" to export here'),
        ({"_export": "csv"}, 'No table "" to export here'),
        ({"_export": "json", "table": "releases"}, 'Unknown export format "json"'),
    ],
)
def test_bad_input_is_a_400_with_a_message(client, team, world, params, message):
    client.force_login(team.manager)
    response = client.get(KPIS, params)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "params", [{"window": "0"}, {"window": "x"}, {"_export": "csv", "table": "dora"}]
)
def test_bad_input_on_the_release_dashboard_is_a_400(client, team, world, params):
    client.force_login(team.manager)
    assert client.get(release_url("PAY"), params).status_code == 400


def test_every_dashboard_table_downloads_as_csv(client, team, world):
    client.force_login(team.manager)
    names = ("periods", "caused", "items", "issues", "ratio", "lead", "states", "releases")
    names += ("release_states", "dora")
    for name in names:
        response = client.get(KPIS, {"_export": "csv", "table": name})
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        assert f"kpis-{name}.csv" in response["Content-Disposition"]
    response = client.get(KPIS, {"_export": "csv", "table": "releases"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:8] == [
        "Release",
        "Name",
        "Went live",
        "Change items",
        "Tickets caused",
        "Incidents caused",
        "Tickets fixed",
        "New/fixed ratio",
    ]
    body = {row[0]: row for row in rows[1:]}
    assert body["PAY"][2:8] == ["2026-03-13", "3", "3", "3", "2", "1.5"]
    assert body["CRM"][7] == ""  # no ratio: an empty cell
    for name in ("release", "flow", "states"):
        response = client.get(release_url("PAY"), {"_export": "csv", "table": name})
        assert response.status_code == 200, name


def test_a_release_name_that_looks_like_a_formula_is_quoted_in_the_csv(client, team, world):
    team.project.name = "=HYPERLINK(1)"
    team.project.save()
    client.force_login(team.manager)
    response = client.get(KPIS, {"_export": "csv", "table": "releases"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert "'=HYPERLINK(1)" in [row[1] for row in rows]


def test_login_is_required_and_posts_are_refused(client, team, world):
    assert client.get(KPIS).status_code == 302
    client.force_login(team.manager)
    assert client.post(KPIS).status_code == 405
    assert client.post(release_url("PAY")).status_code == 405


# --- Constant queries ---------------------------------------------------------------------------

KPI_QUERIES = [
    ("django_session", "the session"),
    ("auth_user", "the logged-in user"),
    ("projects_releaseproject", "the journals' high-water marks and the releases seen (cache key)"),
    ("projects_releaseproject", "the visible releases with go-live, items and tickets"),
    ("measurement_statestay", "lead times per release and overall"),
    ("approvals_historicalapproval", "approval waits per release and overall"),
    ("helpdesk_ticket", "times to restore per release and overall"),
    ("measurement_statestay", "moves, backward and emergency per release and state"),
    ("measurement_statestay", "time in each state"),
    ("items_workflowrevision", "the states' cache token"),
]
RELEASE_KPI_QUERIES = [
    ("django_session", "the session"),
    ("auth_user", "the logged-in user"),
    ("projects_releaseproject", "the project and the user's role (projects.access)"),
    ("items_historicalreleaseitem", "the journals' high-water marks (cache key)"),
    ("projects_releaseproject", "the release with go-live, items and tickets"),
    ("measurement_statestay", "lead times"),
    ("approvals_historicalapproval", "approval waits"),
    ("helpdesk_ticket", "times to restore"),
    ("measurement_statestay", "moves, backward and emergency"),
    ("measurement_statestay", "time in each state"),
    ("items_workflowrevision", "the states' cache token"),
    ("measurement_statestay", "the cumulative flow per day and state"),
]


def _count(client, url: str, expected: list[tuple[str, str]], query: dict | None = None) -> str:
    cache.clear()  # the first (cold) view; a cached one is pinned in tests/test_kpi_cache.py
    workflow_current()  # the states are cached per process: warm, as on a running server
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200
    assert len(captured) == len(expected), [q["sql"][:100] for q in captured]
    for (table, why), query_ in zip(expected, captured, strict=True):
        assert table in query_["sql"], (why, query_["sql"][:200])
    return response.content.decode()


def test_dashboard_query_counts_are_pinned(client, team, world, django_assert_num_queries):
    client.force_login(team.manager)
    _count(client, KPIS, KPI_QUERIES)
    _count(client, KPIS, KPI_QUERIES, {"period": "2026-Q1", "by": "month", "window": "10"})
    _count(client, KPIS, KPI_QUERIES, {"_export": "csv", "table": "releases"})
    _count(client, release_url("PAY"), RELEASE_KPI_QUERIES)
    _count(client, release_url("PAY"), RELEASE_KPI_QUERIES, {"_export": "csv", "table": "flow"})


def _grow(team, releases: int, prefix: str) -> None:
    """`releases` more releases of the manager's gone live, each with two items moved back and
    forth and a caused ticket: more projects, journal rows and tickets."""
    for n in range(releases):
        project = ProjectFactory(code=f"{prefix}{n:02d}", release_manager=team.manager)
        MemberFactory(project=project, user=team.manager, role=Role.RELEASE_MANAGER)
        for title in ("x", "y"):
            item = create(team, project, title, at(n))
            move(team, item, REVIEW, at(n, hours=2))
            move(team, item, DEVELOPING, at(n, hours=3), comment="back")
            move(team, item, PRODUCTION, at(n, hours=5))
        go_live(project, at(n, hours=6))
        ticket(f"{prefix}{n}", at(n, hours=7), caused_by_release=project, resolved_at=at(n + 1))


def test_dashboard_queries_do_not_grow_with_releases_or_journal_rows(client, team, world):
    client.force_login(team.manager)
    small = _count(client, KPIS, KPI_QUERIES)
    _count(client, release_url("HR"), RELEASE_KPI_QUERIES)
    _grow(team, releases=8, prefix="G")
    large = _count(client, KPIS, KPI_QUERIES)
    assert large.count("<tr>") > small.count("<tr>") + 8
    item = create(team, world["hr"], "busy", at(20))
    for n in range(6):
        move(team, item, REVIEW if n % 2 == 0 else INTEGRATION, at(21 + n))
    _count(client, release_url("HR"), RELEASE_KPI_QUERIES)


# --- Languages ----------------------------------------------------------------------------------


def test_a_german_reader_sees_the_kpi_page_in_german_and_its_csv_stays_english(client, team, world):
    client.force_login(team.manager)
    response = client.get(KPIS, {"by": "month"}, HTTP_ACCEPT_LANGUAGE="de")
    content = response.content.decode()
    assert "<h1>Kennzahlen und Fluss</h1>" in content
    assert "Änderungsfehlerrate (%)" in {row[0] for row in _table(content, "dora")}

    export = client.get(KPIS, {"_export": "csv", "table": "dora"}, HTTP_ACCEPT_LANGUAGE="de")
    header, *rows = csv.reader(io.StringIO(export.content.decode()))
    assert header == ["Measure", "Value", "Over"]
    assert "Change failure rate (%)" in {row[0] for row in rows}

    english = client.get(KPIS, {"by": "month"}).content.decode()  # the cache keeps both apart
    assert "<h1>KPIs and flow</h1>" in english
