"""Labelled summaries for the summary-check benchmark and fit, and their signals.

Four datasets from ``../shared/data`` (see its README): SummEdits news (dev split), XSumFaith
(dev), SummEdits podcast and SummEdits meeting (QMSum) — news with subtle edits, news with
mostly invented names and numbers, and two conversational domains. Each item is
``consistent`` (label 1) or not.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from factcheck.models import Source
from factcheck.summary_check import summary_signals
from factcheck.text import make_source, normalise, sentence_spans

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
DATASETS = {
    "SummEdits news dev": DATA / "summedits" / "summedits_news_dev.json",
    "XSumFaith dev": DATA / "xsumfaith" / "xsumfaith_dev.jsonl",
    "SummEdits podcast": DATA / "summedits" / "summedits_podcast.json",
    "SummEdits meeting": DATA / "summedits" / "summedits_qmsumm.json",
}


def sentences(text: str) -> list[str]:
    """The sentences of a summary as the benchmarks compare them: normalised text, split as
    the library splits it."""
    text = normalise(text)
    return [text[a:b] for a, b in sentence_spans(text)]


@dataclass
class Item:
    dataset: str
    id: str
    doc: str
    summary: str
    consistent: bool
    #: The signals of each summary sentence, filled by :func:`add_signals`.
    signals: list[dict[str, float]] = field(default_factory=list)
    #: SummEdits: the consistent summary an inconsistent one was edited from.
    original: str | None = None


def load(name: str, *, limit: int | None = None, seed: int = 0) -> list[Item]:
    """The items of one dataset; ``limit`` draws that many, keeping the share of each label."""
    path = DATASETS[name]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        sys.exit(f"data file not found: {path}")
    rows = (
        [json.loads(line) for line in text.splitlines() if line.strip()]
        if path.suffix == ".jsonl"
        else json.loads(text)
    )
    items = [
        Item(
            name,
            str(r["id"]),
            r["doc"],
            r["summary"],
            str(r["label"]) == "1",
            original=r.get("original_summary"),
        )
        for r in rows
    ]
    if limit is None or limit >= len(items):
        return items
    rng = random.Random(seed)
    chosen: list[Item] = []
    for label in (True, False):
        group = [i for i in items if i.consistent is label]
        chosen += rng.sample(group, min(len(group), round(limit * len(group) / len(items))))
    return chosen


def with_sources(items: Iterable[Item]) -> Iterator[tuple[Source, Item]]:
    """Each item with its document read as a source, once per document (many summaries of
    a dataset share one article)."""
    sources: dict[str, Source] = {}
    for item in items:
        source = sources.get(item.doc)
        if source is None:
            source = sources[item.doc] = make_source(item.doc)
        yield source, item


def add_signals(items: list[Item]) -> float:
    """Compute each item's sentence signals; returns the seconds per summary."""
    started = time.perf_counter()
    for source, item in with_sources(items):
        item.signals = summary_signals(source, item.summary)
    return (time.perf_counter() - started) / max(1, len(items))
