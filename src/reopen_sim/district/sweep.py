"""Sweep a district: for every school × what-if, optimize and simulate; one tidy table of results.

Determinism: the seed of a task comes from ``SeedSequence(seed, spawn_key=(h(school),))``
(``h`` = the first 32 bits of SHA-256 of the school's name), so it depends on neither the order of
schools nor the executor. All what-ifs of a school share that seed: common random numbers, so a
difference between what-ifs is the what-if and not sampling noise (Law & Kelton, *Simulation
Modeling and Analysis*, ch. 11). Results are put back in the district's order of schools ×
what-ifs, whatever order they finish in.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reopen_sim.district.evaluate import Evaluator, optimize_simulate_contacts
from reopen_sim.district.executors import check_executor, run_tasks
from reopen_sim.district.load import (
    District,
    SchoolSource,
    WhatIf,
    WhatIfSkipped,
    check_what_ifs,
    is_impossibility,
    variant_mapping,
)
from reopen_sim.district.store import TaskOutcome, TaskStore
from reopen_sim.errors import InfeasibleError, InputError, InputIssue
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario
from reopen_sim.stats import mean_ci

STATUSES = ("ok", "invalid", "infeasible", "skipped", "error")
SUMMARY_COLUMNS = ("school", "what_if", "metric", "mean", "lo", "hi", "n")
STATUS_COLUMNS = ("school", "what_if", "status", "reason")
REPLICATE_COLUMNS = ("school", "what_if", "metric", "replication", "value")
PAIRED_COLUMNS = ("school", "what_if", "reference", "metric", "mean", "lo", "hi", "n")
CONFIDENCE = 0.95
_WORST_GATE = ("max_queue_people", "max_queue_m", "p95_wait_min", "max_spill_people")


@dataclass(frozen=True)
class Task:
    """One school × what-if to evaluate (picklable: sent to worker processes)."""

    school: str
    what_if: str
    scenario: Scenario
    replications: int
    seed: int
    time_limit_s: float
    fingerprint: str


@dataclass(frozen=True)
class SweepResult:
    """Results of a sweep, in the district's order of schools × what-ifs.

    - ``summary``: tidy, one row per school × what-if × metric: mean over replications and its 95 %
      t confidence interval ``lo``–``hi`` (NaN with one replication), ``n`` replications.
    - ``status``: one row per school × what-if: ``ok``, ``invalid`` (the file or the what-if is
      wrong), ``infeasible`` (no plan fits), ``skipped`` (the what-if does not concern the school),
      ``error`` (an unexpected failure, with its message), and the reason.
    - ``timetables``: ``{(school, what_if): timetable DataFrame}`` for every ``ok`` task.
    - ``paired``: tidy, one row per school × what-if × reference × metric: the paired difference
      what-if minus reference over replications (mean, 95 % t interval, ``n``), for every ordered
      pair of what-ifs with a plan (see :meth:`differences`).
    - ``replicates``: tidy, one row per school × what-if × metric × replication (``value``); empty
      unless the sweep was asked to keep them (``keep_replicates=True``): its size grows with
      replications, while every other table does not.
    """

    summary: pd.DataFrame
    status: pd.DataFrame
    timetables: dict[tuple[str, str], pd.DataFrame]
    schools: tuple[str, ...]
    what_ifs: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    replicates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(REPLICATE_COLUMNS)))
    paired: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PAIRED_COLUMNS)))

    def differences(self, metric: str, reference: str | None = None) -> pd.DataFrame:
        """Each what-if minus ``reference`` (default: the first what-if), school by school.

        Paired over replications: replication r of every what-if of a school uses the same random
        numbers (common random numbers), so the difference's t-interval
        ``d̄ ± t(n-1) s_d/√n`` is much narrower than comparing two separate intervals. Columns
        ``school, what_if, metric, mean, lo, hi, n``; only schools with a plan under both.
        """
        ref = reference or self.what_ifs[0]
        p = self.paired
        rows = p[(p["metric"] == metric) & (p["reference"] == ref)]
        return rows.drop(columns="reference").reset_index(drop=True)[list(SUMMARY_COLUMNS)]

    def timetable(self, school: str, what_if: str | None = None) -> pd.DataFrame:
        """The timetable of ``school`` under ``what_if`` (default: the first what-if)."""
        return self.timetables[(school, what_if or self.what_ifs[0])]

    def table(self, metric: str, stat: str = "mean") -> pd.DataFrame:
        """``stat`` of ``metric`` as a school × what-if table: every school and what-if in district
        order, NaN where the school has no plan under the what-if (see ``status`` for why)."""
        rows = self.summary[self.summary["metric"] == metric]
        wide = rows.pivot(index="school", columns="what_if", values=stat)
        out = wide.reindex(index=list(self.schools), columns=list(self.what_ifs)).astype("float64")
        out.index.name, out.columns.name = "school", "what_if"
        return out


# --------------------------------------------------------------------------------------------
# Seeds, fingerprints, summaries
# --------------------------------------------------------------------------------------------


def _word(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "little")


def task_seed(seed: int, school: str) -> int:
    """The seed of every task of ``school``: a 31-bit int (CP-SAT takes a signed 32-bit seed)."""
    ss = np.random.SeedSequence(seed, spawn_key=(_word(school),))
    return int(ss.generate_state(1)[0]) & 0x7FFFFFFF


def _evaluator_name(evaluator: Callable[..., Any]) -> str:
    fn = evaluator.func if isinstance(evaluator, partial) else evaluator
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def fingerprint(scenario: Scenario, replications: int, seed: int, time_limit_s: float, evaluator: str) -> str:
    """Hash of everything a task's result depends on (for resume)."""
    from reopen_sim import __version__

    blob = json.dumps(
        {
            "scenario": scenario.model_dump(mode="json"),
            "replications": replications,
            "seed": seed,
            "time_limit_s": time_limit_s,
            "evaluator": evaluator,
            "version": __version__,
            "store_format": 2,  # 2: outcomes keep per-replication values
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def replication_values(metrics: pd.DataFrame) -> dict[str, list[float]]:
    """Each metric's value in every replication (replication order), from per-replication × gate rows.

    Whole-school metrics come from the gate ``"all"`` rows; ``worst_gate_<metric>`` is, in each
    replication, the largest value over the real gates (the gate a district planner worries about).
    """
    df = metrics
    if "gate" not in df.columns:
        df = df.assign(gate="all")
    rep_col = "replication" if "replication" in df.columns else None
    value_cols = [
        c for c in df.columns if c not in ("gate", "replication") and pd.api.types.is_numeric_dtype(df[c])
    ]
    whole = df[df["gate"] == "all"]
    if rep_col is not None:
        whole = whole.sort_values(rep_col, kind="stable")
    out = {col: [float(x) for x in whole[col].to_numpy(dtype=float)] for col in value_cols}
    gates = df[df["gate"] != "all"]
    if rep_col is not None and len(gates):
        for col in (c for c in _WORST_GATE if c in value_cols):
            worst = gates.groupby(rep_col, sort=True)[col].max().to_numpy(dtype=float)
            out[f"worst_gate_{col}"] = [float(x) for x in worst]
    return out


def summarise_values(values: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Tidy rows ``metric, mean, lo, hi, n`` (n = replications with a value) from replication values."""
    rows: list[dict[str, Any]] = []
    for metric, xs in values.items():
        x = np.asarray(xs, dtype=float)
        m, lo, hi = mean_ci(x)
        rows.append({"metric": metric, "mean": m, "lo": lo, "hi": hi, "n": int((~np.isnan(x)).sum())})
    return rows


def summarise_metrics(metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """Tidy rows ``metric, mean, lo, hi, n`` from per-replication × gate metrics (see above)."""
    return summarise_values(replication_values(metrics))


def paired_rows(outcomes: list[TaskOutcome]) -> list[dict[str, Any]]:
    """Paired differences of one school's outcomes (its what-ifs in district order): for every
    ordered pair (what-if, reference) with a plan under both and every metric both have, the mean
    and interval of the per-replication differences (:func:`reopen_sim.stats.mean_ci`)."""
    ok = [o for o in outcomes if o.status == "ok" and o.replicates]
    rows: list[dict[str, Any]] = []
    for ref in ok:
        for o in ok:
            if o is ref:
                continue
            for metric, ref_values in ref.replicates.items():
                if metric not in o.replicates:
                    continue
                d = np.asarray(o.replicates[metric], dtype=float) - np.asarray(ref_values, dtype=float)
                if np.isnan(d).all():
                    continue
                m, lo, hi = mean_ci(d)
                rows.append(
                    {
                        "school": o.school,
                        "what_if": o.what_if,
                        "reference": ref.what_if,
                        "metric": metric,
                        "mean": m,
                        "lo": lo,
                        "hi": hi,
                        "n": int((~np.isnan(d)).sum()),
                    }
                )
    return rows


# --------------------------------------------------------------------------------------------
# One task
# --------------------------------------------------------------------------------------------


def _issues_text(exc: InputError) -> str:
    """Every issue on one line; the file named once when all issues share it."""
    files = {i.file for i in exc.issues}
    if len(files) != 1:
        return "; ".join(str(i) for i in exc.issues)
    parts = []
    for i in exc.issues:
        got = f"got {i.value!r}; " if i.value != "" else ""
        parts.append(f"{i.path + ': ' if i.path else ''}{got}expected {i.expected}")
    return f"{files.pop()}: " + "; ".join(parts)


def run_task(evaluator: Evaluator, task: Task) -> TaskOutcome:
    """Evaluate one school × what-if; an infeasible or failing task becomes an outcome, not a raise."""
    t0 = time.perf_counter()
    base = TaskOutcome(task.school, task.what_if, status="", seed=task.seed, fingerprint=task.fingerprint)
    try:
        ev = evaluator(task.scenario, task.replications, task.seed, task.time_limit_s)
    except InfeasibleError as exc:
        reason = "; ".join(exc.reasons) or str(exc)
        return replace(base, status="infeasible", reason=reason, elapsed_s=time.perf_counter() - t0)
    except InputError as exc:
        return replace(base, status="invalid", reason=_issues_text(exc), elapsed_s=time.perf_counter() - t0)
    except Exception as exc:  # one school's failure must not stop a district; it is reported
        return replace(
            base,
            status="error",
            reason=f"{type(exc).__name__}: {exc}",
            elapsed_s=time.perf_counter() - t0,
        )
    return replace(
        base,
        status="ok",
        summary=summarise_values(values := replication_values(ev.metrics)),
        replicates=values,
        timetable=[dict(r) for r in ev.timetable],
        elapsed_s=time.perf_counter() - t0,
    )


def _lost(task: Task, reason: str) -> TaskOutcome:
    """The outcome of a task whose worker process kept dying (killed, out of memory, crashed)."""
    return TaskOutcome(
        task.school, task.what_if, status="error", reason=reason, seed=task.seed, fingerprint=task.fingerprint
    )


def prepare(school: SchoolSource, what_if: WhatIf) -> Scenario | TaskOutcome:
    """The validated variant, or the outcome that says why there is none (no solver needed)."""
    base = TaskOutcome(school.name, what_if.name, status="")
    try:
        data, label = variant_mapping(school, what_if)
    except WhatIfSkipped as exc:
        return replace(base, status="skipped", reason=str(exc))
    except InfeasibleError as exc:
        return replace(base, status="infeasible", reason="; ".join(exc.reasons))
    except InputError as exc:
        bad = school.raw is None or not is_impossibility(school.raw, school.base_dir)
        return replace(base, status="invalid" if bad else "infeasible", reason=_issues_text(exc))
    try:
        return scenario_from_dict(data, file=label, base_dir=school.base_dir)
    except InputError as exc:
        bad = not is_impossibility(data, school.base_dir)
        return replace(base, status="invalid" if bad else "infeasible", reason=_issues_text(exc))


# --------------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------------


def _progress(total: int, enabled: bool) -> tuple[Callable[[], None], Callable[[], None]]:
    if not enabled:
        return (lambda: None), (lambda: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    tid = bar.add_task("sweep", total=total)
    bar.start()
    return (lambda: bar.advance(tid)), bar.stop


def _check_replications(replications: int) -> None:
    if replications < 1:
        issue = InputIssue(
            "sweep", "replications", str(replications), "at least 1 replication", key="sweep_replications"
        )
        raise InputError([issue])


class _Fold:
    """Folds each school's outcomes into paired differences once all its what-ifs are in, then
    drops their per-replication values (unless kept): the sweep's memory then does not grow with
    replications. ``outcomes`` is the sweep's list (district order, ``n_w`` what-ifs a school)."""

    def __init__(self, outcomes: list[TaskOutcome | None], n_w: int, keep_replicates: bool) -> None:
        self.outcomes, self.n_w, self.keep = outcomes, n_w, keep_replicates
        self.pending = [n_w] * (len(outcomes) // n_w if n_w else 0)
        self.paired: dict[int, list[dict[str, Any]]] = {}

    def arrived(self, k: int) -> None:
        """Outcome ``k`` is in; fold its school when it was the last one missing."""
        i = k // self.n_w
        self.pending[i] -= 1
        if self.pending[i]:
            return
        block = range(i * self.n_w, (i + 1) * self.n_w)
        self.paired[i] = paired_rows([o for j in block if (o := self.outcomes[j]) is not None])
        if not self.keep:
            for j in block:
                o = self.outcomes[j]
                if o is not None and o.replicates:
                    self.outcomes[j] = replace(o, replicates={})

    def rows(self) -> list[dict[str, Any]]:
        """Paired rows of every school, in district order."""
        return [r for i in sorted(self.paired) for r in self.paired[i]]


def _task_store(out_dir: str | Path | None) -> TaskStore | None:
    """Where finished tasks are kept (none without ``out_dir``), cleared of what a killed sweep
    was writing."""
    if out_dir is None:
        return None
    store = TaskStore(out_dir)
    store.discard_partial()
    return store


def sweep(
    district: District,
    replications: int = 20,
    seed: int = 1,
    executor: str = "process",
    scheduler: str | None = None,
    workers: int | None = None,
    out_dir: str | Path | None = None,
    progress: bool = False,
    time_limit_s: float = 10.0,
    evaluator: Evaluator = optimize_simulate_contacts,
    keep_replicates: bool = False,
) -> SweepResult:
    """Optimize and simulate every school × what-if of ``district``.

    ``executor``: ``"inprocess"``, ``"process"`` (a local process pool, the default) or ``"dask"``
    (a ``LocalCluster`` started and closed here, or the cluster at ``scheduler``). With ``out_dir``
    each finished task is stored under ``out_dir/tasks`` as it finishes, and a re-run skips the
    tasks stored with the same inputs. Broken, infeasible and skipped tasks are reported in
    ``status``; they never stop the others. Same district and seed → same result on any executor.
    The default evaluator optimizes, simulates and counts close contacts
    (:func:`~reopen_sim.district.evaluate.optimize_simulate_contacts`); pass
    ``evaluator=optimize_and_simulate`` to skip contacts.

    Memory: workers send each task's summary and per-replication values; as soon as every
    what-if of a school is in, its paired differences are computed and the per-replication values
    dropped (kept only with ``keep_replicates=True``), so the client holds a few schools'
    replications at a time, not the district's.
    """
    _check_replications(replications)
    check_executor(executor, scheduler, workers)
    check_what_ifs(district)
    t_start = time.perf_counter()
    store = _task_store(out_dir)
    ev_name = _evaluator_name(evaluator)
    keys = [(s, w) for s in district.schools for w in district.what_ifs]
    outcomes: list[TaskOutcome | None] = [None] * len(keys)
    to_run: list[tuple[int, Task]] = []
    n_resumed = 0
    for k, (school, what_if) in enumerate(keys):
        prepared = prepare(school, what_if)
        if isinstance(prepared, TaskOutcome):
            outcomes[k] = prepared
            continue
        s = task_seed(seed, school.name)
        fp = fingerprint(prepared, replications, s, time_limit_s, ev_name)
        stored = store.load(school.name, what_if.name, fp) if store is not None else None
        if stored is not None:
            outcomes[k] = stored
            n_resumed += 1
            continue
        to_run.append((k, Task(school.name, what_if.name, prepared, replications, s, time_limit_s, fp)))

    fold = _Fold(outcomes, len(district.what_ifs), keep_replicates)
    for k, o in enumerate(outcomes):
        if o is not None:
            fold.arrived(k)
    advance, stop = _progress(len(keys), progress)
    for _ in range(len(keys) - len(to_run)):
        advance()
    results: Generator[tuple[int, TaskOutcome]] = run_tasks(
        partial(run_task, evaluator),
        [t for _, t in to_run],
        executor=executor,
        scheduler=scheduler,
        workers=workers,
        on_lost=_lost,
    )
    try:
        for i, outcome in results:
            outcomes[to_run[i][0]] = outcome
            if store is not None and outcome.status in ("ok", "infeasible"):
                store.save(outcome)
            fold.arrived(to_run[i][0])
            advance()
    finally:
        results.close()  # on an interrupt: workers killed now, not when garbage-collected
        if store is not None:
            store.discard_partial()  # an interrupt during a save: no half-written file is left
        stop()
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(keys)
    return assemble(
        done,
        schools=tuple(s.name for s in district.schools),
        what_ifs=tuple(w.name for w in district.what_ifs),
        meta={
            "district": district.name,
            "replications": replications,
            "seed": seed,
            "executor": "dask" if scheduler else executor,
            "time_limit_s": time_limit_s,
            "tasks": len(keys),
            "evaluated": len(to_run),
            "resumed": n_resumed,
            "elapsed_s": time.perf_counter() - t_start,
            "task_elapsed_s": {(o.school, o.what_if): o.elapsed_s for o in done},
        },
        paired=fold.rows(),
    )


def assemble(
    outcomes: list[TaskOutcome],
    schools: tuple[str, ...],
    what_ifs: tuple[str, ...],
    meta: dict[str, Any],
    paired: list[dict[str, Any]] | None = None,
) -> SweepResult:
    """Tidy frames from outcomes already in district order; ``paired`` rows (district order) when
    the sweep computed them already, else from the outcomes' per-replication values."""
    if paired is None:
        paired = [r for s in schools for r in paired_rows([o for o in outcomes if o.school == s])]
    pairs = pd.DataFrame(paired, columns=list(PAIRED_COLUMNS))
    pairs["n"] = pairs["n"].astype("int64")
    for c in ("mean", "lo", "hi"):
        pairs[c] = pairs[c].astype("float64")
    rows = [{"school": o.school, "what_if": o.what_if, **r} for o in outcomes for r in o.summary]
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    summary["n"] = summary["n"].astype("int64")
    for c in ("mean", "lo", "hi"):
        summary[c] = summary[c].astype("float64")
    status = pd.DataFrame(
        [
            {"school": o.school, "what_if": o.what_if, "status": o.status, "reason": o.reason}
            for o in outcomes
        ],
        columns=list(STATUS_COLUMNS),
    )
    timetables = {(o.school, o.what_if): pd.DataFrame(o.timetable) for o in outcomes if o.status == "ok"}
    replicates = pd.DataFrame(
        [
            (o.school, o.what_if, metric, r, float(v))
            for o in outcomes
            for metric, values in o.replicates.items()
            for r, v in enumerate(values)
        ],
        columns=list(REPLICATE_COLUMNS),
    )
    replicates["replication"] = replicates["replication"].astype("int64")
    replicates["value"] = replicates["value"].astype("float64")
    return SweepResult(
        summary=summary,
        status=status,
        timetables=timetables,
        schools=schools,
        what_ifs=what_ifs,
        meta=meta,
        replicates=replicates,
        paired=pairs,
    )
