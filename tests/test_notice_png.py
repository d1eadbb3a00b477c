"""Line breaking of the notice pictures: nothing wider than the picture, no line opening with a
closing mark, no text lost."""

from __future__ import annotations

import pytest

from reopen_sim.i18n import load_catalogue
from reopen_sim.report.linebreak import _NO_LINE_END, _NO_LINE_START
from reopen_sim.report.notice_png import font, wrap

TEXTS = [
    "从Teaching building front door进校，按指定路线前往Teaching 3 层 T301 室（步行约 10 米）。",
    load_catalogue("zh")("publish.rule_fever", threshold=37.3),
    load_catalogue("en")("publish.rule_fever", threshold=37.3),
    "Supercalifragilisticexpialidocious-gate-name-without-spaces-at-all-whatsoever",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("width_px", range(300, 960, 37))
def test_wrap(text: str, width_px: int) -> None:
    face = font(46)
    lines = wrap(text, face, width_px)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(line and line[0] not in _NO_LINE_START for line in lines)
    assert all(line[-1] not in _NO_LINE_END for line in lines)
    assert all(face.getlength(line) <= width_px for line in lines)
