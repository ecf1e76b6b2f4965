"""How well check_summary tells consistent summaries from inconsistent ones, and whether
that holds on data its weights were not fitted on.

    python -m benchmarks.quality                  # rules on all four datasets (a few minutes)
    python -m benchmarks.quality --limit 200      # 200 summaries per dataset, label shares kept
    python -m benchmarks.quality --model-rows 40  # also the model's verdicts on 40 news summaries

For each dataset (``benchmarks.quality_data.DATASETS``): balanced accuracy with a 95 %
bootstrap interval, and the recall of each class, for

- a baseline rule: inconsistent when a sentence has a name or number the source lacks;
- the shipped weights (``factcheck/data/summary_check.json``), fitted on all four datasets,
  this one included: labelled *tuned*, an optimistic figure;
- leave-one-dataset-out: weights and threshold fitted on the other three datasets, then
  applied to this one: the honest figure for data the checker has never seen.

"Inconsistent" recall is the share of inconsistent summaries caught; "consistent" recall
the share of consistent ones passed. ``--model-rows`` adds the configured model's verdicts
(``use_model=True``) on a stratified subset of SummEdits news, with and without
``trust_model``. Results also go to ``benchmarks/results/quality-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.fit_summary_check import Fit, fit
from benchmarks.quality_data import DATASETS, ROOT, Item, add_signals, load, sentences
from factcheck.summary_check import FEATURES, calibration, check_summary
from factcheck.text import normalise

Array = npt.NDArray[Any]
RESULTS = ROOT / "benchmarks" / "results"
SEED_ARTICLE = ROOT / "seeds" / "000_5bc9710cf7c855ce.txt"

#: Balanced accuracy on SummEdits news, from the benchmark's README (its test data).
PUBLISHED = {
    "human": 90.0,
    "GPT-4": 83.3,
    "QAFactEval": 74.4,
    "ChatGPT": 74.4,
    "SummaC-Conv": 61.9,
    "DAE": 60.9,
    "Mistral-7b": 59.8,
    "Llama2-7b": 50.6,
}


@dataclass
class Score:
    balanced: float
    low: float
    high: float
    recall_inconsistent: float
    recall_consistent: float

    def cell(self) -> str:
        return f"{100 * self.balanced:.1f} [{100 * self.low:.1f}, {100 * self.high:.1f}]"


def score(consistent: Array, predicted: Array, *, rounds: int, seed: int) -> Score:
    """Balanced accuracy with a 95 % percentile bootstrap interval (items resampled)."""
    y = consistent.astype(bool)
    p = predicted.astype(bool)

    def bacc(yy: Array, pp: Array) -> Array:
        pos = yy.sum(axis=-1)
        neg = (~yy).sum(axis=-1)
        rc = (yy & pp).sum(axis=-1) / np.maximum(pos, 1)
        ri = (~yy & ~pp).sum(axis=-1) / np.maximum(neg, 1)
        return np.asarray((rc + ri) / 2, dtype=float)

    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(y), size=(rounds, len(y)))
    samples = bacc(y[picks], p[picks])
    low, high = np.percentile(samples, [2.5, 97.5])
    return Score(
        balanced=float(bacc(y, p)),
        low=float(low),
        high=float(high),
        recall_inconsistent=float((~y & ~p).sum() / max(1, (~y).sum())),
        recall_consistent=float((y & p).sum() / max(1, y.sum())),
    )


def shipped() -> Fit:
    c = calibration()
    return Fit(
        mean=np.array(c.mean),
        scale=np.array(c.scale),
        weights=np.array(c.weights),
        bias=c.bias,
        threshold=c.threshold,
    )


def baseline(items: list[Item]) -> Array:
    """Consistent unless a sentence has a name or number that the source lacks."""
    return np.array(
        [not any(s["name_absent"] or s["value_absent"] for s in i.signals) for i in items]
    )


def any_finding(items: list[Item]) -> Array:
    """Consistent unless a sentence has an exact finding (the ``flagged`` signal alone)."""
    return np.array([not any(s["flagged"] for s in i.signals) for i in items])


def sentence_rows(items: list[Item]) -> dict[str, int] | None:
    """Per summary sentence, where the dataset says which sentences an edit changed
    (SummEdits: a sentence of an inconsistent summary that its consistent original lacks):
    how many edited and unchanged sentences the shipped decision flags. A summary-level
    figure counts a summary caught by a finding on one of its unchanged sentences as a
    catch; this one counts that finding as the false alarm it is."""
    if not any(i.original for i in items):
        return None
    counts = dict.fromkeys(("edited", "edited_flagged", "unchanged", "unchanged_flagged"), 0)
    for item in items:
        original = set(sentences(item.original or "")) if not item.consistent else None
        for sentence in check_summary(item.doc, item.summary, use_model=False).sentences:
            kind = (
                "unchanged"
                if original is None or normalise(sentence.text) in original
                else "edited"
            )
            counts[kind] += 1
            counts[f"{kind}_flagged"] += sentence.label.value != "supported"
    return counts


def speed_on_long_article() -> tuple[int, float, float]:
    """Words of a 1,000-word article (the seed article, then SummEdits podcast
    transcripts, cut at 1,000 words), and seconds for check_summary on it with a 3-sentence
    summary, rules only: the first call in the process (which loads the tokenizer
    vocabulary once) and the median of 5 more."""
    words = SEED_ARTICLE.read_text(encoding="utf-8").split()
    for doc in dict.fromkeys(i.doc for i in load("SummEdits podcast")):
        if len(words) >= 1000:
            break
        words += doc.split()
    article = " ".join(words[:1000])
    summary = (
        "Keir Starmer has called for a coalition of the willing to help end the war in "
        "Ukraine. He will host a defence summit of European leaders on Sunday. "
        "The leaders discussed support for Ukraine."
    )
    times = []
    for _ in range(6):
        started = time.perf_counter()
        check_summary(article, summary, use_model=False)
        times.append(time.perf_counter() - started)
    return len(article.split()), times[0], float(np.median(times[1:]))


def model_rows(limit: int, seed: int, model: str | None) -> list[dict[str, Any]]:
    """Rules alone, and with the model's verdicts (recorded, and trusted), on a stratified
    subset of SummEdits news."""
    items = load("SummEdits news dev", limit=limit, seed=seed)
    labels = np.array([i.consistent for i in items])
    rows: list[dict[str, Any]] = []
    results: dict[str, list[bool]] = {"rules": [], "model trusted": [], "model alone": []}
    started = time.perf_counter()
    for item in items:
        check = check_summary(item.doc, item.summary, model=model, trust_model=True)
        results["model trusted"].append(check.consistent)
        results["model alone"].append(
            all(
                s.model_label is not None and s.model_label.value == "supported"
                for s in check.sentences
            )
        )
        results["rules"].append(check_summary(item.doc, item.summary, use_model=False).consistent)
    seconds = (time.perf_counter() - started) / max(1, len(items))
    for name, predicted in results.items():
        s = score(labels, np.array(predicted), rounds=1000, seed=seed)
        rows.append({"run": name, "n": len(items), "score": s, "seconds": seconds})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="summaries per dataset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap rounds")
    parser.add_argument("--model-rows", type=int, default=0, help="model run on N news items")
    parser.add_argument("--model", default=None, help="model for --model-rows")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    data = {name: load(name, limit=args.limit, seed=args.seed) for name in DATASETS}
    seconds = {name: add_signals(items) for name, items in data.items()}
    tuned = shipped()
    table: list[dict[str, Any]] = []
    for name, items in data.items():
        others = [i for n, its in data.items() if n != name for i in its]
        held_out = fit(others)
        labels = np.array([i.consistent for i in items])

        def rate(predicted: Array, labels: Array = labels) -> Score:
            return score(labels, predicted, rounds=args.bootstrap, seed=args.seed)

        table.append(
            {
                "dataset": name,
                "n": len(items),
                "inconsistent": int((~labels).sum()),
                "baseline": rate(baseline(items)),
                "any_finding": rate(any_finding(items)),
                "tuned": rate(tuned.summary_probability(items) >= tuned.threshold),
                "held_out": rate(held_out.summary_probability(items) >= held_out.threshold),
                "seconds": seconds[name],
            }
        )

    print(
        "Balanced accuracy, % [95 % bootstrap interval]. *tuned*: weights fitted on all four "
        "datasets, this one included. *left out*: fitted on the other three."
    )
    print()
    print(
        "| dataset | n (incons.) | baseline: absent name/number | any exact finding "
        "| shipped weights (tuned) "
        "| left out of the fit | left out: incons. recall | left out: cons. recall "
        "| ms/summary |"
    )
    print("|" + " --- |" * 9)
    for r in table:
        h = r["held_out"]
        print(
            f"| {r['dataset']} | {r['n']} ({r['inconsistent']}) | {r['baseline'].cell()} "
            f"| {r['any_finding'].cell()} "
            f"| {r['tuned'].cell()} | {h.cell()} | {100 * h.recall_inconsistent:.1f} "
            f"| {100 * h.recall_consistent:.1f} | {1000 * r['seconds']:.1f} |"
        )
    kinds = ("baseline", "any_finding", "tuned", "held_out")
    macro = {k: np.mean([r[k].balanced for r in table]) for k in kinds}
    print(
        f"| macro mean | {sum(r['n'] for r in table)} | {100 * macro['baseline']:.1f} "
        f"| {100 * macro['any_finding']:.1f} "
        f"| {100 * macro['tuned']:.1f} | {100 * macro['held_out']:.1f} "
        f"| {100 * np.mean([r['held_out'].recall_inconsistent for r in table]):.1f} "
        f"| {100 * np.mean([r['held_out'].recall_consistent for r in table]):.1f} | |"
    )
    sentence_table = {name: sentence_rows(items) for name, items in data.items()}
    print()
    print("Per sentence (SummEdits, where the edited sentences are known; the shipped decision):")
    print()
    print(
        "| dataset | edited sentences flagged | unchanged sentences flagged "
        "| flagged sentences that are edited |"
    )
    print("|" + " --- |" * 4)
    for name, c in sentence_table.items():
        if c is None:
            continue
        flagged = c["edited_flagged"] + c["unchanged_flagged"]
        print(
            f"| {name} | {c['edited_flagged']} of {c['edited']} "
            f"({100 * c['edited_flagged'] / max(1, c['edited']):.1f} %) "
            f"| {c['unchanged_flagged']} of {c['unchanged']} "
            f"({100 * c['unchanged_flagged'] / max(1, c['unchanged']):.1f} %) "
            f"| {100 * c['edited_flagged'] / max(1, flagged):.1f} % |"
        )
    words, first, took = speed_on_long_article()
    print()
    print(
        f"check_summary, rules only, {words}-word article + 3-sentence summary: "
        f"{took:.3f} s (median of 5; first call in the process {first:.3f} s)"
    )
    extra = model_rows(args.model_rows, args.seed, args.model) if args.model_rows else []
    if extra:
        print()
        print(
            "| SummEdits news subset | n | balanced acc. [95 %] | incons. recall "
            "| cons. recall | s/summary (model + rules) |"
        )
        print("|" + " --- |" * 6)
        for row in extra:
            s = row["score"]
            print(
                f"| {row['run']} | {row['n']} | {s.cell()} | {100 * s.recall_inconsistent:.1f} "
                f"| {100 * s.recall_consistent:.1f} | {row['seconds']:.1f} |"
            )
    print()
    print(
        "Published on SummEdits news (its test data): "
        + ", ".join(f"{k} {v:.1f}" for k, v in PUBLISHED.items())
    )
    out = args.json or RESULTS / f"quality-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "limit": args.limit,
                "seed": args.seed,
                "features": list(FEATURES),
                "rows": [
                    {k: (v.__dict__ if isinstance(v, Score) else v) for k, v in r.items()}
                    for r in table
                ],
                "model_rows": [
                    {k: (v.__dict__ if isinstance(v, Score) else v) for k, v in r.items()}
                    for r in extra
                ],
                "long_article": {"words": words, "seconds": took, "first_call": first},
                "sentences": sentence_table,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
