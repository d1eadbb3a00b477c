"""Grades and classes as schools write them (DOMAIN: 一年级…六年级, 初一…初三, 高一…高三, （3）班)."""

from __future__ import annotations

import pytest

from reopen_sim.parse import chinese_number, parse_bool, parse_class, parse_grade


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("1", 1), ("7.0", 7), ("一年级", 1), ("六年级", 6), ("初一", 7), ("初三", 9), ("初中二年级", 8),
        ("高一", 10), ("高三", 12), ("高中三年级", 12), ("七年级", 7), ("九年级", 9), ("十年级", 10),
        ("十二年级", 12), ("7年级", 7), ("Grade 7", 7),
    ],
)  # fmt: skip
def test_grades(text: str, grade: int) -> None:
    assert parse_grade(text) == grade


@pytest.mark.parametrize("text", ["13", "0", "初四", "高零", "十三年级", "", "x", "1.5", "七班"])
def test_not_grades(text: str) -> None:
    with pytest.raises(ValueError):
        parse_grade(text)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("3", (None, 3)), ("3.0", (None, 3)), ("3班", (None, 3)), ("（3）班", (None, 3)), ("(3)班", (None, 3)),
        ("三班", (None, 3)), ("十二班", (None, 12)), ("初一（3）班", (7, 3)), ("初一3班", (7, 3)),
        ("七年级3班", (7, 3)), ("高二(10)班", (11, 10)), ("初中一年级（2）班", (7, 2)),
    ],
)  # fmt: skip
def test_classes(text: str, parsed: tuple[int | None, int]) -> None:
    assert parse_class(text) == parsed


@pytest.mark.parametrize("text", ["", "班", "A", "实验班", "初一", "0班"])
def test_not_classes(text: str) -> None:
    with pytest.raises(ValueError):
        parse_class(text)


def test_chinese_numbers_and_booleans() -> None:
    assert [chinese_number(t) for t in ("一", "十", "十二", "二十三", "两", "12", "百")] == [
        1,
        10,
        12,
        23,
        2,
        12,
        None,
    ]
    assert [parse_bool(t) for t in ("住宿", "走读", "是", "否", "yes", "", "寄宿")] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    with pytest.raises(ValueError):
        parse_bool("也许")
