"""`reopen-sim check` on a certified timetable: judged against the capacities it was certified at
(certificate.json beside it, or ``--certificate``), never against a certificate of another school or
of another timetable. Through ``reopen_sim.cli.main``, in English and Chinese."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from cli_support import in_process
from reopen_sim.optimizer.check import check_plan
from reopen_sim.plan import read_timetable
from reopen_sim.scenario.build import scenario_from_dict
from test_certify import school_dict


def cautious_school(tmp_path: Path, utilisation: float = 0.6) -> Path:
    """A one-gate school whose static margin is too cautious: certification uses the gate harder."""
    path = tmp_path / f"school-{utilisation}.yaml"
    raw = school_dict(12, 30, {"dist": "deterministic", "value": 6}, 30, utilisation=utilisation)
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def certified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(scenario, plan folder) of a plan certified above the static margin."""
    from reopen_sim.cli import main

    tmp = tmp_path_factory.mktemp("certified")
    school = cautious_school(tmp)
    out = tmp / "plan"
    mp = pytest.MonkeyPatch()
    mp.setattr("sys.argv", ["reopen-sim", "plan", str(school), "-o", str(out), "--certify", "5"])
    try:
        main()
    except SystemExit as e:
        assert e.code in (0, None)
    finally:
        mp.undo()
    return school, out


def test_the_certified_plan_is_over_the_static_capacity(certified: tuple[Path, Path]) -> None:
    # What makes the rest meaningful: the static rule alone reports this timetable.
    school, out = certified
    sc = scenario_from_dict(yaml.safe_load(school.read_text(encoding="utf-8")))
    assert check_plan(sc, read_timetable(out / "timetable.csv", sc))
    assert json.loads((out / "certificate.json").read_text(encoding="utf-8"))["met"] is True


@pytest.mark.parametrize(
    ("lang", "says"), [("en", "certified by simulation"), ("zh", "认证的容量评判")], ids=["en", "zh"]
)
def test_check_finds_the_certificate_beside_the_timetable(
    certified: tuple[Path, Path],
    lang: str,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    school, out = certified
    res = in_process(monkeypatch, capsys, "check", str(school), str(out / "timetable.csv"), "--lang", lang)
    assert res.returncode == 0, res.stdout + res.stderr
    assert says in res.stdout and "certificate.json" in res.stdout


def test_check_takes_the_certificate_named_on_the_command_line(
    certified: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    school, out = certified
    shutil.copy(out / "timetable.csv", tmp_path / "timetable.csv")  # the timetable alone, mailed on
    alone = in_process(monkeypatch, capsys, "check", str(school), str(tmp_path / "timetable.csv"))
    assert alone.returncode == 1  # over the static capacity, nothing says otherwise
    named = in_process(
        monkeypatch,
        capsys,
        "check",
        str(school),
        str(tmp_path / "timetable.csv"),
        "--certificate",
        str(out / "certificate.json"),
    )
    assert named.returncode == 0, named.stdout + named.stderr
    assert "certified by simulation" in named.stdout


@pytest.mark.parametrize(
    ("lang", "says"),
    [("en", "made for this school's scenario as it is now"), ("zh", "为本校当前情景制作的认证文件")],
    ids=["en", "zh"],
)
def test_a_certificate_of_another_school_is_refused(
    certified: tuple[Path, Path],
    tmp_path: Path,
    lang: str,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The same classes and gate, a different rule (target utilisation): another scenario.
    _, out = certified
    other = cautious_school(tmp_path, utilisation=0.7)
    args = ("check", str(other), str(out / "timetable.csv"), "--lang", lang)
    res = in_process(monkeypatch, capsys, *args, "--certificate", str(out / "certificate.json"))
    assert res.returncode == 2
    assert says in res.stderr and "certificate.json" in res.stderr
    # Found beside the timetable instead, it is set aside and the static capacities apply.
    beside = in_process(monkeypatch, capsys, *args)
    assert beside.returncode == 1
    assert ("set aside" if lang == "en" else "已忽略") in beside.stdout


@pytest.mark.parametrize(
    ("lang", "says"),
    [("en", "made for this timetable"), ("zh", "为这份时间表制作的认证文件")],
    ids=["en", "zh"],
)
def test_a_certificate_of_another_timetable_is_refused(
    certified: tuple[Path, Path],
    tmp_path: Path,
    lang: str,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    school, out = certified
    edited = tmp_path / "timetable.csv"
    lines = (out / "timetable.csv").read_text(encoding="utf-8").splitlines()
    lines[1:] = lines[:0:-1]  # the same rows in another order: the same timetable
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cert = ("--certificate", str(out / "certificate.json"))
    same = in_process(monkeypatch, capsys, "check", str(school), str(edited), "--lang", lang, *cert)
    assert same.returncode == 0, same.stdout + same.stderr
    row = lines[1].split(",")
    row[4], row[5] = "08:50", "09:00"  # one class moved to the last window by hand
    lines[1] = ",".join(row)
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = in_process(monkeypatch, capsys, "check", str(school), str(edited), "--lang", lang, *cert)
    assert res.returncode == 2
    assert says in res.stderr
    bad = tmp_path / "certificate.json"
    bad.write_text("{}", encoding="utf-8")
    res = in_process(monkeypatch, capsys, "check", str(school), str(edited), "--certificate", str(bad))
    assert res.returncode == 2 and "plan --certify" in res.stderr
