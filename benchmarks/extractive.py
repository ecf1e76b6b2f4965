"""Whether check_summary passes summaries copied from their own source.

    python -m benchmarks.extractive

An extractive summary (the lead sentences of an article, or any of its sentences) states
what the source states, so every one must come back consistent; summarisers of CNN/DailyMail
articles often copy whole sentences. For each document of the four quality datasets
(``benchmarks.quality_data``) with at least four sentences: its first three sentences, and
three drawn at random (seeded), joined as one summary. Prints, per dataset, how many such
summaries are flagged, with a 95 % Wilson interval, and the reasons of each flagged one.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from benchmarks.claims_score import wilson
from benchmarks.quality_data import DATASETS, load, with_sources
from factcheck.models import SupportLabel
from factcheck.summary_check import check_summary

PICKED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extractive", description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    checked: Counter[tuple[str, str]] = Counter()
    flagged: Counter[tuple[str, str]] = Counter()
    reasons: list[str] = []
    for name in DATASETS:
        # One source per document: a dataset holds many summaries of each.
        sources = {item.doc: source for source, item in with_sources(load(name))}
        for source in sources.values():
            texts = [s.text for s in source.sentences]
            if len(texts) <= PICKED:
                continue
            drawn = sorted(rng.sample(range(len(texts)), PICKED))
            for how, picked in (("lead", texts[:PICKED]), ("random", [texts[i] for i in drawn])):
                check = check_summary(source, " ".join(picked), use_model=False)
                checked[(name, how)] += 1
                flagged[(name, how)] += not check.consistent
                reasons += [
                    f"- {name}, {how}: {s.text[:90]!r}: {'; '.join(s.reasons[:2])}"
                    for s in check.sentences
                    if s.label is not SupportLabel.supported
                ]
    print("| dataset | summaries | flagged, lead 3 | flagged, 3 at random | flagged % [95% CI] |")
    print("| --- | --- | --- | --- | --- |")
    for name in DATASETS:
        n = checked[(name, "lead")] + checked[(name, "random")]
        bad = flagged[(name, "lead")] + flagged[(name, "random")]
        low, high = wilson(bad, n)
        print(
            f"| {name} | {n} | {flagged[(name, 'lead')]} of {checked[(name, 'lead')]} | "
            f"{flagged[(name, 'random')]} of {checked[(name, 'random')]} | "
            f"{100 * bad / max(1, n):.1f} [{100 * low:.0f}, {100 * high:.0f}] |"
        )
    print("\nUnsupported sentences:" if reasons else "\nNo sentence unsupported.")
    print("\n".join(reasons))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
