"""Line breaking for Chinese and English text, for any measure of width (pixels, terminal cells).

Chinese breaks between any two characters, other text between words; a closing punctuation mark
never starts a line and an opening bracket never ends one (the common rules of Chinese typesetting,
GB/T 15834 usage); a word wider than a line is cut. Hand-written because neither Pillow nor rich lays
out Chinese this way (rich folds at any character; Pillow does not wrap at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A word of non-CJK text (with its trailing spaces), an opening bracket with the character after it,
# a run of spaces, or any single character.
_TOKEN = re.compile(r"[0-9A-Za-z\u00c0-\u024f.,:;!?'\"()\[\]/%°+\-–—@#&*_=]+\s*|[（《「『【]+\S|\s+|.")
_NO_LINE_START = set("，。、；：？！）》」』】,.;:?!)%°")
_NO_LINE_END = set("（《「『【")


def widest_unbroken(text: str, width: Callable[[str], int]) -> int:
    """The width of the widest piece of ``text`` that :func:`break_lines` keeps whole when it can (a
    word of non-CJK text, an opening bracket with the character after it, a character)."""
    return max((width(token.rstrip()) for token in _TOKEN.findall(text)), default=0)


def break_lines(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Break ``text`` into lines for which ``fits(line)`` holds (greedy; see the module docstring).

    ``fits`` is given each candidate line without its trailing spaces.
    """

    def ok(s: str) -> bool:
        return fits(s.rstrip())

    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if not line or ok(line + token):
            line += token
        elif token[0] in _NO_LINE_START:  # carry the last character(s) down with the mark
            cut = len(line.rstrip()) - 1
            while cut > 0 and line[cut] in _NO_LINE_START:
                cut -= 1
            while cut > 0 and line[cut - 1] in _NO_LINE_END:  # and the bracket it opened
                cut -= 1
            if cut > 0:
                lines.append(line[:cut].rstrip())
                line = line[cut:]
            line += token
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
        while not ok(line) and len(line.rstrip()) > 1:  # a word wider than a line: cut it
            cut = len(line.rstrip()) - 1
            while cut > 1 and not ok(line[:cut]):
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines
