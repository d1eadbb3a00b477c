"""The report: sections, valid self-contained markup, translations, CJK figures, atomic output, run.json.

These tests build a Comparison from synthetic frames of the documented shapes, so they exercise the
report alone; tests/test_report_run.py runs the whole job on a bundled school.
"""

from __future__ import annotations

import json
import re
import string
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reopen_sim as rs
from reopen_sim.errors import InputError
from reopen_sim.experiment import COMPARED_METRICS, Comparison, summarise_paired
from reopen_sim.exposure.model import SETTINGS
from reopen_sim.i18n import LANGUAGES, load_catalogue
from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.report import write as report_write
from reopen_sim.report.figures import gantt_windows, queue_over_time
from reopen_sim.report.notices import class_notices, gate_notices
from reopen_sim.report.write import FIGURE_NAMES, figure_names, write_report

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "reopen_sim" / "report" / "templates"
SECTIONS = (
    "summary",
    "comparison",
    "timetable",
    "gantt",
    "queues",
    "waits",
    "contacts",
    "solver",
    "assumptions",
    "files",
)


@pytest.fixture(scope="module")
def scenario() -> rs.Scenario:
    return rs.load_scenario(ROOT / "scenarios" / "tiny-school.yaml")


def _plan(scenario: rs.Scenario, staggered: bool) -> Plan:
    out = []
    for i, c in enumerate(scenario.classes):
        w = i % 3 if staggered else 0
        start = scenario.day.window_start_min(w)
        out.append(
            ClassAssignment(
                c.id,
                c.grade,
                c.students,
                c.boarding,
                start,
                start + scenario.day.window_min,
                "gate",
                (c.home_room or scenario.rooms[i].id,),
                None,
                scenario.day.dismissal_slot_min(i % 3),
            )
        )
    return Plan(tuple(out), meta={"status": "OPTIMAL" if staggered else "baseline", "seed": 0})


def synthetic_comparison(scenario: rs.Scenario, replications: int = 8) -> Comparison:
    """A comparison with the documented frame shapes; the baseline queues twice as long."""
    rng = np.random.default_rng(7)
    plans = {"baseline": _plan(scenario, False), "optimized": _plan(scenario, True)}
    per, ts, waits, con, gm = [], [], [], [], []
    for name, scale in (("baseline", 2.0), ("optimized", 1.0)):
        for r in range(replications):
            for m in COMPARED_METRICS:
                base = 480.0 if m == "last_through_min" else 0.0
                per.append(
                    {"plan": name, "replication": r, "metric": m, "value": base + scale * rng.gamma(5.0)}
                )
            for minute in range(470, 500):
                ts.append(
                    {
                        "plan": name,
                        "replication": r,
                        "gate": "gate",
                        "minute": minute,
                        "queue_people": scale * rng.poisson(5),
                        "queue_m": 1.0,
                        "spill_people": 0,
                        "spill_m": 0.0,
                    }
                )
            for w in rng.exponential(scale, 40):
                waits.append({"plan": name, "replication": r, "gate": "gate", "wait_min": w})
            for s in SETTINGS:
                con.append(
                    {"plan": name, "replication": r, "setting": s, "contacts": rng.poisson(10 * scale)}
                )
            for g in ("gate", "all"):
                gm.append(
                    {
                        "plan": name,
                        "replication": r,
                        "gate": g,
                        "max_queue_people": scale * rng.gamma(5.0),
                        "max_queue_m": 3.0,
                        "last_through_min": 485 + rng.random(),
                        "p95_wait_min": 2.0,
                    }
                )
    per_rep = pd.DataFrame(per)
    return Comparison(
        table=summarise_paired(per_rep),
        per_replication=per_rep,
        plans=plans,
        replications=replications,
        seed=1,
        timeseries=pd.DataFrame(ts),
        waits=pd.DataFrame(waits),
        contacts=pd.DataFrame(con),
        gate_metrics=pd.DataFrame(gm),
    )


@pytest.fixture(scope="module")
def reports(scenario: rs.Scenario, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    cmp = synthetic_comparison(scenario)
    base = tmp_path_factory.mktemp("reports")
    return {lang: write_report(scenario, cmp, base / lang, lang=lang) for lang in LANGUAGES}


# --------------------------------------------------------------------------------------------
# Markup
# --------------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictParser(HTMLParser):
    """Checks that every non-void element is closed in order; collects ids, text and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
            if k == "id":
                self.ids.append(v or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("style", "script"):
            return
        if data.strip():
            self.text.append(data.strip())


def parse(path: Path) -> StrictParser:
    p = StrictParser()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def test_strict_parser_catches_unbalanced_markup() -> None:
    p = StrictParser()
    p.feed("<html><body><div><p>x</div></body></html>")
    assert p.errors


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", ["report.html", "notices_parents.html", "notices_staff.html"])
def test_html_is_balanced_and_self_contained(reports: dict[str, Path], lang: str, name: str) -> None:
    path = reports[lang] / name
    text = path.read_text(encoding="utf-8")
    p = parse(path)
    assert p.errors == [] and p.stack == [], (p.errors, p.stack)
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    assert len(p.ids) == len(set(p.ids)), "duplicate ids"
    # Self-contained: no external resources of any kind.
    assert not re.search(r"(https?:)?//[a-z0-9]", text, re.I), "external URL"
    assert "<script" not in text and "<link" not in text
    for tag, attr, value in p.attrs:
        if attr == "src":
            assert value.startswith("data:"), (tag, value[:40])
    assert "Noto Sans CJK SC" in text and "Microsoft YaHei" in text  # CJK-capable font stack


def test_report_has_every_section_and_inline_figures(reports: dict[str, Path]) -> None:
    p = parse(reports["en"] / "report.html")
    for s in SECTIONS:
        assert s in p.ids
    imgs = [v for tag, k, v in p.attrs if tag == "img" and k == "src"]
    assert len(imgs) == len(FIGURE_NAMES) - 1  # meals are delivered: no canteen figure
    assert "canteen" not in p.ids
    assert all(v.startswith("data:image/svg+xml;base64,") for v in imgs)
    text = " ".join(p.text)
    # The comparison table names each plan and each metric.
    cat = load_catalogue("en")
    for m in COMPARED_METRICS:
        assert cat(f"metric.{m}") in text
    assert "baseline" in text and "optimized" in text
    # The timetable lists every class.
    for c in ("1-1", "1-2", "2-1", "2-2"):
        assert c in text


def test_figures_saved_as_svg_and_png(reports: dict[str, Path], scenario: rs.Scenario) -> None:
    for lang in LANGUAGES:
        for name in figure_names(scenario):
            svg = reports[lang] / "figures" / f"{name}.svg"
            png = reports[lang] / "figures" / f"{name}.png"
            assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_json_records_what_reproduces_the_report(reports: dict[str, Path], scenario: rs.Scenario) -> None:
    rec = json.loads((reports["en"] / "run.json").read_text(encoding="utf-8"))
    assert rec["scenario"]["sha256"] == scenario.source_sha256 and len(rec["scenario"]["sha256"]) == 64
    assert rec["version"] == rs.__version__
    assert rec["simulation_seed"] == 1 and rec["replications"] == 8
    assert rec["solver_status"] == "OPTIMAL"
    assert rec["plans"]["optimized"]["seed"] == 0
    assert rec["report_plan"] == "optimized" and rec["reference_plan"] == "baseline"


def test_same_inputs_give_identical_files(scenario: rs.Scenario, tmp_path: Path) -> None:
    cmp = synthetic_comparison(scenario, replications=3)
    a = write_report(scenario, cmp, tmp_path / "a")
    b = write_report(scenario, cmp, tmp_path / "b")
    for name in (
        "report.html",
        "notices_parents.html",
        "notices_staff.html",
        "run.json",
        "figures/queues.svg",
    ):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --------------------------------------------------------------------------------------------
# Translations
# --------------------------------------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_catalogues_have_the_same_keys_and_fields() -> None:
    en, zh = load_catalogue("en").texts, load_catalogue("zh").texts
    assert set(en) == set(zh)
    for k in en:
        assert en[k].strip() and zh[k].strip(), k
        assert _fields(en[k]) == _fields(zh[k]), k


def test_every_literal_key_in_templates_is_in_the_catalogue() -> None:
    en = load_catalogue("en").texts
    used = set()
    for path in [
        TEMPLATES / n
        for n in ("_base.html.j2", "report.html.j2", "notices_parents.html.j2", "notices_staff.html.j2")
    ]:
        used |= set(
            re.findall(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z0-9_.]+)["']""", path.read_text(encoding="utf-8"))
        )
    assert used, "no keys found: the pattern is wrong"
    assert used - set(en) == set()


def test_unknown_language_is_an_input_error() -> None:
    with pytest.raises(InputError, match="--lang"):
        load_catalogue("fr")


# Words allowed in the Chinese report: product names, file formats, units, and the ids of the
# school's own data (school, gates, rooms, classes, plan metadata), which are not labels.
ALLOWED_LATIN = {
    "reopen",
    "sim",
    "SHA",
    "SVG",
    "PNG",
    "CSV",
    "XLSX",
    "Excel",
    "check",
    "simulate",
    "figures",
    "html",
    "csv",
    "xlsx",
    "json",
    "run",
    "timetable",
    "notices",
    "parents",
    "staff",
    "comparison",
    "timings",
}


def _data_words(scenario: rs.Scenario) -> set[str]:
    words = [
        scenario.school.name,
        *(e.id for e in scenario.entrances),
        *(e.name or "" for e in scenario.entrances),
        *(r.id for r in scenario.rooms),
        *(c.id for c in scenario.classes),
    ]
    return {w for text in words for w in re.findall(r"[A-Za-z]+", text)}


@pytest.mark.parametrize("name", ["report.html", "notices_parents.html", "notices_staff.html"])
def test_zh_output_has_no_untranslated_english(
    reports: dict[str, Path], scenario: rs.Scenario, name: str
) -> None:
    p = parse(reports["zh"] / name)
    visible = p.text + [v for tag, k, v in p.attrs if k in ("alt", "title")]
    visible = [re.sub(r"\b[0-9a-f]{8,}\b", "", v) for v in visible]  # hashes are not words
    allowed = ALLOWED_LATIN | _data_words(scenario)
    leftovers = sorted({w for t in visible for w in re.findall(r"[A-Za-z]{2,}", t)} - allowed)
    assert leftovers == []
    # And no English catalogue text made it through verbatim (any text with a real word in it).
    en = load_catalogue("en").texts
    zh_text = "\n".join(visible)
    for k, v in en.items():
        static = max(re.split(r"\{[^}]*\}", v), key=len).strip(" .:,()")
        if len(static) > 4 and re.search(r"[a-z]{3,}", static):
            assert static not in zh_text, k
    assert re.search(r"[\u4e00-\u9fff]", zh_text)


def test_zh_figures_have_no_untranslated_english(scenario: rs.Scenario) -> None:
    """Figure text is drawn as paths in the SVG, so scan the matplotlib Text objects themselves."""
    from matplotlib.text import Text

    from reopen_sim.report.write import make_figures

    cmp = synthetic_comparison(scenario, replications=3)
    allowed = _data_words(scenario)  # gate and class ids are data
    for name, fig in make_figures(scenario, cmp, "optimized", load_catalogue("zh")).items():
        texts = [t.get_text() for t in fig.findobj(Text)]
        words = {w for t in texts for w in re.findall(r"[A-Za-z]{2,}", t)} - allowed
        assert words == set(), name
    en_figs = make_figures(scenario, cmp, "optimized", load_catalogue("en"))
    texts = [t.get_text() for t in en_figs["contacts"].findobj(Text)]
    assert {"Contacts", "setting"} <= {w for t in texts for w in t.split()}  # the scan can fail


def test_every_contact_setting_has_a_label() -> None:
    en = load_catalogue("en").texts
    assert {f"setting.{s}" for s in SETTINGS} <= set(en)


def test_scan_would_catch_english_in_a_zh_page(reports: dict[str, Path], scenario: rs.Scenario) -> None:
    """The English report fails the same scan: the zh test can fail."""
    p = parse(reports["en"] / "report.html")
    leftovers = (
        {w for t in p.text for w in re.findall(r"[A-Za-z]{2,}", t)} - ALLOWED_LATIN - _data_words(scenario)
    )
    assert {"Comparison", "plans"} <= leftovers


# --------------------------------------------------------------------------------------------
# Chinese text in figures
# --------------------------------------------------------------------------------------------


def _missing_glyph_warnings(fig: object) -> list[str]:
    import io

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")  # type: ignore[attr-defined]
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_labels_render_in_figures(scenario: rs.Scenario) -> None:
    from reopen_sim.report.figures import figure_style

    fig = gantt_windows(_plan(scenario, True), scenario, load_catalogue("zh"))
    with figure_style():
        assert _missing_glyph_warnings(fig) == []
    # Also outside the style context (a notebook shows figures after the call returns).
    cmp = synthetic_comparison(scenario, replications=3)
    fig = queue_over_time(cmp.timeseries, "gate", 30, load_catalogue("zh"))
    assert _missing_glyph_warnings(fig) == []


def test_without_the_cjk_font_glyphs_would_be_missing() -> None:
    """Negative control: DejaVu Sans alone lacks the glyphs, so the check above can fail."""
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().set_title("各入口到校时段", family="DejaVu Sans")
    assert _missing_glyph_warnings(fig)


# --------------------------------------------------------------------------------------------
# Output written whole or not at all
# --------------------------------------------------------------------------------------------


def test_existing_out_is_not_overwritten_without_force(scenario: rs.Scenario, tmp_path: Path) -> None:
    cmp = synthetic_comparison(scenario, replications=3)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(InputError) as exc:
        write_report(scenario, cmp, out)
    assert str(out) in str(exc.value) and "--force" in str(exc.value)
    assert (out / "mine.txt").read_text() == "keep me"
    write_report(scenario, cmp, out, force=True)
    assert not (out / "mine.txt").exists() and (out / "report.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folders left


def test_failure_midway_leaves_nothing(
    scenario: rs.Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cmp = synthetic_comparison(scenario, replications=3)
    out = tmp_path / "out"

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_write, "_write_timetables", boom)  # after the figures were written
    with pytest.raises(RuntimeError, match="disk full"):
        write_report(scenario, cmp, out)
    assert list(tmp_path.iterdir()) == []
    # With --force, a failure keeps the old output as it was.
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        write_report(scenario, cmp, out, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["out"] and (out / "old.txt").read_text() == "old"


def test_unknown_report_plan_is_an_input_error(scenario: rs.Scenario, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nosuch"):
        write_report(scenario, synthetic_comparison(scenario, 3), tmp_path / "o", plan="nosuch")


# --------------------------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------------------------


def test_class_notices_one_page_per_class_with_its_times(scenario: rs.Scenario) -> None:
    plan = _plan(scenario, True)
    pages = class_notices(scenario, plan, load_catalogue("en"))
    assert [p["class_id"] for p in pages] == ["1-1", "1-2", "2-1", "2-2"]
    # Hand-worked: class 1-2 is the second class, window 1 = 08:00-08:10, dismissal slot 1 = 16:05.
    rows = dict(pages[1]["rows"])
    assert rows["Arrive between"] == "08:00–08:10"
    assert rows["Gate"] == "Main gate (gate)"
    assert rows["Classroom"] == "R102"
    assert rows["Dismissal"] == "16:05"
    assert rows["Lunch"] == "delivered to the classroom"
    assert "1.0 m apart" in pages[1]["where_to_wait"]
    assert any("50 m" in r for r in pages[1]["rules"])


def test_gate_notices_group_classes_by_window(scenario: rs.Scenario) -> None:
    plan = _plan(scenario, True)
    pages = gate_notices(scenario, plan, load_catalogue("en"))
    assert len(pages) == len(scenario.entrances) == 1
    page = pages[0]
    # Classes 1-1 and 2-2 share window 0 (07:50-08:00): 20 + 26 students.
    assert page["arrivals"][0] == {
        "window": "07:50–08:00",
        "classes": "1-1, 2-2",
        "students": 46,
        "rooms": "R101, R202",
    }
    assert sum(r["students"] for r in page["arrivals"]) == scenario.n_students
    # 2 lanes, 15 m marked at 1 m: 30 places.
    assert "30 marked places" in page["summary"]


def test_notices_print_one_page_each(reports: dict[str, Path], scenario: rs.Scenario) -> None:
    text = (reports["en"] / "notices_parents.html").read_text(encoding="utf-8")
    assert text.count('class="page"') == len(scenario.classes)
    assert "break-after: page" in text
    text = (reports["en"] / "notices_staff.html").read_text(encoding="utf-8")
    assert text.count('class="page"') == len(scenario.entrances)


def test_canteen_figure_counts_students_per_sitting(scenario: rs.Scenario) -> None:
    from dataclasses import replace

    from reopen_sim.report.figures import canteen_occupancy

    data = scenario.model_dump(mode="json")
    data["canteen"] = {"mode": "sittings", "tables": 10, "seats_per_table": 8}
    sc = rs.scenario_from_dict(data, file="tiny-with-canteen")
    plan = _plan(sc, True)
    plan = Plan(tuple(replace(a, canteen_sitting=1 if a.grade == 1 else 2) for a in plan.assignments))
    fig = canteen_occupancy({"optimized": plan}, sc, load_catalogue("en"))
    ax = fig.axes[0]
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == [42, 47]  # grade 1: 20 + 22; grade 2: 21 + 26
    # 10 tables of 8, 同桌隔位、对桌错位 (skip_offset): 4 a table -> 40 distanced seats (dashed line)
    assert [ln.get_ydata()[0] for ln in ax.lines] == [40]
    page = class_notices(sc, plan, load_catalogue("en"))[0]
    assert dict(page["rows"])["Lunch"] == "sitting 1, 11:40–12:05"
