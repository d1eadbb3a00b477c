"""Plans certified by simulation, in both directions (docs/design.md, "Certification").

After the solve, N mornings of the plan are simulated with common random numbers and each
gate-window is judged against ``policy.service_level``: the upper bound of the mean (over mornings)
of its time-weighted ``queue_quantile`` queue within the marked places, at most ``max_late`` students
late, at most ``max_held`` students held because every isolation room was taken. A gate-window that
breaks it gets a capacity factor below 1 and the plan is re-solved from the previous one with few
changes; when every gate-window holds, the gates are tried harder than the static
``target_utilisation`` (factor above 1, at most 1 ÷ target utilisation and the physical screening
throughput), bisecting the factor, keeping the plan that ends earliest (then fewest split rooms)
while the service level holds. The plan kept is checked again on fresh mornings (a seed the search
never used). The certificate records every round; it holds no wall times, so the same inputs and
seed give the same certificate.

This module does not import the solver: ``optimize`` passes itself in as ``resolve``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reopen_sim.errors import InfeasibleError
from reopen_sim.optimizer.capacity_scale import CapacityScale, max_scale, scaled_capacity
from reopen_sim.optimizer.isolation import IsolationNeed, Stays, confirmed_stays, isolation_need, rooms_to_add
from reopen_sim.optimizer.reasons import Reason
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario, ServiceLevel, format_hhmm
from reopen_sim.scenario.setting_names import Setting
from reopen_sim.simulation.queue import lane_lines, queue_steps, time_weighted_quantile
from reopen_sim.simulation.run import simulate
from reopen_sim.stats import mean_ci

Resolve = Callable[[CapacityScale, Plan | None], Plan]
GateWindow = tuple[str, int]  # (gate id, window index)

FRESH_SEED_OFFSET = 1_000_003  # fresh mornings: seed + this, never used by the search rounds
FRESH_RETRIES = 2  # times a gate-window broken on fresh mornings is tightened and judged on new ones
TIGHTEN_MIN, TIGHTEN_MAX = 0.5, 0.9  # a broken gate-window keeps 50–90 % of its load per round
BISECT_STOP = 0.1  # loosening stops when the share t is known to within this
ROUND_DIGITS = 3  # figures in the certificate are rounded: byte-identical files across machines


@dataclass(frozen=True)
class CertifyOptions:
    """How to certify: ``replications`` mornings per round, their ``seed``, the service level
    (default: the scenario's ``policy.service_level``) and at most ``max_rounds`` re-solves."""

    replications: int
    seed: int = 1
    service_level: ServiceLevel | None = None
    max_rounds: int = 8


@dataclass(frozen=True)
class GateWindowFigure:
    """One gate-window's simulated figures against its limits."""

    gate: str
    window: int
    start_min: int
    students: int
    places_limit: float
    queue_mean: float
    queue_lo: float
    queue_hi: float
    late_max: int
    breaks: tuple[str, ...]  # "queue", "late"

    def as_dict(self, sc: Scenario) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "window": _window_text(sc, self.window),
            "students": self.students,
            "queue_people": _ci(self.queue_mean, self.queue_lo, self.queue_hi),
            "queue_limit_people": _r(self.places_limit),
            "late_max": self.late_max,
            "holds": not self.breaks,
            "breaks": list(self.breaks),
        }


@dataclass(frozen=True)
class Evaluation:
    """A plan's simulated mornings judged against the service level."""

    seed: int
    windows: tuple[GateWindowFigure, ...]
    held_max: int
    late_max: int
    per_gate: list[dict[str, Any]]
    isolation: IsolationNeed

    @property
    def broken(self) -> list[GateWindowFigure]:
        return [f for f in self.windows if f.breaks]

    def gates_met(self, sl: ServiceLevel) -> bool:
        """Every gate-window holds (queue and lateness): what gate capacities can change."""
        return not self.broken and self.late_max <= sl.max_late

    def met(self, sl: ServiceLevel) -> bool:
        """The whole service level, isolation rooms included."""
        return self.gates_met(sl) and self.held_max <= sl.max_held


@dataclass
class _State:
    sc: Scenario
    sl: ServiceLevel
    options: CertifyOptions
    resolve: Resolve
    rounds: list[dict[str, Any]] = field(default_factory=list)
    broke_at: dict[GateWindow, float] = field(default_factory=dict)  # a factor known to break

    @property
    def budget_left(self) -> bool:
        return len(self.rounds) <= self.options.max_rounds


def _r(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), ROUND_DIGITS)


def _ci(mean: float, lo: float, hi: float) -> dict[str, float | None]:
    return {"mean": _r(mean), "lo": _r(lo), "hi": _r(hi)}


def _hhmm_or_none(t_min: float) -> str | None:
    """A time of day, or None for a gate nobody passed (NaN)."""
    return format_hhmm(math.ceil(t_min)) if math.isfinite(t_min) else None


def _window_text(sc: Scenario, w: int) -> str:
    start = sc.day.window_start_min(w)
    return f"{format_hhmm(start)}–{format_hhmm(start + sc.day.window_min)}"


def _window_index(sc: Scenario, start_min: int) -> int:
    return (start_min - sc.day.earliest_arrival_at) // sc.day.window_min


def _gate_window_queues(sc: Scenario, plan: Plan, trace: Any, quantile: float) -> dict[GateWindow, float]:
    """The time-weighted ``quantile`` of people waiting, per gate-window, of one morning: the lines
    of the window's students alone (what queues behind a gate while its window's classes arrive)."""
    caps = derived(sc)
    index = {e.id: g for g, e in enumerate(sc.entrances)}
    window_of = {a.class_id: _window_index(sc, a.arrival_start_min) for a in plan.assignments}
    t = trace[trace["t_arrive"].notna()]
    windows = t["class_id"].map(window_of).to_numpy()
    out: dict[GateWindow, float] = {}
    for (gid, w), rows in t.groupby([t["gate"], windows], sort=True):
        g = index[gid]
        e = sc.entrances[g]
        lines = lane_lines(
            rows["t_arrive"].to_numpy(float),
            rows["t_service_start"].to_numpy(float),
            rows["lane"].to_numpy(np.int64) - 1,
            caps.open_lanes[g],
            cap.queue_places_per_lane(e.queue_length_m, sc.policy.queue_spacing_m),
            "shortest",
        )
        steps = queue_steps(lines, sc.policy.queue_spacing_m)
        out[str(gid), int(w)] = time_weighted_quantile(steps.total, steps.times, quantile)
    return out


def _per_gate(sc: Scenario, result: Any, sl: ServiceLevel) -> list[dict[str, Any]]:
    """Per gate: the simulation's own figures (``gate_summary``) with intervals, against limits."""
    caps = derived(sc)
    summary = result.gate_summary(sl.confidence)
    out = []
    for g, e in enumerate(sc.entrances):
        row = summary[summary["gate"] == e.id]
        if row.empty:
            continue
        r = row.iloc[0]

        def fig(name: str, r: Any = r) -> dict[str, float | None]:
            return _ci(r[f"{name}_mean"], r[f"{name}_lo"], r[f"{name}_hi"])

        out.append(
            {
                "gate": e.id,
                "marked_places": caps.queue_places[g],
                "p95_queue_people": fig("p95_queue_people"),
                "max_queue_people": fig("max_queue_people"),
                "max_spill_people": fig("max_spill_people"),
                "p95_wait_min": fig("p95_wait_min"),
                "late": fig("late"),
                "utilisation": fig("utilisation"),
                "last_through": _hhmm_or_none(r["last_through_min_mean"]),
            }
        )
    return out


def evaluate(sc: Scenario, plan: Plan, replications: int, seed: int, sl: ServiceLevel) -> Evaluation:
    """Simulate ``replications`` mornings of ``plan`` (seed ``seed``) and judge every gate-window."""
    return judge(sc, plan, simulate(sc, plan, replications=replications, seed=seed), sl)


def judge(sc: Scenario, plan: Plan, result: Any, sl: ServiceLevel) -> Evaluation:
    """Judge every gate-window of ``plan``'s simulated mornings (``result``, a ``SimulationResult``
    of that plan) against the service level ``sl``: what :func:`evaluate` does after simulating."""
    caps = derived(sc)
    index = {e.id: g for g, e in enumerate(sc.entrances)}
    seed = int(result.seed)
    queues: dict[GateWindow, list[float]] = defaultdict(list)
    late: dict[GateWindow, list[int]] = defaultdict(list)
    window_of = {a.class_id: _window_index(sc, a.arrival_start_min) for a in plan.assignments}
    held, late_total = [], []
    stays: list[Stays] = []
    for _, trace in result.traces():
        stays.append(confirmed_stays(trace))
        for key, q in _gate_window_queues(sc, plan, trace, sl.queue_quantile).items():
            queues[key].append(q)
        lt = trace[trace["late"].astype(bool)]
        counts = lt.groupby([lt["gate"], lt["class_id"].map(window_of)]).size()
        for gw in queues:
            late[gw].append(int(counts.get(gw, 0)))
        held.append(int((trace["outcome"] == "held").sum()))
        late_total.append(len(lt))
    students: dict[GateWindow, int] = defaultdict(int)
    for a in plan.assignments:
        students[a.gate, _window_index(sc, a.arrival_start_min)] += a.students
    figures = []
    for gw in sorted(queues):
        mean, lo, hi = mean_ci(np.asarray(queues[gw], dtype=float), sl.confidence)
        hi = mean if not math.isfinite(hi) else hi  # one morning: no interval
        limit = sl.queue_places_share * caps.queue_places[index[gw[0]]]
        late_max = max(late[gw], default=0)
        breaks = ("queue",) * (hi > limit + 1e-9) + ("late",) * (late_max > sl.max_late)
        figures.append(
            GateWindowFigure(
                gw[0],
                gw[1],
                sc.day.window_start_min(gw[1]),
                students[gw],
                limit,
                mean,
                lo,
                hi,
                late_max,
                breaks,
            )
        )
    return Evaluation(
        seed,
        tuple(figures),
        max(held, default=0),
        max(late_total, default=0),
        _per_gate(sc, result, sl),
        isolation_need(sc, stays, sl.max_held),
    )


def _summary(sc: Scenario, plan: Plan) -> dict[str, Any]:
    terms = plan.meta.get("terms", {})
    return {
        "arrival_ends": plan.meta.get("arrival_ends"),
        "windows_used": len({a.arrival_start_min for a in plan.assignments}),
        "split_rooms": terms.get("split_rooms"),
        "changed_classes": len(plan.meta.get("changed_classes", [])),
    }


def _record(
    st: _State, kind: str, plan: Plan | None, scale: CapacityScale, ev: Evaluation | None, note: str = ""
) -> None:
    """One round of the certificate: what was tried, the plan it gave and its figures."""
    entry: dict[str, Any] = {
        "round": len(st.rounds),
        "kind": kind,
        "capacity_scale": {f"{g} {_window_text(st.sc, w)}": _r(f) for (g, w), f in sorted(scale.items())},
    }
    if plan is not None:
        entry["plan"] = _summary(st.sc, plan)
    if ev is not None:
        entry["seed"] = ev.seed
        entry["met"] = ev.met(st.sl)
        entry["gates_met"] = ev.gates_met(st.sl)
        entry["broken"] = [f.as_dict(st.sc) for f in ev.broken]
        worst = max(ev.windows, key=lambda f: f.queue_hi - f.places_limit, default=None)
        entry["worst_gate_window"] = worst.as_dict(st.sc) if worst is not None else None
        entry["held_max"] = ev.held_max
        entry["late_max"] = ev.late_max
    if note:
        entry["note"] = note
    st.rounds.append(entry)


def _key(plan: Plan) -> tuple[int, int]:
    """What a harder-used gate may gain, best first: the last window, then split rooms."""
    terms = plan.meta.get("terms", {})
    return int(terms.get("last_window", 0)), int(terms.get("split_rooms", 0))


def _tightened(st: _State, scale: dict[GateWindow, float], ev: Evaluation) -> list[str]:
    """Lower the factor of every broken gate-window below its present load; returns the
    gate-windows that cannot go lower (a single class already breaks it).

    A queue that breaks the service level sets the limit for every window of that gate: the same load
    at the same gate queues alike in any window (only the spill from the window before differs), so
    tightening one window alone would only move the load, and the breach, to the next. Lateness is
    a matter of the window itself (the last ones): only that gate-window is tightened."""
    caps = derived(st.sc)
    index = {e.id: g for g, e in enumerate(st.sc.entrances)}
    smallest = min((c.students for c in st.sc.classes), default=0)
    stuck = []
    for f in ev.broken:
        g = index[f.gate]
        ratio = f.places_limit / f.queue_hi if "queue" in f.breaks and f.queue_hi > 0 else TIGHTEN_MAX
        shrink = min(TIGHTEN_MAX, max(TIGHTEN_MIN, ratio))
        new = math.floor(f.students * shrink) / max(1, caps.gate_window[g])
        if scaled_capacity(st.sc, g, new) < smallest:
            stuck.append(f.gate + " " + _window_text(st.sc, f.window))
        windows = range(st.sc.day.n_windows) if "queue" in f.breaks else (f.window,)
        broke = f.students / max(1, caps.gate_window[g])
        for w in windows:
            scale[f.gate, w] = min(scale.get((f.gate, w), 1.0), new)
            st.broke_at[f.gate, w] = min(st.broke_at.get((f.gate, w), broke), broke)
    return stuck


def _why(st: _State, ev: Evaluation, cause: str) -> list[dict[str, Any]]:
    """Plain-language reasons, one per broken gate-window (and the isolation rooms): catalogue key,
    fields (``cause`` is itself a catalogue key) and the English text."""
    return unmet_reasons(st.sc, st.sl, ev, cause)


def unmet_reasons(sc: Scenario, sl: ServiceLevel, ev: Evaluation, cause: str) -> list[dict[str, Any]]:
    """:func:`_why` for any judged plan (``cause``: the catalogue key ending each gate-window's reason)."""
    reasons = []
    settings = advice_settings(sc)
    for f in ev.broken:
        fields: dict[str, Any] = {
            "gate": f.gate,
            "window": _window_text(sc, f.window),
            "students": f.students,
            "quantile": f"p{round(100 * sl.queue_quantile)}",
            "confidence": f"{sl.confidence:.0%}",
            "queue": f"{f.queue_hi:.1f}",
            "places": f"{f.places_limit:g}",
            "late": f.late_max,
            **settings,
        }
        fields["cause"] = Reason(_cause(f, cause), settings)
        reasons.append(Reason("certify.unmet.queue" if "queue" in f.breaks else "certify.unmet.late", fields))
    if ev.held_max > sl.max_held:
        reasons.append(_held_reason(sc, ev))
    return [_reason_dict(r) for r in reasons]


def _cause(f: GateWindowFigure, cause: str) -> str:
    """A gate-window broken by lateness alone that no plan can relieve: its own cause (the day's
    times, not the gate, are what a school can change)."""
    stuck = cause in ("certify.cause.no_plan", "certify.cause.one_class")
    return "certify.cause.late" if stuck and f.breaks == ("late",) else cause


def _held_reason(sc: Scenario, ev: Evaluation) -> Reason:
    """Students held for want of an isolation room: how many, whether a timetable could change it
    (``isolation.IsolationNeed.depends_on_timetable``) and what would fix it."""
    need = ev.isolation
    fields = {
        "held": ev.held_max,
        "rooms": need.rooms,
        "mornings": need.mornings,
        "spread_held": need.spread_held_max,
        "add": rooms_to_add(need),
        "needed": need.rooms_needed,
        "max_held": need.max_held,
        "period": f"{format_hhmm(sc.day.earliest_arrival_at)}–{format_hhmm(sc.day.latest_arrival_at)}",
        **advice_settings(sc),
    }
    key = "certify.unmet.held_timetable" if need.depends_on_timetable else "certify.unmet.held_rooms"
    return Reason(key, fields)


# The settings the reasons' advice names (``{max_held_setting}`` ...), by their YAML paths.
ADVICE_SETTINGS: dict[str, str] = {
    "max_held_setting": "policy.service_level.max_held",
    "latest_setting": "day.latest_arrival_at",
    "first_class_setting": "day.first_class_at",
}


def advice_settings(sc: Scenario | None = None) -> dict[str, Setting]:
    """The settings advice names, as the school's own file names them (the YAML keys without a
    scenario: what certificates written before the workbook terms said)."""
    source = sc.source_format if sc is not None else "yaml"
    return {field: Setting(path, source=source) for field, path in ADVICE_SETTINGS.items()}


def _stored(value: Any) -> Any:
    if isinstance(value, Reason):
        return value.key  # a cause: its fields are the reason's own settings
    return value.as_dict() if isinstance(value, Setting) else value


def _reason_dict(r: Reason) -> dict[str, Any]:
    fields = {k: _stored(v) for k, v in r.fields.items()}
    return {"key": r.key, "fields": fields, "text": str(r)}


def _tighten(
    st: _State, plan: Plan, ev: Evaluation, start: dict[GateWindow, float] | None = None
) -> tuple[Plan, dict[GateWindow, float], Evaluation, list[dict[str, Any]]]:
    """Tighten broken gate-windows (from the factors ``start``) and re-solve with few changes until
    the service level holds on the search mornings; returns the plan, its factors, its evaluation
    and, when it cannot be met, the reasons."""
    scale: dict[GateWindow, float] = dict(start or {})
    n, seed = st.options.replications, st.options.seed
    while not ev.gates_met(st.sl):
        if not st.budget_left:
            return plan, scale, ev, _why(st, ev, "certify.cause.rounds")
        stuck = _tightened(st, scale, ev)
        try:
            new = st.resolve(dict(scale), plan)
        except InfeasibleError:
            _record(st, "tighten", None, scale, None, note="no plan keeps every tightened gate-window")
            cause = "certify.cause.one_class" if stuck else "certify.cause.no_plan"
            return plan, scale, ev, _why(st, ev, cause)
        plan, ev = new, evaluate(st.sc, new, n, seed, st.sl)
        _record(st, "tighten", plan, scale, ev)
    return plan, scale, ev, []


def _loosen(
    st: _State, plan: Plan, scale: dict[GateWindow, float], ev: Evaluation
) -> tuple[Plan, dict[GateWindow, float], Evaluation]:
    """Use the gates harder: each gate-window's factor goes from the one that holds now toward the
    one known to break (else 1 ÷ target utilisation) by a common share t, bisected in (0, 1]; keep
    the plan that ends earliest, then with fewest split rooms, while the service level holds on the
    search mornings."""
    n, seed = st.options.replications, st.options.seed
    top = max_scale(st.sc)
    keys = [(e.id, w) for e in st.sc.entrances for w in range(st.sc.day.n_windows)]
    low = {k: scale.get(k, 1.0) for k in keys}
    high = {k: min(top, st.broke_at.get(k, top)) for k in keys}
    lo_t, hi_t = 0.0, 1.0
    t = 0.5 if st.broke_at else 1.0
    best = (plan, dict(scale), ev)
    while hi_t - lo_t > BISECT_STOP and st.budget_left:
        trial = {k: round(low[k] + t * (high[k] - low[k]), 6) for k in keys}
        trial = {k: f for k, f in trial.items() if f != 1.0}
        new = st.resolve(trial, best[0])
        if _key(new) >= _key(best[0]):
            _record(st, "loosen", new, trial, None, note="no earlier end or fewer split rooms")
            if t >= 1.0:  # the hardest use allowed gains nothing: nothing will
                break
            lo_t = t  # nothing to gain up to t: look between t and the share that broke
        else:
            new_ev = evaluate(st.sc, new, n, seed, st.sl)
            _record(st, "loosen", new, trial, new_ev)
            if new_ev.gates_met(st.sl):
                best, lo_t = (new, trial, new_ev), t
            else:
                hi_t = t
        t = (lo_t + hi_t) / 2
    return best


def _gained(sc: Scenario, static: Plan, final: Plan) -> Reason:
    """What certification changed against the static plan, in words."""
    d_min = (_key(static)[0] - _key(final)[0]) * sc.day.window_min
    d_split = _key(static)[1] - _key(final)[1]
    if d_min > 0:
        return Reason("certify.gained.earlier", {"minutes": d_min, "ends": final.meta.get("arrival_ends")})
    if d_min < 0:
        return Reason("certify.gained.later", {"minutes": -d_min, "ends": final.meta.get("arrival_ends")})
    if d_split > 0:
        return Reason("certify.gained.split", {"rooms": d_split})
    return Reason("certify.gained.none", {"ends": final.meta.get("arrival_ends")})


def _verify(
    st: _State, candidates: list[tuple[Plan, dict[GateWindow, float], Evaluation]], fresh: int
) -> tuple[Plan, dict[GateWindow, float], Evaluation, bool]:
    """The first candidate (best first) whose service level holds on the fresh mornings of seed
    ``fresh``; else the last candidate with its fresh figures and ``False``."""
    for plan, scale, _ in candidates:
        ev = evaluate(st.sc, plan, st.options.replications, fresh, st.sl)
        _record(st, "fresh", plan, scale, ev)
        if ev.gates_met(st.sl):
            return plan, scale, ev, True
    return plan, scale, ev, False


def certify_plan(
    scenario: Scenario, resolve: Resolve, options: CertifyOptions, previous: Plan | None = None
) -> Plan:
    """Solve (``resolve({}, previous)``), certify by simulation, and return the certified plan with
    ``meta["certificate"]`` (see the module docstring and docs/design.md, "Certification"). Each
    re-solve starts from the last round's plan, or, given ``previous`` (a published timetable), from
    that, so the changes counted are the ones the school would make to what it published."""
    sl = options.service_level or scenario.policy.service_level
    if previous is not None:  # a published timetable: every round changes as little of it as it can
        published = previous

        def resolve_from_published(scale: CapacityScale, _last: Plan | None) -> Plan:
            return resolve(scale, published)

        st = _State(scenario, sl, options, resolve_from_published)
    else:
        st = _State(scenario, sl, options, resolve)
    static = resolve({}, previous)
    ev = evaluate(scenario, static, options.replications, options.seed, sl)
    _record(st, "static", static, {}, ev)
    plan, scale, ev, unmet = _tighten(st, static, ev)
    candidates = [(plan, scale, ev)]
    if not unmet:
        loose = _loosen(st, plan, scale, ev)
        if loose[0] is not plan:
            candidates.insert(0, loose)
    fresh = options.seed + FRESH_SEED_OFFSET
    plan, scale, ev, met = _verify(st, candidates, fresh) if not unmet else (plan, scale, ev, False)
    for _ in range(FRESH_RETRIES):
        if met or unmet or not st.budget_left:
            break
        # Fresh mornings broke a gate-window the search mornings did not (e.g. a few late students on
        # some mornings): tighten from what they showed, then judge on mornings never seen again.
        plan, scale, ev, unmet = _tighten(st, plan, ev, scale)
        fresh += FRESH_SEED_OFFSET
        plan, scale, ev, met = (
            _verify(st, [(plan, scale, ev)], fresh) if not unmet else (plan, scale, ev, False)
        )
    if not met and not unmet:
        unmet = _why(st, ev, "certify.cause.fresh")
    if met and not ev.met(sl):  # the gates hold; the isolation rooms do not (no gate changes that)
        met, unmet = False, _why(st, ev, "certify.cause.rooms")
    certificate: dict[str, Any] = {
        "scenario_sha256": scenario_digest(scenario),
        "timetable_sha256": timetable_digest(plan),
        "service_level": sl.model_dump(mode="json"),
        "replications": options.replications,
        "seed": options.seed,
        "fresh_seed": fresh,
        "met": met,
        "unmet_reasons": unmet,
        "gained": _reason_dict(_gained(scenario, static, plan)),
        "static_plan": _summary(scenario, static),
        "certified_plan": _summary(scenario, plan),
        "capacity_scale": {f"{g} {_window_text(scenario, w)}": _r(f) for (g, w), f in sorted(scale.items())},
        "window_limits": plan.meta.get("window_limits", []),
        "gates": ev.per_gate,
        "gate_windows": [f.as_dict(scenario) for f in ev.windows],
        "held_max": ev.held_max,
        "isolation": ev.isolation.as_dict(),
        "late_max": ev.late_max,
        "rounds": st.rounds,
    }
    return Plan(plan.assignments, meta={**plan.meta, "certificate": certificate})


def scenario_digest(sc: Scenario) -> str:
    """SHA-256 of the validated scenario (its fields as sorted JSON): the same school however its
    file is laid out (YAML or workbook), a different one after any change of rule or figure."""
    text = json.dumps(sc.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def timetable_digest(plan: Plan) -> str:
    """SHA-256 of the timetable's contract rows (``Plan.to_csv_text``): what ``check`` reads back
    from ``timetable.csv``, whatever extra columns the file has."""
    return hashlib.sha256(plan.to_csv_text().encode("utf-8")).hexdigest()


def window_limits(plan: Plan) -> dict[tuple[str, int], int]:
    """(gate id, window start min) → the capacity a certified plan was solved against, for
    ``check_plan`` (empty for a plan solved against static capacities)."""
    return {
        (d["gate"], int(d["window_start_min"])): int(d["limit"]) for d in plan.meta.get("window_limits", [])
    }


def certificate_json(plan: Plan) -> str:
    """The certificate as the text of ``certificate.json`` (sorted keys, no wall times)."""
    return json.dumps(plan.meta["certificate"], ensure_ascii=False, indent=2, sort_keys=True) + "\n"


__all__ = [
    "CertifyOptions",
    "Evaluation",
    "certificate_json",
    "certify_plan",
    "evaluate",
    "judge",
    "scenario_digest",
    "timetable_digest",
    "unmet_reasons",
    "window_limits",
]
