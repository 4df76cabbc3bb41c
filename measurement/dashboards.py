"""The KPI dashboards' contents: the selectors' numbers arranged as tables (each one shown and
exported as CSV) and charts (each drawn beside its table). Reads only through the selectors
(kpi_dashboard_installation, kpi_dashboard_release: what the views call); the arithmetic here is
over their aggregated rows (a row per release, state, period or day)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext

from items.models import ReleaseStatus
from items.workflow import workflow_current
from measurement import charts
from measurement.filters import KpiFilters
from measurement.flow_selectors import (
    FlowDay,
    FlowMoves,
    MoveCounts,
    StateSpreads,
    flow_approval_waits,
    flow_cumulative,
    flow_lead_times,
    flow_moves,
    flow_time_in_state,
)
from measurement.kpi_selectors import ReleaseKpis, kpi_releases, kpi_restore_times
from measurement.periods import Period, periods_between
from measurement.sql import Spread, SpreadsByRelease
from projects.models import ReleaseProject

DAY, HOUR = 86400, 3600
# The cumulative flow diagram samples at most this many days (its table lists the same days).
FLOW_POINTS_MAX = 60

# The texts naming a grain (year, quarter, month), each written out: German inflects the noun.
GRAIN_COLUMN = {
    "year": gettext_noop("Year"),
    "quarter": gettext_noop("Quarter"),
    "month": gettext_noop("Month"),
}


def _grain_count(grain: str, n: int) -> str:
    """The trend's span, in the DORA table: "1 month", "12 months"."""
    if grain == "year":
        return ngettext("{n} year", "{n} years", n).format(n=n)
    if grain == "quarter":
        return ngettext("{n} quarter", "{n} quarters", n).format(n=n)
    return ngettext("{n} month", "{n} months", n).format(n=n)


def _deployments_summary(grain: str, n: int, deployments: int) -> str:
    """How many releases went live in the span. The count of releases stands alone after a
    colon, so each sentence has one count to agree with: the span's."""
    if grain == "year":
        text = ngettext(
            "Releases gone live in {n} year: {deployments}",
            "Releases gone live in {n} years: {deployments}",
            n,
        )
    elif grain == "quarter":
        text = ngettext(
            "Releases gone live in {n} quarter: {deployments}",
            "Releases gone live in {n} quarters: {deployments}",
            n,
        )
    else:
        text = ngettext(
            "Releases gone live in {n} month: {deployments}",
            "Releases gone live in {n} months: {deployments}",
            n,
        )
    return text.format(n=n, deployments=deployments)


def _grain(grain: str) -> str:
    """The grain's name inside a sentence ("per {grain}")."""
    names = {
        "year": pgettext("in a sentence", "year"),
        "quarter": pgettext("in a sentence", "quarter"),
        "month": pgettext("in a sentence", "month"),
    }
    return names.get(grain, grain)


@dataclass
class KpiTable:
    """A table of the page: `name` is its export key (`?_export=csv&table=<name>`)."""

    name: str
    caption: str
    columns: list[str]
    rows: list[list[object]]
    row_headers: bool = True  # the first column names the row (th scope="row")


@dataclass
class Panel:
    """A chart and, beside it, its data."""

    chart: charts.Chart
    table: KpiTable


@dataclass
class Dashboard:
    panels: list[Panel] = field(default_factory=list)
    tables: list[KpiTable] = field(default_factory=list)
    release_count: int = 0  # the releases measured
    visible_count: int = 0  # of those the reader may see

    def table(self, name: str) -> KpiTable:
        return next(t for t in self.all_tables if t.name == name)

    @property
    def all_tables(self) -> list[KpiTable]:
        return [panel.table for panel in self.panels] + self.tables


def days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / DAY, 2)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 1)


def _ratio(release: ReleaseKpis) -> float | None:
    return None if release.ratio is None else round(release.ratio, 2)


def _day(release: ReleaseKpis) -> str:
    return timezone.localdate(release.went_live).isoformat() if release.went_live else ""


def _describe_days(spread: Spread, convert: Callable[[float | None], float | None]) -> str:
    if not spread.n:
        return _("no values yet")
    return _("median {median} days, 85th percentile {p85} days (over {n})").format(
        median=convert(spread.median), p85=convert(spread.p85), n=spread.n
    )


@dataclass(frozen=True)
class InstallationNumbers:
    """What the installation-wide dashboard shows, as read by the selectors."""

    releases: list[ReleaseKpis]  # the releases in scope (the period's, or all visible)
    grain: str
    period: Period | None
    window_days: int
    lead: SpreadsByRelease
    waits: SpreadsByRelease
    restore: SpreadsByRelease
    moves: FlowMoves
    in_state: StateSpreads  # per state, and per release and state
    states: Sequence[ReleaseStatus]


def _trend_periods(numbers: InstallationNumbers) -> list[Period]:
    live = [timezone.localdate(r.went_live) for r in numbers.releases if r.went_live]
    if numbers.period is not None:
        return periods_between(
            first=numbers.period.start,
            last=date.fromordinal(numbers.period.end.toordinal() - 1),
            grain=numbers.grain,
        )
    if not live:
        return []
    return periods_between(first=min(live), last=timezone.localdate(), grain=numbers.grain)


def installation_dashboard(*, numbers: InstallationNumbers) -> Dashboard:
    """The installation-wide dashboard: trends per period, bars per release, time per state,
    the releases' table and the DORA measures."""
    releases, grain, window = numbers.releases, numbers.grain, numbers.window_days
    live = [r for r in releases if r.went_live]
    periods = _trend_periods(numbers)
    per_period = []
    for period in periods:
        in_period = [r for r in live if period.holds(r.went_live)]
        per_period.append(
            [
                period.label,
                len(in_period),
                sum(r.items for r in in_period),
                sum(r.caused or 0 for r in in_period),
                sum(r.caused_incidents or 0 for r in in_period),
            ]
        )
    labels = [row[0] for row in per_period]
    dashboard = Dashboard()
    deployments = sum(row[1] for row in per_period)
    spelled = _grain(grain)
    went_live = _deployments_summary(grain, len(periods), deployments)
    if live:
        most = max(per_period, key=lambda r: r[1])[0]
        went_live = _("{went_live}, most in {period}.").format(went_live=went_live, period=most)
    else:
        went_live = _("{went_live}.").format(went_live=went_live)
    dashboard.panels.append(
        Panel(
            chart=charts.chart_lines(
                id="chart-deployments",
                title=_("Releases gone live per {grain}").format(grain=spelled),
                summary=went_live,
                labels=labels,
                series=[(_("Releases gone live"), [row[1] for row in per_period])],
            ),
            table=KpiTable(
                name="periods",
                caption=_(
                    "Per {grain}: releases gone live, their change items and the tickets "
                    "they caused within {window} days"
                ).format(grain=spelled, window=window),
                columns=[
                    _(GRAIN_COLUMN.get(grain, grain)),
                    _("Releases gone live"),
                    _("Change items shipped"),
                    _("Tickets caused"),
                    _("Incidents caused"),
                ],
                rows=per_period,
            ),
        )
    )
    caused_total = sum(row[3] for row in per_period)
    dashboard.panels.append(
        Panel(
            chart=charts.chart_lines(
                id="chart-caused",
                title=_("Help-desk tickets caused per {grain}").format(grain=spelled),
                summary=ngettext(
                    "{caused} ticket caused within {window} days of a go-live, "
                    "{incidents} of them incidents; by the {grain} the release went live.",
                    "{caused} tickets caused within {window} days of a go-live, "
                    "{incidents} of them incidents; by the {grain} the release went live.",
                    caused_total,
                ).format(
                    caused=caused_total,
                    window=window,
                    incidents=sum(row[4] for row in per_period),
                    grain=spelled,
                ),
                labels=labels,
                series=[
                    (_("Tickets caused"), [row[3] for row in per_period]),
                    (_("Incidents caused"), [row[4] for row in per_period]),
                ],
            ),
            table=KpiTable(
                name="caused",
                caption=_("Tickets caused within {window} days of go-live, per {grain}").format(
                    window=window, grain=spelled
                ),
                columns=[
                    _(GRAIN_COLUMN.get(grain, grain)),
                    _("Tickets caused"),
                    _("Incidents caused"),
                ],
                rows=[[row[0], row[3], row[4]] for row in per_period],
            ),
        )
    )
    codes = [r.code for r in releases]
    dashboard.panels.append(
        Panel(
            chart=charts.chart_bars(
                id="chart-items",
                title=_("Change items per release"),
                summary=_items_summary(releases),
                labels=codes,
                values=[r.items for r in releases],
            ),
            table=KpiTable(
                name="items",
                caption=_("Change items per release"),
                columns=[_("Release"), _("Went live"), _("Change items")],
                rows=[[r.code, _day(r), r.items] for r in releases],
            ),
        )
    )
    dashboard.panels.append(
        Panel(
            chart=charts.chart_bars(
                id="chart-issues",
                title=_("Help-desk tickets caused per release"),
                summary=_issues_summary(live, window),
                labels=[r.code for r in live],
                values=[r.caused for r in live],
            ),
            table=KpiTable(
                name="issues",
                caption=_(
                    "Tickets caused within {window} days of go-live, per release gone live"
                ).format(window=window),
                columns=[_("Release"), _("Went live"), _("Tickets caused"), _("Incidents caused")],
                rows=[[r.code, _day(r), r.caused, r.caused_incidents] for r in live],
            ),
        )
    )
    dashboard.panels.append(
        Panel(
            chart=charts.chart_bars(
                id="chart-ratio",
                title=_("New versus fixed tickets per release"),
                summary=_ratio_summary(live),
                labels=[r.code for r in live],
                values=[_ratio(r) for r in live],
            ),
            table=KpiTable(
                name="ratio",
                caption=_(
                    "Tickets caused (within {window} days) versus tickets fixed, per "
                    "release gone live; no ratio where it fixed none"
                ).format(window=window),
                columns=[
                    _("Release"),
                    _("Tickets caused"),
                    _("Tickets fixed"),
                    _("New/fixed ratio"),
                ],
                rows=[[r.code, r.caused, r.fixed, _ratio(r)] for r in live],
            ),
        )
    )
    dashboard.panels.append(
        Panel(
            chart=charts.chart_bars(
                id="chart-lead",
                title=_("Lead time per release (median, days)"),
                summary=_(
                    "Lead time, created to first production state: {spread} over all releases "
                    "shown."
                ).format(spread=_describe_days(numbers.lead.overall, days)),
                labels=codes,
                values=[days(numbers.lead.of(r.id).median) for r in releases],
            ),
            table=KpiTable(
                name="lead",
                caption=_("Lead time per release, created to first production state (days)"),
                columns=[
                    _("Release"),
                    _("Items shipped"),
                    _("Median (days)"),
                    _("85th percentile (days)"),
                ],
                rows=[
                    [
                        r.code,
                        numbers.lead.of(r.id).n,
                        days(numbers.lead.of(r.id).median),
                        days(numbers.lead.of(r.id).p85),
                    ]
                    for r in releases
                ],
            ),
        )
    )
    dashboard.panels.append(
        states_panel(states=numbers.states, in_state=numbers.in_state.by_state, moves=numbers.moves)
    )
    dashboard.tables.append(_releases_table(numbers))
    dashboard.tables.append(_release_states_table(numbers))
    dashboard.tables.append(_dora_table(numbers, deployments=deployments, periods=periods))
    return dashboard


def _items_summary(releases: Sequence[ReleaseKpis]) -> str:
    if not releases:
        return _("No release to show.")
    most = max(releases, key=lambda r: r.items)
    total = sum(r.items for r in releases)
    # The count of items stands alone after a colon: one count per sentence to agree with.
    return ngettext(
        "Change items in {releases} release: {total}, {mean} per release; most in {code} ({most}).",
        "Change items in {releases} releases: {total}, {mean} per release; most in {code} "
        "({most}).",
        len(releases),
    ).format(
        total=total,
        releases=len(releases),
        mean=f"{total / len(releases):.1f}",
        code=most.code,
        most=most.items,
    )


def _issues_summary(live: Sequence[ReleaseKpis], window: int) -> str:
    if not live:
        return _("No release has gone live yet.")
    most = max(live, key=lambda r: r.caused or 0)
    total = sum(r.caused or 0 for r in live)
    return ngettext(
        "Tickets caused within {window} days of go-live by {live} live release: {total}; "
        "most by {code} ({most}).",
        "Tickets caused within {window} days of go-live by {live} live releases: {total}; "
        "most by {code} ({most}).",
        len(live),
    ).format(total=total, window=window, live=len(live), code=most.code, most=most.caused)


def _ratio_summary(live: Sequence[ReleaseKpis]) -> str:
    if not live:
        return _("No release has gone live yet.")
    defined = [r for r in live if r.ratio is not None]
    worst = max(defined, key=lambda r: r.ratio, default=None)
    if worst is None:
        return ngettext(
            "{defined} of {live} live release fixed tickets (a ratio exists).",
            "{defined} of {live} live releases fixed tickets (a ratio exists).",
            len(live),
        ).format(defined=len(defined), live=len(live))
    return ngettext(
        "{defined} of {live} live release fixed tickets (a ratio exists). Highest ratio: "
        "{code}, {ratio} new per fixed ticket.",
        "{defined} of {live} live releases fixed tickets (a ratio exists). Highest ratio: "
        "{code}, {ratio} new per fixed ticket.",
        len(live),
    ).format(defined=len(defined), live=len(live), code=worst.code, ratio=_ratio(worst))


def states_panel(
    *, states: Sequence[ReleaseStatus], in_state: dict[int, Spread], moves: FlowMoves
) -> Panel:
    """Time in each state (median bars) with its table: stays, median, 85th percentile, and the
    backward and emergency moves out of each state."""
    shown = [s for s in states if s.enabled or s.pk in in_state or s.pk in moves.by_state]
    slowest = max(
        (s for s in shown if in_state.get(s.pk)), key=lambda s: in_state[s.pk].median, default=None
    )
    rework = max(
        (s for s in shown if moves.by_state.get(s.pk, MoveCounts()).backward),
        key=lambda s: moves.by_state[s.pk].backward,
        default=None,
    )
    summary = _("No item has left a state yet.")
    if slowest is not None:
        values = {
            "state": slowest.name,
            "days": days(in_state[slowest.pk].median),
            "backward": moves.total.backward,
            "moves": moves.total.moves,
        }
        if rework is not None:
            summary = _(
                "Longest median stay: {state}, {days} days. Backward moves (rework): "
                "{backward} of {moves}, most from {rework}."
            ).format(rework=rework.name, **values)
        else:
            summary = _(
                "Longest median stay: {state}, {days} days. Backward moves (rework): "
                "{backward} of {moves}."
            ).format(**values)
    rows = []
    for state in shown:
        spread = in_state.get(state.pk, Spread())
        counts = moves.by_state.get(state.pk, MoveCounts())
        rows.append(
            [
                state.name,
                spread.n,
                days(spread.median),
                days(spread.p85),
                counts.backward,
                counts.emergency,
            ]
        )
    return Panel(
        chart=charts.chart_bars(
            id="chart-states",
            title=_("Time in each state (median, days)"),
            summary=summary,
            labels=[s.name.split(" - ")[0] for s in shown],
            values=[days(in_state[s.pk].median) if s.pk in in_state else None for s in shown],
        ),
        table=KpiTable(
            name="states",
            caption=_("Time in each state (completed stays) and the moves out of it"),
            columns=[
                _("State"),
                _("Stays"),
                _("Median (days)"),
                _("85th percentile (days)"),
                _("Backward moves from it"),
                _("Emergency moves from it"),
            ],
            rows=rows,
        ),
    )


def _releases_table(numbers: InstallationNumbers) -> KpiTable:
    rows = []
    for r in numbers.releases:
        counts = numbers.moves.by_release.get(r.id, MoveCounts())
        rows.append(
            [
                r.code,
                r.name,
                _day(r),
                r.items,
                r.caused,
                r.caused_incidents,
                r.fixed,
                _ratio(r),
                days(numbers.lead.of(r.id).median),
                days(numbers.lead.of(r.id).p85),
                counts.backward,
                counts.emergency,
                hours(numbers.waits.of(r.id).median),
                hours(numbers.restore.of(r.id).median),
            ]
        )
    return KpiTable(
        name="releases",
        caption=_(
            "The KPIs of each release (tickets: caused within {window} days of its go-live)"
        ).format(window=numbers.window_days),
        columns=[
            _("Release"),
            _("Name"),
            _("Went live"),
            _("Change items"),
            _("Tickets caused"),
            _("Incidents caused"),
            _("Tickets fixed"),
            _("New/fixed ratio"),
            _("Lead time median (days)"),
            _("Lead time 85th percentile (days)"),
            _("Backward moves"),
            _("Emergency moves"),
            _("Approval wait median (hours)"),
            _("Time to restore median (hours)"),
        ],
        rows=rows,
    )


def _release_states_table(numbers: InstallationNumbers) -> KpiTable:
    """Time in each state per release, one row per release and state it has stays in."""
    rows = []
    for release in numbers.releases:
        for state in numbers.states:
            spread = numbers.in_state.by_release.get((release.id, state.pk))
            if spread is not None:
                rows.append(
                    [
                        release.code,
                        state.name,
                        spread.n,
                        days(spread.median),
                        days(spread.p85),
                    ]
                )
    return KpiTable(
        name="release_states",
        caption=_("Time in each state per release (completed stays, days)"),
        columns=[
            _("Release"),
            _("State"),
            _("Stays"),
            _("Median (days)"),
            _("85th percentile (days)"),
        ],
        rows=rows,
    )


def _dora_table(
    numbers: InstallationNumbers, *, deployments: int, periods: list[Period]
) -> KpiTable:
    live = [r for r in numbers.releases if r.went_live]
    failed = [r for r in live if r.caused_incidents]
    grain = numbers.grain
    frequency = round(deployments / len(periods), 2) if periods else None
    failure_rate = round(100 * len(failed) / len(live), 1) if live else None
    return KpiTable(
        name="dora",
        caption=_("The four DORA measures and the flow totals over the releases shown"),
        columns=[_("Measure"), _("Value"), _("Over")],
        rows=[
            [
                _("Deployment frequency (releases per {grain})").format(grain=_grain(grain)),
                frequency,
                _grain_count(grain, len(periods)),
            ],
            [
                _("Lead time for changes, median (days)"),
                days(numbers.lead.overall.median),
                _("{n} items").format(n=numbers.lead.overall.n),
            ],
            [
                _("Change failure rate (%)"),
                failure_rate,
                _("{failed} of {live} releases").format(failed=len(failed), live=len(live)),
            ],
            [
                _("Time to restore, median (hours)"),
                hours(numbers.restore.overall.median),
                _("{n} resolved incidents").format(n=numbers.restore.overall.n),
            ],
            [
                _("Lead time, 85th percentile (days)"),
                days(numbers.lead.overall.p85),
                _("{n} items").format(n=numbers.lead.overall.n),
            ],
            [
                _("Approval wait, median (hours)"),
                hours(numbers.waits.overall.median),
                _("{n} votes").format(n=numbers.waits.overall.n),
            ],
            [
                _("Approval wait, 85th percentile (hours)"),
                hours(numbers.waits.overall.p85),
                _("{n} votes").format(n=numbers.waits.overall.n),
            ],
            [_("Backward moves (rework)"), numbers.moves.total.backward, _("all moves")],
            [_("Emergency moves"), numbers.moves.total.emergency, _("all moves")],
        ],
    )


# --- One release --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseNumbers:
    release: ReleaseKpis
    window_days: int
    lead: SpreadsByRelease
    waits: SpreadsByRelease
    restore: SpreadsByRelease
    moves: FlowMoves
    in_state: StateSpreads
    states: Sequence[ReleaseStatus]
    flow: list[FlowDay]


def _sample(days_: list[FlowDay]) -> list[FlowDay]:
    """At most FLOW_POINTS_MAX days, evenly spread, always the first and the last."""
    if len(days_) <= FLOW_POINTS_MAX:
        return days_
    step = (len(days_) - 1) / (FLOW_POINTS_MAX - 1)
    return [days_[round(i * step)] for i in range(FLOW_POINTS_MAX)]


def release_dashboard(*, numbers: ReleaseNumbers) -> Dashboard:
    """One release's dashboard: its KPIs, its cumulative flow and its time per state."""
    r = numbers.release
    states = [
        s for s in numbers.states if s.enabled or any(d.counts.get(s.pk) for d in numbers.flow)
    ]
    sampled = _sample(numbers.flow)
    dashboard = Dashboard()
    last = sampled[-1] if sampled else None
    summary = _("No journal rows yet.")
    if last is not None:
        holding = [f"{s.name}: {last.counts.get(s.pk, 0)}" for s in states if last.counts.get(s.pk)]
        span = {"first": sampled[0].day.isoformat(), "last": last.day.isoformat()}
        if holding:
            summary = _("From {first} to {last}; at the end {holding}.").format(
                holding=", ".join(holding), **span
            )
        else:
            summary = _("From {first} to {last}; at the end no items.").format(**span)
    dashboard.panels.append(
        Panel(
            chart=charts.chart_cumulative_flow(
                id="chart-flow",
                title=_("Cumulative flow of {code}").format(code=r.code),
                summary=summary,
                labels=[d.day.isoformat() for d in sampled],
                states=[(s.pk, s.name) for s in states],
                counts=[d.counts for d in sampled],
            ),
            table=KpiTable(
                name="flow",
                caption=_("Items of {code} in each state at the end of each day (UTC)").format(
                    code=r.code
                ),
                columns=[_("Day"), *[s.name for s in states]],
                rows=[
                    [d.day.isoformat(), *[d.counts.get(s.pk, 0) for s in states]] for d in sampled
                ],
            ),
        )
    )
    dashboard.panels.append(
        states_panel(states=numbers.states, in_state=numbers.in_state.by_state, moves=numbers.moves)
    )
    counts = numbers.moves.by_release.get(r.id, MoveCounts())
    lead, waits, restore = (
        numbers.lead.of(r.id),
        numbers.waits.of(r.id),
        numbers.restore.of(r.id),
    )
    window = numbers.window_days
    dashboard.tables.append(
        KpiTable(
            name="release",
            caption=_("The KPIs of {code}").format(code=r.code),
            columns=[_("Measure"), _("Value")],
            rows=[
                [_("Went live"), _day(r) or _("not yet")],
                [_("Change items"), r.items],
                [
                    _("Tickets caused within {window} days of go-live").format(window=window),
                    r.caused,
                ],
                [
                    _("Incidents caused within {window} days of go-live").format(window=window),
                    r.caused_incidents,
                ],
                [_("Tickets fixed by its changes"), r.fixed],
                [_("New/fixed ratio"), _ratio(r)],
                [_("Items shipped (reached a production state)"), lead.n],
                [_("Lead time median (days)"), days(lead.median)],
                [_("Lead time 85th percentile (days)"), days(lead.p85)],
                [_("Moves"), counts.moves],
                [_("Backward moves (rework)"), counts.backward],
                [_("Emergency moves"), counts.emergency],
                [_("Approval wait median (hours)"), hours(waits.median)],
                [_("Approval wait 85th percentile (hours)"), hours(waits.p85)],
                [_("Resolved caused incidents"), restore.n],
                [_("Time to restore median (hours)"), hours(restore.median)],
                [_("Time to restore 85th percentile (hours)"), hours(restore.p85)],
            ],
        )
    )
    return dashboard


# --- What the views ask for ---------------------------------------------------------------------


def kpi_dashboard_installation(*, user: AbstractBaseUser, filters: KpiFilters) -> Dashboard:
    """The installation-wide dashboard over the releases `user` may see (those gone live in
    the filters' period, if one is chosen): a constant number of queries."""
    visible = kpi_releases(user=user, window_days=filters.window_days)
    releases = [
        r
        for r in visible
        if filters.period is None or (r.went_live and filters.period.holds(r.went_live))
    ]
    ids = [r.id for r in releases]
    numbers = InstallationNumbers(
        releases=releases,
        grain=filters.by,
        period=filters.period,
        window_days=filters.window_days,
        lead=flow_lead_times(release_ids=ids),
        waits=flow_approval_waits(release_ids=ids),
        restore=kpi_restore_times(release_ids=ids, window_days=filters.window_days),
        moves=flow_moves(release_ids=ids),
        in_state=flow_time_in_state(release_ids=ids, per_release=True),
        states=workflow_current().states,
    )
    dashboard = installation_dashboard(numbers=numbers)
    dashboard.release_count, dashboard.visible_count = len(releases), len(visible)
    return dashboard


def kpi_dashboard_release(
    *, user: AbstractBaseUser, project: ReleaseProject, filters: KpiFilters
) -> Dashboard:
    """One release's dashboard; the caller has checked the user's access to `project`."""
    (release,) = kpi_releases(user=user, window_days=filters.window_days, release_id=project.pk)
    ids = [project.pk]
    numbers = ReleaseNumbers(
        release=release,
        window_days=filters.window_days,
        lead=flow_lead_times(release_ids=ids),
        waits=flow_approval_waits(release_ids=ids),
        restore=kpi_restore_times(release_ids=ids, window_days=filters.window_days),
        moves=flow_moves(release_ids=ids),
        in_state=flow_time_in_state(release_ids=ids),
        states=workflow_current().states,
        # An open release's flow runs to today (UTC days, as the journal's); a released,
        # closed or cancelled one's ends with its last move.
        flow=flow_cumulative(
            release_id=project.pk,
            until=None if project.read_only_reason else timezone.now().date(),
        ),
    )
    dashboard = release_dashboard(numbers=numbers)
    dashboard.release_count = dashboard.visible_count = 1
    return dashboard
