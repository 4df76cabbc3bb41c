"""Server-side SVG charts as data: the template (measurement/_chart.html) draws what is computed
here, so no script runs and no style attribute is written (the strict CSP holds); colours come
from classes in static/css/app.css. Each chart carries its title and a text summary; the page
puts the data beside it as a table. docs/MEASUREMENT.md says why no chart library is used.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 80, 16, 16, 64
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# At most this many labels under the x axis; the rest are in the table.
X_LABELS_MAX = 12
SERIES_CLASSES = 8  # .series-0 ... .series-7 in app.css


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    text: str  # its label and value, for the bar's own <title>
    css: str


@dataclass(frozen=True)
class Shape:
    """A line (polyline points) or an area (polygon points) of one series."""

    points: str
    name: str
    css: str
    dots: list[Label] = field(default_factory=list)  # the line's data points, with their text


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    lines: list[Shape] = field(default_factory=list)
    areas: list[Shape] = field(default_factory=list)
    x_labels: list[Label] = field(default_factory=list)
    y_ticks: list[Label] = field(default_factory=list)
    legend: list[Shape] = field(default_factory=list)
    axis_x: float = TOP + PLOT_H
    left: float = LEFT
    right: float = LEFT + PLOT_W

    @property
    def empty(self) -> bool:
        return not (self.bars or self.lines or self.areas)


def _nice_max(value: float) -> float:
    """The top of the y axis: four gridline steps of 1, 2, 2.5 or 5 times a power of ten, the
    smallest that reaches `value` (a flat zero line gets the axis 0 to 1)."""
    if value <= 0:
        return 1.0
    quarter = value / 4
    power = 10 ** math.floor(math.log10(quarter))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if quarter <= m * power)
    return 4 * step


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


def _y(value: float, top: float) -> float:
    return round(TOP + PLOT_H - value / top * PLOT_H, 1)


def _y_ticks(top: float) -> list[Label]:
    return [Label(LEFT - 6, _y(top * i / 4, top), _number(top * i / 4)) for i in range(5)]


def _x_labels(labels: Sequence[str], centres: Sequence[float]) -> list[Label]:
    every = max(1, math.ceil(len(labels) / X_LABELS_MAX))
    return [
        Label(round(x, 1), TOP + PLOT_H + 18, text)
        for index, (text, x) in enumerate(zip(labels, centres, strict=True))
        if index % every == 0
    ]


def chart_bars(
    *, id: str, title: str, summary: str, labels: Sequence[str], values: Sequence[float | None]
) -> Chart:
    """One bar per label (None: no bar, e.g. not defined)."""
    if not labels:
        return Chart(id=id, title=title, summary=summary)
    top = _nice_max(max((v for v in values if v is not None), default=0))
    slot = PLOT_W / len(labels)
    width = max(1.0, slot * 0.7)
    bars = []
    centres = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        centre = LEFT + slot * (index + 0.5)
        centres.append(centre)
        if value is None:
            continue
        y = _y(value, top)
        bars.append(
            Bar(
                x=round(centre - width / 2, 1),
                y=y,
                width=round(width, 1),
                height=round(TOP + PLOT_H - y, 1),
                text=f"{label}: {_number(value)}",
                css="series-0",
            )
        )
    return Chart(
        id=id,
        title=title,
        summary=summary,
        bars=bars,
        x_labels=_x_labels(labels, centres),
        y_ticks=_y_ticks(top),
    )


def chart_lines(
    *,
    id: str,
    title: str,
    summary: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
) -> Chart:
    """One line per series over the labels (a None value breaks nothing: it is skipped)."""
    if not labels or not series:
        return Chart(id=id, title=title, summary=summary)
    top = _nice_max(max((v for _, vs in series for v in vs if v is not None), default=0))
    step = PLOT_W / max(1, len(labels) - 1)
    centres = [
        LEFT + step * i if len(labels) > 1 else LEFT + PLOT_W / 2 for i in range(len(labels))
    ]
    lines = []
    for number, (name, values) in enumerate(series):
        dots = [
            Label(round(x, 1), _y(v, top), f"{name}, {label}: {_number(v)}")
            for x, label, v in zip(centres, labels, values, strict=True)
            if v is not None
        ]
        if not dots:
            continue
        points = " ".join(f"{dot.x},{dot.y}" for dot in dots)
        lines.append(
            Shape(points=points, name=name, css=f"series-{number % SERIES_CLASSES}", dots=dots)
        )
    return Chart(
        id=id,
        title=title,
        summary=summary,
        lines=lines,
        x_labels=_x_labels(labels, centres),
        y_ticks=_y_ticks(top),
        legend=lines if len(lines) > 1 else [],
    )


def chart_cumulative_flow(
    *,
    id: str,
    title: str,
    summary: str,
    labels: Sequence[str],
    states: Sequence[tuple[int, str]],
    counts: Sequence[dict[int, int]],
) -> Chart:
    """Stacked areas, one per state, over time: the last state of the flow at the bottom (what
    is done grows from below), the first on top. `counts[i]` holds the items per state at
    `labels[i]`."""
    if not labels or not states:
        return Chart(id=id, title=title, summary=summary)
    top = _nice_max(max((sum(c.values()) for c in counts), default=0))
    step = PLOT_W / max(1, len(labels) - 1)
    xs = [round(LEFT + step * i, 1) for i in range(len(labels))]
    below = [0] * len(labels)
    areas = []
    for number, (state_id, name) in reversed(list(enumerate(states))):
        above = [b + c.get(state_id, 0) for b, c in zip(below, counts, strict=True)]
        if above != below:
            upper = [f"{x},{_y(v, top)}" for x, v in zip(xs, above, strict=True)]
            lower = [f"{x},{_y(v, top)}" for x, v in reversed(list(zip(xs, below, strict=True)))]
            areas.append(
                Shape(
                    points=" ".join(upper + lower),
                    name=name,
                    css=f"series-{number % SERIES_CLASSES}",
                )
            )
        below = above
    return Chart(
        id=id,
        title=title,
        summary=summary,
        areas=areas,
        x_labels=_x_labels(labels, xs),
        y_ticks=_y_ticks(top),
        legend=list(reversed(areas)),
    )
