"""Small parsers for what people type in cells: yes/no, grades and class numbers as schools write them.

Shared by the scenario loader (rosters) and the timetable reader (``plan.py``), so both accept the
same words; :func:`csv_unescape` reads back a CSV value the report wrote escaped. DOMAIN ("How schools write things"): grades ``一年级``…``六年级``, ``初一``…``初三``
(grades 7–9), ``高一``…``高三`` (10–12), also ``七年级``…``十二年级``; classes ``1班``, ``（1）班``,
``一班``, ``初一（3）班``.
"""

from __future__ import annotations

import re

# A CSV value starting with one of these is written with a leading ' (``report.cells.csv_escape``).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_unescape(text: str) -> str:
    """Undo ``report.cells.csv_escape``: ``'=x`` -> ``=x``; anything else is returned unchanged.

    The writer prefixes text starting with a formula character with a single quote (OWASP "CSV
    Injection"), so a spreadsheet shows it as text; reading removes exactly that quote.
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


_TRUE = {"yes", "y", "true", "1", "boarding", "boarder", "是", "住宿", "寄宿", "住校", "住读"}
_FALSE = {"no", "n", "false", "0", "day", "", "否", "走读", "不住宿", "非住宿"}


def parse_bool(text: str) -> bool:
    """Read yes/no, true/false, 1/0, boarding/day, 是/否 and 住宿/走读 (empty is no)."""
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError("expected yes or no")


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def chinese_number(text: str) -> int | None:
    """``一`` -> 1, ``十`` -> 10, ``十二`` -> 12, ``二十三`` -> 23, ``12`` -> 12 (1..99); None otherwise."""
    t = text.strip()
    if t.isascii() and t.isdigit():
        return int(t)
    if not t or any(ch not in _CN_DIGITS and ch != "十" for ch in t):
        return None
    if "十" not in t:
        return _CN_DIGITS[t] if len(t) == 1 else None
    tens_text, _, units_text = t.partition("十")
    if len(tens_text) > 1 or len(units_text) > 1:
        return None
    tens = _CN_DIGITS[tens_text] if tens_text else 1
    units = _CN_DIGITS[units_text] if units_text else 0
    return tens * 10 + units


_NUM = r"(\d{1,2}|[一二三四五六七八九十两]{1,3})"
_STAGE = {"初": 6, "高": 9}  # 初一 = grade 7, 高一 = grade 10
_GRADE_RE = re.compile(rf"^(?:grade\s*)?(?:(初|高)(?:中)?{_NUM}(?:年级)?|{_NUM}\s*(?:年级)?)$", re.IGNORECASE)
_CLASS_RE = re.compile(
    rf"^(?:(?P<grade>(?:初|高)中?{_NUM}(?:年级)?|{_NUM}年级))?\s*[（(]?\s*(?P<num>{_NUM})\s*[)）]?\s*班?$"
)


def _plain_number(text: str) -> str:
    """``7.0`` (a number Excel stored as a float) -> ``7``; other text unchanged."""
    t = text.strip()
    if re.fullmatch(r"\d+\.0+", t):
        return t.split(".")[0]
    return t


def parse_grade(text: str) -> int:
    """A grade 1–12 from ``7``, ``7年级``, ``七年级``, ``初一`` (7), ``高三`` (12), ``Grade 7``.

    Raises ValueError when the text is no grade.
    """
    t = _plain_number(text).replace(" ", "").replace("\u3000", "")
    m = _GRADE_RE.match(t)
    if not m:
        raise ValueError(f"not a grade: {text!r}")
    stage, stage_num, plain = m.group(1), m.group(2), m.group(3)
    if stage:
        n = chinese_number(stage_num)
        if n is None or not 1 <= n <= 3:
            raise ValueError(f"not a grade: {text!r}")
        return _STAGE[stage] + n
    n = chinese_number(plain)
    if n is None or not 1 <= n <= 12:
        raise ValueError(f"not a grade: {text!r}")
    return n


def parse_class(text: str) -> tuple[int | None, int]:
    """(grade named in the text or None, class number) from ``3``, ``3班``, ``（3）班``, ``(3)班``,
    ``三班``, ``初一（3）班``, ``七年级3班``. Raises ValueError when the text is no class number.
    """
    t = _plain_number(text).replace(" ", "").replace("\u3000", "")
    m = _CLASS_RE.match(t)
    if not m or not t:
        raise ValueError(f"not a class: {text!r}")
    num = chinese_number(m.group("num"))
    if num is None or num < 1:
        raise ValueError(f"not a class: {text!r}")
    grade = parse_grade(m.group("grade")) if m.group("grade") else None
    return grade, num
