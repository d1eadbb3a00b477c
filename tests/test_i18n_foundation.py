"""The message catalogues, the locale default and translated input errors."""

from __future__ import annotations

import pickle

import pytest

from reopen_sim.cli.app import lang_of
from reopen_sim.errors import InfeasibleError, InputError, InputIssue
from reopen_sim.i18n import LANGUAGES, _merge, default_lang, load_catalogue
from reopen_sim.naming import chinese_numeral, class_name, grade_name


def test_every_language_has_the_same_keys() -> None:
    keys = {lang: set(load_catalogue(lang).texts) for lang in LANGUAGES}
    assert keys["en"] == keys["zh"], keys["en"] ^ keys["zh"]


def test_a_key_defined_in_two_files_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'a' is defined in one\.json and two\.json"):
        _merge("en", {"one.json": '{"a": "x"}', "two.json": '{"a": "y"}'})


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_default_language_follows_the_locale(env: dict[str, str], lang: str) -> None:
    assert default_lang(env) == lang


def test_lang_option_read_before_parsing() -> None:
    assert lang_of(["validate", "x.yaml", "--lang", "zh"]) == "zh"
    assert lang_of(["validate", "--lang=en", "x.yaml"]) == "en"


def test_an_issue_in_chinese_has_no_english_frame() -> None:
    issue = InputIssue("s.yaml", "x", "fr", "one of en, zh", key="one_of", fields={"choices": "en, zh"})
    zh = InputError([issue]).render(load_catalogue("zh"))
    assert zh == "输入中有 1 处问题：\n  - s.yaml：x：填写的是 'fr'；应为以下之一：en, zh"
    assert InputError([issue]).render(load_catalogue("en")) == str(InputError([issue]))


def test_errors_survive_pickling() -> None:
    err = InputError([InputIssue("f", "p", "v", "e")])
    back = pickle.loads(pickle.dumps(err))
    assert back.issues == err.issues and str(back) == str(err)
    inf = pickle.loads(pickle.dumps(InfeasibleError(["too many"], "INFEASIBLE")))
    assert inf.reasons == ("too many",)


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")]
)
def test_chinese_numerals(n: int, text: str) -> None:
    assert chinese_numeral(n) == text


@pytest.mark.parametrize(
    ("grade", "text"), [(1, "一年级"), (6, "六年级"), (7, "初一"), (9, "初三"), (10, "高一"), (12, "高三")]
)
def test_grade_names_as_schools_write_them(grade: int, text: str) -> None:
    assert grade_name(grade, "zh") == text


class _C:
    def __init__(self, id: str, grade: int, name: str | None = None) -> None:
        self.id, self.grade, self.name = id, grade, name


def test_class_names() -> None:
    assert class_name(_C("7-1", 7), "zh") == "初一（1）班"
    assert class_name(_C("1-12", 1), "zh") == "一年级（12）班"
    assert class_name(_C("10-3", 10), "zh") == "高一（3）班"
    assert class_name(_C("7-1", 7), "en") == "Grade 7 class 1"
    assert class_name(_C("7A", 7), "zh") == "初一 7A"
    assert class_name(_C("7-1", 7, "七年级1班"), "zh") == "七年级1班"
