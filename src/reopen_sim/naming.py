"""How schools write grades and classes, for outputs people read (ids stay as they are in files).

DOMAIN ("How schools write things"): primary grades ``一年级``…``六年级``; junior middle ``初一``…``初三``
(grades 7–9); senior high ``高一``…``高三`` (grades 10–12); a class is written ``初一（3）班`` in
letters to parents, with full-width brackets. A class's own ``name`` (a roster ``name`` column)
always wins.
"""

from __future__ import annotations

import re
from typing import Protocol

_DIGITS = "零一二三四五六七八九十"
_STAGE_PREFIX = {7: "初", 10: "高"}  # first grade of the stage -> prefix (初一 = grade 7, 高一 = grade 10)


class NamedClass(Protocol):
    """What naming needs of a class (``SchoolClass`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def grade(self) -> int: ...
    @property
    def name(self) -> str | None: ...


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 23 -> 二十三 (n in 1..99)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[units] if units else "")


def grade_name(grade: int, lang: str) -> str:
    """``一年级`` (1–6), ``初一`` (7–9), ``高一`` (10–12) in zh; ``Grade 7`` in en."""
    if lang != "zh":
        return f"Grade {grade}"
    if grade <= 6:
        return f"{chinese_numeral(grade)}年级"
    first = 7 if grade <= 9 else 10
    return _STAGE_PREFIX[first] + chinese_numeral(grade - first + 1)


def class_number(class_id: str) -> int | None:
    """The class's number within its grade, from an id written ``GRADE-NUMBER`` (``7-3`` -> 3)."""
    m = re.fullmatch(r"\d{1,2}[-_.](\d{1,3})", class_id)
    return int(m.group(1)) if m else None


def class_name(cls: NamedClass, lang: str) -> str:
    """The class as schools write it: ``初一（3）班`` / ``Grade 7 class 3``; its own name when it has one.

    A class whose id does not carry a number (``7A``) is written with its id (``初一 7A``).
    """
    if cls.name:
        return cls.name
    number = class_number(cls.id)
    if lang == "zh":
        grade = grade_name(cls.grade, "zh")
        return f"{grade}（{number}）班" if number is not None else f"{grade} {cls.id}"
    return f"Grade {cls.grade} class {number}" if number is not None else cls.id
