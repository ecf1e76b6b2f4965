"""The likelihood benchmark re-decides a recorded run with the current rules (``--reflag``),
so its rules columns follow the checker without hours of re-scoring the model."""

from __future__ import annotations

import pytest

from benchmarks.likelihood import Scored, reflag
from benchmarks.quality_data import DATASETS, Item, load
from factcheck.summary_check import check_summary

NEWS = "SummEdits news dev"


@pytest.fixture(scope="module")
def items() -> list[Item]:
    if not DATASETS[NEWS].exists():
        pytest.skip(f"the shared data is not here: {DATASETS[NEWS]}")
    return load(NEWS)[:6]


def test_reflag_sets_each_row_to_the_rules_decision_of_its_item(items: list[Item]) -> None:
    decided = [not check_summary(i.doc, i.summary, use_model=False).consistent for i in items]
    # Recorded the wrong way round, as by rules that decided the opposite.
    rows = [
        Scored(NEWS, i.consistent, not flagged, {"min_gain": -1.0}, 1.0, i.id)
        for i, flagged in zip(items, decided, strict=True)
    ]
    reflag(rows)
    assert [r.flagged for r in rows] == decided
    assert [r.signals for r in rows] == [{"min_gain": -1.0}] * len(items)


def test_reflag_stops_on_a_row_the_data_does_not_hold(items: list[Item]) -> None:
    with pytest.raises(SystemExit, match="not in the data"):
        reflag([Scored(NEWS, True, False, {}, 0.0, "no-such-item")])
