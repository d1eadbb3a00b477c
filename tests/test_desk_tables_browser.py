"""The school's tables in a real browser (Playwright with the system chromium), in zh and in en:
edit a gate's lanes and a class's students, see a bad value refused next to its cell, see the plan
marked out of date, re-plan, and download the school as a workbook that loads as the edited school.

Run: ``pytest -m browser tests/test_desk_tables_browser.py`` (``DESK_SCREENSHOTS=DIR`` keeps screenshots).
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import reopen_sim as rs
from reopen_sim.scenario.load import scenario_from_dict
from test_desk_browser import SLOW_MS, _shot, browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _api(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.loads(r.read())


def _edit(page: Any, cell: str, value: str) -> None:
    box = page.locator(cell)
    box.fill(value)
    box.press("Tab")  # leaving the cell sends the change


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_edit_school_tables_replan_and_download(
    server: str,  # noqa: F811 (the fixture imported above)
    browser: Any,  # noqa: F811
    lang: str,
    tmp_path: Path,
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    expect.set_options(timeout=SLOW_MS)  # every wait on the desk, as in test_desk_browser.py
    ctx = browser.new_context(accept_downloads=True, locale="zh-CN" if lang == "zh" else "en-US")
    ctx.set_default_timeout(SLOW_MS)  # clicks, page loads and downloads wait on the desk too
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{server}/lang/{lang}?next=/")
    page.locator("#example select").select_option("junior-middle")
    page.locator("#example button").click()
    page.wait_for_url(re.compile(r"/schools/\d+$"))
    school_url = page.url
    school = int(school_url.rsplit("/", 1)[1])
    version = page.locator("#school-version")
    expect(version).to_have_value("1")

    # A plan for version 1 of the school.
    page.locator("input[name=time_limit_s]").fill("3")
    page.locator("#plan-button").click()
    page.wait_for_url(re.compile(r"/plans/\d+"), timeout=SLOW_MS)
    plan_url = page.url
    page.goto(school_url)
    expect(version).to_have_value("1")
    assert page.locator("[data-out-of-date]").count() == 0

    # A gate's lanes and a class's students, each saved as a new version of the school.
    lanes = int(page.locator("#cell-entrances-0-lanes").input_value())
    _edit(page, "#cell-entrances-0-lanes", str(lanes + 1))
    expect(version).to_have_value("2")
    expect(page.locator("#tables-message")).to_contain_text("2")
    expect(page.locator("[data-out-of-date]")).to_be_visible()  # the plan was made for version 1
    students = int(page.locator("#cell-classes-0-students").input_value())
    _edit(page, "#cell-classes-0-students", str(students + 2))
    expect(version).to_have_value("3")
    expect(page.locator("#school-version-label")).to_contain_text("3")
    _shot(page, f"tables-saved-{lang}")

    # A bad value: refused next to its cell, in the page's language, nothing saved.
    _edit(page, "#cell-classes-0-students", "500")
    issue = page.locator("#row-classes-0 .cell-issue")
    expect(issue).to_be_visible()
    text = issue.inner_text()
    assert "500" in text and "120" in text, text
    expected = text.split("应为")[-1] if lang == "zh" else text.split("expected")[-1]
    assert (re.search(r"[\u4e00-\u9fff]", expected) is not None) == (lang == "zh"), text
    expect(version).to_have_value("3")
    expect(page.locator("#cell-classes-0-students")).to_have_attribute("aria-invalid", "true")
    page.locator("#row-classes-0").scroll_into_view_if_needed()
    _shot(page, f"tables-refused-{lang}")
    _shot(page, f"tables-classes-{lang}", "#part-classes")
    sc = _api(server, f"/api/schools/{school}")["scenario"]
    assert sc["entrances"][0]["lanes"] == lanes + 1 and sc["classes"][0]["students"] == students + 2

    # Re-plan from the plan's page: the new version is made for the edited school.
    page.goto(plan_url)
    page.locator("#replan-button").click()
    expect(page.locator("#board")).to_have_attribute("data-version", "2", timeout=SLOW_MS)
    page.goto(school_url)
    expect(version).to_have_value("3")
    assert page.locator("[data-out-of-date]").count() == 0

    # The workbook of the edited school loads as the same school.
    with page.expect_download() as got:
        page.locator("#download-school").click()
    path = tmp_path / "school.xlsx"
    path.write_bytes(Path(got.value.path()).read_bytes())
    loaded = rs.load_scenario(path)
    assert loaded.entrances[0].lanes == lanes + 1 and loaded.classes[0].students == students + 2
    stored = scenario_from_dict(sc, file="stored")
    assert loaded.model_dump(mode="json") == stored.model_dump(mode="json")
    ctx.close()


def test_edit_walks_and_add_a_canteen_in_chinese_then_replan_from_the_banner(
    server: str,  # noqa: F811 (the fixture imported above)
    browser: Any,  # noqa: F811
) -> None:
    """In zh: a walking distance edited (and a bad one refused next to its cell in Chinese), a
    canteen added to a school without one; the plan made before says the school was edited, names
    the change, and its banner's re-plan makes a version for the edited school."""
    expect = pytest.importorskip("playwright.sync_api").expect
    expect.set_options(timeout=SLOW_MS)  # every wait on the desk, as in test_desk_browser.py
    ctx = browser.new_context(locale="zh-CN")
    ctx.set_default_timeout(SLOW_MS)  # clicks, page loads and downloads wait on the desk too
    page = ctx.new_page()
    page.goto(f"{server}/lang/zh?next=/")
    page.locator("#example select").select_option("junior-middle")
    page.locator("#example button").click()
    page.wait_for_url(re.compile(r"/schools/\d+$"))
    school_url = page.url
    school = int(school_url.rsplit("/", 1)[1])
    page.locator("input[name=time_limit_s]").fill("3")
    page.locator("#plan-button").click()
    page.wait_for_url(re.compile(r"/plans/\d+"), timeout=SLOW_MS)
    plan_url = page.url
    expect(page.locator("#school-edited")).to_have_count(0)

    page.goto(school_url)
    version = page.locator("#school-version")
    expect(version).to_have_value("1")
    walk = page.locator("#cell-walks-0-walk_m")
    old = float(walk.input_value())
    _edit(page, "#cell-walks-0-walk_m", str(int(old) + 15))
    expect(version).to_have_value("2")
    _edit(page, "#cell-walks-0-walk_m", "-5")
    issue = page.locator("#row-walks-0 .cell-issue")
    expect(issue).to_be_visible()
    assert re.search(r"[\u4e00-\u9fff]", issue.inner_text().split("应为")[-1]), issue.inner_text()
    expect(version).to_have_value("2")

    canteen = page.locator("#part-canteen")
    canteen.locator("summary").click()
    expect(page.locator("#canteen-none")).to_contain_text("没有食堂")
    canteen.locator("input[name='new.tables']").fill("150")
    page.locator("#add-canteen").click()
    expect(version).to_have_value("3")
    expect(page.locator("#cell-canteen-tables")).to_have_value("150")
    _shot(page, "tables-canteen-zh", "#part-canteen")
    sc = _api(server, f"/api/schools/{school}")["scenario"]
    assert sc["entrances"][0]["walk_m"][next(iter(sc["entrances"][0]["walk_m"]))] == old + 15
    assert sc["canteen"]["tables"] == 150

    page.goto(plan_url)
    banner = page.locator("#school-edited")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("学校信息已修改")
    expect(banner).to_contain_text(f"{int(old)} → {int(old) + 15}")
    _shot(page, "plan-school-edited-zh")
    page.locator("#replan-edited-button").click()
    expect(page.locator("#board")).to_have_attribute("data-version", "2", timeout=SLOW_MS)
    expect(page.locator("#school-edited")).to_have_count(0)
    ctx.close()
