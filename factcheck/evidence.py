"""Deterministic pre-selection of candidate evidence: BM25 over the sentences of documents.

The model never reads whole evidence documents. Each claim is shown only its top-k
candidate sentences, ranked here by BM25 (``bm25s``, Lucene variant) over casefolded
word tokens, so the choice is free, exact and the same on every run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from factcheck.models import EvidencePassage, Source, sentence_index

if TYPE_CHECKING:
    import bm25s

_WORD = re.compile(r"\w+")

#: Words that carry no content for matching a claim to evidence: Lucene's English list
#: plus pronouns, auxiliaries and reporting verbs, which news sentences are full of.
STOPWORDS = frozenset(
    (
        "a an and are as at be but by for if in into is it no not of on or such that the "
        "their then there these they this to was will with "
        "he she we you i his her its our your them him us who whom whose which what when "
        "where why how has have had do does did been being were would could should may might "
        "must can shall from than so also about over after before said says say told "
        "all any some more most other only very just s t ve ll re d"
    ).split()
)


def terms(text: str) -> list[str]:
    """Casefolded content words of ``text`` (numbers kept), in order, repeats kept."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in _WORD.findall(folded) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def words(text: str) -> list[str]:
    """Every casefolded word of ``text``, in order: for word-for-word comparison."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def overlap(claim: str, evidence: Iterable[str]) -> float:
    """The share of the claim's content words that appear in the evidence (1.0 when the
    claim has none, so that a wordless claim is never penalised for it)."""
    words = set(terms(claim))
    if not words:
        return 1.0
    found: set[str] = set()
    for text in evidence:
        found.update(terms(text))
    return len(words & found) / len(words)


class SentenceIndex:
    """A BM25 index over every sentence of ``documents``."""

    def __init__(self, documents: Sequence[Source]) -> None:
        self.documents = list(documents)
        self.entries = [
            (d, sentence) for d, doc in enumerate(self.documents) for sentence in doc.sentences
        ]
        corpus = [terms(sentence.text) for _, sentence in self.entries]
        self._bm25: bm25s.BM25 | None = None
        if any(corpus):
            import bm25s

            self._bm25 = bm25s.BM25(method="lucene")
            self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> list[float]:
        words = list(dict.fromkeys(terms(query)))
        if self._bm25 is None or not words:
            return [0.0] * len(self.entries)
        return [float(s) for s in self._bm25.get_scores(words)]

    def top(
        self, query: str, k: int, *, include: Sequence[tuple[int, str]] = ()
    ) -> list[EvidencePassage]:
        """The ``k`` best sentences for ``query`` with a positive score, best first (ties in
        document order). ``include`` (document, sentence id) pairs come first whatever
        their score, e.g. the sentences a claim already cites."""
        scores = self.scores(query)
        position = {(d, s.id): n for n, (d, s) in enumerate(self.entries)}
        chosen = [position[key] for key in dict.fromkeys(include) if key in position]
        ranked = sorted(
            (n for n, score in enumerate(scores) if score > 0 and n not in chosen),
            key=lambda n: (-scores[n], n),
        )
        chosen += ranked[: max(0, k - len(chosen))]
        return [self._passage(n, scores[n]) for n in chosen]

    def _passage(self, n: int, score: float) -> EvidencePassage:
        document, sentence = self.entries[n]
        return EvidencePassage(
            document=document,
            sentence_id=sentence.id,
            start=sentence.start,
            end=sentence.end,
            text=sentence.text,
            score=round(score, 4),
        )


def sort_key(passage: EvidencePassage) -> tuple[int, int]:
    """Document order: by document, then sentence."""
    return passage.document, sentence_index(passage.sentence_id) or 0
