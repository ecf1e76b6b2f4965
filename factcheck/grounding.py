"""Deterministic grounding: the library, not the model, pins every item to the source.

Quotes and offsets come from the cited sentence ids. Names, numbers and speakers that the
model wrote are looked up in the cited sentences and in the whole source; what is missing
is flagged, never silently kept or silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from factcheck.models import Claim, ClaimType, Flag, FlagKind, KeyPoint, Source, Span
from factcheck.schema import ClaimOut, PointOut

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)*")
_WORD = re.compile(r"[\w'’]+")
_PRONOUN_START = re.compile(r"^(he|she|they|it|his|her|their|we|i|this|that)\b", re.IGNORECASE)

# Capitalised words that are not names when they start a sentence or a quote.
_NOT_NAMES = frozenset(
    """a an the he she it they we i you his her its their our this that these those there
    here in on at of for to by with from as but and or if when while after before since
    during under over about also however meanwhile according said says mr mrs ms dr
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
_STOPWORDS = _NOT_NAMES | frozenset(
    """is are was were be been being has have had do does did will would can could should
    may might must not no yes so than then into out up down more most less least very
    own such only other some any all each every both few many much what which who whom
    whose why how""".split()
)

LOW_OVERLAP = 0.25
DUPLICATE_JACCARD = 0.8


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "") for m in _NUMBER.finditer(text)}


def _names(text: str) -> list[str]:
    names = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group().split() if w.casefold().strip("'’") not in _NOT_NAMES]
        if words:
            names.append(" ".join(words))
    return names


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(_fold(text)) if w not in _STOPWORDS and len(w) > 2}


def spans_for(source: Source, ids: Iterable[str]) -> list[Span]:
    spans = []
    for sentence_id in ids:
        sentence = source.sentence(sentence_id)
        if sentence is not None:
            spans.append(
                Span(
                    sentence_id=sentence.id,
                    start=sentence.start,
                    end=sentence.end,
                    text=sentence.text,
                )
            )
    return sorted(spans, key=lambda s: s.start)


def check_text(
    text: str, cited: str, source: Source, *, item: str
) -> list[Flag]:
    """Flags for numbers and names in ``text`` that the cited text (or the source) lacks."""
    flags: list[Flag] = []
    cited_numbers, source_numbers = _numbers(cited), _numbers(source.text)
    for number in sorted(_numbers(text) - cited_numbers):
        in_source = number in source_numbers
        flags.append(
            Flag(
                kind=FlagKind.number_not_in_cited if in_source else FlagKind.number_not_in_source,
                message=f"number {number} is not in the cited sentences"
                + ("" if in_source else " nor anywhere in the source"),
                span=number,
                expected="cited sentences" if in_source else "source",
                item=item,
            )
        )
    cited_folded, source_folded = _fold(cited), _fold(source.text)
    for name in _names(text):
        if _fold(name) in cited_folded:
            continue
        in_source = _fold(name) in source_folded
        flags.append(
            Flag(
                kind=FlagKind.name_not_in_cited if in_source else FlagKind.name_not_in_source,
                message=f"name {name!r} is not in the cited sentences"
                + ("" if in_source else " nor anywhere in the source"),
                span=name,
                expected="cited sentences" if in_source else "source",
                item=item,
            )
        )
    return flags


def ground_point(source: Source, point: PointOut, index: int) -> KeyPoint:
    item = f"key point {index}"
    valid, flags = _valid_ids(source, point.ids, item)
    cited = " ".join(s.text for s in spans_for(source, valid))
    flags += check_text(point.text, cited, source, item=item)
    return KeyPoint(text=point.text, sentence_ids=valid, flags=flags)


def _valid_ids(source: Source, ids: list[str], item: str) -> tuple[list[str], list[Flag]]:
    valid = [i for i in ids if source.sentence(i) is not None]
    flags = [
        Flag(kind=FlagKind.invalid_id, message=f"cites {i}, which does not exist", span=i, item=item)
        for i in ids
        if i not in valid
    ]
    if not valid:
        flags.append(Flag(kind=FlagKind.no_citation, message="cites no existing sentence", item=item))
    return valid, flags


def ground_claim(source: Source, out: ClaimOut, index: int) -> Claim:
    item = f"claim {index}"
    valid, flags = _valid_ids(source, out.ids, item)
    spans = spans_for(source, valid)
    cited = " ".join(s.text for s in spans)
    start, end = (spans[0].start, spans[-1].end) if spans else (0, 0)
    flags += check_text(out.text, cited, source, item=item)
    if out.who:
        speaker_words = _content_words(out.who)
        if speaker_words and not speaker_words & _content_words(source.text):
            flags.append(
                Flag(
                    kind=FlagKind.speaker_not_in_source,
                    message=f"speaker {out.who!r} is never named in the source",
                    span=out.who,
                    expected="source",
                    item=item,
                )
            )
    if _PRONOUN_START.match(out.text.strip()):
        flags.append(
            Flag(
                kind=FlagKind.unresolved_pronoun,
                message="claim starts with a pronoun; it does not stand on its own",
                span=out.text.split()[0],
                item=item,
            )
        )
    claim_words = _content_words(out.text)
    if spans and claim_words:
        overlap = len(claim_words & _content_words(cited)) / len(claim_words)
        if overlap < LOW_OVERLAP:
            flags.append(
                Flag(
                    kind=FlagKind.low_overlap,
                    message=f"only {overlap:.0%} of the claim's words appear in the cited text",
                    span=out.text,
                    expected="cited sentences",
                    item=item,
                )
            )
    return Claim(
        statement=out.text,
        speaker=out.who,
        type=ClaimType(out.type),
        checkable=out.check,
        time=out.when,
        sentence_ids=[s.sentence_id for s in spans],
        quote=source.text[start:end],
        start=start,
        end=end,
        spans=spans,
        flags=flags,
    )


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def merge_duplicates(outs: list[ClaimOut]) -> tuple[list[ClaimOut], list[Flag]]:
    """Merge near-identical claims (same content words, or Jaccard ≥ 0.8), uniting their ids."""
    kept: list[ClaimOut] = []
    words: list[set[str]] = []
    flags: list[Flag] = []
    for out in outs:
        these = _content_words(out.text)
        for k, (other, other_words) in enumerate(zip(kept, words, strict=True)):
            if _fold(other.text) == _fold(out.text) or _jaccard(these, other_words) >= DUPLICATE_JACCARD:
                merged_ids = list(dict.fromkeys([*other.ids, *out.ids]))
                kept[k] = other.model_copy(update={"ids": merged_ids})
                flags.append(
                    Flag(
                        kind=FlagKind.duplicate,
                        message=f"near-duplicate claim merged into claim {k}",
                        span=out.text,
                        item=f"claim {k}",
                    )
                )
                break
        else:
            kept.append(out)
            words.append(these)
    return kept, flags
