"""A sweep on a real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1 (random free ports), one worker killed midway; the report equals an in-process sweep's,
byte for byte. The cluster is always torn down."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from reopen_sim.generate import generate_school

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    return {"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """(scheduler address, [worker processes]); every process killed at the end, whatever happens."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    log = (tmp_path / "cluster.log").open("wb")

    def start(*args: str) -> subprocess.Popen[bytes]:
        p = subprocess.Popen(
            [str(BIN / "dask"), *args], stdout=log, stderr=log, env=_env(), start_new_session=True
        )
        procs.append(p)
        return p

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        workers = [
            start("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}")
            for i in range(2)
        ]
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, workers
    finally:
        for p in procs:
            _stop(p)
        log.close()


def _stored(out: Path) -> int:
    """Finished tasks stored under ``out/tasks`` (not the temporary files being written)."""
    return len([p for p in (out / "tasks").glob("*.json") if not p.name.startswith(".")])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sweep_on_a_dask_cluster_survives_a_killed_worker(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, workers = cluster
    data = {
        "district": {"name": "Cluster district"},
        "schools": [
            {"scenario": generate_school(seed, n_students=120, kind=k, name=f"Gen {k}")}
            for seed, k in ((31, "high"), (12, "junior_middle"), (11, "primary"))
        ],
        "what_ifs": [
            {"name": "baseline"},
            {"name": "spacing 1.5 m", "overrides": {"policy": {"queue_spacing_m": 1.5}}},
        ],
    }
    dfile = tmp_path / "district.yaml"
    dfile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    common = [str(dfile), "-n", "2", "--time-limit", "1"]
    cli = [sys.executable, "-m", "reopen_sim.cli", "sweep"]

    local = subprocess.run(
        [*cli, *common, "-o", str(tmp_path / "local"), "--executor", "inprocess"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert local.returncode == 0, local.stderr

    out = tmp_path / "dask"
    proc = subprocess.Popen(
        [*cli, *common, "-o", str(out), "--scheduler", address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + 300
        while not _stored(out):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "no task finished on the cluster"
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep ended before a worker could be killed"
        workers[0].send_signal(signal.SIGKILL)  # midway: one task stored, five to go
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert workers[0].wait(timeout=30) == -signal.SIGKILL
    assert proc.returncode == 0, stderr
    assert "6 evaluated" in stdout and "(dask)" in stdout
    want, got = _files(tmp_path / "local" / "report"), _files(out / "report")
    assert want.keys() == got.keys()
    assert [f for f in want if want[f] != got[f]] == []
