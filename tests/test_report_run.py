"""The main job end to end: `reopen-sim run` on the bundled junior middle school, in both languages.

Few replications keep it to seconds; what is checked is the job's plumbing and that the optimized
plan's queues and contacts stand next to the baseline's, not statistical figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip(
    "reopen_sim.optimizer.baseline", reason="baseline_plan (optimizer issue) not in the tree yet"
)
pytest.importorskip("reopen_sim.optimizer.check", reason="check_plan (optimizer issue) not in the tree yet")

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "junior-middle.yaml"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "200", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )


@pytest.fixture(scope="module")
def run_en(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("run") / "out"
    res = cli("run", str(SCENARIO), "-o", str(out), "-n", "4", "--time-limit", "10")
    return out, res


def test_run_writes_every_document(run_en: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, res = run_en
    assert res.returncode == 0, res.stderr
    for name in (
        "report.html",
        "notices_parents.html",
        "notices_staff.html",
        "timetable.csv",
        "timetable.xlsx",
        "comparison.csv",
        "run.json",
    ):
        assert (out / name).is_file(), name
    # Meals are delivered at this school: no canteen figure.
    assert not (out / "figures" / "canteen.svg").exists()
    for name in ("gantt", "queues", "waits", "contacts"):
        assert (out / "figures" / f"{name}.svg").is_file() and (out / "figures" / f"{name}.png").is_file()
    # The terminal ends with the comparison table and where the report is.
    assert "Peak queue, all gates (people)" in res.stdout
    # ... and says in words what each compared plan is.
    assert "by hand: the same rules applied by hand" in res.stdout
    assert "report.html" in res.stdout.splitlines()[-1]


def test_table_puts_optimized_next_to_baseline(run_en: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = run_en
    table = pd.read_csv(out / "comparison.csv")
    assert list(dict.fromkeys(table["plan"])) == ["baseline", "by_hand", "optimized"]
    for metric in (
        "max_queue_people",
        "max_queue_m",
        "p95_wait_min",
        "close_contacts",
        "cross_grade_contacts",
    ):
        assert set(table.loc[table["metric"] == metric, "plan"]) == {"baseline", "by_hand", "optimized"}, (
            metric
        )
    opt = table[table["plan"] == "optimized"].set_index("metric")
    assert opt["diff_mean"].notna().all()


def test_run_json_and_timetable(run_en: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    import reopen_sim as rs

    out, _ = run_en
    rec = json.loads((out / "run.json").read_text(encoding="utf-8"))
    sc = rs.load_scenario(SCENARIO)
    assert rec["scenario"]["sha256"] == sc.source_sha256
    assert rec["replications"] == 4 and rec["simulation_seed"] == 1
    assert rec["solver_status"] in ("OPTIMAL", "FEASIBLE")
    plan = rs.read_timetable(out / "timetable.csv", sc)
    assert rs.check_plan(sc, plan) == []


def test_existing_out_needs_force(run_en: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = run_en
    before = (out / "run.json").read_bytes()
    res = cli("run", str(SCENARIO), "-o", str(out), "-n", "2")
    assert res.returncode == 2
    assert str(out) in res.stderr and "--force" in res.stderr and "Traceback" not in res.stderr
    assert (out / "run.json").read_bytes() == before


def test_bad_language_is_exit_2(tmp_path: Path) -> None:
    res = cli("run", str(SCENARIO), "-o", str(tmp_path / "o"), "--lang", "fr")
    assert res.returncode == 2 and "--lang" in res.stderr and "en, zh" in res.stderr
    assert not (tmp_path / "o").exists()


def test_run_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "zh"
    res = cli("run", str(SCENARIO), "-o", str(out), "-n", "2", "--lang", "zh", "--time-limit", "10")
    assert res.returncode == 0, res.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'lang="zh-Hans"' in html and "方案对比" in html and "优化方案" in html
    assert "排队峰值" in res.stdout
    # The real run's Chinese pages pass the same no-English scan as the synthetic ones.
    import re

    import reopen_sim as rs
    from test_report import ALLOWED_LATIN, _data_words, parse

    allowed = ALLOWED_LATIN | _data_words(rs.load_scenario(SCENARIO))
    for name in ("report.html", "notices_parents.html", "notices_staff.html"):
        p = parse(out / name)
        assert p.errors == [] and p.stack == []
        visible = [re.sub(r"\b[0-9a-f]{8,}\b", "", v) for v in p.text]
        assert sorted({w for v in visible for w in re.findall(r"[A-Za-z]{2,}", v)} - allowed) == [], name


def test_current_timetable_is_compared_too(
    run_en: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    out, _ = run_en
    res = cli(
        "run", str(SCENARIO), "-o", str(tmp_path / "cur"), "-n", "2", "--current", str(out / "timetable.csv")
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "cur" / "comparison.csv")
    assert list(dict.fromkeys(table["plan"])) == ["baseline", "by_hand", "optimized", "current"]
    # The current timetable is the optimized plan of the first run: same plan, same random mornings.
    cur = table[table["plan"] == "current"].set_index("metric")["mean"]
    opt = table[table["plan"] == "optimized"].set_index("metric")["mean"]
    pd.testing.assert_series_equal(cur, opt, check_names=False)


def test_bad_current_timetable_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "t.csv"
    bad.write_text("class_id,grade\n7-1,7\n", encoding="utf-8")
    res = cli("run", str(SCENARIO), "-o", str(tmp_path / "o"), "--current", str(bad))
    assert res.returncode == 2 and str(bad) in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_demo_prints_where_the_report_is(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    res = cli("demo", "-o", str(out), "-n", "2")
    assert res.returncode == 0, res.stderr
    assert (out / "report.html").is_file()
    assert str(out / "report.html") in res.stdout.replace("\n", "")
