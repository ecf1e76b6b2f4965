"""Scoring a list of claims against the hand-labelled gold of one article.

The gold snippets are verbatim substrings of the raw article; a report's offsets refer to the
normalised text (``report.source.text``: NFC, collapsed spaces, no control characters, lines
stripped). A snippet is found there by comparing the two texts with all whitespace removed
(after the same NFC and control-character clean-up), then mapping the match back to offsets
in the normalised text; a snippet that crosses a line break is found the same way.

What counts (see the module ``benchmarks.claims`` for the table):

- a claim's **cited text** is its ``spans``: each cited sentence, or the part of it the claim
  rests on where the library left a clause out (``clause_dropped``); a claim without spans
  (none in a library report) is read as citing its ``sentence_ids`` whole;
- a fact is **recalled** when some claim's cited text overlaps its snippet;
- a claim **touches a never-a-claim** snippet when its cited text overlaps one;
- a claim **cites a quotation** when its cited text overlaps a gold quotation; its
  speaker is **right** when, compared case- and whitespace-insensitively, it equals the
  quotation's speaker or one of its aliases, or contains the speaker's full name (a claim
  citing quotations of several speakers is right when it names any of them); for a
  quotation the gold gives no speaker, no speaker is right;
- a fact the gold **attributes** to someone (its ``speaker``) has its speaker right when the
  best-ranked claim covering it names that source by the rules above (the aliases are those
  the gold gives the same speaker's quotations); a fact in the article's **own voice** (no
  speaker) is right when that claim names no speaker;
- a claim **starts with a pronoun** when the first word of its statement (after opening
  quotation marks, and before an apostrophe: "We've") is a personal or demonstrative pronoun.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from benchmarks.claims_data import Fact, Gold, Quote
from factcheck.models import Claim, Source
from factcheck.text import normalise

PRONOUNS = frozenset(
    "he she it they we i you him her them us me his hers its their theirs our ours my "
    "mine your yours this that these those".split()
)
_OPENING = "\"'“”‘’«»([—–- "
_APOSTROPHES = ("'", "’")

Span = tuple[int, int]


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, and for each kept character its offset in ``text``."""
    kept: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isspace():
            kept.append(ch)
            where.append(i)
    return "".join(kept), where


@dataclass
class Locator:
    """Finds gold snippets in one normalised source text."""

    text: str
    _squeezed: str = field(init=False, repr=False)
    _where: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._squeezed, self._where = _squeeze(self.text)

    def find(self, snippet: str) -> Span | None:
        # normalise() applies the library's own clean-up (NFC, control characters), so a
        # snippet is compared in the same form as the text; whitespace is then ignored.
        wanted, _ = _squeeze(normalise(snippet))
        if not wanted:
            return None
        at = self._squeezed.find(wanted)
        if at < 0:
            return None
        return self._where[at], self._where[at + len(wanted) - 1] + 1


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def norm_name(name: str) -> str:
    return " ".join(name.casefold().split())


def speaker_right(speaker: str | None, quotes: Iterable[Quote]) -> bool:
    """Whether ``speaker`` names the speaker of one of ``quotes`` (rules in the docstring)."""
    if not speaker or not speaker.strip():
        # A quotation the gold gives no speaker (a scare quote, a label's wording): no
        # speaker is the right answer.
        return any(not (quote.speaker or "").strip() for quote in quotes)
    said = norm_name(speaker)
    for quote in quotes:
        if not (quote.speaker or "").strip():
            continue
        full = norm_name(quote.speaker)
        if said == full or full in said or said in {norm_name(a) for a in quote.aliases}:
            return True
    return False


def starts_with_pronoun(statement: str) -> bool:
    words = statement.lstrip(_OPENING).split(maxsplit=1)
    if not words:
        return False
    first = words[0]
    for mark in _APOSTROPHES:
        first = first.split(mark, 1)[0]
    first = first.strip('.,;:!?"“”')
    if len(first) > 1 and first.isupper():
        return False  # "US officials": the country, not "us"
    return first.casefold() in PRONOUNS


@dataclass
class ArticleScore:
    """The measures of one article (counts, so that articles can be pooled)."""

    sentences: int = 0
    claims: int = 0
    facts1: int = 0
    found1: int = 0
    facts12: int = 0
    found12: int = 0
    not_claim_claims: int = 0
    not_claim_snippets: int = 0
    quote_claims: int = 0
    speakers_right: int = 0
    pronoun_starts: int = 0
    missing_snippets: int = 0
    #: Facts the gold attributes to someone that a claim covers, and those whose (first)
    #: covering claim names that source; facts in the article's own voice that a claim
    #: covers, and those whose claim names no speaker.
    attributed_facts: int = 0
    attributed_right: int = 0
    own_voice_facts: int = 0
    own_voice_right: int = 0

    @property
    def recall1(self) -> float | None:
        return self.found1 / self.facts1 if self.facts1 else None

    @property
    def recall12(self) -> float | None:
        return self.found12 / self.facts12 if self.facts12 else None

    @property
    def speaker_accuracy(self) -> float | None:
        return self.speakers_right / self.quote_claims if self.quote_claims else None


def _cited_spans(source: Source, claim: Claim) -> list[Span]:
    if claim.spans:
        return [(span.start, span.end) for span in claim.spans]
    spans = []
    for sentence_id in claim.sentence_ids:
        sentence = source.sentence(sentence_id)
        if sentence is not None:
            spans.append((sentence.start, sentence.end))
    return spans


def score(source: Source, claims: Sequence[Claim], gold: Gold) -> ArticleScore:
    """Score ``claims`` (pinned to ``source``) against ``gold``."""
    locate = Locator(source.text)
    result = ArticleScore(sentences=len(source.sentences), claims=len(claims))
    cited = [_cited_spans(source, claim) for claim in claims]
    every_cited = [span for spans in cited for span in spans]

    aliases: dict[str, set[str]] = {}
    for quote in gold.quotes:
        if quote.speaker:
            aliases.setdefault(norm_name(quote.speaker), set()).update(quote.aliases)
    for fact in gold.facts:
        where = locate.find(fact.snippet)
        covering = [
            claim
            for claim, spans in zip(claims, cited, strict=True)
            if where is not None and any(overlaps(where, s) for s in spans)
        ]
        if covering:
            # The best-ranked claim that covers the fact is the one a reader sees for it.
            _score_speaker(result, fact, covering[0], aliases)
        if fact.importance > 2:
            continue
        if where is None:
            result.missing_snippets += 1
        hit = where is not None and any(overlaps(where, s) for s in every_cited)
        result.facts12 += 1
        result.found12 += hit
        if fact.importance == 1:
            result.facts1 += 1
            result.found1 += hit

    junk: list[Span] = []
    for snippet in gold.not_claims:
        where = locate.find(snippet)
        if where is None:
            result.missing_snippets += 1
        else:
            junk.append(where)
    result.not_claim_snippets = sum(any(overlaps(j, s) for s in every_cited) for j in junk)
    quotes = [(q, locate.find(q.snippet)) for q in gold.quotes]
    result.missing_snippets += sum(where is None for _, where in quotes)

    for claim, spans in zip(claims, cited, strict=True):
        if any(overlaps(j, s) for j in junk for s in spans):
            result.not_claim_claims += 1
        quoted = [q for q, where in quotes if where and any(overlaps(where, s) for s in spans)]
        if quoted:
            result.quote_claims += 1
            result.speakers_right += speaker_right(claim.speaker, quoted)
        result.pronoun_starts += starts_with_pronoun(claim.statement)
    return result


def _score_speaker(
    result: ArticleScore, fact: Fact, claim: Claim, aliases: dict[str, set[str]]
) -> None:
    if fact.speaker and fact.speaker.strip():
        quote = Quote(fact.snippet, fact.speaker, tuple(aliases.get(norm_name(fact.speaker), ())))
        result.attributed_facts += 1
        result.attributed_right += bool(claim.speaker) and speaker_right(claim.speaker, [quote])
    else:
        result.own_voice_facts += 1
        result.own_voice_right += not (claim.speaker or "").strip()


def pooled(scores: Iterable[ArticleScore]) -> ArticleScore:
    """The counts of several articles added up (recall over all facts, not a mean of means)."""
    total = ArticleScore()
    for one in scores:
        for name in ArticleScore.__dataclass_fields__:
            setattr(total, name, getattr(total, name) + getattr(one, name))
    return total


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default).

    Written out because it is five lines of arithmetic and the benchmark otherwise needs no
    statistics package; it behaves at 0 and n where the normal approximation does not.
    """
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


# -- baselines: claims that are the article's own sentences ----------------------------------


def sentence_claims(source: Source, indexes: Iterable[int]) -> list[Claim]:
    """One claim per chosen sentence, worded as the sentence, with no speaker."""
    return [
        Claim(statement=source.sentences[i].text, sentence_ids=[source.sentences[i].id])
        for i in sorted(set(indexes))
    ]


def first_sentences(source: Source, k: int) -> list[Claim]:
    return sentence_claims(source, range(min(k, len(source.sentences))))


def best_sentences(source: Source, gold: Gold, k: int) -> list[Claim]:
    """The ``k`` sentences that recall the most importance-1 facts, then the most
    importance-1 and -2 facts: the ceiling for any selection of ``k`` whole sentences.

    Maximum coverage is NP-hard in general; greedy choice followed by single swaps until no
    swap improves is exact on articles of this size in practice (and a lower bound on the
    true ceiling in any case).
    """
    locate = Locator(source.text)
    spans = [(s.start, s.end) for s in source.sentences]
    facts = []
    for fact in gold.facts:
        where = locate.find(fact.snippet) if fact.importance <= 2 else None
        if where is not None:
            covering = frozenset(i for i, s in enumerate(spans) if overlaps(where, s))
            facts.append((covering, fact.importance))
    k = min(k, len(spans))

    def value(chosen: set[int]) -> tuple[int, int]:
        hit = [imp for covering, imp in facts if covering & chosen]
        return (sum(imp == 1 for imp in hit), len(hit))

    chosen: set[int] = set()
    for _ in range(k):
        best = max(
            (i for i in range(len(spans)) if i not in chosen),
            key=lambda i: (value(chosen | {i}), -i),
        )
        chosen.add(best)
    improved = True
    while improved:
        improved = False
        current = value(chosen)
        for out in sorted(chosen):
            for into in range(len(spans)):
                if into in chosen:
                    continue
                trial = (chosen - {out}) | {into}
                if value(trial) > current:
                    chosen, current, improved = trial, value(trial), True
                    break
            if improved:
                break
    return sentence_claims(source, chosen)
