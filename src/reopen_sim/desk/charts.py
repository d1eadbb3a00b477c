"""Queue-over-time charts for the pages: inline SVG geometry computed here, drawn by a template.

Hand-written rather than the report's matplotlib figure (``report.figures.queue_over_time``): the
same picture (mean per version, its 95% band, the marked places dashed, the scale following the
queue) as a few SVG paths costs well under a millisecond a gate, while a matplotlib SVG costs
tens of milliseconds a gate and embeds its own fonts (bench/README.md, "desk charts"). No JS
charting library: the page stays server-rendered and works offline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reopen_sim.scenario.schema import format_hhmm

# Chart size in SVG units (the page scales it), and the plot area's margins.
WIDTH, HEIGHT = 360.0, 200.0
LEFT, RIGHT, TOP, BOTTOM = 44.0, 10.0, 10.0, 40.0
# Versions' colours on a comparison chart (CSS classes s0, s1, ...).
MAX_SERIES = 6


@dataclass(frozen=True)
class Line:
    """One version's queue on a chart: the mean path, the band polygon, its CSS class and label."""

    label: str
    css: str
    mean_path: str
    band_points: str


@dataclass
class Chart:
    """One gate's chart: lines, the marked-places line (``places_y`` when drawn within the scale,
    else ``places_note``: the count, named above the plot), axis ticks and labels."""

    gate: str
    title: str
    lines: list[Line] = field(default_factory=list)
    places: float | None = None
    places_y: float | None = None
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    width: float = WIDTH
    height: float = HEIGHT
    left: float = LEFT
    right: float = WIDTH - RIGHT
    top: float = TOP
    bottom: float = HEIGHT - BOTTOM


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 5 × 10^k) giving at most ``ticks`` intervals over ``span``."""
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _minute_step(span_min: int) -> int:
    """Time-of-day ticks every 10, 15, 30 or 60 minutes: at most about 6 labels."""
    return next((s for s in (10, 15, 30) if span_min / s <= 6), 60)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def queue_charts(
    series: Mapping[str, Mapping[str, Any]],
    names: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
) -> list[Chart]:
    """One chart per gate from stored series (``{version label: series}``, each as
    ``series.queue_series`` returns it), gates titled by ``names`` (id -> display name) and versions
    by ``labels``. Every version of a gate shares one scale and one time axis."""
    runs = [(k, s) for k, s in series.items() if s.get("gates") and s.get("start_min") is not None]
    if not runs:
        return []
    first = min(int(s["start_min"]) for _, s in runs)
    last = max(int(s["start_min"]) + len(s["gates"][0]["mean"]) - 1 for _, s in runs)
    last = max(last, first + 10)
    gates = list(dict.fromkeys(g["gate"] for _, s in runs for g in s["gates"]))
    charts = []
    for gate in gates:
        per_run = [(k, s, next((g for g in s["gates"] if g["gate"] == gate), None)) for k, s in runs]
        charts.append(_chart(gate, names.get(gate, gate), per_run, first, last, labels or {}))
    return charts


def _chart(
    gate: str,
    title: str,
    per_run: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any] | None]],
    first: int,
    last: int,
    labels: Mapping[str, str],
) -> Chart:
    """The geometry of one gate's chart (the scale rule of ``report.figures.queue_over_time``: the
    y axis follows the queue; marked places far above it are named, not drawn)."""
    ch = Chart(gate, title)
    peak = max([0.0, *(max(g["hi"], default=0.0) for _, _, g in per_run if g)])
    top = max(peak * 1.25, 5.0)
    places = next((g.get("marked_places") for _, _, g in per_run if g), None)
    ch.places = float(places) if places is not None else None
    draw_places = ch.places is not None and ch.places <= 2 * top
    if draw_places and ch.places is not None:
        top = max(top, ch.places * 1.1)

    def x(minute: float) -> float:
        return ch.left + (ch.right - ch.left) * (minute - first) / (last - first)

    def y(people: float) -> float:
        return ch.bottom - (ch.bottom - ch.top) * min(max(people, 0.0), top) / top

    if draw_places and ch.places is not None:
        ch.places_y = round(y(ch.places), 1)
    for i, (key, s, g) in enumerate(per_run):
        if g is None:
            continue
        start = int(s["start_min"])
        xs = [x(start + j) for j in range(len(g["mean"]))]
        mean = " ".join(
            f"{'M' if j == 0 else 'L'}{_fmt(a)},{_fmt(y(v))}"
            for j, (a, v) in enumerate(zip(xs, g["mean"], strict=True))
        )
        upper = [f"{_fmt(a)},{_fmt(y(v))}" for a, v in zip(xs, g["hi"], strict=True)]
        lower = [f"{_fmt(a)},{_fmt(y(v))}" for a, v in zip(xs, g["lo"], strict=True)]
        band = " ".join([*upper, *reversed(lower)])
        ch.lines.append(Line(labels.get(key, key), f"s{i % MAX_SERIES}", mean, band))
    step = _minute_step(last - first)
    tick = math.ceil(first / step) * step
    while tick <= last:
        ch.x_ticks.append((round(x(tick), 1), format_hhmm(tick)))
        tick += step
    ystep = _nice_step(top)
    value = 0.0
    while value <= top + 1e-9:
        ch.y_ticks.append((round(y(value), 1), f"{value:g}"))
        value += ystep
    return ch
