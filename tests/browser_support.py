"""Headless Chromium for tests of printed pages: the DOM after rendering, a PDF, a screenshot.

Tests that need it skip with a clear message where ``chromium`` is not installed
(Debian: ``apt-get install chromium``; add ``fonts-noto-cjk`` for Chinese glyphs in screenshots).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    """The chromium executable, or skip the test saying how to get it."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium): printed pages not rendered")
    return exe


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, *args], capture_output=True, text=True, timeout=180, check=True
    )


def rendered_dom(page: Path) -> str:
    """The page's DOM as Chromium built it."""
    return _run("--dump-dom", page.resolve().as_uri()).stdout


def printed_pages(page: Path, pdf: Path) -> int:
    """Print ``page`` to ``pdf`` (A4 per the page's @page rule, no browser header) and count its pages."""
    _run("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.resolve().as_uri())
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))


def screenshot(page: Path, png: Path, width_px: int = 794, height_px: int = 1123) -> None:
    """A screenshot of the top of ``page`` (default: one A4 sheet at 96 dpi)."""
    _run(f"--window-size={width_px},{height_px}", f"--screenshot={png}", page.resolve().as_uri())
