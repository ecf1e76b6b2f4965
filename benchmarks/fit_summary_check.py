"""Fit the summary-check calibration: a logistic regression over the sentence signals.

    python -m benchmarks.fit_summary_check            # fit on all four datasets, write
                                                      # factcheck/data/summary_check.json
    python -m benchmarks.fit_summary_check --dry-run  # print the weights only

Labels are per summary, signals per sentence, and a summary is as good as its weakest
sentence; so the fit alternates (multiple-instance learning): start from each summary's
worst value of every signal, fit, then represent each summary by the sentence the current
weights find least likely consistent, and fit again. Every dataset, and within it each
label, gets the same total weight, so that neither the largest dataset nor the commoner
label decides the weights, and the threshold maximises the mean balanced accuracy over
the datasets fitted on. Newton's method on a few hundred rows and 15 columns needs numpy
alone; at run time the package needs only the weights and a dot product.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.quality_data import DATASETS, ROOT, Item, add_signals, load
from factcheck.summary_check import FEATURES

Array = npt.NDArray[Any]
OUT = ROOT / "factcheck" / "data" / "summary_check.json"
#: L2 penalty on the standardised weights: the datasets are small, the signals correlated.
L2 = 1.0
ROUNDS = 4
#: How far above chance (AUC 0.5) a signal may be asked to point on every dataset to be
#: used; :func:`fit` picks one by leaving datasets out.
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05)


@dataclass
class Fit:
    mean: Array
    scale: Array
    weights: Array
    bias: float
    threshold: float
    margin: float = 0.0

    def probabilities(self, rows: Array) -> Array:
        z = self.bias + ((rows - self.mean) / self.scale) @ self.weights
        return 1 / (1 + np.exp(-np.clip(z, -60, 60)))

    def summary_probability(self, items: list[Item]) -> Array:
        """Each summary's probability of consistency: its weakest sentence's."""
        return np.array([self.probabilities(matrix(i)).min() for i in items])

    def as_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 4),
            "margin": self.margin,
        }


def matrix(item: Item) -> Array:
    return np.array([[s[f] for f in FEATURES] for s in item.signals], dtype=float).reshape(
        -1, len(FEATURES)
    )


def _logistic(x: Array, y: Array, w: Array, l2: float) -> tuple[Array, float]:
    """Weighted, L2-penalised logistic regression by Newton's method (bias unpenalised)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -60, 60)))
        grad = design.T @ (w * (p - y)) + penalty * beta
        hess = (design * (w * p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def _signed_logistic(x: Array, y: Array, w: Array, l2: float) -> tuple[Array, float]:
    """Every signal is a reason for doubt, so none may raise the probability of consistency:
    a signal whose fitted weight comes out positive (a quirk of the data fitted on, such as
    paraphrases that happen to use new words) is dropped and the rest refitted."""
    keep = np.ones(x.shape[1], dtype=bool)
    while True:
        weights = np.zeros(x.shape[1])
        fitted, bias = _logistic(x[:, keep], y, w, l2)
        weights[keep] = fitted
        if not (weights > 0).any():
            return weights, bias
        keep[int(np.argmax(weights))] = False


def balanced_accuracy(consistent: Array, predicted: Array) -> float:
    pos, neg = consistent.astype(bool), ~consistent.astype(bool)
    recall_c = predicted[pos].mean() if pos.any() else 0.0
    recall_i = (~predicted[neg]).mean() if neg.any() else 0.0
    return float((recall_c + recall_i) / 2)


def choose_threshold(items: list[Item], probabilities: Array) -> float:
    """The threshold with the best mean balanced accuracy over the datasets of ``items``."""
    labels = np.array([i.consistent for i in items])
    names = np.array([i.dataset for i in items])
    # Midway between neighbouring probabilities: no summary sits on the threshold itself.
    levels = np.unique(probabilities)
    if len(levels) < 2:
        return 0.5
    candidates = np.unique(np.quantile((levels[1:] + levels[:-1]) / 2, np.linspace(0, 1, 201)))
    best, best_score = 0.5, -1.0
    for t in candidates:
        score = float(
            np.mean(
                [
                    balanced_accuracy(labels[names == n], probabilities[names == n] >= t)
                    for n in np.unique(names)
                ]
            )
        )
        if score > best_score:
            best, best_score = float(t), score
    return best


def auc(values: Array, consistent: Array) -> float:
    """The chance that an inconsistent summary has a higher value than a consistent one
    (ties count half): 0.5 is no signal, above it the signal points the right way."""
    bad, good = values[~consistent], values[consistent]
    if not len(bad) or not len(good):
        return 0.5
    order = np.sort(good)
    below = np.searchsorted(order, bad, side="left")
    ties = np.searchsorted(order, bad, side="right") - below
    return float((below + ties / 2).sum() / (len(bad) * len(good)))


def agreeing_signals(items: list[Item], margin: float) -> Array:
    """The signals that point the right way on every dataset fitted on (AUC of the
    summary's worst value above 0.5 + ``margin`` on each). A signal that helps on one
    kind of summary and misleads on another (new words: invented facts in one-sentence
    BBC summaries, harmless paraphrase in SummEdits) would not carry to unseen data."""
    keep = np.ones(len(FEATURES), dtype=bool)
    for name in sorted({i.dataset for i in items}):
        mine = [i for i in items if i.dataset == name]
        worst = np.vstack([matrix(i).max(axis=0) for i in mine])
        labels = np.array([i.consistent for i in mine])
        keep &= np.array([auc(worst[:, j], labels) > 0.5 + margin for j in range(len(FEATURES))])
    return keep


def fit(items: list[Item], *, l2: float = L2, rounds: int = ROUNDS) -> Fit:
    """Fit weights and threshold on ``items`` (signals already computed), with the margin
    of :func:`agreeing_signals` chosen by leaving out each of their datasets in turn: the
    margin whose fits carry best to the dataset they did not see."""
    names = sorted({i.dataset for i in items})
    margin = MARGINS[0]
    if len(names) > 2:
        carried: dict[float, list[float]] = {}
        for candidate in MARGINS:
            carried[candidate] = []
            for name in names:
                held = [i for i in items if i.dataset == name]
                model = fit_with(
                    [i for i in items if i.dataset != name], candidate, l2=l2, rounds=rounds
                )
                labels = np.array([i.consistent for i in held])
                carried[candidate].append(
                    balanced_accuracy(labels, model.summary_probability(held) >= model.threshold)
                )
        margin = choose_margin(carried)
    return fit_with(items, margin, l2=l2, rounds=rounds)


def choose_margin(carried: dict[float, list[float]]) -> float:
    """The margin to fit with, from each margin's balanced accuracies carried to the datasets
    left out in turn: by the one-standard-error rule, the largest margin (the fewest
    signals) whose mean is within one standard error of the best mean. Margins a fraction of
    a point apart are not told apart by three datasets, and the signals only a small margin
    admits are those that did not carry from one dataset to another."""
    means = {m: float(np.mean(scores)) for m, scores in carried.items()}
    best = max(means, key=lambda m: (means[m], -m))
    scores = carried[best]
    spread = float(np.std(scores, ddof=1)) / np.sqrt(len(scores)) if len(scores) > 1 else 0.0
    return max(m for m, mean in means.items() if mean >= means[best] - spread)


def fit_with(items: list[Item], margin: float, *, l2: float = L2, rounds: int = ROUNDS) -> Fit:
    """Fit weights and threshold on ``items`` with the signals that agree by ``margin``."""
    rows = np.vstack([matrix(i) for i in items])
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    y = np.array([float(i.consistent) for i in items])
    cells: dict[tuple[str, bool], int] = {}
    for i in items:
        cells[(i.dataset, i.consistent)] = cells.get((i.dataset, i.consistent), 0) + 1
    w = np.array([len(items) / (len(cells) * cells[(i.dataset, i.consistent)]) for i in items])
    chosen = np.vstack([matrix(i).max(axis=0) for i in items])
    model = Fit(mean, scale, np.zeros(len(FEATURES)), 0.0, 0.5)
    keep = agreeing_signals(items, margin)
    for _ in range(rounds):
        model.weights, model.bias = _signed_logistic((chosen - mean) / scale * keep, y, w, l2)
        chosen = np.vstack(
            [matrix(i)[int(np.argmin(model.probabilities(matrix(i))))] for i in items]
        )
    model.threshold = choose_threshold(items, model.summary_probability(items))
    model.margin = margin
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fit_summary_check")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    items = [item for name in DATASETS for item in load(name)]
    add_signals(items)
    model = fit(items)
    weights = model.as_json()
    for name, weight in zip(FEATURES, weights["weights"], strict=True):
        print(f"{name:>18} {weight:+.3f}")
    print(f"{'bias':>18} {weights['bias']:+.3f}   threshold {weights['threshold']:.3f}")
    print(f"signals used: those above AUC {0.5 + model.margin:.2f} on every dataset")
    if not args.dry_run:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
        print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
