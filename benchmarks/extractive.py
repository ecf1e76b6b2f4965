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
from benchmarks.quality_data import DATASETS, load
from factcheck.summary_check import check_summary
from factcheck.text import make_source

PICKED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extractive", description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    counts: Counter[tuple[str, str, bool]] = Counter()
    reasons: list[str] = []
    for name in DATASETS:
        for doc in dict.fromkeys(item.doc for item in load(name)):
            source = make_source(doc)
            texts = [s.text for s in source.sentences]
            if len(texts) <= PICKED:
                continue
            drawn = sorted(rng.sample(range(len(texts)), PICKED))
            for how, picked in (("lead", texts[:PICKED]), ("random", [texts[i] for i in drawn])):
                check = check_summary(source, " ".join(picked), use_model=False)
                counts[(name, how, check.consistent)] += 1
                reasons += [
                    f"- {name}, {how}: {s.text[:90]!r}: {'; '.join(s.reasons[:2])}"
                    for s in check.sentences
                    if s.label.value != "supported"
                ]
    print("| dataset | summaries | flagged, lead 3 | flagged, 3 at random | flagged % [95% CI] |")
    print("| --- | --- | --- | --- | --- |")
    for name in DATASETS:
        lead = [counts[(name, "lead", ok)] for ok in (False, True)]
        drawn_counts = [counts[(name, "random", ok)] for ok in (False, True)]
        flagged, n = lead[0] + drawn_counts[0], sum(lead) + sum(drawn_counts)
        low, high = wilson(flagged, n)
        print(
            f"| {name} | {n} | {lead[0]} of {sum(lead)} | {drawn_counts[0]} of "
            f"{sum(drawn_counts)} | {100 * flagged / max(1, n):.1f} [{100 * low:.0f}, "
            f"{100 * high:.0f}] |"
        )
    print("\nUnsupported sentences:" if reasons else "\nNo sentence unsupported.")
    print("\n".join(reasons))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
