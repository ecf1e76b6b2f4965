"""How the summary checker's fit chooses the signals it may use."""

from __future__ import annotations

from benchmarks.fit_summary_check import choose_margin


def test_the_fewest_signals_within_one_standard_error_of_the_best() -> None:
    # 0.00 is best by 0.3 points, less than the spread of its three carried figures.
    carried = {
        0.0: [0.636, 0.658, 0.666],
        0.02: [0.636, 0.649, 0.665],
        0.05: [0.632, 0.649, 0.665],
    }
    assert choose_margin(carried) == 0.05


def test_a_clearly_better_margin_is_kept() -> None:
    carried = {0.0: [0.70, 0.71, 0.72], 0.05: [0.60, 0.61, 0.62]}
    assert choose_margin(carried) == 0.0
