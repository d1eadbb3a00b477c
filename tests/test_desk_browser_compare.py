"""Test and compare in a real browser (Playwright with the system chromium; see test_desk_browser.py):
start from the junior middle school example, plan, move a class, simulate ten mornings and see one
queue chart per gate with the service-level judgement, then compare the two versions and see the
verdict and the paired differences, in zh and in en. ``DESK_SCREENSHOTS=DIR`` saves screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest

import reopen_sim as rs
from desk_support import ROOT
from test_desk_browser import SLOW_MS, _shot, browser, server  # fixtures: `reopen-sim serve`, chromium

pytestmark = pytest.mark.browser
__all__ = ["browser", "server"]

JUNIOR = ROOT / "scenarios" / "junior-middle.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_simulate_then_compare_two_versions(server: str, browser: Any, lang: str) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    expect.set_options(timeout=SLOW_MS)  # every wait on the desk, as in test_desk_browser.py
    ctx = browser.new_context(
        locale="zh-CN" if lang == "zh" else "en-US", viewport={"width": 1400, "height": 900}
    )
    ctx.set_default_timeout(SLOW_MS)  # clicks, page loads and downloads wait on the desk too
    page = ctx.new_page()
    page.goto(f"{server}/lang/{lang}?next=/")
    page.select_option("#example select[name=example]", "junior-middle")
    page.locator("#example button[type=submit]").click()
    page.wait_for_url(re.compile(r"/schools/\d+$"))
    page.locator("input[name=time_limit_s]").fill("3")
    page.locator("#plan-button").click()
    page.wait_for_url(re.compile(r"/plans/\d+"), timeout=SLOW_MS)
    board = page.locator("#board")
    expect(board).to_have_attribute("data-version", "1")

    # A second version: one class moved to another gate with the edit form.
    form = page.locator("#edit-form")
    moved = form.locator("select[name=class_id] option").first.get_attribute("value")
    first_card = page.locator(f".card[data-class='{moved}']").first
    here = first_card.locator("xpath=ancestor::td[1]").get_attribute("data-gate")
    other = next(
        v
        for v in form.locator("select[name=gate] option").evaluate_all("os => os.map(o => o.value)")
        if v and v != here
    )
    form.locator("select[name=class_id]").select_option(moved)
    form.locator("select[name=gate]").select_option(other)
    form.locator("button[type=submit]").click()
    expect(board).to_have_attribute("data-version", "2")

    # Simulate ten mornings: one queue chart per gate, and the judgement against the service level.
    sc = rs.load_scenario(JUNIOR)
    page.locator("input[name=replications]").fill("10")
    page.locator("#simulate-button").click()
    charts = page.locator("#queue-charts figure.qchart")
    expect(charts).to_have_count(len(sc.entrances), timeout=SLOW_MS)
    for i in range(len(sc.entrances)):
        expect(charts.nth(i).locator("path.mean")).to_have_count(1)
        expect(charts.nth(i).locator("polygon.band")).to_have_count(1)
    cert = page.locator("#certification")
    expect(cert).to_be_visible()
    assert (CJK.search(cert.inner_text()) is not None) == (lang == "zh")
    page.locator("#test").scroll_into_view_if_needed()
    _shot(page, f"test-{lang}", "#test")

    # Compare versions 1 and 2 on the same mornings.
    page.locator("#compare-tab").click()
    page.wait_for_url(re.compile(r"/compare$"))
    page.locator("#compare-form input[name=replications]").fill("5")
    page.locator("#compare-button").click()
    page.wait_for_url(re.compile(r"/compare\?job="), timeout=SLOW_MS)
    verdict = page.locator("#verdict li")
    expect(verdict.first).to_be_visible()
    assert (CJK.search(verdict.first.inner_text()) is not None) == (lang == "zh")
    expect(page.locator("#whole-diffs tbody tr").first).to_be_visible()
    assert page.locator("#whole-diffs td.diff").count() >= 5
    gate_charts = page.locator("#compare-gates figure.qchart")
    expect(gate_charts).to_have_count(len(sc.entrances))
    expect(gate_charts.first.locator("path.mean")).to_have_count(2)  # both versions
    changes = page.locator("#compare-changes tbody tr")
    expect(changes.first).to_be_visible()
    expect(page.locator("#compare-boards table.board")).to_have_count(2)
    _shot(page, f"compare-{lang}")
    ctx.close()
