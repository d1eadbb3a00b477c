"""Mutated bundled scenarios load to a Scenario or an InputError, never another exception.

A seeded generator (same seed, same mutants) deletes keys, changes types, writes extreme numbers,
breaks references and writes unicode into the bundled schools' YAML; every InputError issue must
carry a catalogue key (so it reads in Chinese too).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import yaml

from reopen_sim.errors import InputError
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCHOOLS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "district" not in p.name)
ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    "",
    "初一（1）班",
    "🙂",
    "=HYPERLINK(1)",
    [],
    {},
    [1, 2],
    {"dist": "lognormal"},
    0,
    -1,
    1e-311,
    1e308,
    10**30,
    -0.0,
    "07:50",
    "25:00",
    "nan",
    "∞",
    "x" * 300,
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        out += [p for k, v in node.items() for p in _paths(v, (*path, k))]
    elif isinstance(node, list):
        out += [p for i, v in enumerate(node) for p in _paths(v, (*path, i))]
    return out


def mutate(data: dict[str, Any], rng: random.Random, ids: list[str]) -> dict[str, Any]:
    """One to three random edits of a scenario mapping."""
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 3)):
        paths = _paths(data)
        path = rng.choice(paths)
        parent: Any = data
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        kind = rng.randrange(5)
        if kind == 0:  # delete
            del parent[key]
        elif kind == 1:  # an odd value
            parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif kind == 2:  # a wrong reference or a used id
            parent[key] = rng.choice([*ids, "nowhere", "R999"])
        elif kind == 3 and isinstance(parent, list):  # repeat an item
            parent.append(copy.deepcopy(parent[key]))
        elif isinstance(parent, dict):  # an unknown key beside it
            parent[rng.choice(["colour", "学生", "lanes ", "Students"])] = 1
    return data


def _bases() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in SCHOOLS]


def _run(n: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    bases = _bases()
    ok = bad = 0
    for i in range(n):
        path, base = bases[i % len(bases)]
        ids = [str(x) for x in ("1-1", "7-1", "gate", "front", "T101")]
        data = mutate(base, rng, ids)
        try:
            sc = scenario_from_dict(data, file=path.name, base_dir=path.parent)
        except InputError as exc:
            assert exc.issues
            untranslated = [str(issue) for issue in exc.issues if issue.key is None]
            assert not untranslated, (i, untranslated)
            bad += 1
        else:
            assert isinstance(sc, Scenario)
            ok += 1
    return ok, bad


def test_fifty_mutants_load_or_fail_cleanly() -> None:
    ok, bad = _run(50, seed=1)
    assert bad > 0 and ok + bad == 50


def test_six_hundred_mutants_load_or_fail_cleanly() -> None:
    ok, bad = _run(600, seed=2020)
    assert bad > 0 and ok > 0
