"""The report says in words what the optimizer aimed for: one sentence per objective term."""

from __future__ import annotations

import dataclasses

import pytest

from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer.model import Weights
from reopen_sim.plan import Plan
from reopen_sim.report.write import solver_words

# changed_fields only breaks ties between re-plans that change as many classes: no sentence of its own.
SPOKEN = [f.name for f in dataclasses.fields(Weights) if f.name != "changed_fields"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_objective_term_has_its_sentence_with_its_figure(lang: str) -> None:
    weights = Weights()
    terms = {name: 7 + i for i, name in enumerate(SPOKEN)}
    meta = {"terms": terms, "term_weights": {k: getattr(weights, k) for k in terms}, "arrival_ends": "07:30"}
    words = solver_words(Plan((), meta=meta), load_catalogue(lang))
    assert len(words) == len(SPOKEN)
    spread = words[[*sorted(SPOKEN, key=lambda k: -getattr(weights, k))].index("most_classes_at_a_gate")]
    assert str(terms["most_classes_at_a_gate"]) in spread
    assert ("入口" in spread) if lang == "zh" else ("gate" in spread)
