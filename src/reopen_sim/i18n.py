"""Translations: every sentence a user reads lives in ``locales/<lang>/*.json``.

A language is a folder of flat JSON catalogues ``{key: text}``, one file per part of the tool
(``report.json``, ``errors.json``, ``cli.json``, ...); the files of a language are merged and a key
defined twice is a bug. Texts may hold ``str.format`` fields (``"{n} students"``). Every language
has the same keys (checked by the tests), so a missing key is a bug, not a silent fallback to English.

The language of a command defaults from the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in the
order POSIX gives them precedence): ``zh_CN.UTF-8`` gives ``zh``, anything else ``en``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from reopen_sim.errors import InputError, InputIssue

LANGUAGES: tuple[str, ...] = ("en", "zh")


@dataclass(frozen=True)
class Catalogue:
    """The texts of one language; call it with a key (and format fields) to get the text."""

    lang: str
    texts: dict[str, str]

    def __call__(self, key: str, **fields: Any) -> str:
        text = self.texts[key]
        return text.format(**fields) if fields else text

    def get(self, key: str, default: str) -> str:
        """The text for ``key`` if the catalogue has it, else ``default`` (for user data such as plan names)."""
        return self.texts.get(key, default)

    @property
    def html_lang(self) -> str:
        return {"zh": "zh-Hans"}.get(self.lang, self.lang)


def _merge(lang: str, parts: Mapping[str, str]) -> dict[str, str]:
    """Merge the catalogue files of one language (name -> JSON text); a key in two files is a bug."""
    texts: dict[str, str] = {}
    origin: dict[str, str] = {}
    for name in sorted(parts):
        for key, value in json.loads(parts[name]).items():
            if key in texts:
                raise ValueError(f"locales/{lang}: key {key!r} is defined in {origin[key]} and {name}")
            texts[str(key)] = str(value)
            origin[key] = name
    return texts


@lru_cache(maxsize=8)
def load_catalogue(lang: str) -> Catalogue:
    """Load the catalogue of ``lang`` (one of :data:`LANGUAGES`); raises InputError otherwise."""
    if lang not in LANGUAGES:
        raise InputError(
            [
                InputIssue(
                    "--lang",
                    "lang",
                    lang,
                    "one of " + ", ".join(LANGUAGES),
                    key="one_of",
                    fields={"choices": ", ".join(LANGUAGES)},
                )
            ]
        )
    folder = files("reopen_sim").joinpath("locales", lang)
    parts = {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    }
    return Catalogue(lang, _merge(lang, parts))


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The user's language from the locale: the first set of LC_ALL, LC_MESSAGES, LANG (POSIX order)."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
