"""check_summary: is each sentence of a summary supported by the source it claims to summarise?

1. Alignment. Each summary sentence is aligned to the source sentences it rests on: the
   ``top_k`` that share the most of its content words, rare words counting more (the BM25
   idea without its length normalisation, which favours short sentences that share one
   rare word; sentences here are short already).
2. Signals (:data:`FEATURES`), each against the aligned sentences and against the whole
   source: names, numbers, amounts, percentages and dates the source does not state
   (``*_not_in_source``) or states only elsewhere (``*_not_in_cited``; a name in the
   source's lead counts as stated, being the story's context), a value where the evidence
   has another of the same kind, a negation flip, an opposite word ("rose" for "fell"), a
   changed quantifier or modal ("most" for "some", "will" for "may"), two names the other
   way round (who did what to whom), content words and word pairs new to the source, and
   how little of the sentence its evidence covers.
3. Decision. A logistic regression over those signals, fitted on labelled summaries of
   several domains by ``benchmarks/fit_summary_check.py`` and shipped as
   ``factcheck/data/summary_check.json``, gives each sentence the probability that it is
   consistent (``SentenceCheck.score``); at the threshold chosen on the same data it is
   supported, below it contradicted (another number, amount or date, an opposite word, or
   two names the other way round in the evidence) or unsupported. The summary's ``score``
   is its weakest sentence's probability.
4. The model (``use_model=True``): one call per summary, showing each summary sentence with
   its candidate source sentences; the model answers one verdict per sentence with the ids
   it rests on. Its verdict is recorded as ``model_label`` and changes the decision only
   with ``trust_model=True``: a model that cannot beat the rules on the quality benchmark
   would only lower the result.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from factcheck.endpoint import loop_local_client
from factcheck.entities import Mention, MentionKind, extract, name_key, named_otherwise
from factcheck.errors import ConfigurationError, InputError
from factcheck.grounding import flagged_kind, inventory, mention_flags
from factcheck.lexicon import (
    MODIFIERS,
    SURE_NEGATORS,
    Negations,
    negates_anything,
    opposite_words,
    prefixed_opposites,
    read_negations,
    sure_negations,
    swapped_kinds,
    tokens,
    unasserted,
)
from factcheck.llm import CallPolicy, structured_call
from factcheck.models import (
    Flag,
    FlagKind,
    SentenceCheck,
    Source,
    Span,
    SummaryCheck,
    SupportLabel,
    Usage,
)
from factcheck.prompts import prompt_version, render
from factcheck.schema import output_schema
from factcheck.text import make_source, normalise, sentence_spans
from factcheck.tokens import rare_word as _rare
from factcheck.twins import run_sync, sync_twin

if TYPE_CHECKING:
    from factcheck.endpoint import AnyClient
    from factcheck.pipeline import CacheOption

__all__ = [
    "acheck_summary",
    "check_summary",
    "negation_flags",
    "verdict_schema",
]

#: Candidate source sentences shown to the model per summary sentence.
TOP_K = 3
#: Below this share of content words found in the candidates, a sentence is unsupported.
MIN_OVERLAP = 0.2
IDS_MAX = 3

_STOPWORDS = frozenset(
    (
        "a an the of to in on at for by with from and or but is are was were be been being has "
        "have had do does did it its this that these those as after before over into their "
        "they he she his her him them we our you your i my will would could should can may "
        "might must said says say about than more most also which who whom what when where "
        "while there here then so such up out very just only other some any all each both"
    ).split()
)


def _stems(text: str) -> list[str]:
    """Content words cut to six letters: "invaded"/"invasion" stay apart, "protesters"/
    "protest" meet."""
    return [w[:6] for w in tokens(text) if w not in _STOPWORDS]


class _Index:
    """Lexical overlap between a text and each source sentence, rare words counting more."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.stems = [set(_stems(s.text)) for s in source.sentences]
        df = Counter(stem for stems in self.stems for stem in stems)
        n = len(self.stems)
        self.idf = {stem: math.log(1 + n / count) for stem, count in df.items()}

    def top(self, text: str, k: int) -> list[tuple[float, int]]:
        wanted = set(_stems(text))
        # fsum: a float sum over a set depends on the set's order, which changes with the
        # process's hash seed; two sentences that tie would then swap ranks from run to run.
        scored = [
            (math.fsum(self.idf[s] for s in wanted & stems), i)
            for i, stems in enumerate(self.stems)
        ]
        ranked = sorted((p for p in scored if p[0] > 0), key=lambda p: (-p[0], p[1]))
        return ranked[:k]

    def overlap(self, text: str, indices: list[int]) -> float:
        wanted = set(_stems(text))
        if not wanted:
            return 1.0
        have = set().union(*(self.stems[i] for i in indices)) if indices else set()
        return len(wanted & have) / len(wanted)


# Cached: a sentence's negations are read for its own findings and again for the
# opposite-word signal, and the whole source's for every summary sentence.
@lru_cache(maxsize=256)
def _negated(text: str) -> Negations:
    # Every negating word, failing and refusing included: here a negation is one signal
    # among others, not a verdict. Stopwords are skipped to reach what is negated ("did not
    # say he would resign" negates "resign").
    return read_negations(tokens(text), skip=_STOPWORDS)


def _negated_in(text: str, evidence: list[str]) -> frozenset[str]:
    """Stems negated in the text or in any evidence sentence."""
    return _negated(text).negated | frozenset().union(*(_negated(e).negated for e in evidence))


@lru_cache(maxsize=16)
def _sentence_readings(source: str) -> tuple[tuple[frozenset[str], Negations], ...]:
    """Each sentence of a source: its content stems and its negations."""
    return tuple(
        (frozenset(_stems(source[a:b])), _negated(source[a:b])) for a, b in sentence_spans(source)
    )


def _negated_where_nearest(stem: str, wanted: set[str], source: str) -> bool:
    """Whether the source sentence that shares most of a text's content words (``wanted``),
    of those using ``stem``, negates it. A negation is read where the sentence it rests on says it:
    "the problems have not resulted in any fires" does not excuse "an issue that could not
    result in a loss of propulsion" where another sentence says "could result in a loss of
    propulsion". A tie counts as negated, so that a guess never makes a finding."""
    best_plain = best_negated = -1
    for stems, negations in _sentence_readings(source):
        shared = len(wanted & stems)
        if stem in negations.negated:
            best_negated = max(best_negated, shared)
        elif stem in negations.plain:
            best_plain = max(best_plain, shared)
    return best_negated >= best_plain


def _restated(wanted: set[str], sentences: Sequence[str]) -> Negations:
    """The negations of those ``sentences`` that hold at least :data:`MIN_OVERLAP` of a
    text's content words (``wanted``): the sentences the text may restate. A negation in an aligned
    sentence about something else ("don't be a victim" beside "victims should spare
    them") says nothing about the text."""
    near = [
        s
        for s in sentences
        if not wanted or len(wanted & set(_stems(s))) >= MIN_OVERLAP * len(wanted)
    ]
    return _negated(" ".join(near))


def negation_flags(
    text: str, cited: str | Sequence[str], item: str, *, source: str = ""
) -> list[Flag]:
    """A negation of a word the evidence states only plainly ("pleaded not guilty" where
    the source says "pleaded guilty"), and the reverse: a word stated plainly that an
    evidence sentence the text restates only negates ("did get the balance right" where
    the source says "did not"). ``cited``: the evidence sentences (one text is read as one
    sentence); ``source``: the whole source, where the text's negation may also be found."""
    sentences = [cited] if isinstance(cited, str) else list(cited)
    cited = " ".join(sentences)
    wanted = set(_stems(text))
    mine, theirs = _negated(text), _negated(cited)
    restated = _restated(wanted, sentences)
    read = tokens(text)
    hedged = unasserted(read)

    def flag(message: str, span: str, expected: str) -> Flag:
        return Flag(
            kind=FlagKind.negation_mismatch,
            message=message,
            span=span,
            expected=expected,
            item=item,
        )

    # What the text negates may be negated elsewhere in the source: candidates are a guess,
    # so the sentence nearest the text decides (see _negated_where_nearest).
    their_negated = frozenset(
        stem for _, stem in mine.pairs if _negated_where_nearest(stem, wanted, source or cited)
    )
    flags = [
        flag(
            f"negates {stem!r}…, which the evidence states without negation",
            word,
            "the same negation in the evidence",
        )
        for word, stem in mine.pairs
        if stem in theirs.plain and stem not in their_negated
    ]
    flags += [
        flag(f"states {stem!r}… plainly; the evidence only negates it", stem, f"{word} {stem}…")
        for word, stem in restated.pairs
        if stem in mine.plain
        and stem not in mine.negated
        and stem not in theirs.plain
        and stem not in hedged
    ]
    # A plain negation where the evidence the text rests on negates, denies or withholds
    # nothing: the negation is the text's own ("is not looking ahead to filing" where the
    # aligned sentences say the company "plans regulatory filings").
    if not flags and cited.strip() and not negates_anything(tokens(cited)):
        unmade = "a negation in the evidence"
        flags += [
            flag(f"negates {stem!r}…; the evidence it rests on negates nothing", word, unmade)
            for word, stem in mine.pairs
            if SURE_NEGATORS.fullmatch(word) and stem not in hedged
        ] or [
            flag(f"{word!r}: a negation the evidence it rests on does not make", word, unmade)
            for word in sure_negations(read)
        ]
    return flags[:1]


def _span(source: Source, index: int) -> Span:
    s = source.sentences[index]
    return Span(sentence_id=s.id, start=s.start, end=s.end, text=s.text)


#: Word sequences before which a reversed order of two names is passive voice, not a swap.
_PASSIVE = re.compile(r"\bby\b|\bfrom\b|\bagainst\b|\bwith\b|\band\b|,", re.IGNORECASE)
_VALUE_FLAGS = {
    FlagKind.number_not_in_cited: "value_elsewhere",
    FlagKind.amount_not_in_cited: "value_elsewhere",
    FlagKind.percent_not_in_cited: "value_elsewhere",
    FlagKind.date_not_in_cited: "value_elsewhere",
    FlagKind.name_not_in_cited: "name_elsewhere",
    FlagKind.number_not_in_source: "value_absent",
    FlagKind.amount_not_in_source: "value_absent",
    FlagKind.percent_not_in_source: "value_absent",
    FlagKind.date_not_in_source: "value_absent",
    FlagKind.name_not_in_source: "name_absent",
    FlagKind.negation_mismatch: "negation",
}
#: The signals, in the order of the fitted weights (factcheck/data/summary_check.json).
#: Each grows with how suspicious the sentence is; counts are capped at 3.
FEATURES = (
    "flagged",
    "name_absent",
    "name_elsewhere",
    "value_absent",
    "value_elsewhere",
    "value_changed",
    "negation",
    "opposite",
    "modifier",
    "role_swap",
    "novel_words",
    "novel_word_count",
    "unaligned_words",
    "weak_alignment",
    "novel_bigrams",
    "novel_rare_words",
    "novel_rare_share",
    "elsewhere_words",
    "elsewhere_word_count",
    "unaligned_top1",
    "unaligned_bigrams",
    "length",
)
#: Sentences at the head of the source that set its scene: a name there ("Ukraine") is
#: context for every later sentence, though it is rarely repeated in each.
LEAD_SENTENCES = 2
_CAP = 3.0
#: The exact findings ("flagged"): what the source states nowhere (a name or value) or
#: contradicts (a negation flip, an opposite word, two names the other way round, a value
#: where the evidence gives another of the same kind). A name or value the source states
#: in other sentences than the aligned ones is not among them: it is stated, and only the
#: alignment missed it (on the four datasets measured it marked faithful summaries about as
#: often as wrong ones).
FINDINGS = ("name_absent", "value_absent", "value_changed", "negation", "opposite", "role_swap")
_VALUE_KINDS = frozenset(k for k, v in _VALUE_FLAGS.items() if v.startswith("value_"))


def _changed_value(flag: Flag, stated: set[MentionKind]) -> bool:
    """A number, amount, percentage or date where the evidence gives others of its kind
    (``stated``: the kinds of mention the evidence holds). Names are left out: nearly every
    evidence sentence names someone, so "another name of the same kind" says nothing about
    a swap."""
    kind = flagged_kind(flag.kind)
    return flag.kind in _VALUE_KINDS and kind is not None and kind in stated


def _bigrams(words: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(words))


class _Document:
    """What every summary sentence is compared with: the source, its sentence index and the
    words, word pairs and lead of the whole text, computed once per source."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.index = _Index(source)
        self.stems: set[str] = set().union(*self.index.stems) if self.index.stems else set()
        read = tokens(source.text)
        self.words = set(read)
        self.bigrams = _bigrams(read)
        self.lead = " ".join(s.text for s in source.sentences[:LEAD_SENTENCES])
        self.folded = name_key(source.text)
        self.max_idf = math.log(1 + max(1, len(source.sentences)))


def _opposites(words: set[str], evidence: set[str], negated: frozenset[str]) -> list[str]:
    return [
        f"{'/'.join(used)!r} where the evidence says {'/'.join(opposite)!r}"
        for used, opposite in opposite_words(words, evidence, negated=negated)
    ] + [
        f"{used!r} where the evidence says {opposite!r}"
        for used, opposite in prefixed_opposites(words, evidence, negated=negated)
    ]


#: The modifier groups as classes of words whose every word is its own member.
_MODIFIER_KINDS = tuple({w: w for w in group} for group in MODIFIERS)


def _modifiers(words: set[str], evidence: set[str]) -> list[str]:
    return [
        f"{'/'.join(used)!r} where the evidence says {'/'.join(stated)!r}"
        for used, stated in swapped_kinds(words, evidence, _MODIFIER_KINDS)
    ]


def _role_swaps(text: str, evidence: list[str]) -> list[str]:
    """Two names in one order in the sentence and in the other order in an aligned source
    sentence, with no "by"/"and"/comma between them in either that would make the reversal
    passive voice or a list: who did what to whom has changed. Not where an aligned
    sentence names the two in the sentence's own order, with no such word between them:
    that order is stated ("players who gave their all at Aldershot … to keep Hereford"
    beside "a late Hereford winning goal at Aldershot"), as it is by a sentence the summary
    copies from the source."""
    names = [m for m in extract(text) if m.kind is MentionKind.name]
    folded = [name_key(sentence) for sentence in evidence]
    found = []
    for first, second in itertools.pairwise(names):
        if first.key == second.key or _PASSIVE.search(text[first.end : second.start]):
            continue
        places = [(f, _places(f, first.key), _places(f, second.key)) for f in folded]
        if any(
            a < b and not _PASSIVE.search(f[a + len(first.key) : b])
            for f, firsts, seconds in places
            for a in firsts
            for b in seconds
        ):
            continue
        for sentence, firsts, seconds in places:
            if not firsts or not seconds or seconds[0] > firsts[0]:
                continue
            between = sentence[seconds[0] + len(second.key) : firsts[0]]
            if between and not _PASSIVE.search(between):
                found.append(f"{first.text!r} and {second.text!r} appear the other way round")
                break
    return found


def _places(folded: str, key: str) -> list[int]:
    """Where a name's key stands whole in a folded sentence ("use" is not in "user")."""
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", folded)]


def sentence_signals(
    doc: _Document,
    text: str,
    candidates: list[int],
    flags: list[Flag],
    candidates_by_rank: list[int] | None = None,
) -> tuple[dict[str, float], list[str]]:
    """The signals of one summary sentence against its aligned source sentences and the
    whole source (see :data:`FEATURES`), and a reason in words for each finding."""
    features = dict.fromkeys(FEATURES, 0.0)
    reasons: list[str] = []
    evidence = [doc.source.sentences[i].text for i in candidates]
    stated = {m.kind for m in inventory(" ".join(evidence)).mentions}
    for flag in flags:
        name = _VALUE_FLAGS.get(flag.kind)
        if name is not None:
            features[name] += 1
            reasons.append(flag.message)
        if _changed_value(flag, stated):
            features["value_changed"] += 1
    # Each text read once: its words and word pairs both come from one reading.
    read, aligned_read = tokens(text), tokens(" ".join(evidence))
    words, aligned_words = set(read), set(aligned_read)
    # A unit of time, colour or ordinal where the evidence gives another: a changed value.
    for used, other in swapped_kinds(words, aligned_words):
        features["value_changed"] += 1
        reasons.append(
            f"value changed: {'/'.join(used)!r} where the evidence says {'/'.join(other)!r}"
        )
    for name, found in (
        ("opposite", _opposites(words, aligned_words, _negated_in(text, evidence))),
        ("modifier", _modifiers(words, aligned_words)),
        ("role_swap", _role_swaps(text, evidence)),
    ):
        features[name] = float(len(found))
        reasons += [f"{name.replace('_', ' ')}: {r}" for r in found]
    # Any of the exact findings (:data:`FINDINGS`): each is rare alone, together they are
    # the strongest signal, and one that points the same way on every dataset measured.
    features["flagged"] = float(any(features[f] for f in FINDINGS))
    stems = set(_stems(text))
    if stems:
        novel = sorted(stems - doc.stems)
        aligned = set().union(*(doc.index.stems[i] for i in candidates)) if candidates else set()
        features["novel_words"] = len(novel) / len(stems)
        features["novel_word_count"] = float(len(novel))
        features["unaligned_words"] = len(stems - aligned) / len(stems)
        weight = {s: doc.index.idf.get(s, doc.max_idf) for s in stems}
        covered = math.fsum(w for s, w in weight.items() if s in aligned)
        features["weak_alignment"] = 1 - covered / math.fsum(weight.values())
        novel_set = set(novel)
        words_new = {w for w in words if w[:6] in novel_set and w not in _STOPWORDS}
        rare = sorted(w for w in words_new if _rare(w))
        features["novel_rare_words"] = float(len(rare))
        features["novel_rare_share"] = len(rare) / len(stems)
        elsewhere = sorted((stems & doc.stems) - aligned)
        features["elsewhere_words"] = len(elsewhere) / len(stems)
        features["elsewhere_word_count"] = float(len(elsewhere))
        best = doc.index.stems[candidates_by_rank[0]] if candidates_by_rank else set()
        features["unaligned_top1"] = len(stems - best) / len(stems)
        if novel:
            reasons.append(f"words not in the source: {', '.join(novel[:6])}")
    pairs = _bigrams(read)
    if pairs:
        features["novel_bigrams"] = len(pairs - doc.bigrams) / len(pairs)
        aligned_pairs = _bigrams(aligned_read)
        features["unaligned_bigrams"] = len(pairs - aligned_pairs) / len(pairs)
    features["length"] = math.log1p(len(stems))
    return {k: min(v, _CAP) for k, v in features.items()}, reasons


@dataclass(frozen=True)
class Calibration:
    """A logistic regression over :data:`FEATURES`: the probability that a sentence is
    consistent with the source. Fitted by ``benchmarks/fit_summary_check.py``; applying it
    needs only a dot product, so the package carries weights, not a learning library."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(
            w * (features[f] - m) / s
            for f, m, s, w in zip(self.features, self.mean, self.scale, self.weights, strict=True)
        )
        return 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        return cls(
            features=tuple(data["features"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            weights=tuple(data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
        )


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    """The weights shipped with the package (``factcheck/data/summary_check.json``)."""
    data = json.loads(
        resources.files("factcheck").joinpath("data/summary_check.json").read_text("utf-8")
    )
    shipped = Calibration.from_json(data)
    if shipped.features != FEATURES:
        raise ConfigurationError(
            "factcheck/data/summary_check.json was fitted on other signals; "
            "re-run python -m benchmarks.fit_summary_check"
        )
    return shipped


def _deterministic(
    doc: _Document, text: str, start: int, end: int, number: int, top_k: int
) -> tuple[SentenceCheck, dict[str, float]]:
    source, index = doc.source, doc.index
    item = f"summary sentence {number}"
    ranked = [i for _, i in index.top(text, top_k)]
    candidates = sorted(ranked)
    evidence = [_span(source, i) for i in candidates]
    cited = " ".join(s.text for s in evidence)
    flags = [
        f
        for f in mention_flags(text, cited, source, item=item, checked="candidate sentences")
        # A name stated in the lead is context the aligned sentences need not repeat.
        if not (f.kind is FlagKind.name_not_in_cited and _in_lead(doc, f.span or ""))
        and not (
            f.kind is FlagKind.name_not_in_source
            and named_otherwise(f.span or "", doc.folded, doc.source.text)
        )
    ]
    flags += negation_flags(text, [s.text for s in evidence], item, source=source.text)
    flags += _lowercase_name_flags(doc, text, item)
    overlap = index.overlap(text, candidates)
    if overlap < MIN_OVERLAP:
        flags.append(
            Flag(
                kind=FlagKind.low_overlap,
                message=f"only {overlap:.0%} of its words appear in the closest source sentences",
                span=text,
                expected="candidate sentences",
                item=item,
            )
        )
    features, reasons = sentence_signals(doc, text, candidates, flags, ranked)
    check = SentenceCheck(
        index=number,
        text=text,
        start=start,
        end=end,
        label=SupportLabel.supported,
        evidence=evidence,
        flags=flags,
        overlap=overlap,
        reasons=reasons,
    )
    return check, features


def _lowercase_name_flags(doc: _Document, text: str, item: str) -> list[Flag]:
    """Names in a text written without capitals, which the name finder cannot see: a word
    the source never uses and English rarely does (see :func:`_rare`) is most likely a
    name or a specific the source does not state. A form of a source word (the same six
    letters first, as :func:`_stems` compares words: "caucuses" for "caucus", "alzheimer"
    for "Alzheimer's") is stated."""
    if any(ch.isupper() for ch in text):
        return []
    rare = [
        w
        for w in dict.fromkeys(tokens(text))
        if w.isalpha()
        and w not in doc.words
        and w[:6] not in doc.stems
        and w not in _STOPWORDS
        and _rare(w)
    ]
    return [
        Flag(
            kind=FlagKind.name_not_in_source,
            message=f"{word!r} (lowercase text; a rare word, perhaps a name) is not in the source",
            span=word,
            expected="source",
            item=item,
        )
        for word in rare[:3]
    ]


def _in_lead(doc: _Document, name: str) -> bool:
    mention = Mention(MentionKind.name, name, 0, len(name), key=name_key(name))
    return inventory(doc.lead).has(mention)


async def _with_likelihood(source: Source, check: SentenceCheck) -> SentenceCheck:
    """The check with the embedded model's likelihood gain, unsupported when a word gains
    less than :data:`~factcheck.likelihood.MIN_GAIN` from the evidence."""
    import asyncio

    from factcheck.likelihood import MIN_GAIN, sentence_gain

    evidence = " ".join(span.text for span in check.evidence) or (
        source.sentences[0].text if source.sentences else ""
    )
    gain = await asyncio.to_thread(sentence_gain, evidence, check.text)
    update: dict[str, Any] = {"likelihood_gain": round(gain.value, 4)}
    if gain.value < MIN_GAIN:
        reason = (
            f"the embedded model finds {gain.token!r} no likelier after the evidence "
            f"(gain {gain.value:.2f} < {MIN_GAIN})"
        )
        update["reasons"] = [*check.reasons, reason]
        update["flags"] = [
            *check.flags,
            Flag(
                kind=FlagKind.unlikely_given_evidence,
                message=reason,
                span=gain.token,
                expected="evidence",
                item=f"summary sentence {check.index}",
            ),
        ]
        if check.label is SupportLabel.supported:
            update["label"] = SupportLabel.unsupported
    return check.model_copy(update=update)


#: The findings where the evidence states something else in the sentence's place (another
#: value of the same kind, the opposite word, the names the other way round): what makes an
#: unsupported sentence contradicted.
CONTRADICTIONS = ("value_changed", "opposite", "role_swap")


def _decide(
    check: SentenceCheck, features: dict[str, float], probability: float, threshold: float
) -> SentenceCheck:
    """Supported when the probability reaches the threshold; below it, contradicted when
    the sentence has one of :data:`CONTRADICTIONS`, else unsupported."""
    if probability >= threshold:
        label = SupportLabel.supported
    elif any(features[name] for name in CONTRADICTIONS):
        label = SupportLabel.contradicted
    else:
        label = SupportLabel.unsupported
    return check.model_copy(update={"label": label, "score": probability})


# What the model returns: one verdict per summary sentence, in order.


class VerdictOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(max_length=IDS_MAX)
    label: Literal["supported", "unsupported", "contradicted"]

    @field_validator("ids")
    @classmethod
    def _known_ids(cls, ids: list[str], info: ValidationInfo) -> list[str]:
        allowed = (info.context or {}).get("ids")
        if allowed is not None:
            unknown = [i for i in ids if i not in allowed]
            if unknown:
                raise ValueError(f"unknown sentence id(s) {unknown}; cite only ids shown")
        return list(dict.fromkeys(ids))


class SummaryVerdicts(BaseModel):
    """The model's answer: ``verdicts[i]`` judges summary sentence ``A{i}``."""

    model_config = ConfigDict(extra="forbid")

    verdicts: list[VerdictOut]

    @model_validator(mode="after")
    def _one_per_sentence(self, info: ValidationInfo) -> SummaryVerdicts:
        expected = (info.context or {}).get("n")
        if expected is not None and len(self.verdicts) != expected:
            raise ValueError(
                f"{len(self.verdicts)} verdicts for {expected} summary sentences; "
                "give exactly one per summary sentence, in order"
            )
        return self


def verdict_schema(candidates: list[list[str]], *, per_sentence: bool) -> dict[str, Any]:
    """The schema for :class:`SummaryVerdicts`: ids limited to the candidates shown, exactly
    one verdict per summary sentence; ``per_sentence`` (grammar-enforcing endpoints) gives
    each verdict its own slot whose ids are that sentence's own candidates."""
    every = list(dict.fromkeys(i for ids in candidates for i in ids))
    schema = output_schema(SummaryVerdicts, every or ["S0"])
    verdicts = schema["properties"]["verdicts"]
    verdicts["minItems"] = verdicts["maxItems"] = len(candidates)
    if per_sentence:
        item = verdicts.pop("items")
        verdicts["prefixItems"] = [
            {
                **item,
                "properties": {
                    **item["properties"],
                    "ids": {
                        "type": "array",
                        "items": {"type": "string", "enum": ids or every or ["S0"]},
                        "maxItems": IDS_MAX,
                    },
                },
            }
            for ids in candidates
        ]
        verdicts["items"] = False
    return schema


def _messages(source: Source, checks: list[SentenceCheck]) -> list[dict[str, str]]:
    shown = sorted(
        {span.sentence_id: span for c in checks for span in c.evidence}.values(),
        key=lambda s: s.start,
    )
    article = "\n".join(f"{s.sentence_id}: {s.text}" for s in shown) or "(none)"
    summary = "\n".join(
        f"A{c.index}: {c.text} [candidates: {', '.join(s.sentence_id for s in c.evidence) or '-'}]"
        for c in checks
    )
    return [
        {"role": "system", "content": render("check_summary_system")},
        {
            "role": "user",
            "content": render("check_summary_user", sentences=article, summary=summary),
        },
    ]


def _combine(
    check: SentenceCheck, verdict: VerdictOut, source: Source, *, trust_model: bool
) -> SentenceCheck:
    """The model's verdict is kept as ``model_label``. It changes ``label`` only when the
    caller trusts the model (``trust_model``): then a sentence the rules found supported
    takes the model's label, and one they found wanting becomes contradicted if the model
    says so. The rules' findings are never overruled."""
    model_label = SupportLabel(verdict.label)
    label = check.label
    if trust_model:
        if label is SupportLabel.supported:
            label = model_label
        elif model_label is SupportLabel.contradicted:
            label = SupportLabel.contradicted
    cited = [s for i in verdict.ids if (s := source.sentence(i)) is not None]
    evidence = (
        [Span(sentence_id=s.id, start=s.start, end=s.end, text=s.text) for s in cited]
        if trust_model and cited and label is not SupportLabel.unsupported
        else check.evidence
    )
    return check.model_copy(
        update={
            "label": label,
            "model_label": model_label,
            "evidence": sorted(evidence, key=lambda s: s.start),
        }
    )


def summary_signals(
    source: str | bytes | Source, summary: str, *, top_k: int = TOP_K
) -> list[dict[str, float]]:
    """The signals of each summary sentence (:data:`FEATURES`), for fitting and measuring
    the calibration."""
    doc = _Document(source if isinstance(source, Source) else make_source(source))
    text = normalise(summary)
    return [
        _deterministic(doc, text[start:end], start, end, number, top_k)[1]
        for number, (start, end) in enumerate(sentence_spans(text))
    ]


async def acheck_summary(
    source: str | bytes | Source,
    summary: str,
    *,
    model: str | None = None,
    client: AnyClient | None = None,
    use_model: bool = True,
    cache: CacheOption = True,
    top_k: int = TOP_K,
    policy: CallPolicy | None = None,
    trust_model: bool = False,
    likelihood: bool = False,
) -> SummaryCheck:
    """Check whether ``summary`` says only what ``source`` says.

    Each summary sentence is aligned to the ``top_k`` source sentences it shares the
    rarest words with, and compared with them and with the whole source: names, numbers,
    amounts, percentages and dates it does not state (a name in the source's lead counts as
    stated), a negation or an opposite word ("rose" for "fell"), a changed quantifier or
    modal, two names the other way round, words and word pairs new to the source, and how
    little of the sentence its evidence covers. A logistic regression fitted on labelled
    summaries (``factcheck/data/summary_check.json``) turns these signals into
    ``SentenceCheck.score``, the probability that the sentence is consistent with the
    source; at ``SummaryCheck.threshold`` or above it is supported. ``SummaryCheck.score``
    is the lowest sentence probability, and the summary is ``consistent`` when every
    sentence is supported. Evidence is pinned: ``source.text[s.start:s.end] == s.text``.

    ``use_model=True`` also asks the model for a verdict per sentence, kept as
    ``model_label``; it changes the labels only with ``trust_model=True``, for a model that
    beats the rules on ``python -m benchmarks.quality`` (the embedded one does not).
    ``model``/``client``/``cache`` choose the endpoint and cache exactly as in
    :func:`factcheck.summarise`.

    ``likelihood=True`` also scores each sentence with the embedded model's token
    probabilities, in this process (:mod:`factcheck.likelihood`; needs the ``local`` extra,
    whatever ``model`` is): a sentence the rules support whose least likely word gains less
    than :data:`~factcheck.likelihood.MIN_GAIN` from its evidence becomes unsupported, with
    an ``unlikely_given_evidence`` flag. It costs seconds per summary; the README's Quality
    section gives what it adds on data it was not tuned on.
    """
    if not isinstance(summary, str):
        raise InputError(f"summary must be a str, got {type(summary).__name__}")
    if top_k < 1:
        raise InputError(f"top_k must be at least 1, got {top_k}")
    doc = _Document(source if isinstance(source, Source) else make_source(source))
    text = normalise(summary)
    if not text:
        raise InputError("the summary is empty (nothing left after removing whitespace)")
    weights = calibration()
    checks = []
    for number, (start, end) in enumerate(sentence_spans(text)):
        check, features = _deterministic(doc, text[start:end], start, end, number, top_k)
        checks.append(_decide(check, features, weights.probability(features), weights.threshold))
    if likelihood:
        checks = [await _with_likelihood(doc.source, c) for c in checks]
    usage = Usage()
    model_name: str | None = None
    version: str | None = None
    if use_model:
        from factcheck.endpoint import resolve
        from factcheck.pipeline import open_cache

        endpoint = resolve(model, client)
        candidates = [[s.sentence_id for s in c.evidence] for c in checks]
        result = await structured_call(
            endpoint,
            _messages(doc.source, checks),
            SummaryVerdicts,
            schema=verdict_schema(candidates, per_sentence=endpoint.grammar_enforced),
            context={"ids": set(doc.source.ids), "n": len(checks)},
            cache=open_cache(cache),
            policy=policy or CallPolicy(max_tokens=64 + 48 * len(checks)),
        )
        usage.add(result.usage)
        checks = [
            _combine(c, v, doc.source, trust_model=trust_model)
            for c, v in zip(checks, result.value.verdicts, strict=True)
        ]
        model_name, version = endpoint.model, prompt_version()
    supported = all(c.label is SupportLabel.supported for c in checks)
    # The summary is as trustworthy as its weakest sentence.
    score = min(c.score if c.score is not None else 1.0 for c in checks)
    return SummaryCheck(
        source=doc.source,
        summary=text,
        sentences=checks,
        flags=[f for c in checks for f in c.flags],
        consistent=supported,
        score=score if supported else min(score, weights.threshold),
        threshold=weights.threshold,
        usage=usage,
        model=model_name,
        prompt_version=version,
    )


check_summary = sync_twin(loop_local_client(acheck_summary), runner=run_sync)
