"""Deterministic grounding: the library, not the model, pins every item to the source.

Quotes and offsets come from the cited sentence ids. Names, numbers and speakers that the
model wrote are looked up in the cited sentences and in the whole source; what is missing
is flagged, never silently kept or silently dropped.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

import snowballstemmer

from factcheck.entities import Inventory, MentionKind, sentence_mentions
from factcheck.hygiene import clean_text
from factcheck.index import content_words, fold
from factcheck.models import (
    Claim,
    ClaimType,
    Flag,
    FlagKind,
    KeyPoint,
    Source,
    Span,
    sentence_index,
)
from factcheck.schema import ClaimOut, PointOut

_PRONOUN_START = re.compile(r"^(he|she|they|it|his|her|their|we|i|this|that)\b", re.IGNORECASE)

#: Below this share of its content words (stemmed) found in the cited text, the model's
#: wording is not supported by what it cites and the cited text stands in for it.
#: ``python -m benchmarks.support`` measures the trade on labelled summary sentences: at
#: 0.5 the word test replaces 10 % of faithful SummEdits sentences and 41 % of XSumFaith's
#: faithful (very abstractive) ones, and 73 % of XSumFaith's hallucinated ones (21 % at
#: 0.25). Replacing costs readability, never truth, so the bound leans strict.
LOW_OVERLAP = 0.5
DUPLICATE_JACCARD = 0.8


def _stems(text: str) -> set[str]:
    """Content words reduced to their stems ("plans", "planned" → "plan"), so that a
    paraphrase that keeps the cited words in another form still counts as supported."""
    return {_stem(w.split("'")[0]) for w in content_words(text)}


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


_ID_MARKUP = re.compile(r"\bS\d+\s*:")
# Snowball's English stemmer: a maintained, dependency-free implementation of the
# standard algorithm (the one Sphinx uses for search).
_STEMMER = snowballstemmer.stemmer("english")

#: Flags that mean the model's wording is not supported by what it cited.
UNGROUNDED = frozenset(
    {
        FlagKind.number_not_in_cited,
        FlagKind.number_not_in_source,
        FlagKind.name_not_in_cited,
        FlagKind.name_not_in_source,
        FlagKind.amount_not_in_cited,
        FlagKind.amount_not_in_source,
        FlagKind.percent_not_in_cited,
        FlagKind.percent_not_in_source,
        FlagKind.date_not_in_cited,
        FlagKind.date_not_in_source,
        FlagKind.low_overlap,
        FlagKind.id_markup,
    }
)


def spans_for(source: Source, ids: Iterable[str]) -> list[Span]:
    """Spans of the existing sentences among ``ids``, in source order, without repeats."""
    found = {s.id: s for i in ids if (s := source.sentence(i)) is not None}
    return [
        Span(sentence_id=s.id, start=s.start, end=s.end, text=s.text)
        for s in sorted(found.values(), key=lambda s: s.start)
    ]


def quote_range(source: Source, spans: list[Span]) -> tuple[int, int]:
    """The first run of consecutive cited sentences: a quote never spans an uncited one."""
    if not spans:
        return 0, 0
    start, end = spans[0].start, spans[0].end
    index = sentence_index(spans[0].sentence_id) or 0
    for span in spans[1:]:
        if sentence_index(span.sentence_id) != index + 1:
            break
        index, end = index + 1, span.end
    return start, end


_NOT_IN = {
    MentionKind.name: (FlagKind.name_not_in_cited, FlagKind.name_not_in_source),
    MentionKind.number: (FlagKind.number_not_in_cited, FlagKind.number_not_in_source),
    MentionKind.amount: (FlagKind.amount_not_in_cited, FlagKind.amount_not_in_source),
    MentionKind.percent: (FlagKind.percent_not_in_cited, FlagKind.percent_not_in_source),
    MentionKind.date: (FlagKind.date_not_in_cited, FlagKind.date_not_in_source),
}
_KIND_OF = {flag: kind for kind, flags in _NOT_IN.items() for flag in flags}


def flagged_kind(flag: FlagKind) -> MentionKind | None:
    """The kind of mention a ``*_not_in_cited``/``*_not_in_source`` flag is about."""
    return _KIND_OF.get(flag)


@lru_cache(maxsize=256)
def inventory(text: str) -> Inventory:
    """The mentions of ``text``, computed once per text (a source is checked many times)."""
    return Inventory.of(text)


def whole_source_inventory(source: Source) -> Inventory:
    """The inventory of a whole source, gathered from its sentences' cached mentions: each
    sentence is read once for every stage, not again as one long text. Kept per text (a
    text's sentences are fixed by its segmentation), for the many claims of one report."""
    with _SOURCE_INVENTORIES_LOCK:
        found = _SOURCE_INVENTORIES.get(source.text)
    if found is not None:
        return found
    gathered = [
        replace(m, start=m.start + s.start, end=m.end + s.start)
        for s in source.sentences
        for m in sentence_mentions(s.text)
    ]
    built = Inventory.of(source.text, gathered)
    with _SOURCE_INVENTORIES_LOCK:
        _SOURCE_INVENTORIES[source.text] = built
        while len(_SOURCE_INVENTORIES) > 8:
            _SOURCE_INVENTORIES.popitem(last=False)
    return built


_SOURCE_INVENTORIES: OrderedDict[str, Inventory] = OrderedDict()
_SOURCE_INVENTORIES_LOCK = threading.Lock()


def mention_flags(
    text: str, cited: str, source: Source, *, item: str, checked: str = "cited sentences"
) -> list[Flag]:
    """Flags for each name, number, amount, percentage and date in ``text`` that ``cited``
    does not state: ``*_not_in_cited`` when the source states it elsewhere,
    ``*_not_in_source`` when nothing in the source does. ``expected`` lists what the cited
    text says of the same kind (the number the model should have copied), if anything."""
    flags: list[Flag] = []
    source_inventory = whole_source_inventory(source)
    cited_inventory = source_inventory if cited == source.text else inventory(cited)
    seen: set[tuple[MentionKind, str]] = set()
    for mention in sentence_mentions(text):
        if (mention.kind, mention.text) in seen or cited_inventory.has(mention):
            continue
        seen.add((mention.kind, mention.text))
        in_source = source_inventory.has(mention)
        not_in_cited, not_in_source = _NOT_IN[mention.kind]
        same_kind = list(
            dict.fromkeys(m.text for m in cited_inventory.mentions if m.kind is mention.kind)
        )
        where = checked if in_source else f"{checked} nor anywhere in the source"
        flags.append(
            Flag(
                kind=not_in_cited if in_source else not_in_source,
                message=f"{mention.kind.value} {mention.text!r} is not in the {where}",
                span=mention.text,
                expected=", ".join(same_kind[:5]) or (checked if in_source else "source"),
                item=item,
            )
        )
    return flags


def check_text(text: str, cited: str, source: Source, *, item: str) -> list[Flag]:
    """Flags for id markup, and for names, numbers, amounts, percentages and dates in
    ``text`` that the cited text (or the whole source) lacks."""
    flags: list[Flag] = []
    for marker in _ID_MARKUP.findall(text):
        flags.append(
            Flag(
                kind=FlagKind.id_markup,
                message="the text copies sentence-id markup instead of stating a fact",
                span=marker,
                item=item,
            )
        )
    flags += mention_flags(_ID_MARKUP.sub(" ", text), cited, source, item=item)
    return flags


_QUOTED = re.compile(r"[“\"«]|(?:^|\s)'[A-Z]")
_STANCE = re.compile(
    r"\b(?:i|we)\s+(?:think|believe|feel|hope|fear|doubt|want|wish)\b|"
    r"\b(?:should|must|ought|need to|needs to|have got to|'ve got to)\b|"
    r"\bin (?:my|our) (?:view|opinion)\b",
    re.IGNORECASE,
)


def is_opinion(sentence: str) -> bool:
    """A deterministic signal that a sentence states a stance rather than a fact: it quotes
    someone, and the quote says what they think, hope or want, or what should or must
    happen ("We need to increase spending", "I believe this is wrong")."""
    folded = sentence.replace("’", "'")
    return bool(_QUOTED.search(sentence)) and bool(_STANCE.search(folded))


def _opinion_flags(out: ClaimOut, spans: list[Span], item: str) -> list[Flag]:
    if not out.check:
        return []
    if ClaimType(out.type) is ClaimType.opinion:
        reason = "its type is opinion"
    elif spans and all(is_opinion(s.text) for s in spans):
        reason = "every sentence it cites is a quoted opinion"
    else:
        return []
    return [
        Flag(
            kind=FlagKind.opinion_marked_checkable,
            message=f"marked checkable, but {reason}",
            span=out.text,
            expected="a fact that records could confirm",
            item=item,
        )
    ]


def _overlap_flag(text: str, cited: str, item: str) -> list[Flag]:
    words = _stems(text)
    if not cited or not words:
        return []
    found = _stems(cited)
    overlap = len(words & found) / len(words)
    if overlap >= LOW_OVERLAP:
        return []
    missing = sorted(words - found)[:6]
    return [
        Flag(
            kind=FlagKind.low_overlap,
            message=f"only {overlap:.0%} of the words appear in the cited text "
            f"(not there: {', '.join(missing)})",
            span=text,
            expected="cited sentences",
            item=item,
        )
    ]


def _valid_ids(source: Source, ids: list[str], item: str) -> tuple[list[Span], list[Flag]]:
    spans = spans_for(source, ids)
    known = {s.sentence_id for s in spans}
    flags = [
        Flag(
            kind=FlagKind.invalid_id, message=f"cites {i}, which does not exist", span=i, item=item
        )
        for i in ids
        if i not in known
    ]
    if not spans:
        flags.append(
            Flag(kind=FlagKind.no_citation, message="cites no existing sentence", item=item)
        )
    return spans, flags


def _replaced(original: str, item: str) -> Flag:
    return Flag(
        kind=FlagKind.replaced,
        message="the model's wording failed grounding; the cited text stands in for it",
        span=original,
        expected="cited sentences",
        item=item,
    )


def clean(text: str, item: str) -> tuple[str, list[Flag]]:
    """``text`` without leaked JSON punctuation, id markup or unbalanced quotes
    (:func:`factcheck.hygiene.clean_text`), and a ``text_repaired`` flag when it had any."""
    cleaned, repairs = clean_text(text)
    if not repairs or not cleaned:
        return text, []
    return cleaned, [
        Flag(
            kind=FlagKind.text_repaired,
            message=f"repaired the model's text: {'; '.join(repairs)}",
            span=text,
            expected=cleaned,
            item=item,
        )
    ]


def _needs_repair(flags: list[Flag]) -> bool:
    return any(f.kind in UNGROUNDED for f in flags)


def ground_point(source: Source, point: PointOut, index: int, *, repair: bool = True) -> KeyPoint:
    item = f"key point {index}"
    spans, flags = _valid_ids(source, point.ids, item)
    cited = " ".join(s.text for s in spans)
    written, hygiene = clean(point.text, item)
    flags += hygiene
    flags += check_text(written, cited, source, item=item)
    flags += _overlap_flag(written, cited, item)
    text, replaced = (written if repair else point.text), False
    if repair and spans and _needs_repair(flags):
        text, replaced = cited, True
        flags.append(_replaced(point.text, item))
    return KeyPoint(
        text=text,
        sentence_ids=[s.sentence_id for s in spans],
        origin="source" if replaced else "model",
        flags=flags,
    )


def ground_headline(
    source: Source, headline: str, *, repair: bool = True
) -> tuple[str, bool, list[Flag]]:
    """Check the headline against the whole source; a failing one gives way to the lede."""
    written, flags = clean(headline, "headline")
    if repair:
        headline = written
    flags += check_text(written, source.text, source, item="headline")
    if repair and _needs_repair(flags) and source.sentences:
        flags.append(_replaced(headline, "headline"))
        return source.sentences[0].text, True, flags
    return headline, False, flags


@lru_cache(maxsize=8)
def _source_words(text: str) -> frozenset[str]:
    """The content words of a whole source, once per source (not once per claim)."""
    return content_words(text)


def _speaker_flags(source: Source, speaker: str, item: str) -> list[Flag]:
    words = content_words(speaker)
    if not words or words & _source_words(source.text):
        return []
    return [
        Flag(
            kind=FlagKind.speaker_not_in_source,
            message=f"speaker {speaker!r} is never named in the source",
            span=speaker,
            expected="source",
            item=item,
        )
    ]


def pin(source: Source, ids: Iterable[str]) -> dict[str, object]:
    """The library-written location fields of a claim citing ``ids``."""
    spans = spans_for(source, ids)
    start, end = quote_range(source, spans)
    return {
        "sentence_ids": [s.sentence_id for s in spans],
        "spans": spans,
        "quote": source.text[start:end],
        "start": start,
        "end": end,
    }


def ground_claim(source: Source, out: ClaimOut, index: int, *, repair: bool = True) -> Claim:
    """Pin a model claim to the source and flag what its citations do not support.

    With ``repair``, a claim whose wording fails grounding keeps its citations but takes
    the cited text as its statement, and a speaker or time that the source never mentions
    is dropped; each change is flagged with what the model wrote.
    """
    item = f"claim {index}"
    spans, flags = _valid_ids(source, out.ids, item)
    cited = " ".join(s.text for s in spans)
    written, hygiene = clean(out.text, item)
    flags += hygiene
    flags += check_text(written, cited, source, item=item)
    flags += _overlap_flag(written, cited, item)
    opinion = _opinion_flags(out, spans, item)
    flags += opinion
    statement, origin = (written if repair else out.text), "model"
    if repair and spans and _needs_repair(flags):
        statement, origin = cited, "source"
        flags.append(_replaced(out.text, item))
    speaker = out.who
    if speaker:
        speaker_flags = _speaker_flags(source, speaker, item)
        flags += speaker_flags
        if repair and speaker_flags:
            speaker = None
    time = out.when
    if time:
        time_flags = check_text(time, source.text, source, item=f"{item} time")
        flags += time_flags
        if repair and time_flags:
            time = None
    if _PRONOUN_START.match(statement.strip()):
        flags.append(
            Flag(
                kind=FlagKind.unresolved_pronoun,
                message="the statement starts with a pronoun; it does not stand on its own",
                span=statement.split()[0],
                item=item,
            )
        )
    return Claim.model_validate(
        {
            "statement": statement,
            "origin": origin,
            "speaker": speaker,
            "type": ClaimType(out.type),
            "checkable": out.check and not (repair and opinion),
            "time": time,
            "flags": flags,
            **pin(source, out.ids),
        }
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def merge_duplicates(source: Source, claims: list[Claim]) -> list[Claim]:
    """Merge near-identical claims (same folded text, or content-word Jaccard ≥ 0.8):
    the first is kept with the citations of both united, and a flag records the merge.

    Candidates come from an index of folded texts and of words, so a long document's
    thousands of claims are compared only with those that share enough words."""
    kept: list[Claim] = []
    words: list[frozenset[str]] = []
    by_text: dict[str, int] = {}
    by_word: dict[str, list[int]] = {}
    for claim in claims:
        these = content_words(claim.statement)
        folded = fold(claim.statement)
        match = by_text.get(folded)
        if match is None and these:
            shared: dict[int, int] = {}
            for word in these:
                for k in by_word.get(word, ()):
                    shared[k] = shared.get(k, 0) + 1
            # Jaccard ≥ t needs at least t × |these| words in common.
            need = DUPLICATE_JACCARD * len(these)
            match = next(
                (
                    k
                    for k, count in sorted(shared.items())
                    if count >= need and _jaccard(these, words[k]) >= DUPLICATE_JACCARD
                ),
                None,
            )
        if match is not None:
            other = kept[match]
            flag = Flag(
                kind=FlagKind.duplicate,
                message=f"a near-duplicate claim citing {', '.join(claim.sentence_ids)} "
                "was merged into this one",
                span=claim.statement,
                item=f"claim {match}",
            )
            united = [*other.sentence_ids, *claim.sentence_ids]
            kept[match] = other.model_copy(
                update={**pin(source, united), "flags": [*other.flags, flag]}
            )
            continue
        index = len(kept)
        kept.append(claim)
        words.append(these)
        by_text.setdefault(folded, index)
        for word in these:
            by_word.setdefault(word, []).append(index)
    return [
        claim.model_copy(
            update={"flags": [f.model_copy(update={"item": f"claim {i}"}) for f in claim.flags]}
        )
        for i, claim in enumerate(kept)
    ]
