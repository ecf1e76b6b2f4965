"""The claims benchmark's articles: the hand-labelled gold and the texts it labels.

The gold file (``claims/summedits_news_dev_claims.json``, see GUIDELINE.md beside it) names
each article by ``doc_index`` and ``doc_sha256_12``: the first 12 hex digits of the sha256
of the article's raw UTF-8 text, exactly as it appears in the SummEdits file (not
normalised). The 15 SummEdits news dev articles are the distinct ``doc`` values of
``summedits_news_dev.json`` in order of first appearance; the 16th is the seed article in
``seeds/``. Every article is matched by its hash, and a ``doc_index`` that disagrees with the
file order is an error: a reordered data file must not silently pair gold with the wrong text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SEEDS = ROOT / "seeds"

GOLD_FILE = Path("claims") / "summedits_news_dev_claims.json"
SUMMEDITS_FILE = Path("summedits") / "summedits_news_dev.json"
XSUM_FILE = Path("xsumfaith") / "xsumfaith_dev.jsonl"

#: XSumFaith articles in the robustness run (distinct ``doc_id`` in file order).
XSUM_ARTICLES = 40


class DataError(Exception):
    """The data files are missing or do not fit together."""


@dataclass(frozen=True)
class Fact:
    snippet: str
    importance: int
    type: str
    speaker: str | None


@dataclass(frozen=True)
class Quote:
    snippet: str
    #: None for a quotation the article gives no speaker (a scare quote).
    speaker: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Gold:
    facts: tuple[Fact, ...]
    not_claims: tuple[str, ...]
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Article:
    """One article: ``name`` is stable (it names the recording), ``gold`` may be absent."""

    name: str
    text: str
    gold: Gold | None = field(default=None, compare=False)


def sha12(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _gold(entry: dict[str, Any]) -> Gold:
    return Gold(
        facts=tuple(
            Fact(
                snippet=f["snippet"],
                importance=int(f["importance"]),
                type=f.get("type") or "other",
                speaker=f.get("speaker"),
            )
            for f in entry.get("facts", [])
        ),
        not_claims=tuple(entry.get("not_claims", [])),
        quotes=tuple(
            Quote(snippet=q["snippet"], speaker=q["speaker"], aliases=tuple(q.get("aliases", [])))
            for q in entry.get("quotes", [])
        ),
    )


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise DataError(f"{path} not found (point --data at the shared data folder)")
    return json.loads(path.read_text(encoding="utf-8"))


def summedits_docs(data: Path) -> list[str]:
    """The distinct SummEdits news dev articles, in order of first appearance."""
    docs: dict[str, None] = {}
    for row in _read_json(data / SUMMEDITS_FILE):
        docs.setdefault(row["doc"], None)
    return list(docs)


def labelled_articles(data: Path = DEFAULT_DATA, seeds: Path = SEEDS) -> list[Article]:
    """The 16 hand-labelled articles, in the gold file's order."""
    docs = summedits_docs(data)
    by_hash = {sha12(doc): (i, doc) for i, doc in enumerate(docs)}
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        by_hash.setdefault(sha12(text), ("seed", text))
    articles = []
    for entry in _read_json(data / GOLD_FILE):
        found = by_hash.get(entry["doc_sha256_12"])
        if found is None:
            raise DataError(
                f"no article has sha256 {entry['doc_sha256_12']}… (doc_index {entry['doc_index']})"
            )
        index, text = found
        if index != entry["doc_index"]:
            raise DataError(f"gold doc_index {entry['doc_index']} has the hash of article {index}")
        name = "seed" if index == "seed" else f"dev-{int(index):02d}"
        articles.append(Article(name=name, text=text, gold=_gold(entry)))
    return articles


def xsum_articles(data: Path = DEFAULT_DATA, limit: int = XSUM_ARTICLES) -> list[Article]:
    """The first ``limit`` distinct XSumFaith articles (by ``doc_id``, in file order)."""
    path = data / XSUM_FILE
    if not path.is_file():
        raise DataError(f"{path} not found (point --data at the shared data folder)")
    seen: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if len(seen) >= limit:
                break
            if line.strip():
                row = json.loads(line)
                seen.setdefault(str(row["doc_id"]), row["doc"])
    return [Article(name=f"xsum-{doc_id}", text=text) for doc_id, text in seen.items()]
