"""The vocabulary of factcheck: every stage takes and returns these pydantic models."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Claim",
    "ClaimType",
    "EvidencePassage",
    "Flag",
    "FlagKind",
    "KeyPoint",
    "Origin",
    "Price",
    "Report",
    "Sentence",
    "SentenceCheck",
    "Source",
    "Span",
    "SummaryCheck",
    "SupportLabel",
    "Usage",
    "Verdict",
    "VerdictLabel",
    "sentence_index",
]


class Sentence(BaseModel):
    """One sentence of the normalised source, addressed by its id (``S0`` … ``Sn``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    start: int
    end: int


class Source(BaseModel):
    """The normalised article text and its sentences with exact character offsets."""

    text: str
    sentences: list[Sentence]

    @model_validator(mode="after")
    def _offsets_slice_back(self) -> Source:
        for s in self.sentences:
            if self.text[s.start : s.end] != s.text:
                raise ValueError(f"sentence {s.id} does not match source[{s.start}:{s.end}]")
        return self

    def sentence(self, sentence_id: str) -> Sentence | None:
        index = sentence_index(sentence_id)
        if index is None or index >= len(self.sentences):
            return None
        return self.sentences[index]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.sentences]


def sentence_index(sentence_id: str) -> int | None:
    """``"S12"`` → 12; anything else → None."""
    if len(sentence_id) < 2 or sentence_id[0] != "S" or not sentence_id[1:].isdigit():
        return None
    return int(sentence_id[1:])


class ClaimType(str, Enum):
    statistic = "statistic"
    event = "event"
    quote = "quote"
    policy = "policy"
    prediction = "prediction"
    opinion = "opinion"
    other = "other"


class FlagKind(str, Enum):
    invalid_id = "invalid_id"
    no_citation = "no_citation"
    number_not_in_cited = "number_not_in_cited"
    number_not_in_source = "number_not_in_source"
    name_not_in_cited = "name_not_in_cited"
    name_not_in_source = "name_not_in_source"
    speaker_not_in_source = "speaker_not_in_source"
    unresolved_pronoun = "unresolved_pronoun"
    low_overlap = "low_overlap"
    duplicate = "duplicate"
    id_markup = "id_markup"
    replaced = "replaced"
    chunk_failed = "chunk_failed"
    amount_not_in_cited = "amount_not_in_cited"
    amount_not_in_source = "amount_not_in_source"
    percent_not_in_cited = "percent_not_in_cited"
    percent_not_in_source = "percent_not_in_source"
    date_not_in_cited = "date_not_in_cited"
    date_not_in_source = "date_not_in_source"
    opinion_marked_checkable = "opinion_marked_checkable"
    negation_mismatch = "negation_mismatch"
    #: The model's speaker is not supported by the text; the text's speaker (or none) stands.
    speaker_replaced = "speaker_replaced"
    #: A leading pronoun or title was replaced by the person the article names.
    pronoun_resolved = "pronoun_resolved"
    #: Proposed as a claim, but the text is never one (byline, caption, handle, URL, question…).
    not_a_claim = "not_a_claim"
    #: A clause of a cited sentence that is never a claim (a stance beside a fact) was left
    #: out of the claim's span and statement.
    clause_dropped = "clause_dropped"
    #: Leaked JSON punctuation, id markup or unbalanced quotes removed from model text.
    text_repaired = "text_repaired"
    #: The model's claim type is one the cited text cannot bear (a "statistic" stating no
    #: figure, a "quote" quoting no one); the library's reading of the text stands.
    type_replaced = "type_replaced"
    #: The embedded model finds a word of a summary sentence no likelier after its evidence
    #: than without it (``check_summary(..., likelihood=True)``).
    unlikely_given_evidence = "unlikely_given_evidence"


class Flag(BaseModel):
    """A deterministic finding about something the model wrote."""

    kind: FlagKind
    message: str
    span: str | None = Field(default=None, description="The offending text the model wrote.")
    expected: str | None = Field(default=None, description="Where it should have been found.")
    item: str | None = Field(default=None, description="Which item it concerns, e.g. 'claim 3'.")


class Span(BaseModel):
    """An exact slice of the source: ``source.text[start:end] == text``."""

    sentence_id: str
    start: int
    end: int
    text: str


Origin = Literal["model", "source"]


class KeyPoint(BaseModel):
    """A key point of the summary. ``origin`` is "source" when the model's wording failed
    grounding and the cited sentence stands in for it (the flags keep the model's text)."""

    text: str
    sentence_ids: list[str]
    origin: Origin = "model"
    flags: list[Flag] = Field(default_factory=list)


class Claim(BaseModel):
    """A checkable statement, pinned to the sentences it rests on.

    ``quote``/``start``/``end`` cover the first run of consecutive cited sentences, so the
    quote never includes a sentence the claim did not cite; ``spans`` gives each cited
    sentence on its own (or the part of it the claim rests on, when a clause of it is never
    a claim: flagged ``clause_dropped``). Both are written by the library from the cited
    ids, never by the model. ``origin`` is "source" when the model's wording failed
    grounding and the cited text stands in for it; the flags then keep what the model wrote.
    """

    statement: str
    origin: Origin = "model"
    speaker: str | None = None
    type: ClaimType = ClaimType.other
    checkable: bool = True
    time: str | None = None
    sentence_ids: list[str]
    quote: str = ""
    start: int = 0
    end: int = 0
    spans: list[Span] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    score: float = Field(default=0.0, ge=0.0, le=1.0, description="Check-worthiness, 0–1.")
    rank: int = Field(default=0, ge=0, description="1 = most worth checking; 0 = not ranked.")
    speaker_ids: list[str] = Field(
        default_factory=list,
        description="Sentences whose text names the speaker (empty: the text does not say).",
    )


class Price(BaseModel):
    """What an endpoint charges per million tokens, as the user's account is billed (prices
    change and differ by account and region, so the library ships none).

    ``cached_input`` prices the input tokens the endpoint served from its own prompt cache
    (``Usage.cached_input_tokens``); None bills them as ordinary input.
    """

    model_config = ConfigDict(frozen=True)

    input: float = Field(ge=0.0, description="Per million input tokens.")
    output: float = Field(ge=0.0, description="Per million output tokens.")
    cached_input: float | None = Field(default=None, ge=0.0)
    currency: str = "USD"


class Usage(BaseModel):
    """What a piece of work cost. ``calls`` counts HTTP requests that reached the model;
    ``cached_input_tokens`` is the part of ``input_tokens`` the endpoint reported as served
    from its prompt cache (0 where it reports none)."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_hits: int = 0
    reasks: int = 0
    retries: int = 0
    cached_input_tokens: int = 0

    def add(self, other: Usage) -> None:
        for name in Usage.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def cost(self, price: Price | Mapping[str, float | str | None]) -> float:
        """The estimated cost of these tokens at ``price`` (a :class:`Price` or its fields),
        in the price's currency. Responses from factcheck's own cache cost nothing: they
        add no tokens."""
        rate = price if isinstance(price, Price) else Price.model_validate(price)
        cached = min(self.cached_input_tokens, self.input_tokens)
        if rate.cached_input is None:
            cached_cost, fresh = 0.0, self.input_tokens
        else:
            cached_cost, fresh = cached * rate.cached_input, self.input_tokens - cached
        return (fresh * rate.input + cached_cost + self.output_tokens * rate.output) / 1e6


class Report(BaseModel):
    """The result of :func:`factcheck.summarise`."""

    source: Source
    headline: str
    headline_origin: Origin = "model"
    key_points: list[KeyPoint]
    claims: list[Claim]
    flags: list[Flag] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    model: str
    prompt_version: str
    chunks: int = 1
    candidates: int = Field(
        default=0, ge=0, description="Claims proposed before selection and the max_claims budget."
    )

    def to_markdown(self, *, price: Price | None = None) -> str:
        """The readable report (:mod:`factcheck.render_markdown`); ``price`` adds the
        estimated cost of its model calls to the footer."""
        from factcheck.render_markdown import report_markdown

        return report_markdown(self, price=price)

    def _repr_html_(self) -> str:
        from factcheck.display import report_html

        return report_html(self)

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        # A Report holds the whole article; keep the plain repr short.
        yield "headline", self.headline
        yield "claims", len(self.claims)
        yield "flags", len(self.flags)
        yield "model", self.model


class VerdictLabel(str, Enum):
    supported = "supported"
    contradicted = "contradicted"
    not_enough_info = "not_enough_info"


class EvidencePassage(BaseModel):
    """A sentence of an evidence document, pinned like a claim's spans: the library, not the
    model, writes it. ``document`` is 0 (the article) when claims were checked against their
    own source; with evidence texts it indexes that list (or the list the evidence callable
    returned for the claim), and ``make_source(documents[document]).text[start:end] == text``.
    ``score`` is the BM25 score that made it a candidate."""

    document: int
    sentence_id: str
    start: int
    end: int
    text: str
    score: float = 0.0


class Verdict(BaseModel):
    """Whether the evidence supports a claim, pinned to the evidence sentences it rests on.

    ``confidence`` is how often a verdict resting on the same basis was right on labelled
    dev data (SummEdits news; see ``factcheck.verification.CONFIDENCE``), never the model's
    own figure: 1 for a claim the evidence states word for word, the measured rate for a
    label the deterministic cross-checks bear out (every word and figure present; a value,
    negation or direction changed), and 0 for not_enough_info, which makes no claim. A
    label whose basis was right too rarely is not published: it becomes not_enough_info.
    ``safeguard`` says why the library set or changed the label; ``model_label`` is what
    the model answered (None: the model was not asked).
    """

    claim_index: int
    statement: str
    label: VerdictLabel
    rationale: str = ""
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: list[EvidencePassage] = Field(default_factory=list)
    candidates: list[EvidencePassage] = Field(default_factory=list)
    against: Literal["source", "evidence"] = "source"
    model_label: VerdictLabel | None = None
    safeguard: str | None = None

    @property
    def downgraded(self) -> bool:
        """The model's label was overruled by a deterministic safeguard."""
        return self.model_label is not None and self.model_label != self.label

    def _repr_html_(self) -> str:
        from factcheck.display import verdicts_html

        return verdicts_html([self])


class SupportLabel(str, Enum):
    supported = "supported"
    unsupported = "unsupported"
    contradicted = "contradicted"


class SentenceCheck(BaseModel):
    """One sentence of a checked summary: ``summary[start:end] == text``.

    ``evidence`` pins the source sentences it rests on (``source.text[s.start:s.end] ==
    s.text``). ``overlap`` is the share of its content words found in that evidence.
    ``model_label`` is what the model answered (None when no model was asked); ``label``
    is the combined verdict, where a deterministic finding outranks the model.
    """

    index: int
    text: str
    start: int
    end: int
    label: SupportLabel
    evidence: list[Span] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    overlap: float = Field(default=0.0, ge=0.0, le=1.0)
    model_label: SupportLabel | None = None
    #: Probability that the sentence is consistent with the source (the fitted rules).
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    #: What lowered it, in words: each finding of the rules.
    reasons: list[str] = Field(default_factory=list)
    #: With ``likelihood=True``: the lowest gain in log-probability the embedded model gives
    #: a token of the sentence after its evidence (see :mod:`factcheck.likelihood`).
    likelihood_gain: float | None = None


class SummaryCheck(BaseModel):
    """The result of :func:`factcheck.check_summary`: is the summary faithful to the source?"""

    source: Source
    summary: str
    sentences: list[SentenceCheck]
    flags: list[Flag] = Field(default_factory=list)
    consistent: bool
    #: The lowest sentence probability of consistency: the summary is as good as its
    #: weakest sentence. ``consistent`` when every sentence reaches ``threshold``.
    score: float = Field(ge=0.0, le=1.0)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    usage: Usage = Field(default_factory=Usage)
    model: str | None = None
    prompt_version: str | None = None

    def _repr_html_(self) -> str:
        from factcheck.display import summary_check_html

        return summary_check_html(self)

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        yield "consistent", self.consistent
        yield "score", round(self.score, 3)
        yield "sentences", [s.label.value for s in self.sentences]
        yield "flags", len(self.flags)
