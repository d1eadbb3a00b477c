"""District sweep throughput: executors, workers, growth with schools and replications.

    .venv/bin/python bench/bench_district.py            # full (about 10-20 min on 2 busy cores)
    .venv/bin/python bench/bench_district.py --quick    # smaller, a couple of minutes
    .venv/bin/python bench/bench_district.py --interrupt  # seconds from Ctrl-C to exit (4.)
    .venv/bin/python bench/bench_district.py --pools    # loky pool against a spawn pool (5.)
    .venv/bin/python bench/bench_district.py --scale --schools 500 --replications 100 \
        --executor process --workers 2 [--optimize --time-limit 1]   # at scale (6.)

1. Executors on a generated 50-school district (one what-if): in-process, local process pool and
   Dask LocalCluster, 1 and 2 workers. The evaluator here simulates each school's *baseline plan*
   (``optimize.baseline.baseline_plan``: everyone in the first window) so the table measures the
   executors and the simulation, not CP-SAT, whose cost depends on its time budget (section 3). Every run must give
   identical summaries; the script checks it.
2. Growth: wall time against schools (at fixed replications) and replications (at fixed schools).
3. End to end with CP-SAT (optimize + simulate) on a few small schools.

4. Interrupt: seconds from SIGINT (sent once the progress bar shows) to the exit of ``simulate``,
   ``run`` and ``sweep`` (local pool), with the exit code (130 expected).
5. Pools: the same sweep on the loky pool the sweep uses and on ``concurrent.futures`` with the
   spawn start method (the pool it replaced), cold (first use) and warm.

6. At scale (``--scale``): one sweep of ``--schools`` generated schools × ``--replications`` on the
   local pool or on a Dask cluster of real ``dask scheduler`` + ``dask worker`` processes started
   here on localhost; school·replications per second, the client's peak memory (the process that
   submits and gathers: ``ru_maxrss``), each worker's peak memory, the serial part measured in the
   client, the per-task overhead, Dask's scheduler overhead (no-op tasks), and a projection to 16
   workers (model printed with it). One configuration per run, so each peak memory is its own.

Figures are wall-clock seconds on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from typing import Any

import pandas as pd

from reopen_sim.district.evaluate import Evaluation, optimize_and_simulate
from reopen_sim.district.generate import generate_district
from reopen_sim.district.load import District, WhatIf
from reopen_sim.district.sweep import sweep
from reopen_sim.scenario.schema import Scenario


def simulate_baseline(scenario: Scenario, replications: int, seed: int, time_limit_s: float) -> Evaluation:
    """Simulate the project's baseline plan (everyone in the first window, nearest gate): no CP-SAT."""
    from reopen_sim.optimizer.baseline import baseline_plan
    from reopen_sim.simulation.run import simulate

    plan = baseline_plan(scenario)
    res = simulate(scenario, plan, replications=replications, seed=seed)
    return Evaluation(timetable=plan.rows(), metrics=res.metrics_raw())


def synthetic_metrics(scenario: Scenario, replications: int, seed: int, time_limit_s: float) -> Evaluation:
    """No simulation: random figures in the shape of ``SimulationResult.metrics_raw()`` (every metric,
    one row per replication × gate and "all"), so the client's memory can be measured against
    replications in minutes, not hours."""
    import numpy as np

    from reopen_sim.optimizer.baseline import baseline_plan
    from reopen_sim.simulation.result import METRICS

    rng = np.random.default_rng(seed)
    gates = [e.id for e in scenario.entrances] + ["all"]
    n = replications * len(gates)
    frame = pd.DataFrame(rng.random((n, len(METRICS))) * 100, columns=list(METRICS))
    frame.insert(0, "gate", gates * replications)
    frame.insert(0, "replication", np.repeat(np.arange(replications), len(gates)))
    return Evaluation(timetable=baseline_plan(scenario).rows(), metrics=frame)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _run(d: District, reps: int, **kw: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    res = sweep(d, replications=reps, seed=1, **kw)
    return time.perf_counter() - t, res


def _time_interrupt(args: list[str], cwd: str) -> tuple[float, int]:
    """Start ``reopen-sim ARGS`` with its progress bar drawn; SIGINT once it shows; (seconds, exit code)."""
    import signal
    import subprocess
    import sys
    import threading

    env = {"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    seen = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        buf = b""
        while chunk := proc.stdout.read1(4096):
            buf += chunk
            if b"%" in buf or b"/" in buf:
                seen.set()
        seen.set()

    threading.Thread(target=read, daemon=True).start()
    seen.wait(timeout=600)
    t = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=600)
    return time.perf_counter() - t, code


def bench_interrupt(repeat: int) -> None:
    import subprocess
    import sys
    import tempfile

    import yaml

    from reopen_sim.generate import generate_school

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    scenario = os.path.join(root, "scenarios", "junior-middle.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "reopen_sim.cli", "plan", scenario, "-o", f"{tmp}/plan"]
        subprocess.run(cmd, check=True, capture_output=True)
        schools = [{"scenario": generate_school(s, n_students=600, kind="junior_middle")} for s in range(4)]
        with open(f"{tmp}/d.yaml", "w", encoding="utf-8") as f:
            yaml.safe_dump({"schools": schools}, f)
        jobs = {
            "simulate": ["simulate", scenario, "--plan", f"{tmp}/plan/timetable.csv", "-n", "3000"],
            "run": ["run", scenario, "-n", "3000", "--time-limit", "5"],
            "sweep (pool, 2 workers)": ["sweep", f"{tmp}/d.yaml", "-n", "50", "--workers", "2"],
        }
        print(f"# Ctrl-C to exit, seconds; load average {_load()}")
        for name, job in jobs.items():
            for i in range(repeat):
                wall, code = _time_interrupt([*job, "-o", f"{tmp}/out-{i}-{len(name)}"], tmp)
                print(f"{name:24s} {wall:5.2f} s  exit {code}", flush=True)


def _pool_sweep(d: District, reps: int, pool: str) -> float:
    """Wall seconds of one sweep on ``pool``: "loky" (the sweep's own) or "spawn" (concurrent.futures)."""
    if pool == "loky":
        return _run(d, reps, executor="process", workers=2, evaluator=simulate_baseline)[0]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    from reopen_sim.district.sweep import prepare, run_task, task_seed

    t = time.perf_counter()
    tasks = []
    for school in d.schools:
        sc = prepare(school, d.what_ifs[0])
        assert isinstance(sc, Scenario)
        from reopen_sim.district.sweep import Task

        tasks.append(Task(school.name, d.what_ifs[0].name, sc, reps, task_seed(1, school.name), 1.0, ""))
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        list(ex.map(partial(run_task, simulate_baseline), tasks))
    return time.perf_counter() - t


def bench_pools(repeat: int) -> None:
    d = generate_district(10, seed=1, what_ifs=(WhatIf(name="baseline"),), max_students=600)
    print(f"# 10 schools x 5 replications, 2 workers; load average {_load()}")
    for i in range(repeat):
        for pool in ("loky", "spawn"):
            print(f"round {i}: {pool:5s} {_pool_sweep(d, 5, pool):5.1f} s", flush=True)


def _peak_rss_mb(who: int) -> float:
    """Peak resident memory in MB (``ru_maxrss`` is in KiB on Linux): RUSAGE_SELF or _CHILDREN."""
    import resource

    return resource.getrusage(who).ru_maxrss / 1024


def _worker_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _noop(x: int) -> int:
    return x


class _Cluster:
    """``dask scheduler`` + ``workers`` × ``dask worker`` (one thread, no nanny) on 127.0.0.1."""

    def __init__(self, workers: int) -> None:
        import socket
        import subprocess
        import sys
        from pathlib import Path

        from distributed import Client

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self.address = f"tcp://127.0.0.1:{port}"
        dask = str(Path(sys.executable).parent / "dask")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
        self.procs = [
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet
            )  # type: ignore[call-overload]
        ]
        for i in range(workers):
            args = [
                dask,
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--name",
                f"w{i}",
            ]
            self.procs.append(subprocess.Popen(args, **quiet))  # type: ignore[call-overload]
        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)

    def worker_peak_mb(self) -> list[float]:
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            return sorted(client.run(_worker_peak_mb).values())

    def scheduler_s_per_task(self, tasks: int) -> float:
        """Seconds per no-op task submitted, run and gathered: the scheduler's and transport's cost."""
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            t = time.perf_counter()
            client.gather(client.map(_noop, range(tasks), pure=False))
            return (time.perf_counter() - t) / tasks

    def close(self) -> None:
        import signal

        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=30)


def _pool_worker_peak_mb() -> float:
    """Peak memory of the largest loky worker: shut the pool down, then RUSAGE_CHILDREN."""
    import resource

    from loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)
    return _peak_rss_mb(resource.RUSAGE_CHILDREN)


def bench_scale(args: argparse.Namespace) -> dict[str, Any]:
    """One sweep at scale (section 6); returns and prints its figures."""
    import resource

    from reopen_sim.district.sweep import prepare

    t = time.perf_counter()
    d = generate_district(args.schools, seed=1, what_ifs=(WhatIf(name="baseline"),))
    generate_s = time.perf_counter() - t
    t = time.perf_counter()
    for school in d.schools:  # what the sweep does in the client before shipping tasks
        prepare(school, d.what_ifs[0])
    prepare_s = time.perf_counter() - t
    rss_before_mb = _peak_rss_mb(resource.RUSAGE_SELF)
    cluster = _Cluster(args.workers) if args.executor == "dask" else None
    evaluator = optimize_and_simulate if args.optimize else simulate_baseline
    if args.synthetic:
        evaluator = synthetic_metrics
    load_start = _load()
    try:
        kw: dict[str, Any] = {"scheduler": cluster.address} if cluster else {"executor": "process"}
        if args.store:
            kw["out_dir"] = args.store  # finished tasks under STORE/tasks: progress, and a re-run resumes
        wall, res = _run(
            d,
            args.replications,
            workers=args.workers,
            evaluator=evaluator,
            time_limit_s=args.time_limit,
            keep_replicates=args.keep_replicates,
            **kw,
        )
        client_mb = _peak_rss_mb(resource.RUSAGE_SELF)
        workers_mb = cluster.worker_peak_mb() if cluster else [_pool_worker_peak_mb()]
        sched_s = cluster.scheduler_s_per_task(max(200, len(d.schools))) if cluster else 0.0
    finally:
        if cluster is not None:
            cluster.close()
    tasks = len(d.schools)
    ok = int((res.status["status"] == "ok").sum())
    task_s = float(sum(res.meta["task_elapsed_s"].values()))
    serial_s = prepare_s  # validation in the client; gathering and folding are inside the overhead
    overhead_s = max(0.0, (wall - serial_s) * args.workers - task_s) / tasks  # a task, on one worker
    f = serial_s / (serial_s + task_s)
    w16 = 16
    projected_s = serial_s + (task_s + overhead_s * tasks) / w16 + sched_s * tasks
    out = {
        "schools": tasks,
        "replications": args.replications,
        "evaluator": "synthetic (no simulation)"
        if args.synthetic
        else ("optimize+simulate" if args.optimize else "simulate (baseline plan)"),
        "keep_replicates": args.keep_replicates,
        "resumed": res.meta["resumed"],
        "time_limit_s": args.time_limit if args.optimize else None,
        "executor": args.executor,
        "workers": args.workers,
        "ok": ok,
        "wall_s": round(wall, 1),
        "school_reps_per_s": round(ok * args.replications / wall, 1),
        "task_s_total": round(task_s, 1),
        "task_s_mean": round(task_s / tasks, 3),
        "generate_s": round(generate_s, 1),
        "serial_s (validation in client)": round(serial_s, 1),
        "serial_fraction": round(f, 4),
        "overhead_s_per_task": round(overhead_s, 3),
        "scheduler_s_per_task": round(sched_s, 4),
        "client_peak_mb": round(client_mb, 0),
        "client_mb_before_sweep": round(rss_before_mb, 0),
        "worker_peak_mb": [round(x) for x in workers_mb],
        "projected_16_workers_s": round(projected_s, 0),
        "amdahl_speedup_16": round(1 / (f + (1 - f) / w16), 1),
        "load_start": load_start,
        "load_end": _load(),
    }
    for k, v in out.items():
        print(f"{k:34s} {v}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 schools, fewer replications")
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs of each executor configuration (min reported)"
    )
    ap.add_argument("--interrupt", action="store_true", help="only: seconds from Ctrl-C to exit")
    ap.add_argument("--pools", action="store_true", help="only: loky pool against a spawn pool")
    ap.add_argument("--scale", action="store_true", help="only: one sweep at scale (section 6)")
    ap.add_argument("--schools", type=int, default=500, help="--scale: generated schools")
    ap.add_argument("--replications", type=int, default=100, help="--scale: replications a school")
    ap.add_argument("--executor", choices=("process", "dask"), default="process", help="--scale")
    ap.add_argument("--workers", type=int, default=2, help="--scale: worker processes")
    ap.add_argument("--optimize", action="store_true", help="--scale: CP-SAT then simulate (end to end)")
    ap.add_argument("--time-limit", type=float, default=1.0, help="--scale --optimize: deterministic s")
    ap.add_argument("--synthetic", action="store_true", help="--scale: random figures, no simulation")
    ap.add_argument("--keep-replicates", action="store_true", help="--scale: sweep(keep_replicates=True)")
    ap.add_argument("--store", default=None, help="--scale: out_dir of the sweep (progress, resume)")
    args = ap.parse_args()
    if args.scale:
        bench_scale(args)
        return
    if args.interrupt:
        bench_interrupt(args.repeat)
        return
    if args.pools:
        bench_pools(args.repeat)
        return
    n_schools, reps = (10, 5) if args.quick else (50, 10)
    baseline = (WhatIf(name="baseline"),)
    d = generate_district(n_schools, seed=1, what_ifs=baseline)
    students = sum(s.raw["classes"] and sum(c["students"] for c in s.raw["classes"]) for s in d.schools)  # type: ignore[index]
    print(
        f"# District: {n_schools} generated schools, {students} students; {reps} replications; "
        f"{os.cpu_count()} CPUs; load average {_load()}\n"
    )

    # 1. executors
    from distributed import LocalCluster

    t = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR):
        pass
    dask_start_s = time.perf_counter() - t
    runs = []
    ref = None
    configs = (("inprocess", 1), ("process", 1), ("process", 2), ("dask", 1), ("dask", 2))
    for round_ in range(args.repeat):  # rounds interleave the configurations, so load drift hits all
        for executor, workers in configs:
            wall, res = _run(d, reps, executor=executor, workers=workers, evaluator=simulate_baseline)
            if ref is None:
                ref = res
            same = res.summary.equals(ref.summary) and res.status.equals(ref.status)
            ok = int((res.status["status"] == "ok").sum())
            runs.append(
                {
                    "executor": executor,
                    "workers": workers,
                    "round": round_,
                    "wall_s": wall,
                    "ok": ok,
                    "identical": same,
                    "load": _load(),
                }
            )
            print({k: round(v, 1) if isinstance(v, float) else v for k, v in runs[-1].items()}, flush=True)
    r = pd.DataFrame(runs)
    t1 = (
        r.groupby(["executor", "workers"], sort=False)
        .agg(
            min_wall_s=("wall_s", "min"),
            median_wall_s=("wall_s", "median"),
            ok=("ok", "first"),
            identical=("identical", "all"),
        )
        .reset_index()
    )
    t1["school_reps_per_s"] = t1["ok"] * reps / t1["min_wall_s"]
    t1 = t1.round(2)
    for w in (1, 2):
        pool = t1[(t1.executor == "process") & (t1.workers == w)]["min_wall_s"].iloc[0]
        dask = t1[(t1.executor == "dask") & (t1.workers == w)]["min_wall_s"].iloc[0]
        print(f"dask / pool min wall time, {w} worker(s): {dask / pool:.2f}")
    print(f"LocalCluster start + close alone (2 workers): {dask_start_s:.1f} s\n")
    print(t1.to_string(index=False), "\n")

    # 2. growth (process pool, 2 workers)
    rows = []
    sizes = (5, 10) if args.quick else (10, 25, 50)
    for n in sizes:
        sub = District(name=f"{n}", schools=d.schools[:n], what_ifs=baseline)
        wall, _ = _run(sub, reps, executor="process", workers=2, evaluator=simulate_baseline)
        rows.append(
            {"schools": n, "replications": reps, "wall_s": round(wall, 1), "s_per_school": round(wall / n, 2)}
        )
        print(rows[-1], flush=True)
    n_fixed = sizes[-2]
    sub = District(name="r", schools=d.schools[:n_fixed], what_ifs=baseline)
    for r in (2, 5, 10) if args.quick else (5, 10, 20, 40):
        wall, _ = _run(sub, r, executor="process", workers=2, evaluator=simulate_baseline)
        rows.append(
            {
                "schools": n_fixed,
                "replications": r,
                "wall_s": round(wall, 1),
                "s_per_school": round(wall / n_fixed, 2),
            }
        )
        print(rows[-1], flush=True)
    print(pd.DataFrame(rows).to_string(index=False), "\n")

    # 3. end to end with CP-SAT
    small = generate_district(4 if args.quick else 6, seed=2, what_ifs=baseline, max_students=500)
    rows = []
    for executor, workers in (("inprocess", 1), ("process", 2)):
        wall, res = _run(
            small, reps, executor=executor, workers=workers, time_limit_s=3.0, evaluator=optimize_and_simulate
        )
        ok = int((res.status["status"] == "ok").sum())
        task_s = sum(res.meta["task_elapsed_s"].values())
        rows.append(
            {
                "executor": executor,
                "workers": workers,
                "schools": len(small.schools),
                "ok": ok,
                "wall_s": round(wall, 1),
                "task_s_total": round(task_s, 1),
                "load": _load(),
            }
        )
        print(rows[-1], flush=True)
    wall_sim, _ = _run(small, reps, executor="inprocess", evaluator=simulate_baseline)
    print(f"same schools, simulate only (baseline plan), in-process: {wall_sim:.1f} s")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
