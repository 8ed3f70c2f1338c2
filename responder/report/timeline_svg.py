"""The inline SVG timeline's geometry: where each event and flagged fill sits, computed in Python.

Two panels share one picture: the whole incident (suspected leak → last record) with milestones and
the attacker's flagged fills, and the response itself (case opened → last record) with every action
and check. The template only draws the shapes placed here; labels are escaped by autoescape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from responder.report.model import Lane, Marker, Panel, Tick, TimelineSvg

WIDTH: Final = 960
LEFT: Final = 130  # room for lane names
RIGHT: Final = 40
PANEL_HEIGHT: Final = 150
_LABEL_ROWS: Final = (
    -9.0,
    -20.0,
    -31.0,
    17.0,
)  # label baselines relative to the lane: three above, one below
_CHAR_WIDTH: Final = 6.2  # 11px bold sans-serif, a safe average for placing labels apart
_STEPS: Final = (
    1,
    5,
    10,
    30,
    60,
    300,
    600,
    900,
    1800,
    3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86400,
    2 * 86400,
    7 * 86400,
)


@dataclass(frozen=True)
class Point:
    """Something to place: a time, its hover title, a short label (or None) and its style class."""

    time: datetime
    title: str
    label: str | None
    css: str


def _ticks(start: datetime, end: datetime, x0: float, x1: float) -> tuple[Tick, ...]:
    span = max((end - start).total_seconds(), 1.0)
    step = next((s for s in _STEPS if span / s <= 8), _STEPS[-1])
    fmt = "%H:%M:%S" if step < 60 else "%H:%M" if span < 86400 else "%m-%d %H:%M"
    epoch = int(start.timestamp())
    first = datetime.fromtimestamp(epoch - epoch % step + step, UTC)
    ticks: list[Tick] = []
    moment = first
    while moment <= end:
        ticks.append(Tick(_x(moment, start, span, x0, x1), moment.strftime(fmt)))
        moment += timedelta(seconds=step)
    return tuple(ticks)


def _free_row(rows: list[list[tuple[float, float]]], extent: tuple[float, float]) -> int:
    """The first label row where `extent` overlaps nothing, else the least crowded one."""
    lo, hi = extent
    for i, taken in enumerate(rows):
        if all(hi < a or lo > b for a, b in taken):
            return i
    return min(range(len(rows)), key=lambda i: len(rows[i]))


def _x(moment: datetime, start: datetime, span: float, x0: float, x1: float) -> float:
    frac = min(max((moment - start).total_seconds() / span, 0.0), 1.0)
    return round(x0 + frac * (x1 - x0), 1)


def _panel(
    title: str, top: float, start: datetime, end: datetime, lanes: tuple[tuple[str, list[Point]], ...]
) -> Panel:
    x0, x1 = float(LEFT), float(WIDTH - RIGHT)
    span = max((end - start).total_seconds(), 1.0)
    lane_gap = (PANEL_HEIGHT - 50) / max(len(lanes), 1)
    placed_lanes: list[Lane] = []
    markers: list[Marker] = []
    for i, (name, points) in enumerate(lanes):
        y = round(top + 34 + i * lane_gap + lane_gap / 2, 1)
        placed_lanes.append(Lane(y, y + 4, name))
        rows: list[list[tuple[float, float]]] = [[] for _ in _LABEL_ROWS]
        for p in sorted(points, key=lambda p: p.time):
            x = _x(p.time, start, span, x0, x1)
            anchor = "end" if x > x1 - 90 else "start"
            label_x = x - 7 if anchor == "end" else x + 7
            width = _CHAR_WIDTH * len(p.label or "") + 4
            extent = (label_x - width, label_x) if anchor == "end" else (label_x, label_x + width)
            row = _free_row(rows, extent) if p.label else 0
            if p.label:
                rows[row].append(extent)
            markers.append(Marker(x, y, p.css, p.title, p.label, label_x, y + _LABEL_ROWS[row], anchor))
    axis_y = top + PANEL_HEIGHT - 22
    return Panel(
        title,
        top + 16,
        axis_y,
        axis_y + 4,
        axis_y + 14,
        x0,
        x1,
        _ticks(start, end, x0, x1),
        tuple(placed_lanes),
        tuple(markers),
    )


def build(
    *,
    leak: datetime | None,
    case_opened: datetime,
    end: datetime,
    milestones: list[Point],
    fills: list[Point],
    actions: list[Point],
    checks: list[Point],
) -> TimelineSvg:
    """Both panels. `end` is the last record; times outside a panel are pinned to its edges."""
    starts = [case_opened, *(p.time for p in fills), *(p.time for p in milestones)]
    overview_start = min([leak] if leak is not None else starts)
    overview_start = min(overview_start, *starts)
    end = max(end, case_opened + timedelta(seconds=1))
    overview = _panel(
        "The whole incident: suspected leak to last record",
        0,
        overview_start,
        end,
        (("milestones", milestones), ("flagged fills", fills)),
    )
    response = _panel(
        "The response: case opened to last record",
        PANEL_HEIGHT + 10,
        case_opened,
        end,
        (("actions", actions), ("revocation checks", checks)),
    )
    desc = (
        f"Timeline with {len(milestones)} milestones, {len(fills)} flagged fills, "
        f"{len(actions)} recorded actions and {len(checks)} revocation checks."
    )
    return TimelineSvg(WIDTH, 2 * PANEL_HEIGHT + 10, (overview, response), desc)
