"""The desk's pages through an in-process client: every page in zh and en, user text escaped, the
language switch, uploads with their problems, edits (the board marks broken rules; a stale version
shows the conflict and the latest state)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import reopen_sim as rs
from desk_support import ROOT, client_for, plan_school, upload

CJK = re.compile(r"[\u4e00-\u9fff]")
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, int, int]]:
    """A desk with the tiny school planned: (client, school id, plan id)."""
    with client_for(tmp_path_factory.mktemp("desk")) as c:
        school = upload(c).json()["id"]
        job = plan_school(c, school)
        assert job["status"] == "done", job
        yield c, school, job["result"]["plan"]


def _main(html: str) -> str:
    """The page without its header (whose language switch always says 中文 and English)."""
    return html.split("<main>", 1)[-1]


def _get(c: TestClient, url: str, lang: str) -> Any:
    return c.get(url, headers={"accept-language": "zh-CN,zh;q=0.9" if lang == "zh" else "en-GB,en;q=0.8"})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_in_the_browsers_language(desk: tuple[TestClient, int, int], lang: str) -> None:
    c, school, plan = desk
    for url in ("/", f"/schools/{school}", f"/plans/{plan}", f"/plans/{plan}/board", f"/plans/{plan}/why"):
        r = _get(c, url, lang)
        assert r.status_code == 200, (url, r.text[:300])
        assert (CJK.search(_main(r.text)) is not None) == (lang == "zh"), url
    page = _get(c, f"/plans/{plan}", lang).text
    assert page.count('class="card ') == len(
        rs.load_scenario(ROOT / "scenarios" / "tiny-school.yaml").classes
    )
    # Classes as schools write them (naming.class_name), not their ids.
    assert ("（1）班" in page) == (lang == "zh")


def test_language_switch_is_kept_in_a_cookie(desk: tuple[TestClient, int, int]) -> None:
    c, _, _ = desk
    r = c.get("/lang/zh?next=/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert CJK.search(_main(_get(c, "/", "en").text))  # the cookie wins over Accept-Language
    c.get("/lang/en?next=//evil.example/", follow_redirects=False)
    assert c.cookies.get("desk_lang") == "en"
    assert not CJK.search(_main(_get(c, "/", "zh").text))
    off_site = c.get("/lang/en?next=//evil.example/", follow_redirects=False)
    assert off_site.headers["location"] == "/"
    c.cookies.delete("desk_lang")


def test_a_school_name_is_escaped(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "tiny-school.yaml").read_text(encoding="utf-8")
    evil = re.sub(r"(?m)^(  name: ).*$", rf"\g<1>'{EVIL}'", text, count=1)
    path = tmp_path / "evil.yaml"
    path.write_text(evil, encoding="utf-8")
    with client_for(tmp_path / "desk") as c:
        school = upload(c, path).json()["id"]
        for url in ("/", f"/schools/{school}"):
            body = c.get(url).text
            assert EVIL not in body
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_an_upload_with_problems_lists_each_next_to_its_field(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "tiny-school.yaml").read_text(encoding="utf-8")
    bad = text.replace("lanes:", "lanes: -3\n    x_lanes:", 1)
    with client_for(tmp_path / "desk") as c:
        for lang in ("zh", "en"):
            r = c.post(
                "/schools",
                files={"file": ("bad.yaml", bad.encode(), "application/x-yaml")},
                headers={"accept-language": lang},
            )
            assert r.status_code == 200 and "HX-Redirect" not in r.headers
            assert "entrances" in r.text and "lanes" in r.text  # the field path
            assert (CJK.search(_main(r.text)) is not None) == (lang == "zh")
        assert c.get("/api/schools").json() == []  # nothing stored


def test_an_example_school_is_stored_and_opened(tmp_path: Path) -> None:
    with client_for(tmp_path / "desk") as c:
        r = c.post("/schools/example", data={"example": "tiny-school"})
        assert r.status_code == 204
        school = c.get("/api/schools").json()[0]["id"]
        assert r.headers["HX-Redirect"] == f"/schools/{school}"
        assert c.post("/schools/example", data={"example": "../../etc/passwd"}).status_code == 422


def _version(c: TestClient, plan: int) -> int:
    return int(c.get(f"/api/plans/{plan}").json()["version"])


def test_an_edit_marks_the_broken_rule_on_the_card_and_a_stale_one_shows_the_conflict(
    desk: tuple[TestClient, int, int],
) -> None:
    c, _, plan = desk
    rows = c.get(f"/api/plans/{plan}").json()["classes"]
    first, other = rows[0], next(r for r in rows if r["arrival_start"] != rows[0]["arrival_start"])
    version = _version(c, plan)
    form = {"class_id": first["class_id"], "arrival_start": other["arrival_start"], "gate": other["gate"]}
    r = c.post(f"/plans/{plan}/edit", data={**form, "version": str(version), "window_min": "10"})
    assert r.status_code == 200
    after = c.get(f"/api/plans/{plan}").json()
    assert after["version"] == version + 1
    moved = next(x for x in after["classes"] if x["class_id"] == first["class_id"])
    assert (moved["arrival_start"], moved["gate"]) == (other["arrival_start"], other["gate"])
    for v in after["violations"]:  # each broken rule the API found is on the board, on its cards
        assert v["message"].split(" (")[0][:40] in r.text.replace("&#39;", "'")
    if first["class_id"] in {cid for v in after["violations"] for cid in v["classes"]}:
        assert re.search(rf'class="card[^"]*broken[^"]*"[^>]*\s+data-class="{first["class_id"]}"', r.text)
    stale = c.post(f"/plans/{plan}/edit", data={**form, "version": str(version), "window_min": "10"})
    assert stale.status_code == 200
    assert 'class="conflict"' in stale.text
    assert f'data-version="{version + 1}"' in stale.text  # the latest state
    assert _version(c, plan) == version + 1  # nothing overwritten


def test_pin_from_the_form(desk: tuple[TestClient, int, int]) -> None:
    c, _, plan = desk
    cid = c.get(f"/api/plans/{plan}").json()["classes"][0]["class_id"]
    r = c.post(
        f"/plans/{plan}/edit", data={"class_id": cid, "pinned": "true", "version": str(_version(c, plan))}
    )
    assert r.status_code == 200
    assert cid in c.get(f"/api/plans/{plan}").json()["pins"]
    assert "📌" in r.text


def test_static_assets_are_served_by_name_only(desk: tuple[TestClient, int, int]) -> None:
    c, _, _ = desk
    js = c.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text
    assert c.get("/static/desk.css").status_code == 200
    assert c.get("/static/..%2Fpages.py").status_code == 404
    assert c.get("/static/pages.py").status_code == 404


def test_a_what_if_makes_a_new_school_and_plans_it(desk: tuple[TestClient, int, int]) -> None:
    c, tiny, _ = desk
    only_gate = c.get(f"/api/schools/{tiny}").json()["entrances"]
    assert len(only_gate) == 1
    r = c.post(f"/schools/{tiny}/whatif", data={"close_gate": only_gate}, headers={"accept-language": "en"})
    assert 'class="issues"' in r.text and "what-if" in r.text  # no gate left: said, nothing stored
    c.post("/schools/example", data={"example": "junior-middle"})
    school = c.get("/api/schools").json()[0]["id"]
    before = {s["id"] for s in c.get("/api/schools").json()}
    gate = c.get(f"/api/schools/{school}").json()["entrances"][0]
    form = {"close_gate": [gate], "screening_method": "thermal_kiosk", "queue_spacing_m": "1.5"}
    r = c.post(f"/schools/{school}/whatif", data=form, headers={"accept-language": "zh"})
    assert r.status_code == 200 and 'id="job"' in r.text, r.text[:500]
    (new,) = {s["id"] for s in c.get("/api/schools").json()} - before
    sc = c.get(f"/api/schools/{new}").json()
    assert gate not in sc["entrances"]
    assert sc["scenario"]["policy"]["queue_spacing_m"] == 1.5
    assert {e["screening_method"] for e in sc["scenario"]["entrances"]} == {"thermal_kiosk"}
    page = c.get(f"/schools/{new}", headers={"accept-language": "zh"}).text
    assert f'href="/schools/{school}"' in page and "排队间距 1.5 米" in page  # what it was made from
    job = re.search(r'hx-get="/jobs/([0-9a-f]+)"', r.text)
    assert job is not None
    assert c.delete(f"/api/jobs/{job.group(1)}").status_code in (200, 409)  # not needed further
    nothing = c.post(f"/schools/{school}/whatif", data={})
    assert 'class="job failed"' in nothing.text


def test_a_plan_job_shows_progress_and_can_be_cancelled(desk: tuple[TestClient, int, int]) -> None:
    c, school, _ = desk
    r = c.post(f"/schools/{school}/plan", data={"time_limit_s": "300"})
    job = re.search(r'hx-get="/jobs/([0-9a-f]+)"', r.text)
    assert job is not None and "<progress" in r.text
    cancelled = c.post(f"/jobs/{job.group(1)}/cancel", headers={"accept-language": "en"})
    assert cancelled.status_code == 200
    assert "Cancelled" in cancelled.text
    assert c.get(f"/api/jobs/{job.group(1)}").json()["status"] == "cancelled"


def test_a_simulated_plan_shows_each_gates_queue_against_its_marked_places(
    desk: tuple[TestClient, int, int],
) -> None:
    from desk_support import wait_job

    c, school, plan = desk
    r = c.post(f"/plans/{plan}/simulate", data={"replications": "3"})
    job = re.search(r'hx-get="/jobs/([0-9a-f]+)"', r.text)
    assert job is not None
    assert wait_job(c, job.group(1))["status"] == "done"
    done = c.get(f"/jobs/{job.group(1)}")
    assert done.status_code == 204 and done.headers["HX-Redirect"].startswith(f"/plans/{plan}?")
    page = c.get(f"/plans/{plan}", headers={"accept-language": "en"}).text
    gates = c.get(f"/api/schools/{school}").json()["entrances"]
    table = page.split('id="sim-table"')[1].split("</table>")[0]
    assert table.count("<tr") == 1 + len(gates) + 1  # header, each gate, all gates
    charts = page.split('id="queue-charts"')[1].split("</section>")[0]
    assert charts.count('<figure class="qchart"') == len(gates)
    sc = rs.load_scenario(ROOT / "scenarios" / "tiny-school.yaml")
    from reopen_sim.scenario.capacity import open_lanes, queue_places_per_lane

    e = sc.entrances[0]
    places = open_lanes(e, sc.policy.staff_per_lane) * queue_places_per_lane(
        e.queue_length_m, sc.policy.queue_spacing_m
    )
    # Marked places: drawn dashed when near the queue, else named above the chart.
    assert f"marked places: {places}<" in charts or f"marked places: {places} (above the scale)" in charts
