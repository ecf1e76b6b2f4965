"""How often grounding replaces a model's wording, on wording whose truth is known.

``python -m benchmarks.support`` takes summary sentences people have labelled and runs
them through :func:`factcheck.grounding.ground_claim` as if a model had written them as
claims, citing the two source sentences that share the most words with them (what a model
that cites well would cite):

- SummEdits news dev: the sentences of consistent summaries (faithful wording that should
  be kept) and the edited sentence of each inconsistent summary (wording that should go);
- XSumFaith dev: the one-sentence summaries labelled faithful (very abstractive: the
  hardest case for a word-support test) and a spread of those labelled hallucinated.

It prints, per group, the share whose wording grounding replaces with the cited text, and
which check replaced it (a name, number or date the cited text lacks; or too few of its
words in the cited text). A replaced faithful sentence costs readability, never truth: the
cited text stands in for it.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from factcheck import grounding
from factcheck.grounding import ground_claim
from factcheck.models import FlagKind, Source
from factcheck.schema import ClaimOut
from factcheck.text import make_source

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
_WORD = re.compile(r"[\w']+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _best_two(source: Source, sentence: str) -> list[str]:
    mine = _words(sentence)
    ranked = sorted(source.sentences, key=lambda s: -len(mine & _words(s.text)))
    return [s.id for s in ranked[:2]]


def _cause(flags: Sequence[FlagKind]) -> str:
    if FlagKind.low_overlap in flags:
        return "words"
    if any(k.value.endswith(("_not_in_cited", "_not_in_source")) for k in flags):
        return "name/number/date"
    return "other"


def summedits(data: Path) -> Iterator[tuple[str, str, str]]:
    """(group, document, sentence) for SummEdits news dev."""
    rows = json.loads((data / "summedits" / "summedits_news_dev.json").read_text("utf-8"))
    for row in rows:
        sentences = [s.text for s in make_source(row["summary"]).sentences]
        if str(row["label"]) == "1":
            for sentence in sentences:
                yield "SummEdits consistent", row["doc"], sentence
            continue
        original = {s.text for s in make_source(row.get("original_summary") or "").sentences}
        for sentence in sentences:
            if sentence not in original:
                yield "SummEdits edited", row["doc"], sentence


def xsumfaith(data: Path, limit: int) -> Iterator[tuple[str, str, str]]:
    """(group, document, sentence) for XSumFaith dev: every summary labelled faithful, and
    hallucinated ones spread evenly over the file (it is sorted by system) up to ``limit``."""
    path = data / "xsumfaith" / "xsumfaith_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    bad = [r for r in rows if str(r["label"]) == "0"]
    step = max(1, len(bad) // max(1, limit))
    for row in rows:
        if str(row["label"]) == "1":
            yield "XSumFaith faithful", row["doc"], row["summary"]
    for row in bad[::step][:limit]:
        yield "XSumFaith hallucinated", row["doc"], row["summary"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.support", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--xsum-limit", type=int, default=400, help="hallucinated XSumFaith rows to use"
    )
    parser.add_argument(
        "--low-overlap",
        type=float,
        help="compare another word-support bound (default: the library's own)",
    )
    args = parser.parse_args(argv)
    if args.low_overlap is not None:
        grounding.LOW_OVERLAP = args.low_overlap
    totals: Counter[str] = Counter()
    replaced: Counter[str] = Counter()
    causes: dict[str, Counter[str]] = {}
    sources: dict[str, Source] = {}
    items = [*summedits(args.data), *xsumfaith(args.data, args.xsum_limit)]
    for group, document, sentence in items:
        source = sources.get(document) or sources.setdefault(document, make_source(document))
        ids = _best_two(source, sentence)
        out = ClaimOut(ids=ids, text=sentence[:200], who=None, type="other", check=True, when=None)
        claim = ground_claim(source, out, 0)
        totals[group] += 1
        if claim.origin == "source":
            replaced[group] += 1
            kinds = [f.kind for f in claim.flags]
            causes.setdefault(group, Counter())[_cause(kinds)] += 1
    print(f"word-support bound: {grounding.LOW_OVERLAP}")
    print("| group | sentences | wording replaced | by words | by name/number/date |")
    print("| --- | --- | --- | --- | --- |")
    for group in totals:
        n, r = totals[group], replaced[group]
        why = causes.get(group, Counter())
        print(f"| {group} | {n} | {r} ({r / n:.0%}) | {why['words']} | {why['name/number/date']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
