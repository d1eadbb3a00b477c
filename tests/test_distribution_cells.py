"""One reader of a distribution's cells (``workbook_read.distribution``) serves the workbook and the
desk's tables; the desk asks it to clear the fields the kind does not take (``clear_unused``), so a
merge patch removes what an earlier kind had. Both callers' own paths are tested in test_workbook*.py
and test_desk_tables_pages.py; these tests pin the option itself."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from reopen_sim.scenario.schema import Distribution, Entrance
from reopen_sim.scenario.workbook_layout import ENTRANCES
from reopen_sim.scenario.workbook_read import DIST_FIELDS, distribution

# Every cell of a screening time filled, as a table row may hold them after the kind changed.
ALL_CELLS: dict[str, Any] = {"dist": 20.0, "dist_sd": 5.0, "dist_samples": [10.0, 20.0, 30.0]}
DISTRIBUTION = TypeAdapter(Distribution)


def _given(d: dict[str, Any]) -> dict[str, Any]:
    """What a merge patch leaves: the null fields removed."""
    return {k: v for k, v in d.items() if v is not None}


@pytest.mark.parametrize("kind", sorted(DIST_FIELDS))
def test_clear_unused_leaves_a_valid_distribution_of_the_chosen_kind(kind: str) -> None:
    got = distribution(ENTRANCES, "service_time_s", {**ALL_CELLS, "dist_kind": kind}, clear_unused=True)
    assert set(got) == {"dist", "mean", "value", "sd", "samples"}  # every field, null or not
    kept = _given(got)
    assert set(kept) == {"dist", *DIST_FIELDS[kind]}
    assert DISTRIBUTION.validate_python(kept).dist == kind


@pytest.mark.parametrize("kind", sorted(DIST_FIELDS))
def test_without_the_option_every_cell_given_is_kept(kind: str) -> None:
    # The workbook reads what the sheet says: a field the kind does not take is the user's to fix.
    got = distribution(ENTRANCES, "service_time_s", {**ALL_CELLS, "dist_kind": kind})
    number = "value" if kind == "deterministic" else "mean"
    assert got == {"dist": kind, number: 20.0, "sd": 5.0, "samples": [10.0, 20.0, 30.0]}
    with pytest.raises(ValidationError):
        DISTRIBUTION.validate_python(got)


@pytest.mark.parametrize("clear_unused", [False, True])
def test_a_blank_kind_is_the_fields_default_kind(clear_unused: bool) -> None:
    default = Entrance.model_fields["service_time_s"].get_default(call_default_factory=True)
    got = distribution(ENTRANCES, "service_time_s", {"dist": 20.0}, clear_unused=clear_unused)
    assert got["dist"] == default.dist
    assert _given(got) == {"dist": default.dist, "value" if default.dist == "deterministic" else "mean": 20.0}
