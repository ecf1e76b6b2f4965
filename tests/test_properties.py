"""Properties of segmentation, chunking and grounding over generated text (hypothesis).

What must hold for any input: offsets slice back to the same text, every sentence lands in
exactly one chunk, no chunk exceeds the budget unless it is one oversize sentence, and every
quote the library writes equals its slice of the source.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from factcheck.chunking import plan_chunks
from factcheck.errors import InputError
from factcheck.grounding import ground_claim, ground_point
from factcheck.models import ClaimType, FlagKind, Sentence, Source, sentence_index
from factcheck.schema import ClaimOut, PointOut
from factcheck.text import MAX_SENTENCE_CHARS, make_source, normalise
from factcheck.tokens import count_tokens

#: No example database: examples are not kept between runs.
PROPERTY = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# -- generated articles -------------------------------------------------------------------

_WORD = st.one_of(
    st.text(st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=10),
    st.sampled_from(
        [
            "Dr.",
            "U.S.",
            "3.5",
            "1,200",
            "e.g.",
            "S3:",
            "[S9]",
            "“quoted”",
            "’s",
            "—",
            "(a)",
            "café",
            "Zelenskyy",
            "東京",
            "القاهرة",
            "🚀",
            "2025-03-01",
            "50%",
            "$4bn",
        ]
    ),
)
_END = st.sampled_from([".", "!", "?", "。", "…", ".”", "", ";"])
_GAP = st.sampled_from([" ", "  ", "\n", "\n\n", "\n\n\n", "\t", " \u00a0", "\r\n"])


@st.composite
def articles(draw: st.DrawFn) -> str:
    """Sentence-like runs of words, punctuation and line breaks, sometimes very long."""
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        # Now and then one sentence longer than MAX_SENTENCE_CHARS.
        words = draw(st.lists(_WORD, min_size=1, max_size=draw(st.sampled_from([8, 30, 300]))))
        parts.append(" ".join(words) + draw(_END) + draw(_GAP))
    return "".join(parts)


#: Anything at all, control characters and lone surrogates included.
any_text = st.text(max_size=300)


def _source(text: str) -> Source | None:
    try:
        return make_source(text)
    except InputError:
        return None  # empty or wordless: rejected, which test_bad_input covers


# -- segmentation -------------------------------------------------------------------------


@PROPERTY
@given(st.one_of(articles(), any_text))
def test_sentence_offsets_slice_back_and_cover_the_text(text: str) -> None:
    source = _source(text)
    assume(source is not None)
    assert source is not None
    covered = set()
    previous_end = 0
    for number, sentence in enumerate(source.sentences):
        assert sentence.id == f"S{number}"
        assert source.text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert "\n" not in sentence.text  # every line break ends a sentence
        assert len(sentence.text) <= MAX_SENTENCE_CHARS
        assert sentence.start >= previous_end  # in order, no overlap
        previous_end = sentence.end
        covered.update(range(sentence.start, sentence.end))
    # Nothing is lost: every character that is not whitespace belongs to a sentence.
    assert all(i in covered for i, ch in enumerate(source.text) if not ch.isspace())


@PROPERTY
@given(st.one_of(articles(), any_text))
def test_normalising_is_idempotent_and_segmenting_is_stable(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    once.encode("utf-8")  # raises if a lone surrogate survived
    source = _source(text)
    assume(source is not None)
    assert source is not None
    assert make_source(source.text).sentences == source.sentences


# -- chunking -----------------------------------------------------------------------------


def _sentences(texts: list[str]) -> list[Sentence]:
    out, pos = [], 0
    for i, text in enumerate(texts):
        out.append(Sentence(id=f"S{i}", text=text, start=pos, end=pos + len(text)))
        pos += len(text) + 1
    return out


def _check_plan(sentences: list[Sentence], budget: int, count: Callable[[str], int]) -> None:
    chunks = plan_chunks(sentences, budget, count)
    cost = [count(f"{s.id}: {s.text}\n") for s in sentences]
    if not sentences:
        assert chunks == []
        return
    # Every sentence lands in exactly one chunk, in order.
    assigned = [i for c in chunks for i in range(c.first, c.last + 1)]
    assert assigned == list(range(len(sentences)))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for number, chunk in enumerate(chunks):
        assert chunk.tokens == sum(cost[chunk.first : chunk.last + 1])
        # Within budget, unless one sentence alone is larger than it.
        assert chunk.tokens <= budget or chunk.first == chunk.last
        # Greedy: the next sentence would not have fitted.
        if number + 1 < len(chunks):
            assert chunk.tokens + cost[chunk.last + 1] > budget


@PROPERTY
@given(articles(), st.integers(1, 400))
def test_chunk_plans_of_real_text_cover_every_sentence_within_budget(
    text: str, budget: int
) -> None:
    source = _source(text)
    assume(source is not None)
    assert source is not None
    _check_plan(source.sentences, budget, lambda s: count_tokens(s, "gpt-4o-mini"))


@PROPERTY
@given(st.lists(st.text(min_size=1, max_size=60), max_size=40), st.integers(1, 200))
def test_chunk_plans_hold_for_any_cost_function(texts: list[str], budget: int) -> None:
    _check_plan(_sentences(texts), budget, len)


@PROPERTY
@given(st.integers(-1000, 0))
def test_a_budget_below_one_token_is_an_input_error(budget: int) -> None:
    with pytest.raises(InputError):
        plan_chunks(_sentences(["a"]), budget, len)


# -- grounding ----------------------------------------------------------------------------

_IDS = st.lists(
    st.one_of(
        st.integers(0, 40).map(lambda i: f"S{i}"),
        st.sampled_from(["S-1", "s1", "S", "S01", "X3", "", "S999999"]),
    ),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(articles(), _IDS, st.text(min_size=1, max_size=200), st.booleans())
def test_claim_quotes_equal_their_slices(
    text: str, ids: list[str], statement: str, repair: bool
) -> None:
    source = _source(text)
    assume(source is not None)
    assert source is not None
    out = ClaimOut(ids=ids, text=statement, who=None, type=ClaimType.event, check=True, when=None)
    claim = ground_claim(source, out, 0, repair=repair)

    assert source.text[claim.start : claim.end] == claim.quote
    for span in claim.spans:
        assert source.text[span.start : span.end] == span.text
        assert source.sentence(span.sentence_id) is not None
    resolved = {s.id for i in ids if (s := source.sentence(i)) is not None}
    assert sorted(claim.sentence_ids, key=lambda i: sentence_index(i) or 0) == claim.sentence_ids
    assert set(claim.sentence_ids) == resolved
    if claim.spans:
        assert claim.quote.startswith(claim.spans[0].text)
    else:
        assert claim.quote == "" and FlagKind.no_citation in {f.kind for f in claim.flags}
    invalid = {f.span for f in claim.flags if f.kind == FlagKind.invalid_id}
    assert invalid == {i for i in ids if i not in source.ids}
    if claim.origin == "source":
        assert repair and claim.statement == " ".join(s.text for s in claim.spans)


@PROPERTY
@given(articles(), _IDS, st.text(min_size=1, max_size=200))
def test_key_points_cite_only_existing_sentences(text: str, ids: list[str], wording: str) -> None:
    source = _source(text)
    assume(source is not None)
    assert source is not None
    point = ground_point(source, PointOut(ids=ids, text=wording), 0)
    assert set(point.sentence_ids) <= set(source.ids)
    if point.origin == "source":
        cited = [source.sentence(i) for i in point.sentence_ids]
        assert point.text == " ".join(s.text for s in cited if s is not None)
