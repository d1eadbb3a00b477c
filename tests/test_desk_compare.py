"""The desk's test and compare: a simulation keeps each gate's queue minute by minute (the report's
band) and its judgement against the service level (the certifier's); a comparison gives per gate
paired differences, each version's queue and what changed; the pages draw one chart per gate and say
which version is better on what, and whether that is certain."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from desk_support import ROOT, TINY, client_for, plan_school, upload, wait_job
from reopen_sim.desk.pages_compare import _judged, verdict
from reopen_sim.i18n import load_catalogue
from reopen_sim.plan import plan_from_rows
from reopen_sim.scenario.load import load_scenario

EXAMPLES = ROOT / "scenarios"
JUNIOR = EXAMPLES / "junior-middle.yaml"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The junior middle school (four gates) planned, and a second version with one class moved to
    another gate and window: {client, school, plan, moved}."""
    with client_for(tmp_path_factory.mktemp("desk"), examples_dir=EXAMPLES) as c:
        r = c.post("/api/examples/junior-middle")
        assert r.status_code == 201, r.text
        school = r.json()["id"]
        job = plan_school(c, school)
        assert job["status"] == "done", (job.get("error"), job.get("params"))
        plan = job["result"]["plan"]
        rows = c.get(f"/api/plans/{plan}").json()["classes"]
        moved = rows[0]
        gate = next(g for g in c.get(f"/api/schools/{school}").json()["entrances"] if g != moved["gate"])
        window = next(r for r in rows if r["arrival_start"] != moved["arrival_start"])
        r = c.patch(
            f"/api/plans/{plan}/classes/{moved['class_id']}",
            json={
                "gate": gate,
                "arrival_start": window["arrival_start"],
                "arrival_end": window["arrival_end"],
            },
            headers={"If-Match": "1"},
        )
        assert r.status_code == 200, r.text
        yield {"client": c, "school": school, "plan": plan, "moved": moved["class_id"], "gate": gate}


def _simulate(c: TestClient, plan: int, replications: int, version: int | None = None) -> dict[str, Any]:
    params = {"version": version} if version else {}
    r = c.post(f"/api/plans/{plan}/simulate", params=params, json={"replications": replications, "seed": 1})
    assert r.status_code == 202, r.text
    job = wait_job(c, r.json()["job"])
    assert job["status"] == "done", (job.get("error"), job.get("params"))
    return job


def _library_plan(c: TestClient, plan: int, version: int) -> Any:
    return plan_from_rows(c.get(f"/api/plans/{plan}", params={"version": version}).json()["classes"])


def test_a_simulation_keeps_each_gates_queue_minute_by_minute(desk: dict[str, Any]) -> None:
    from reopen_sim.report.figures import gate_limits_people, queue_band
    from reopen_sim.simulation.run import simulate

    c, plan = desk["client"], desk["plan"]
    job = _simulate(c, plan, 3, version=1)
    sid = job["result"]["simulation"]
    listed = c.get(f"/api/plans/{plan}/simulations", params={"version": 1}).json()
    assert listed[0]["id"] == sid and "series" not in listed[0]
    assert listed[0]["certification"] is None  # 3 mornings: too few to judge
    got = c.get(f"/api/plans/{plan}/simulations/{sid}").json()
    series = got["series"]
    sc = load_scenario(JUNIOR)
    assert [g["gate"] for g in series["gates"]] == [e.id for e in sc.entrances]
    # The same band the report draws, from the same mornings.
    res = simulate(sc, _library_plan(c, plan, 1), replications=3, seed=1)
    band = queue_band(res.timeseries_raw().assign(plan="p"))
    limits = gate_limits_people(sc)
    for g in series["gates"]:
        assert len(g["mean"]) == len(g["lo"]) == len(g["hi"])
        assert g["marked_places"] == limits[g["gate"]]
        b = band[band["gate"] == g["gate"]]
        idx = (b["minute"] - series["start_min"]).to_numpy()
        assert np.allclose(np.asarray(g["mean"])[idx], b["mean"], atol=0.006)
        assert np.allclose(np.asarray(g["hi"])[idx], b["hi"], atol=0.006)
        assert all(lo <= m + 1e-9 <= hi + 2e-9 for lo, m, hi in zip(g["lo"], g["mean"], g["hi"], strict=True))
    assert max(max(g["mean"]) for g in series["gates"]) > 0  # somebody queued
    assert c.get(f"/api/plans/{plan}/simulations/{sid + 1000}").status_code == 404


def test_enough_mornings_are_judged_against_the_service_level_by_the_certifier(desk: dict[str, Any]) -> None:
    from reopen_sim.optimizer.certify import evaluate, unmet_reasons

    c, plan = desk["client"], desk["plan"]
    job = _simulate(c, plan, 10, version=1)
    cert = job["result"]["certification"]
    sc = load_scenario(JUNIOR)
    sl = sc.policy.service_level
    ev = evaluate(sc, _library_plan(c, plan, 1), 10, 1, sl)
    assert cert["met"] == ev.met(sl)
    assert cert["replications"] == 10
    assert cert["reasons"] == unmet_reasons(sc, sl, ev, "desk.test.cause")
    assert len(cert["gate_windows"]) == len(ev.windows)
    stored = c.get(f"/api/plans/{plan}/simulations", params={"version": 1}).json()[0]
    assert stored["certification"] == cert


def test_two_versions_compared_per_gate_with_what_changed(desk: dict[str, Any]) -> None:
    from reopen_sim.desk.series import GATE_METRICS
    from reopen_sim.experiment import compare, summarise_paired

    c, plan = desk["client"], desk["plan"]
    r = c.post(f"/api/plans/{plan}/compare", json={"versions": [1, 2], "replications": 4, "seed": 1})
    assert r.status_code == 202
    job = wait_job(c, r.json()["job"])
    assert job["status"] == "done", (job.get("error"), job.get("params"))
    res = job["result"]
    assert res["reference"] == "v1"
    assert [x["name"] for x in res["compared"]] == ["v1", "v2"]
    moved = [ch for ch in res["changes"]["v2"] if ch["class_id"] == desk["moved"]]
    assert {ch["field"] for ch in moved} >= {"gate", "arrival_start"}
    assert {ch["class_id"] for ch in res["changes"]["v2"]} == {desk["moved"]}
    sc = load_scenario(JUNIOR)
    assert set(res["series"]) == {"v1", "v2"}
    assert [g["gate"] for g in res["series"]["v2"]["gates"]] == [e.id for e in sc.entrances]
    # Per gate, the library's paired summary of the same mornings.
    cmp = compare(sc, {"v1": _library_plan(c, plan, 1), "v2": _library_plan(c, plan, 2)}, 4, seed=1)
    gm = cmp.gate_metrics
    gate = desk["gate"]
    long = gm[gm["gate"] == gate].melt(
        id_vars=["plan", "replication"], value_vars=list(GATE_METRICS), var_name="metric"
    )
    expected = summarise_paired(long)
    for row in expected[expected["plan"] == "v2"].to_dict(orient="records"):
        got = next(
            x
            for x in res["gates"]
            if x["gate"] == gate and x["plan"] == "v2" and x["metric"] == row["metric"]
        )
        for k in ("mean", "diff_mean", "diff_lo", "diff_hi"):
            assert got[k] is None or got[k] == pytest.approx(row[k], abs=2e-3), (row["metric"], k)
    # The moved class's new gate carries its students in v2: its paired difference is not all zero.
    diffs = [x for x in res["gates"] if x["gate"] == gate and x["plan"] == "v2"]
    assert any(x["diff_mean"] not in (0, None) for x in diffs)


def test_versions_of_two_plans_of_one_school_are_compared_and_other_schools_refused(
    desk: dict[str, Any], tmp_path: Path
) -> None:
    c, plan, school = desk["client"], desk["plan"], desk["school"]
    other = plan_school(c, school, seed=3)["result"]["plan"]
    r = c.post(
        f"/api/plans/{plan}/compare",
        json={"versions": [2, 1], "plans": [plan, other], "replications": 2},
    )
    assert r.status_code == 202, r.text
    job = wait_job(c, r.json()["job"])
    assert job["status"] == "done", (job.get("error"), job.get("params"))
    assert [x["name"] for x in job["result"]["compared"]] == ["v2", f"#{other} v1"]
    stranger = plan_school(c, upload(c, TINY).json()["id"])["result"]["plan"]
    refused = c.post(
        f"/api/plans/{plan}/compare",
        json={"versions": [1, 1], "plans": [plan, stranger]},
        headers={"accept-language": "zh"},
    )
    assert refused.status_code == 422 and str(stranger) in refused.json()["detail"]
    assert re.search(r"[\u4e00-\u9fff]", refused.json()["detail"])
    assert c.post(f"/api/plans/{plan}/compare", json={"versions": [1, 1]}).status_code == 422
    lengths = c.post(f"/api/plans/{plan}/compare", json={"versions": [1, 2], "plans": [plan]})
    assert lengths.status_code == 422


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_plan_page_draws_one_queue_chart_per_gate_and_the_judgement(
    desk: dict[str, Any], lang: str
) -> None:
    c, plan = desk["client"], desk["plan"]
    _simulate(c, plan, 10)
    page = c.get(f"/plans/{plan}", headers={"accept-language": lang}).text
    sc = load_scenario(JUNIOR)
    charts = page.split('id="queue-charts"')[1].split("</section>")[0]
    assert charts.count('<figure class="qchart"') == len(sc.entrances)
    assert charts.count('<polygon class="band s0"') == len(sc.entrances)
    assert charts.count('<path class="mean s0"') == len(sc.entrances)
    assert re.search(r'class="xt"[^>]*>0[67]:[0-5]\d<', charts)  # times of day on the axis
    cat = load_catalogue(lang)
    assert cat("desk.cmp.time_of_day") in charts
    for e in sc.entrances:
        assert f'data-gate="{e.id}"' in charts
    cert = page.split('id="certification"')[1].split("</div>")[0]
    stored = c.get(f"/api/plans/{plan}/simulations").json()[0]["certification"]
    key = "desk.test.cert_met" if stored["met"] else "desk.test.cert_unmet"
    assert cat(key, n=10) in cert


def test_too_few_mornings_say_how_many_are_judged(tmp_path: Path) -> None:
    with client_for(tmp_path / "desk") as c:
        school = upload(c).json()["id"]
        plan = plan_school(c, school)["result"]["plan"]
        _simulate(c, plan, 3)
        page = c.get(f"/plans/{plan}", headers={"accept-language": "en"}).text
    cert = page.split('id="certification"')[1].split("</div>")[0]
    assert load_catalogue("en")("desk.test.cert_few", n=10) in cert
    assert page.count('<figure class="qchart"') == len(load_scenario(TINY).entrances)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_compare_page_shows_paired_differences_and_a_verdict(desk: dict[str, Any], lang: str) -> None:
    c, plan = desk["client"], desk["plan"]
    h = {"accept-language": lang}
    form = c.get(f"/plans/{plan}/compare", headers=h).text
    assert f'value="{plan}:1"' in form and f'value="{plan}:2" selected' in form
    r = c.post(
        f"/plans/{plan}/compare",
        data={"first": f"{plan}:1", "second": f"{plan}:2", "replications": "3"},
        headers=h,
    )
    job = re.search(r'hx-get="/jobs/([0-9a-f]+)"', r.text)
    assert job is not None and "<progress" in r.text
    assert wait_job(c, job.group(1))["status"] == "done"
    done = c.get(f"/jobs/{job.group(1)}")
    assert done.headers["HX-Redirect"] == f"/plans/{plan}/compare?job={job.group(1)}"
    page = c.get(done.headers["HX-Redirect"], headers=h).text
    cat = load_catalogue(lang)
    result = c.get(f"/api/jobs/{job.group(1)}").json()["result"]
    whole = page.split('id="whole-diffs"')[1].split("</table>")[0]
    metrics = {r["metric"] for r in result["table"]}
    assert whole.count("<tr data-metric=") == len(metrics & set(re.findall(r'data-metric="(\w+)"', whole)))
    assert 'data-metric="max_queue_people"' in whole
    sc = load_scenario(JUNIOR)
    gates = page.split('id="compare-gates"')[1].split('id="compare-changes"')[0]
    assert gates.count('<figure class="qchart"') == len(sc.entrances)
    assert gates.count('<path class="mean s1"') == len(sc.entrances)  # both versions on each chart
    verdict_html = page.split('id="verdict"')[1].split("</ul>")[0]
    assert cat("desk.cmp.label", n=2) in verdict_html
    changes = page.split('id="compare-changes"')[1].split("</section>")[0]
    moved = next(x for x in sc.classes if x.id == desk["moved"])
    from reopen_sim.naming import class_name

    assert class_name(moved, lang) in changes
    new_gate = next(e for e in sc.entrances if e.id == desk["gate"])
    assert f"<td>{new_gate.name}</td>" in changes  # gates as the school names them
    assert page.split('id="compare-boards"')[1].count('<table class="board"') == 2
    if lang == "zh":
        text = re.sub(r"<[^>]*>", " ", page.split("<main>")[1])  # the words, not the markup
        assert not re.search(r"\b(better|worse|certain|Whole school|Per gate)\b", text)


def test_a_difference_is_certain_only_when_its_interval_excludes_zero() -> None:
    row = {"diff_mean": -2.0, "diff_lo": -3.0, "diff_hi": -1.0}
    assert _judged(row) == "better"
    assert _judged({**row, "diff_mean": 2.0, "diff_lo": 1.0, "diff_hi": 3.0}) == "worse"
    assert _judged({**row, "diff_hi": 0.5}) == "unsure"
    assert _judged({"diff_mean": 0.0, "diff_lo": 0.0, "diff_hi": 0.0}) == "same"
    cat = load_catalogue("en")
    rows = [{"label": "late students", "judged": "unsure"}, {"label": "longest queue", "judged": "better"}]
    lines = verdict(rows, "version 1", "version 2", 30, cat)
    assert lines[0] == cat("desk.cmp.verdict.better", a="version 1", b="version 2", metrics="longest queue")
    assert "late students" in lines[1]
    only_unsure = verdict(rows[:1], "version 1", "version 2", 30, cat)
    assert only_unsure[0] == cat("desk.cmp.verdict.none", a="version 1", b="version 2", n=30)


def test_figures_are_shown_as_read() -> None:
    from reopen_sim.desk.pages_compare import _value

    assert _value("late", -0.04, diff=True) == "+0.0"  # never "-0.0"
    assert _value("late", -0.4, diff=True) == "-0.4"
    assert _value("last_through_min", 444.4) == "07:24"
    assert _value("last_through_min", 3.0, diff=True) == "+3.0"
    assert _value("late", None) == "–"


def test_a_comparison_shows_progress_and_can_be_cancelled(desk: dict[str, Any]) -> None:
    c, plan = desk["client"], desk["plan"]
    r = c.post(
        f"/plans/{plan}/compare", data={"first": f"{plan}:1", "second": f"{plan}:2", "replications": "1000"}
    )
    job = re.search(r'hx-get="/jobs/([0-9a-f]+)"', r.text)
    assert job is not None and f'hx-post="/jobs/{job.group(1)}/cancel"' in r.text
    cancelled = c.post(f"/jobs/{job.group(1)}/cancel", headers={"accept-language": "en"})
    assert "Cancelled" in cancelled.text
    assert c.get(f"/api/jobs/{job.group(1)}").json()["status"] == "cancelled"
    page = c.get(f"/plans/{plan}/compare?job={job.group(1)}", headers={"accept-language": "en"}).text
    assert 'id="compare-results"' not in page and "Cancelled" in page


def test_openapi_documents_the_simulation_and_its_series(desk: dict[str, Any]) -> None:
    spec = desk["client"].get("/api/openapi.json").json()
    one = spec["paths"]["/api/plans/{plan_id}/simulations/{simulation_id}"]["get"]
    assert "series" in one["description"]
    assert "plans" in spec["components"]["schemas"]["CompareRequest"]["properties"]
