"""check_summary: is each sentence of a summary supported by the source it claims to summarise?

Two layers, combined per summary sentence:

1. Deterministic (free, exact, model-independent). Candidate source sentences are picked by
   lexical overlap (content-word stems weighted by how rare they are in the source). Then
   every name, number, amount, percentage and date of the summary sentence is looked up in
   the candidates and in the whole source (:mod:`factcheck.entities`), a negation the
   candidates lack is noted, and so is a sentence that shares almost no words with them.
   Something the source states nowhere makes the sentence *unsupported* — *contradicted*
   when its evidence states a different value of the same kind (another number, date or
   name where the source has one). A missing negation or almost no shared words also make
   it *unsupported*. Otherwise it is *supported*.
2. The model (``use_model=True``): one call per summary, showing each summary sentence with
   its candidate source sentences; the model answers one verdict per summary sentence with
   the ids it rests on (ids limited to the candidates by an enum; endpoints that enforce the
   schema as a grammar get exactly one verdict slot per sentence).

Combination: a deterministic finding is exact, so the model cannot overrule it — a
sentence the rules found unsupported stays unsupported (or becomes contradicted when the
model says so). Where the rules found nothing, the model's verdict stands: wording, antonyms
and relations are beyond the rules. ``score`` is the share of sentences labelled supported;
the summary is ``consistent`` when every sentence is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from factcheck.errors import InputError
from factcheck.grounding import mention_flags
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

_WORD = re.compile(r"[\w']+")
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot|failed|fails|fail|"
    r"unable|refused|refuses)\b|n't\b",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    (
        "a an the of to in on at for by with from and or but is are was were be been being has "
        "have had do does did it its this that these those as after before over into their "
        "they he she his her him them we our you your i my will would could should can may "
        "might must said says say about than more most also which who whom what when where "
        "while there here then so such up out very just only other some any all each both"
    ).split()
)
_HARD = {
    FlagKind.name_not_in_source,
    FlagKind.number_not_in_source,
    FlagKind.amount_not_in_source,
    FlagKind.percent_not_in_source,
    FlagKind.date_not_in_source,
}
#: Findings that the candidate sentences do not back the sentence: a value stated elsewhere
#: in the source but not where the sentence's words come from (on SummEdits dev these
#: mark a swapped name, amount or date far more often than a faithful paraphrase).
_SOFT = {
    FlagKind.negation_mismatch,
    FlagKind.low_overlap,
    FlagKind.name_not_in_cited,
    FlagKind.number_not_in_cited,
    FlagKind.amount_not_in_cited,
    FlagKind.percent_not_in_cited,
    FlagKind.date_not_in_cited,
}


def _stems(text: str) -> list[str]:
    """Content words cut to six letters: "invaded"/"invasion" stay apart, "protesters"/
    "protest" meet."""
    return [w[:6] for w in _WORD.findall(text.casefold().replace("’", "'")) if w not in _STOPWORDS]


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
        scored = [
            (sum(self.idf[s] for s in wanted & stems), i) for i, stems in enumerate(self.stems)
        ]
        ranked = sorted((p for p in scored if p[0] > 0), key=lambda p: (-p[0], p[1]))
        return ranked[:k]

    def overlap(self, text: str, indices: list[int]) -> float:
        wanted = set(_stems(text))
        if not wanted:
            return 1.0
        have = set().union(*(self.stems[i] for i in indices)) if indices else set()
        return len(wanted & have) / len(wanted)


_TOKEN = re.compile(r"[\w']+")
#: Words between a negation and what it negates ("did not yet get", "no longer has").
_NEGATION_FILLER = frozenset(
    "be been being is are was were do does did have has had yet ever longer a an the any "
    "to only even so very just get got been able always quite fully entirely necessarily "
    "really".split()
)
NEGATION_WINDOW = 4


def _negated(text: str) -> tuple[list[tuple[str, str]], set[str]]:
    """(negation word, stem of what it negates) pairs, and the stems stated plainly."""
    tokens = [t.casefold() for t in _TOKEN.findall(text.replace("’", "'"))]
    pairs: list[tuple[str, str]] = []
    negated_at: set[int] = set()
    for i, token in enumerate(tokens):
        if not (_NEGATION.fullmatch(token) or token.endswith("n't")):
            continue
        for j in range(i + 1, min(len(tokens), i + 1 + NEGATION_WINDOW)):
            word = tokens[j]
            if word not in _NEGATION_FILLER and word not in _STOPWORDS:
                pairs.append((token, word[:5]))
                negated_at.add(j)
                break
    plain = {t[:5] for j, t in enumerate(tokens) if j not in negated_at}
    return pairs, plain


def negation_flags(text: str, cited: str, item: str, *, source: str = "") -> list[Flag]:
    """A negation of a word the evidence states only plainly ("pleaded not guilty" where
    the source says "pleaded guilty"), and the reverse: a word stated plainly that the
    evidence only negates ("did get the balance right" where the source says "did not").
    ``source``: the whole source, where the text's negation may also be found."""
    mine, my_plain = _negated(text)
    theirs, their_plain = _negated(cited)
    # What the text negates may be negated anywhere in the source: candidates are a guess.
    their_negated = {stem for _, stem in theirs} | {stem for _, stem in _negated(source)[0]}
    my_negated = {stem for _, stem in mine}
    flags = [
        Flag(
            kind=FlagKind.negation_mismatch,
            message=f"negates {stem!r}…, which the evidence states without negation",
            span=word,
            expected="the same negation in the evidence",
            item=item,
        )
        for word, stem in mine
        if stem in their_plain and stem not in their_negated
    ]
    flags += [
        Flag(
            kind=FlagKind.negation_mismatch,
            message=f"states {stem!r}… plainly; the evidence only negates it",
            span=stem,
            expected=f"{word} {stem}…",
            item=item,
        )
        for word, stem in theirs
        if stem in my_plain and stem not in my_negated and stem not in their_plain
    ]
    return flags[:1]


def _span(source: Source, index: int) -> Span:
    s = source.sentences[index]
    return Span(sentence_id=s.id, start=s.start, end=s.end, text=s.text)


def _deterministic(
    source: Source, index: _Index, text: str, start: int, end: int, number: int, top_k: int
) -> SentenceCheck:
    item = f"summary sentence {number}"
    candidates = sorted(i for _, i in index.top(text, top_k))
    evidence = [_span(source, i) for i in candidates]
    cited = " ".join(s.text for s in evidence)
    flags = mention_flags(text, cited, source, item=item, checked="candidate sentences")
    flags += negation_flags(text, cited, item, source=source.text)
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
    return SentenceCheck(
        index=number,
        text=text,
        start=start,
        end=end,
        label=_rule_label(flags),
        evidence=evidence,
        flags=flags,
        overlap=overlap,
    )


def _rule_label(flags: list[Flag]) -> SupportLabel:
    hard = [f for f in flags if f.kind in _HARD]
    # "expected" lists what the evidence says of the same kind: another value there is a
    # contradiction, nothing there leaves the sentence merely unsupported.
    if any(f.expected not in (None, "source", "candidate sentences") for f in hard):
        return SupportLabel.contradicted
    if hard or any(f.kind in _SOFT for f in flags):
        return SupportLabel.unsupported
    return SupportLabel.supported


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


def _combine(check: SentenceCheck, verdict: VerdictOut, source: Source) -> SentenceCheck:
    model_label = SupportLabel(verdict.label)
    rule = check.label
    if rule is SupportLabel.supported:
        label = model_label
    elif model_label is SupportLabel.contradicted:
        label = SupportLabel.contradicted
    else:
        label = rule
    cited = [s for i in verdict.ids if (s := source.sentence(i)) is not None]
    evidence = (
        [Span(sentence_id=s.id, start=s.start, end=s.end, text=s.text) for s in cited]
        if cited and label is not SupportLabel.unsupported
        else check.evidence
    )
    return check.model_copy(
        update={
            "label": label,
            "model_label": model_label,
            "evidence": sorted(evidence, key=lambda s: s.start),
        }
    )


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
) -> SummaryCheck:
    """Check a summary against its source (async). See :func:`check_summary`."""
    if not isinstance(summary, str):
        raise InputError(f"summary must be a str, got {type(summary).__name__}")
    if top_k < 1:
        raise InputError(f"top_k must be at least 1, got {top_k}")
    doc = source if isinstance(source, Source) else make_source(source)
    text = normalise(summary)
    if not text:
        raise InputError("the summary is empty (nothing left after removing whitespace)")
    index = _Index(doc)
    checks = [
        _deterministic(doc, index, text[start:end], start, end, number, top_k)
        for number, (start, end) in enumerate(sentence_spans(text))
    ]
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
            _messages(doc, checks),
            SummaryVerdicts,
            schema=verdict_schema(candidates, per_sentence=endpoint.grammar_enforced),
            context={"ids": set(doc.ids), "n": len(checks)},
            cache=open_cache(cache),
            policy=policy or CallPolicy(max_tokens=64 + 48 * len(checks)),
        )
        usage.add(result.usage)
        checks = [_combine(c, v, doc) for c, v in zip(checks, result.value.verdicts, strict=True)]
        model_name, version = endpoint.model, prompt_version()
    supported = sum(c.label is SupportLabel.supported for c in checks)
    return SummaryCheck(
        source=doc,
        summary=text,
        sentences=checks,
        flags=[f for c in checks for f in c.flags],
        consistent=supported == len(checks),
        score=supported / len(checks),
        usage=usage,
        model=model_name,
        prompt_version=version,
    )


def check_summary(
    source: str | bytes | Source,
    summary: str,
    *,
    model: str | None = None,
    client: AnyClient | None = None,
    use_model: bool = True,
    cache: CacheOption = True,
    top_k: int = TOP_K,
    policy: CallPolicy | None = None,
) -> SummaryCheck:
    """Check whether ``summary`` says only what ``source`` says.

    Each summary sentence is labelled supported, unsupported or contradicted, with the
    source sentences it rests on (pinned: ``source.text[s.start:s.end] == s.text``) and the
    deterministic flags (names, numbers, amounts, percentages and dates the source does not
    state; a negation its closest sentences lack; almost no shared words). ``use_model=False``
    runs the deterministic checks alone, without any model call. ``model``/``client``/``cache``
    choose the endpoint and cache exactly as in :func:`factcheck.summarise`; ``top_k`` is the
    number of candidate source sentences per summary sentence.
    """
    from factcheck.pipeline import run_sync

    return run_sync(
        acheck_summary(
            source,
            summary,
            model=model,
            client=client,
            use_model=use_model,
            cache=cache,
            top_k=top_k,
            policy=policy,
        )
    )
