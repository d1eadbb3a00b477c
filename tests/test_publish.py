"""``reopen-sim publish``: the printable set for exactly a given timetable, or nothing (exit 1)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import reopen_sim as rs
from browser_support import printed_pages, rendered_dom
from cli_support import ROOT, in_process
from reopen_sim.i18n import load_catalogue
from reopen_sim.naming import class_name
from reopen_sim.report.notice_png import font
from reopen_sim.scenario.schema import format_hhmm

SCHOOLS = {
    "junior": ROOT / "scenarios" / "junior-middle.yaml",
    "primary": ROOT / "scenarios" / "primary-school.yaml",
}
PAGES = ("notices_parents.html", "gate_duty.html", "timetable_by_gate.html", "timetable_by_grade.html")
RED = (170, 0, 0)


@pytest.fixture(scope="module")
def timetables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An optimized timetable.csv of each school, saved as `plan` saves it."""
    out = {}
    for key, path in SCHOOLS.items():
        sc = rs.load_scenario(path)
        csv = tmp_path_factory.mktemp(key) / "timetable.csv"
        csv.write_text(rs.optimize(sc, time_limit_s=10, seed=0).to_csv_text(), encoding="utf-8")
        out[key] = csv
    return out


def sections(text: str) -> list[str]:
    """The printed sections (one A4 page each) of a published HTML file."""
    return re.findall(r'<section class="page.*?</section>', text, flags=re.S)


def hand_edit(src: Path, dst: Path) -> Path:
    """The timetable with its first class moved 5 minutes off the window grid (breaks one rule)."""
    lines = src.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    h, m = map(int, first[4].split(":"))
    first[4] = f"{h:02d}:{m + 5:02d}"
    lines[1] = ",".join(first)
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


def red_pixels(png: Path) -> int:
    with Image.open(png) as img:
        rgb = np.asarray(img.convert("RGB"))
    return int(np.all(rgb == RED, axis=-1).sum())


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("school", sorted(SCHOOLS))
def test_publish_an_optimized_plan(
    school: str,
    lang: str,
    timetables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "print"
    res = in_process(
        monkeypatch, capsys, "publish", str(SCHOOLS[school]), str(timetables[school]), "-o", str(out),
        "--lang", lang, "--date", "2026-03-02",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    sc = rs.load_scenario(SCHOOLS[school])
    plan = rs.read_timetable(timetables[school], sc)
    meta = json.loads((out / "publish.json").read_text(encoding="utf-8"))
    assert meta["violations"] == [] and meta["classes"] == len(sc.classes)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == meta["files"]
    # The workbook and CSV are exactly the published timetable.
    assert rs.read_timetable(out / "timetable.csv", sc) == plan
    notices = (out / "notices_parents.html").read_text(encoding="utf-8")
    pages = sections(notices)
    assert len(pages) == len(sc.classes)
    for c in sc.classes:
        a = plan[c.id]
        page = html.unescape(next(p for p in pages if f'data-class="{c.id}"' in p))
        assert class_name(c, lang) in page
        assert f"{format_hhmm(a.arrival_start_min)}–{format_hhmm(a.arrival_end_min)}" in page
        assert format_hhmm(a.dismissal_min) in page and all(r in page for r in a.rooms)
        assert "2026" in page and 'class="stamp"' in page and 'class="warning"' not in page
    assert len(sections((out / "gate_duty.html").read_text(encoding="utf-8"))) == len(sc.entrances)
    assert len(sections((out / "timetable_by_grade.html").read_text(encoding="utf-8"))) == len(sc.grades)
    pngs = sorted((out / "notices_png").glob("*.png"))
    assert [p.stem for p in pngs] == sorted(c.id for c in sc.classes)
    with Image.open(pngs[0]) as img:
        assert img.width == 1080 and img.height > img.width  # portrait, for phone screens
    assert red_pixels(pngs[0]) == 0


def test_same_timetable_same_files(
    timetables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("publish", str(SCHOOLS["junior"]), str(timetables["junior"]), "--lang", "zh")
    for name in ("a", "b"):
        assert in_process(monkeypatch, capsys, *args, "-o", str(tmp_path / name)).returncode == 0
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert any(f.name == "timetable.xlsx" for f in files)
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_a_timetable_breaking_a_rule_is_refused_and_nothing_written(
    timetables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    edited = hand_edit(timetables["junior"], tmp_path / "edited.csv")
    out = tmp_path / "print"
    res = in_process(
        monkeypatch, capsys, "publish", str(SCHOOLS["junior"]), str(edited), "-o", str(out), "--lang", "en"
    )
    assert res.returncode == 1
    assert "[window]" in res.stderr and "--allow-violations" in res.stderr and "Traceback" not in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edited.csv"]  # no output, no temporary folder


def test_published_anyway_every_page_says_so(
    timetables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    edited = hand_edit(timetables["junior"], tmp_path / "edited.csv")
    out = tmp_path / "print"
    res = in_process(
        monkeypatch, capsys, "publish", str(SCHOOLS["junior"]), str(edited), "-o", str(out), "--lang", "zh",
        "--allow-violations",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    problems = rs.check_plan(rs.load_scenario(SCHOOLS["junior"]), rs.read_timetable(edited))
    assert problems
    zh = load_catalogue("zh")
    assert json.loads((out / "publish.json").read_text(encoding="utf-8"))["violations"] == [
        str(v) for v in problems
    ]
    for name in PAGES:
        pages = sections((out / name).read_text(encoding="utf-8"))
        assert pages
        for page in pages:
            assert 'class="warning"' in page
            assert all(html.escape(v.render(zh)) in page for v in problems)  # in the page's language
    for png in (out / "notices_png").glob("*.png"):
        assert red_pixels(png) > 1000  # the red warning box is drawn on every picture


def test_notice_pictures_draw_chinese_glyphs() -> None:
    """The face used for the pictures has the Chinese characters (no blank boxes for missing glyphs)."""
    face = font(40)
    assert face.getname()[0] == "Noto Sans CJK SC"
    masks = {ch: bytes(face.getmask(ch)) for ch in "初一班校门"}
    assert len(set(masks.values())) == len(masks)  # five different glyphs, not one "missing" box
    assert all(any(m) for m in masks.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_published_pages_render_in_chromium_one_a4_page_each(
    lang: str,
    timetables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "print"
    school = SCHOOLS["primary"]
    args = ("publish", str(school), str(timetables["primary"]), "-o", str(out), "--lang", lang)
    assert in_process(monkeypatch, capsys, *args).returncode == 0
    sc = rs.load_scenario(school)
    plan = rs.read_timetable(timetables["primary"], sc)
    dom = html.unescape(rendered_dom(out / "notices_parents.html"))
    for c in sc.classes:
        a = plan[c.id]
        at = dom.index(f'data-class="{c.id}"')
        page = dom[at : dom.index("</section>", at)]
        assert class_name(c, lang) in page
        assert f"{format_hhmm(a.arrival_start_min)}–{format_hhmm(a.arrival_end_min)}" in page
        assert format_hhmm(a.dismissal_min) in page
    for name in PAGES:
        n = len(sections((out / name).read_text(encoding="utf-8")))
        assert printed_pages(out / name, tmp_path / f"{name}.pdf") == n, name


def test_a_gate_nobody_uses_gets_its_pages_anyway(
    timetables: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sc = rs.load_scenario(SCHOOLS["junior"])
    plan = rs.read_timetable(timetables["junior"], sc)
    unused, other = sc.entrances[-1].id, sc.entrances[0].id
    rows = [a.to_row() | ({"gate": other} if a.gate == unused else {}) for a in plan.assignments]
    edited = tmp_path / "one-gate-closed.csv"
    header = list(rows[0])
    edited.write_text(
        "\n".join([",".join(header), *(",".join(r[c] for c in header) for r in rows)]) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "print"
    args = (
        "publish",
        str(SCHOOLS["junior"]),
        str(edited),
        "-o",
        str(out),
        "--lang",
        "en",
        "--allow-violations",
    )
    res = in_process(monkeypatch, capsys, *args)
    assert res.returncode == 0, res.stderr
    duty = sections((out / "gate_duty.html").read_text(encoding="utf-8"))
    closed = next(p for p in duty if f'data-gate="{unused}"' in p)
    assert "No class uses this gate" in closed
    by_gate = sections((out / "timetable_by_gate.html").read_text(encoding="utf-8"))
    assert len(by_gate) == len(sc.entrances)
