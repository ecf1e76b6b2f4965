"""check_summary: deterministic checks without a model, and replays of the embedded model.

The replayed responses were produced by the real embedded model (SmolLM2-135M) over real
HTTP and recorded with pytest-recording (``--record-mode=once``).
"""

from __future__ import annotations

import pytest

from factcheck import FlagKind, InputError, SummaryCheck, acheck_summary, check_summary
from factcheck.local import DEFAULT_ALIAS
from factcheck.models import SupportLabel
from factcheck.prompts import prompt_version
from factcheck.summary_check import negation_flags, verdict_schema
from factcheck.text import make_source

ARTICLE = (
    "The council approved a budget of 12 million pounds on Tuesday.\n"
    "Mayor Ana Lopez said the plan would cut waiting lists.\n"
    "The opposition did not support the plan.\n"
    "The vote was 7 to 2."
)

FAITHFUL = (
    "Keir Starmer has called for a coalition of the willing to help end the war in Ukraine. "
    "He will host a defence summit of European leaders on Sunday."
)
EDITED = (
    "Keir Starmer has called for a coalition of the willing to help end the war in Ukraine. "
    "He will host a defence summit of 40 European leaders on Sunday."
)


def assert_pinned(check: SummaryCheck) -> None:
    source = check.source
    for sentence in check.sentences:
        assert check.summary[sentence.start : sentence.end] == sentence.text
        for span in sentence.evidence:
            assert source.text[span.start : span.end] == span.text
            assert source.sentence(span.sentence_id) is not None
    assert check.flags == [f for s in check.sentences for f in s.flags]
    assert check.score == sum(s.label is SupportLabel.supported for s in check.sentences) / len(
        check.sentences
    )
    assert check.consistent == all(s.label is SupportLabel.supported for s in check.sentences)


def test_faithful_paraphrase_is_supported_without_a_model() -> None:
    check = check_summary(
        ARTICLE,
        "The council approved a £12m budget on Tuesday. The opposition did not back it.",
        use_model=False,
    )
    assert_pinned(check)
    assert check.consistent and check.score == 1.0
    assert check.usage.calls == 0 and check.model is None
    assert [s.evidence[0].sentence_id for s in check.sentences] == ["S0", "S2"]


def test_changed_number_name_and_negation_are_caught_without_a_model() -> None:
    check = check_summary(
        ARTICLE,
        "The council approved a budget of 15 million pounds on Tuesday. "
        "Mayor John Smith said the plan would cut waiting lists. "
        "The vote was not 7 to 2.",
        use_model=False,
        top_k=1,
    )
    assert_pinned(check)
    assert not check.consistent and check.score == 0.0
    amount, name, negation = check.sentences
    assert amount.label is SupportLabel.contradicted
    assert [(f.kind, f.span, f.expected) for f in amount.flags] == [
        (FlagKind.amount_not_in_source, "15 million pounds", "12 million pounds")
    ]
    assert name.label is SupportLabel.contradicted
    assert {f.kind for f in name.flags} == {FlagKind.name_not_in_source}
    assert negation.label is SupportLabel.unsupported
    assert {f.kind for f in negation.flags} == {FlagKind.negation_mismatch}


def test_value_from_elsewhere_in_the_source_is_unsupported() -> None:
    check = check_summary(ARTICLE, "The budget was approved by 7 votes.", use_model=False, top_k=1)
    (sentence,) = check.sentences
    assert sentence.label is SupportLabel.unsupported
    assert {f.kind for f in sentence.flags} == {FlagKind.number_not_in_cited}


def test_negation_is_compared_on_what_it_negates() -> None:
    source = "White pleaded guilty on Thursday. He did not appeal."
    inserted = negation_flags("White pleaded not guilty.", source, "s", source=source)
    assert [(f.kind, f.span) for f in inserted] == [(FlagKind.negation_mismatch, "not")]
    # A negation elsewhere in the evidence ("did not appeal") does not excuse it, and a
    # negation that the evidence shares is no mismatch.
    assert negation_flags("He did not appeal.", source, "s", source=source) == []
    removed = negation_flags(
        "The company got the balance right.",
        "The company failed to get the balance right.",
        "s",
    )
    assert [f.expected for f in removed] == ["failed balan…"]
    assert (
        negation_flags(
            "The company did not get the balance right.",
            "The company failed to get the balance right.",
            "s",
        )
        == []
    )


def test_source_object_and_bad_input() -> None:
    source = make_source(ARTICLE)
    check = check_summary(source, "The vote was 7 to 2.", use_model=False)
    assert check.source is source and check.consistent
    with pytest.raises(InputError):
        check_summary(ARTICLE, "   ", use_model=False)
    with pytest.raises(InputError):
        check_summary(ARTICLE, None, use_model=False)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        check_summary("", "A summary.", use_model=False)


def test_schema_gives_one_verdict_slot_per_sentence() -> None:
    schema = verdict_schema([["S0", "S2"], ["S1"]], per_sentence=True)
    verdicts = schema["properties"]["verdicts"]
    assert verdicts["minItems"] == verdicts["maxItems"] == 2
    slots = verdicts["prefixItems"]
    assert [slot["properties"]["ids"]["items"]["enum"] for slot in slots] == [["S0", "S2"], ["S1"]]
    assert verdicts["items"] is False
    plain = verdict_schema([["S0", "S2"], ["S1"]], per_sentence=False)
    ids = plain["properties"]["verdicts"]["items"]["properties"]["ids"]["items"]["enum"]
    assert sorted(ids) == ["S0", "S1", "S2"]


@pytest.mark.vcr
def test_seed_summaries_on_the_embedded_model(embedded_model: str, seed_text: str) -> None:
    faithful = check_summary(seed_text, FAITHFUL, cache=False)
    assert_pinned(faithful)
    assert faithful.model == DEFAULT_ALIAS and faithful.prompt_version == prompt_version()
    assert faithful.usage.calls == 1 and faithful.usage.cache_hits == 0
    assert faithful.usage.input_tokens > 100 and faithful.usage.output_tokens > 0
    assert len(faithful.sentences) == 2
    assert all(s.model_label is not None for s in faithful.sentences)
    assert all(not s.flags for s in faithful.sentences)

    edited = check_summary(seed_text, EDITED, cache=False)
    assert_pinned(edited)
    assert edited.usage.calls == 1
    changed = edited.sentences[1]
    # The rules find the invented number whatever the model answered.
    assert [(f.kind, f.span) for f in changed.flags] == [(FlagKind.number_not_in_source, "40")]
    assert changed.label is not SupportLabel.supported
    assert not edited.consistent and edited.score <= 0.5


@pytest.mark.vcr
@pytest.mark.default_cassette("test_seed_summaries_on_the_embedded_model.yaml")
async def test_async_twin_and_cache(embedded_model: str, seed_text: str) -> None:
    first = await acheck_summary(seed_text, EDITED)
    assert first.usage.calls == 1 and first.usage.cache_hits == 0
    again = await acheck_summary(seed_text, EDITED)
    assert again.usage.calls == 0 and again.usage.cache_hits == 1
    assert again.sentences == first.sentences
