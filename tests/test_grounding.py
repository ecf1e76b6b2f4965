from __future__ import annotations

from factcheck.grounding import (
    ground_claim,
    ground_headline,
    ground_point,
    is_opinion,
    merge_duplicates,
)
from factcheck.models import ClaimType, FlagKind
from factcheck.schema import ClaimOut, PointOut
from factcheck.text import make_source

TEXT = (
    "The council approved a budget of 12 million pounds on Tuesday.\n"
    "Mayor Ana Lopez said the plan would cut waiting lists.\n"
    "Critics disagreed.\n"
    "The vote was 7 to 2."
)
SOURCE = make_source(TEXT)


def _out(text: str, ids: list[str], who: str | None = None, when: str | None = None) -> ClaimOut:
    return ClaimOut(ids=ids, text=text, who=who, type=ClaimType.statistic, check=True, when=when)


def _kinds(flags: list) -> set[FlagKind]:  # type: ignore[type-arg]
    return {f.kind for f in flags}


def test_grounded_claim_keeps_its_wording_and_gets_exact_quote() -> None:
    claim = ground_claim(SOURCE, _out("The council approved a 12 million pound budget.", ["S0"]), 0)
    assert claim.origin == "model"
    assert claim.flags == []
    assert SOURCE.text[claim.start : claim.end] == claim.quote == SOURCE.sentences[0].text


def test_invented_number_is_flagged_and_repaired() -> None:
    claim = ground_claim(
        SOURCE, _out("The council approved a budget of 15 million pounds.", ["S0"]), 3
    )
    assert FlagKind.amount_not_in_source in _kinds(claim.flags)
    amount = next(f for f in claim.flags if f.kind == FlagKind.amount_not_in_source)
    assert amount.span == "15 million pounds" and amount.expected == "12 million pounds"
    assert FlagKind.replaced in _kinds(claim.flags)
    assert claim.origin == "source"
    assert claim.statement == SOURCE.sentences[0].text
    replaced = next(f for f in claim.flags if f.kind == FlagKind.replaced)
    assert replaced.span == "The council approved a budget of 15 million pounds."
    assert all(f.item == "claim 3" for f in claim.flags)


def test_number_from_another_sentence_is_not_in_cited() -> None:
    claim = ground_claim(SOURCE, _out("The council vote was 7 to 2.", ["S0"]), 0, repair=False)
    kinds = _kinds(claim.flags)
    assert FlagKind.number_not_in_cited in kinds and FlagKind.number_not_in_source not in kinds
    assert claim.statement == "The council vote was 7 to 2."  # repair off: wording kept


def test_invented_name_and_speaker_are_flagged() -> None:
    claim = ground_claim(
        SOURCE,
        _out("Mayor John Smith said the plan would cut waiting lists.", ["S1"], who="John Smith"),
        0,
    )
    kinds = _kinds(claim.flags)
    assert FlagKind.name_not_in_source in kinds
    assert FlagKind.speaker_not_in_source in kinds
    assert claim.speaker is None


def test_known_speaker_is_kept() -> None:
    claim = ground_claim(
        SOURCE, _out("Ana Lopez said the plan would cut waiting lists.", ["S1"], who="Ana Lopez"), 0
    )
    assert claim.speaker == "Ana Lopez" and claim.flags == []


def test_invalid_ids_are_dropped_and_flagged() -> None:
    claim = ground_claim(SOURCE, _out("The vote was 7 to 2.", ["S3", "S99"]), 0)
    assert claim.sentence_ids == ["S3"]
    assert [f.span for f in claim.flags if f.kind == FlagKind.invalid_id] == ["S99"]


def test_quote_never_spans_an_uncited_sentence() -> None:
    claim = ground_claim(SOURCE, _out("Budget approved; vote 7 to 2.", ["S3", "S0"]), 0)
    assert claim.sentence_ids == ["S0", "S3"]
    assert claim.quote == SOURCE.sentences[0].text
    assert [s.text for s in claim.spans] == [SOURCE.sentences[0].text, SOURCE.sentences[3].text]
    contiguous = ground_claim(
        SOURCE, _out("The budget of 12 million was approved.", ["S0", "S1"]), 0
    )
    assert contiguous.quote == SOURCE.text[SOURCE.sentences[0].start : SOURCE.sentences[1].end]


def test_pronoun_start_and_low_overlap() -> None:
    claim = ground_claim(
        SOURCE, _out("They disagreed strongly with everything.", ["S2"]), 0, repair=False
    )
    assert FlagKind.unresolved_pronoun in _kinds(claim.flags)
    off_topic = ground_claim(SOURCE, _out("Weather forecasts predict heavy snowfall.", ["S2"]), 0)
    assert FlagKind.low_overlap in _kinds(off_topic.flags)


def test_id_markup_and_leaked_json_are_repaired_and_flagged() -> None:
    point = ground_point(SOURCE, PointOut(ids=["S0"], text="S0: The council approved a budget."), 0)
    assert FlagKind.text_repaired in _kinds(point.flags)
    assert "S0" not in point.text and point.text.startswith("The council")
    claim = ground_claim(SOURCE, _out("The council approved a budget. },{", ["S0"]), 0)
    repaired = [f for f in claim.flags if f.kind is FlagKind.text_repaired]
    assert repaired and repaired[0].span == "The council approved a budget. },{"
    assert claim.statement.endswith("budget.")


def test_invented_wording_that_shares_a_word_with_its_citation_is_replaced() -> None:
    invented = "This is a plan the council has already made. We are going to make it work."
    claim = ground_claim(SOURCE, _out(invented, ["S0"]), 0)
    assert FlagKind.low_overlap in _kinds(claim.flags)
    assert claim.origin == "source" and claim.statement == SOURCE.sentences[0].text


def test_contractions_of_common_words_are_not_names() -> None:
    claim = ground_claim(SOURCE, _out("We're told critics disagreed.", ["S2"]), 0, repair=False)
    assert FlagKind.name_not_in_source not in _kinds(claim.flags)


def test_headline_with_invented_name_gives_way_to_the_lede() -> None:
    headline, replaced, flags = ground_headline(SOURCE, "Boris Johnson approves budget")
    assert replaced and headline == SOURCE.sentences[0].text
    assert FlagKind.name_not_in_source in _kinds(flags)
    kept, replaced, _ = ground_headline(SOURCE, "Council approves 12 million budget")
    assert not replaced and kept == "Council approves 12 million budget"


def test_duplicates_merge_with_citations_united() -> None:
    claims = [
        ground_claim(
            SOURCE, _out("The council approved a budget of 12 million pounds.", ["S0"]), 0
        ),
        ground_claim(SOURCE, _out("Critics disagreed.", ["S2"]), 1),
        ground_claim(
            SOURCE,
            _out("The council approved a budget of 12 million pounds", ["S3"]),
            2,
            repair=False,
        ),
    ]
    merged = merge_duplicates(SOURCE, claims)
    assert len(merged) == 2
    assert merged[0].sentence_ids == ["S0", "S3"]
    assert FlagKind.duplicate in _kinds(merged[0].flags)
    assert merged[0].quote == SOURCE.sentences[0].text
    assert all(f.item == "claim 0" for f in merged[0].flags)


def test_same_number_in_other_words_is_grounded() -> None:
    for wording in (
        "The council approved a £12m budget on Tuesday.",
        "The council approved a budget of twelve million pounds.",
        "The council approved a budget of 12,000,000 pounds.",
    ):
        claim = ground_claim(SOURCE, _out(wording, ["S0"]), 0)
        assert claim.flags == [] and claim.origin == "model", wording


def test_amount_percent_and_date_flags_tell_cited_from_source() -> None:
    text = (
        "The council approved a budget of 12 million pounds on Tuesday, March 4, 2025.\n"
        "Turnout was 40 per cent.\n"
        "The mayor spoke on Friday."
    )
    source = make_source(text)
    cases = {
        "Turnout was 40% on Friday.": {FlagKind.date_not_in_cited},
        "Turnout was 45 per cent.": {FlagKind.percent_not_in_source},
        "Turnout was 40 per cent on 5 March.": {FlagKind.date_not_in_source},
        "Turnout was 40 per cent and the budget $12 million.": {FlagKind.amount_not_in_source},
        "Turnout was 40 per cent and the budget 12 million pounds.": {FlagKind.amount_not_in_cited},
    }
    for wording, expected in cases.items():
        claim = ground_claim(source, _out(wording, ["S1"]), 0, repair=False)
        assert _kinds(claim.flags) == expected, (wording, claim.flags)
    same_date = ground_claim(
        source, _out("A budget was approved on 4 March 2025.", ["S0"]), 0, repair=False
    )
    assert same_date.flags == []


def test_opinion_marked_checkable_is_flagged_and_repaired() -> None:
    source = make_source('She said: "We need to cut taxes now."\nThe tax rate is 20 per cent.')
    quoted = ClaimOut(
        ids=["S0"],
        text="Taxes need to be cut now.",
        who=None,
        type=ClaimType.policy,
        check=True,
        when=None,
    )
    claim = ground_claim(source, quoted, 0)
    assert FlagKind.opinion_marked_checkable in _kinds(claim.flags)
    assert claim.checkable is False
    kept = ground_claim(source, quoted, 0, repair=False)
    assert kept.checkable is True and FlagKind.opinion_marked_checkable in _kinds(kept.flags)
    typed = ClaimOut(
        ids=["S1"],
        text="The tax rate is 20 per cent.",
        who=None,
        type=ClaimType.opinion,
        check=True,
        when=None,
    )
    assert FlagKind.opinion_marked_checkable in _kinds(ground_claim(source, typed, 0).flags)
    fact = ClaimOut(
        ids=["S1"],
        text="The tax rate is 20 per cent.",
        who=None,
        type=ClaimType.statistic,
        check=True,
        when=None,
    )
    fact_claim = ground_claim(source, fact, 0)
    assert fact_claim.flags == [] and fact_claim.checkable is True


def test_opinion_signal_needs_a_quote_and_a_stance() -> None:
    assert is_opinion("He said: “We need to increase spending.”")
    assert is_opinion('"I think this is wrong," she said.')
    assert not is_opinion("“We’ve agreed a plan with France,” he said.")
    assert not is_opinion("The government must publish the figures by law.")
