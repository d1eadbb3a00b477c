"""Helpers for the bad-input corpus: run the CLI in-process and judge its message."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "scenarios" / "tiny-school.yaml"


def tiny() -> dict[str, Any]:
    return yaml.safe_load(TINY.read_text(encoding="utf-8"))


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def roster_school(tmp: Path, roster: str) -> Path:
    """A valid school whose classes come from ``roster`` (rooms enough for a few classes of 45)."""
    data = tiny()
    data.pop("classes")
    data["roster"] = roster
    data["rooms"] = [
        {"id": f"R{i}", "building": "Main", "area_m2": 80, "desk_grid": {"rows": 8, "cols": 7}}
        for i in range(8)
    ]
    data["policy"].pop("arrival_order", None)
    data["policy"].pop("dismissal_order", None)
    data["entrances"][0].update(lanes=6, staff=6)
    return write_yaml(tmp / "school.yaml", data)


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str, *args: str
) -> tuple[int, str]:
    """``reopen-sim ARGS`` in-process in the locale's language ``lang``: (exit code, stderr)."""
    from reopen_sim.cli import main

    app_mod = sys.modules["reopen_sim.cli.app"]
    monkeypatch.setattr(app_mod, "DEFAULT_LANG", lang)
    monkeypatch.setattr(sys, "argv", ["reopen-sim", *args])
    with pytest.raises(SystemExit) as info:
        main()
    code = info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’")
_PATH = re.compile(r"[^\s：；，“”（）]*/[^\s：；，“”（）]*")
_ENGLISH_RUN = re.compile(r"\b[A-Za-z]+(?:\s+[A-Za-z]+){2,}\b")


def english_runs(text: str) -> list[str]:
    """Runs of 3+ ASCII words outside quoted values and paths (an untranslated sentence)."""
    return _ENGLISH_RUN.findall(_PATH.sub(" ", _QUOTED.sub(" ", text)))


def xml_bomb_xlsx(path: Path) -> Path:
    """An .xlsx whose worksheet XML declares a billion-laughs entity (10^9 "lol") used in cell A1.

    (openpyxl writes inline strings and has no sharedStrings part, so the bomb goes in the sheet.)
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年级", "班级", "人数"])
    ws.append(["初一", "1班", 45])
    wb.save(path)
    ents = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    with zipfile.ZipFile(path) as zin:
        items = {n: zin.read(n) for n in zin.namelist()}
    sheet = items["xl/worksheets/sheet1.xml"].decode("utf-8")
    start = sheet.index("<worksheet")
    sheet = sheet[:start] + f"<!DOCTYPE worksheet [{ents}]>" + sheet[start:]
    sheet = sheet.replace("<t>年级</t>", "<t>&a9;</t>", 1)
    items["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w") as zout:
        for n, data in items.items():
            zout.writestr(n, data)
    return path


def shared_strings_bomb_xlsx(path: Path) -> Path:
    """An .xlsx whose sharedStrings.xml (the shared string table Excel writes) holds a billion laughs."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年级", "班级", "人数"])
    ws.append(["初一", "1班", 45])
    wb.save(path)
    ents = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    sst = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{ents}]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        "<si><t>&a9;</t></si></sst>"
    )
    with zipfile.ZipFile(path) as zin:
        items = {n: zin.read(n) for n in zin.namelist()}
    items["xl/sharedStrings.xml"] = sst.encode()
    types = items["[Content_Types].xml"].decode()
    items["[Content_Types].xml"] = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
    ).encode()
    rels = items["xl/_rels/workbook.xml.rels"].decode()
    items["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>',
    ).encode()
    sheet = items["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace('<c r="A1" t="inlineStr"><is><t>年级</t></is></c>', '<c r="A1" t="s"><v>0</v></c>')
    items["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as zout:
        for n, data in items.items():
            zout.writestr(n, data)
    return path
