"""The desk in a real browser: Playwright for Python driving the system's chromium (never a download).

Starts ``reopen-sim serve`` on a free loopback port with a temp data folder, then, in zh and in en:
upload the junior middle school's workbook, plan, drag a class onto a full gate-window and see the broken rule on
its card, re-plan with few changes, simulate, publish, download the timetable workbook.

Run: ``apt-get install -y chromium`` and ``pip install playwright`` (in dev extras), then
``pytest -m browser tests/test_desk_browser.py``. ``DESK_SCREENSHOTS=DIR`` saves a screenshot of each page.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import reopen_sim as rs
from reopen_sim.bundled import example_path

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOW_TO_RUN = (
    "browser tests need the system chromium and the playwright package: "
    "apt-get install -y chromium; pip install playwright (dev extras); no browser download is needed"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXAMPLE = example_path("junior-middle")
SLOW_MS = 180_000  # every wait on the desk: plans and simulations, pages, on a busy shared machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``reopen-sim serve`` as users start it, on a free port with an empty data folder."""
    port = _free_port()
    data = tmp_path_factory.mktemp("desk-data")
    cmd = [sys.executable, "-m", "reopen_sim.cli", "serve", "--no-browser", "--port", str(port)]
    proc = subprocess.Popen([*cmd, "--data", str(data)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"the desk did not start: {out}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip(HOW_TO_RUN)
    sync_api = pytest.importorskip("playwright.sync_api", reason=HOW_TO_RUN)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


def _shot(page: Any, name: str, selector: str | None = None) -> None:
    """Save the page (or one element of it) as DESK_SCREENSHOTS/name.png when that is set."""
    folder = os.environ.get("DESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = str(Path(folder) / f"{name}.png")
        if selector:
            page.locator(selector).screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)


def _fullest_cell(page: Any) -> tuple[Any, Any]:
    """The most loaded gate-window cell, and a card from a cell of another window to drag onto it."""
    cells = page.locator("td.cell")
    loads = []
    for i in range(cells.count()):
        text = cells.nth(i).locator(".pct").inner_text()
        loads.append((int(text.split("/")[0]), i))
    _, full = max(loads)
    target = cells.nth(full)
    window = target.get_attribute("data-window")
    card = page.locator(f"td.cell:not([data-window='{window}']) .card").first
    return target, card


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plan_edit_replan_simulate_publish(server: str, browser: Any, lang: str, tmp_path: Path) -> None:
    ctx = browser.new_context(accept_downloads=True, locale="zh-CN" if lang == "zh" else "en-US")
    ctx.set_default_timeout(SLOW_MS)  # every click, drag, download and page load waits on the desk
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())  # the publish confirmation
    page.goto(f"{server}/lang/{lang}?next=/")
    assert page.locator("html").get_attribute("lang") == ("zh-Hans" if lang == "zh" else "en")
    _shot(page, f"schools-{lang}")

    # Upload the junior middle school as its workbook (written in the page's language), then plan.
    from reopen_sim.scenario.workbook import write_workbook

    workbook = write_workbook(tmp_path / "junior-middle.xlsx", rs.load_scenario(EXAMPLE), lang=lang)
    page.set_input_files("input[name=file]", str(workbook))
    page.locator("#upload button[type=submit]").click()
    page.wait_for_url(re.compile(r"/schools/\d+$"))
    _shot(page, f"school-{lang}")
    # The progress indicator, with its cancel button. The page's polls of the job are held until it has
    # been seen: a plan done by the first poll would replace it before a look on a fast machine.
    expect = pytest.importorskip("playwright.sync_api").expect
    held: list[Any] = []
    polls = re.compile(r"/jobs/[^/?]+$")
    page.route(polls, lambda route: held.append(route))
    page.locator("#plan-button").click()
    expect(page.locator("#job progress")).to_be_visible(timeout=SLOW_MS)
    expect(page.locator("#job button")).to_be_visible(timeout=SLOW_MS)
    page.unroute(polls)
    for route in held:
        route.continue_()
    page.wait_for_url(re.compile(r"/plans/\d+"), timeout=SLOW_MS)
    board = page.locator("#board")
    expect(board).to_have_attribute("data-version", "1", timeout=SLOW_MS)
    assert page.locator(".card.broken").count() == 0
    _shot(page, f"board-{lang}")

    # A second tab on the same version: its edit comes second and gets the conflict and the latest state.
    other = ctx.new_page()
    other.goto(page.url)

    # Drag a class onto the fullest gate-window: the board comes back with the broken rule marked.
    target, card = _fullest_cell(page)
    moved = card.get_attribute("data-class")
    card.drag_to(target)
    expect(board).to_have_attribute("data-version", "2", timeout=SLOW_MS)
    broken = page.locator(f".card.broken[data-class='{moved}']")
    expect(broken).to_be_visible(timeout=SLOW_MS)
    problem = broken.locator(".problem").first.inner_text()
    has_chinese = re.search(r"[\u4e00-\u9fff]", problem) is not None
    assert has_chinese == (lang == "zh"), problem  # the words of check, in the page's language
    expect(page.locator(".problems")).to_be_visible(timeout=SLOW_MS)
    _shot(page, f"board-broken-{lang}")
    _shot(page, f"board-only-{lang}", "#board")
    stale_target, stale_card = _fullest_cell(other)
    stale_card.drag_to(stale_target)
    expect(other.locator("#board .conflict")).to_be_visible(timeout=SLOW_MS)
    expect(other.locator("#board")).to_have_attribute("data-version", "2", timeout=SLOW_MS)
    assert other.locator(f".card.broken[data-class='{moved}']").count() == 1  # the first tab's edit, kept
    other.close()

    # Re-plan with few changes: a new version with no broken rule.
    page.locator("#replan-button").click()
    expect(board).to_have_attribute("data-version", "3", timeout=SLOW_MS)
    assert page.locator(".card.broken").count() == 0

    # Simulate a few mornings: one row per gate plus all gates.
    page.locator("input[name=replications]").fill("3")
    page.locator("#simulate-button").click()
    expect(page.locator("#sim-table")).to_be_visible(timeout=SLOW_MS)
    assert page.locator("#sim-table tbody tr").count() >= 2
    _shot(page, f"simulated-{lang}")

    # Publish, then download the timetable workbook.
    page.locator("#publish-button").click()
    expect(page.locator("#board .status.published")).to_be_visible(timeout=SLOW_MS)
    with page.expect_download() as got:
        page.locator("#download-xlsx").click()
    data = Path(got.value.path()).read_bytes()
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    with page.expect_download() as got:
        page.locator("#download-printable").click()
    names = zipfile.ZipFile(io.BytesIO(Path(got.value.path()).read_bytes())).namelist()
    assert "index.html" in names and any(n.endswith(".png") for n in names)

    page.locator(".tabs a").nth(1).click()
    page.wait_for_url(re.compile(r"/why$"))
    expect(page.locator("ul.facts li").first).to_be_visible(timeout=SLOW_MS)
    _shot(page, f"why-{lang}")
    ctx.close()
