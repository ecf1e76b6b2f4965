"""Sentence segmentation: factcheck's splitter against pysbd, boundaries and speed.

    python -m benchmarks.perf_split            # dev articles + the long documents

pysbd (per line, as factcheck segmented before) is the reference. For each corpus the
table gives the boundaries (sentence ends, as character offsets in the normalised text)
both agree on, precision and recall of ours against pysbd's, whole documents segmented
identically, and the time of each (best of N) with the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from benchmarks.perf.common import best_of, markdown

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SEED = ROOT / "seeds" / "000_5bc9710cf7c855ce.txt"


def pysbd_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans as factcheck computed them with pysbd: segment each line, then find
    each segment in the line (pysbd may rewrite characters; the rest is one sentence)."""
    import pysbd

    segmenter = _segmenter(pysbd)
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            cuts: list[int] = []
            cursor = 0
            for piece in segmenter.segment(line):
                piece = piece.strip()
                if not piece:
                    continue
                found = line.find(piece, cursor)
                if found < 0:
                    break
                cursor = found + len(piece)
                cuts.append(cursor)
            start = 0
            for cut in [*cuts, len(line)]:
                stretch = line[start:cut]
                if stretch.strip():
                    lead = len(stretch) - len(stretch.lstrip())
                    spans.append(
                        (offset + start + lead, offset + start + lead + len(stretch.strip()))
                    )
                start = cut
        offset += len(line) + 1
    return spans


_SEGMENTERS: dict[str, object] = {}


def _segmenter(pysbd: object) -> object:
    if "en" not in _SEGMENTERS:
        _SEGMENTERS["en"] = pysbd.Segmenter(language="en", clean=False)  # type: ignore[attr-defined]
    return _SEGMENTERS["en"]


def ours_spans(text: str) -> list[tuple[int, int]]:
    from factcheck.text import sentence_spans

    return sentence_spans(text, max_chars=10**9)


def corpora(data: Path) -> dict[str, list[str]]:
    from factcheck.text import normalise

    found: dict[str, list[str]] = {}
    news = json.loads((data / "summedits" / "summedits_news_dev.json").read_text("utf-8"))
    found["SummEdits news (dev)"] = list(dict.fromkeys(x["doc"] for x in news))
    docs: list[str] = []
    with (data / "xsumfaith" / "xsumfaith_dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            docs.append(json.loads(line)["doc"])
    found["XSumFaith BBC (dev)"] = list(dict.fromkeys(docs))
    found["seed"] = [SEED.read_text("utf-8")]
    for name, label in (
        ("summedits_podcast.json", "podcast"),
        ("summedits_qmsumm.json", "meetings"),
    ):
        items = json.loads((data / "summedits" / name).read_text("utf-8"))
        found[f"SummEdits {label} transcripts"] = list(dict.fromkeys(x["doc"] for x in items))
    return {k: [normalise(d) for d in v if d.strip()] for k, v in found.items()}


def _ends(spans: Iterable[tuple[int, int]]) -> set[int]:
    return {end for _, end in spans}


def compare(docs: list[str], repeats: int) -> dict[str, float]:
    both = only_ref = only_ours = same = 0
    for doc in docs:
        ref, ours = pysbd_spans(doc), ours_spans(doc)
        a, b = _ends(ref), _ends(ours)
        both += len(a & b)
        only_ref += len(a - b)
        only_ours += len(b - a)
        same += ref == ours
    t_ref = best_of(repeats, lambda: [pysbd_spans(d) for d in docs])
    t_ours = best_of(repeats, lambda: [ours_spans(d) for d in docs])
    return {
        "docs": len(docs),
        "chars": sum(map(len, docs)),
        "agree": both,
        "precision": both / max(1, both + only_ours),
        "recall": both / max(1, both + only_ref),
        "same_docs": same,
        "pysbd_s": t_ref,
        "ours_s": t_ours,
    }


def disagreements(docs: list[str], limit: int) -> list[str]:
    shown: list[str] = []
    for doc in docs:
        a, b = _ends(pysbd_spans(doc)), _ends(ours_spans(doc))
        for end in sorted(a ^ b):
            who = "pysbd only" if end in a else "ours only"
            shown.append(f"{who}: …{doc[max(0, end - 60) : end]}⟂{doc[end : end + 40]}…")
            if len(shown) >= limit:
                return shown
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--show", type=int, default=0, help="print N disagreements per corpus")
    args = parser.parse_args(argv)
    rows = [
        (
            "corpus",
            "docs",
            "chars",
            "agreed ends",
            "precision",
            "recall",
            "identical docs",
            "pysbd s",
            "ours s",
            "speed-up",
        )
    ]
    for name, docs in corpora(args.data).items():
        r = compare(docs, args.repeats)
        rows.append(
            (
                name,
                f"{r['docs']}",
                f"{r['chars']:,}",
                f"{r['agree']:,}",
                f"{r['precision']:.4f}",
                f"{r['recall']:.4f}",
                f"{r['same_docs']}/{r['docs']}",
                f"{r['pysbd_s']:.3f}",
                f"{r['ours_s']:.4f}",
                f"{r['pysbd_s'] / r['ours_s']:.0f}×",
            )
        )
        for line in disagreements(docs, args.show):
            print(f"  [{name}] {line}", file=sys.stderr)
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
