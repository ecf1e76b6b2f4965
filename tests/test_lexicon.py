"""The shared vocabulary of contradiction: the summary checker and the verdict cross-checks
read negations and opposite words from one table, and differ only in how sure a finding
must be before it counts."""

from __future__ import annotations

import pytest

from factcheck.crosscheck import cross_check
from factcheck.lexicon import (
    NEGATORS,
    OPPOSITES,
    SURE,
    SURE_NEGATORS,
    negates_anything,
    opposite_words,
    prefixed_opposites,
    read_negations,
    swapped_kinds,
    tokens,
    unasserted,
    unused_words,
)
from factcheck.models import SupportLabel
from factcheck.summary_check import check_summary


def test_both_stages_read_a_text_into_the_same_words() -> None:
    # A typographic apostrophe keeps "didn't" one negating word; a ligature or full-width
    # letter is the plain word, so "ﬁred" meets the table's "fired".
    assert tokens("He didn\u2019t rise; Ｈe was \ufb01red.") == [
        "he", "didn't", "rise", "he", "was", "fired",
    ]  # fmt: skip
    assert SURE_NEGATORS.fullmatch(tokens("didn\u2019t")[0])
    # The summary checker reads it so too: the typographic negation contradicts the source.
    check = check_summary(
        "The shares did rise on Monday.", "The shares didn\u2019t rise on Monday.", use_model=False
    )
    assert check.sentences[0].label is SupportLabel.unsupported
    assert any("negat" in r for r in check.sentences[0].reasons)


def test_a_negation_negates_the_first_word_past_the_filler() -> None:
    read = read_negations("he did not yet sign the deal".split())
    assert read.pairs == (("not", "sign"),)
    assert "sign" not in read.plain and "deal" in read.plain
    assert "not" not in read.plain
    # A word outside the window is stated plainly.
    far = read_negations("not to be able to sign".split())
    assert far.pairs == () and "sign" in far.plain


def test_not_only_negates_nothing() -> None:
    # "Not only X but Y" states X: nothing is negated, and X is stated plainly.
    read = read_negations("it opens not only to asia but to australia".split())
    assert read.pairs == () and {"asia", "austr"} <= read.plain
    assert read_negations("daisy is not just any sheep".split()).negated == frozenset()
    assert not negates_anything("it opens not only to asia but to australia".split())
    # A negation elsewhere in the sentence still counts, and "only" alone still denies.
    assert read_negations("not only that, they did not fly".split()).negated == {"fly"}
    assert negates_anything("only israeli carriers may fly".split())


def test_failing_negates_only_where_a_finding_may_be_weighed() -> None:
    tokens = "the club failed to win the cup".split()
    assert read_negations(tokens, negators=NEGATORS).negated == {"win"}
    assert read_negations(tokens, negators=SURE_NEGATORS).negated == frozenset()


def test_skipped_words_are_passed_over_to_what_is_negated() -> None:
    tokens = "he did not say he would resign".split()
    assert read_negations(tokens).negated == {"say"}
    assert read_negations(tokens, skip={"say", "he", "would"}).negated == {"resig"}


def test_an_opposite_needs_the_evidence_to_use_only_the_other_side() -> None:
    assert opposite_words({"prices", "rose"}, {"prices", "fell"}) == [(["rose"], ["fell"])]
    # Both directions in the evidence: the sentence may be about either.
    assert opposite_words({"prices", "rose"}, {"prices", "fell", "then", "rose"}) == []
    # A text using both sides still states the one the evidence contradicts.
    assert opposite_words({"rose", "fell"}, {"fell"}) == [(["rose"], ["fell"])]


def test_a_gerund_of_approving_or_banning_is_no_opposite() -> None:
    # "a law banning child labour" says what the law does, not that it was rejected.
    assert opposite_words({"law", "banning", "labour"}, {"approved", "law"}) == []
    assert opposite_words({"law", "banned", "labour"}, {"approved", "law"}) != []


def test_a_negating_prefix_makes_the_opposite_word() -> None:
    assert prefixed_opposites({"an", "unnamed", "official"}, {"a", "named", "official"}) == [
        ("unnamed", "named")
    ]
    assert prefixed_opposites({"legal"}, {"illegal", "sale"}) == [("legal", "illegal")]
    # Too short to be a prefixed word, used on both sides, or negated in the text.
    assert prefixed_opposites({"unless", "unrest"}, {"less", "rest"}) == []
    assert prefixed_opposites({"unknown"}, {"known", "unknown"}) == []
    assert prefixed_opposites({"not", "unlikely"}, {"likely"}, negated={"unlik"}) == []
    # The summary checker weighs it; a published verdict does not rest on it.
    evidence = 'Officials executed a "controlled burn" of vinyl chloride.'
    claim = 'Officials executed an "uncontrolled burn" of vinyl chloride.'
    check = check_summary(evidence, claim, use_model=False)
    assert "opposite: 'uncontrolled' where the evidence says 'controlled'" in (
        check.sentences[0].reasons
    )
    assert not cross_check(claim, [evidence]).mismatches


def test_a_unit_colour_or_ordinal_for_another_is_a_changed_value() -> None:
    assert swapped_kinds({"one", "month", "anniversary"}, {"one", "year", "anniversary"}) == [
        (["month"], ["year"])
    ]
    assert swapped_kinds({"green", "pink"}, {"blue", "yellow"}) == [
        (["green", "pink"], ["blue", "yellow"])
    ]
    # One unit in two numbers, a member the evidence also has, or nothing of the kind there.
    assert swapped_kinds({"year"}, {"years"}) == []
    assert swapped_kinds({"third", "fourth"}, {"fourth"}) == []
    assert swapped_kinds({"third"}, {"quarter"}) == []
    evidence = "The company reported a fourth quarter decline in vaccine sales."
    claim = "The company reported a third quarter decline in vaccine sales."
    check = check_summary(evidence, claim, use_model=False)
    assert check.sentences[0].label is SupportLabel.contradicted
    assert "value changed: 'third' where the evidence says 'fourth'" in check.sentences[0].reasons
    # A signal, not a verdict's basis: the two sentences may count different rounds.
    assert cross_check(claim, [evidence]).mismatches == []


def test_the_sure_pairs_are_pairs_of_the_table() -> None:
    assert SURE and set(SURE) < set(OPPOSITES)


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("Inflation fell to 9% in April.", "Inflation rose to 9% in April."),
        ("The court found him innocent of fraud.", "The court found him guilty of fraud."),
        ("The council approved the stadium plan.", "The council rejected the stadium plan."),
        # Every inflection of a listed verb: "closing" meets "opening".
        (
            "Oman is closing its airspace to Israeli carriers.",
            "Oman is opening its airspace to Israeli carriers.",
        ),
    ],
)
def test_a_sure_opposite_is_found_by_both_stages(claim: str, evidence: str) -> None:
    assert any("where the evidence says" in m for m in cross_check(claim, [evidence]).mismatches)
    check = check_summary(evidence, claim, use_model=False)
    assert any(r.startswith("opposite:") for r in check.sentences[0].reasons)


def test_a_pair_outside_the_sure_part_is_a_signal_not_a_verdict() -> None:
    evidence = "The mayor opened the bridge on Monday morning with the engineers."
    claim = "The mayor opened the bridge on Monday night with the engineers."
    assert not cross_check(claim, [evidence]).mismatches
    check = check_summary(evidence, claim, use_model=False)
    assert any(r.startswith("opposite:") for r in check.sentences[0].reasons)


def test_the_eve_of_a_day_is_its_night_before() -> None:
    evidence = (
        "On the eve of the anniversary, activists poured paint outside the embassy. "
        "Police removed the paint outside the embassy on Thursday morning."
    )
    summary = "On the night before the anniversary, activists poured paint outside the embassy."
    check = check_summary(evidence, summary, use_model=False)
    assert not any(r.startswith("opposite:") for r in check.sentences[0].reasons)
    assert opposite_words({"night"}, {"thursday", "morning"}) != []


def test_a_negated_word_states_the_other_side() -> None:
    assert opposite_words({"cheaper"}, {"not", "most", "expensive"}, negated={"expen"}) == []
    evidence = "Push-buttons are not the most expensive part of the remote control."
    summary = "Push-buttons are the cheaper part of the remote control."
    check = check_summary(evidence, summary, use_model=False)
    assert not any(r.startswith("opposite:") for r in check.sentences[0].reasons)
    claim = cross_check("Sales did not rise in May.", ["Sales fell in May."])
    assert not any("'rise'" in m for m in claim.mismatches)
    plain = cross_check("Sales rose in May.", ["Sales fell in May."])
    assert any("'rose' where the evidence says 'fell'" in m for m in plain.mismatches)


def test_a_word_in_reach_of_avoiding_or_needing_is_not_stated_plainly() -> None:
    assert "loops" in unasserted("they discussed avoiding loops in the network".split())
    assert "loops" not in unasserted("they discussed having loops in the network".split())
    evidence = "It is important not to have loops in the network."
    for summary, flagged in (
        ("The group discussed avoiding loops in the network.", False),
        ("The group discussed the need for a model that has loops.", False),
        ("The group discussed having loops in the network.", True),
        # Asking for a thing does not state it: "filing for approval" is no approval.
        ("The group is filing for permission to have loops in the network.", False),
    ):
        check = check_summary(evidence, summary, use_model=False)
        found = [f for f in check.sentences[0].flags if f.kind.value == "negation_mismatch"]
        assert bool(found) is flagged, summary
        claim = cross_check(summary, [evidence])
        assert any("plainly" in m for m in claim.mismatches) is flagged, summary


def test_unused_words_reads_a_word_in_any_form_of_its_kind_or_side() -> None:
    evidence = {"the", "airspace", "was", "closed", "for", "two", "years"}
    # "shutting" is on the side of "closed"; "year" is a form of "years".
    assert unused_words({"shutting", "year", "airspace"}, evidence) == frozenset()
    # "opening" is the other side; "month" another member; "pink" a colour unsaid.
    assert unused_words({"opening", "month", "pink"}, evidence) == {"opening", "month", "pink"}
    # Any other word only as itself.
    assert unused_words({"airspaces", "was"}, evidence) == {"airspaces"}
