"""Translations: every user-facing string of the report lives in ``report/locales/<lang>.json``.

A catalogue is a flat JSON object ``{key: text}``; texts may hold ``str.format`` fields
(``"{n} students"``). Every language has the same keys (checked by the tests), so a missing key is a
bug, not a silent fallback to English.
"""

from __future__ import annotations

import json
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


@lru_cache(maxsize=8)
def load_catalogue(lang: str) -> Catalogue:
    """Load the catalogue of ``lang`` (one of :data:`LANGUAGES`); raises InputError otherwise."""
    if lang not in LANGUAGES:
        raise InputError([InputIssue("--lang", "lang", lang, "one of " + ", ".join(LANGUAGES))])
    raw = files("reopen_sim.report").joinpath("locales", f"{lang}.json").read_text(encoding="utf-8")
    texts = json.loads(raw)
    return Catalogue(lang, {str(k): str(v) for k, v in texts.items()})
