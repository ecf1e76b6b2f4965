from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck import entities
from factcheck.entities import (
    DateValue,
    Inventory,
    Mention,
    MentionKind,
    extract,
    spelled_value,
)
from factcheck.text import make_source


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.kind.value, m.text) for m in extract(text)]


def _one(text: str, kind: MentionKind) -> Inventory:
    mentions = [m for m in extract(text) if m.kind is kind]
    assert len(mentions) == 1, mentions
    return Inventory.of(text)


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("twelve", 12),
        ("twenty-five", 25),
        ("three hundred and forty two", 342),
        ("one million", 1_000_000),
        ("two thousand five hundred", 2500),
    ],
)
def test_spelled_numbers(words: str, value: int) -> None:
    assert spelled_value(words) == Decimal(value)


def test_every_mention_slices_back_to_the_text() -> None:
    text = (
        "On Sunday, March 2, 2025, President Joe Biden said £12m and 5 per cent of "
        "1.5 million voters in the U.K. backed twelve plans."
    )
    mentions = extract(text)
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert _found(text) == [
        ("date", "Sunday, March 2, 2025"),
        ("name", "Joe Biden"),
        ("amount", "£12m"),
        ("percent", "5 per cent"),
        ("number", "1.5 million"),
        ("name", "U.K."),
        ("number", "twelve"),
    ]


def test_numbers_in_digits_and_words_compare_by_value() -> None:
    source = Inventory.of("About 1,500,000 people and twelve ministers attended.")
    for text in ("1.5 million people", "12 ministers"):
        (mention,) = extract(text)[:1]
        assert source.has(mention), text
    (wrong,) = [m for m in extract("1.6 million people") if m.kind is MentionKind.number]
    assert not source.has(wrong)


def test_percent_forms_are_one_value_and_not_a_bare_number() -> None:
    source = Inventory.of("Turnout rose by 5 per cent.")
    (same,) = extract("turnout rose 5%")
    (other,) = extract("turnout rose 6 percent")
    assert same.kind is MentionKind.percent and source.has(same)
    assert not source.has(other)
    (five_points,) = [m for m in extract("rose 5 points") if m.kind is MentionKind.number]
    assert five_points.value == 5


def test_amounts_compare_value_and_currency() -> None:
    source = Inventory.of("The council approved a budget of 12 million pounds.")
    (pounds,) = extract("a £12m budget")
    (dollars,) = extract("a $12 million budget")
    (more,) = extract("a £15m budget")
    assert pounds.currency == "GBP" and source.has(pounds)
    assert dollars.currency == "USD" and not source.has(dollars)
    assert not source.has(more)


def test_dates_agree_on_the_parts_they_state() -> None:
    source = Inventory.of("The invasion began on Feb. 24, 2022, a Thursday.")
    for agreeing in ("24 February", "February 2022", "2022", "on Thursday"):
        (mention,) = extract(agreeing)
        assert mention.kind is MentionKind.date, agreeing
        assert source.has(mention), agreeing
    for wrong in ("25 February", "March 2022", "on Friday"):
        (mention,) = extract(wrong)
        assert not source.has(mention), wrong
    (full,) = extract("Sunday, March 2, 2025")
    assert full.date == DateValue(year=2025, month=3, day=2, weekday=6)


def test_names_drop_titles_and_possessives() -> None:
    mentions = extract("Mayor Ana Lopez met Starmer's aides. Prime Minister alone is no name.")
    names = [m.text for m in mentions if m.kind is MentionKind.name]
    assert names == ["Ana Lopez", "Starmer's"]
    starmer = next(m for m in mentions if m.text == "Starmer's")
    assert Inventory.of("Keir Starmer spoke.").has(starmer)
    assert not Inventory.of("Rishi Sunak spoke.").has(starmer)


def test_sentence_openers_and_may_are_not_names_or_dates() -> None:
    assert _found("Previously, the airlines flew around. Police said they may act.") == []


def test_acronyms_need_capitals_and_demonyms_match_their_country() -> None:
    source = Inventory.of("Russia's invasion of Ukraine upset us all.")
    (us,) = extract("The U.S. objected")
    assert not source.has(us)
    (ukrainian,) = extract("the Ukrainian flag")
    assert source.has(ukrainian)


def test_adjacent_names_match_one_by_one_but_invented_ones_do_not() -> None:
    source = Inventory.of("Activists met in London outside the Russian embassy.")
    (pair,) = extract("at the London Russian embassy")
    assert pair.text == "London Russian" and source.has(pair)
    (invented,) = extract("with Boris Johnson")
    assert not source.has(invented)


_PIECES = [
    "one",
    "Twenty",
    "hundred",
    "ONE",
    "May",
    "March",
    "Mondays",
    "sunday",
    "Jan.",
    "$",
    "£5",
    "per cent",
    "%",
    "2021",
    "3",
    "1,200",
    "US$",
    "euros",
    "dollars",
    "Sept",
    "the",
    "Kate",
    "U.S.",
    "-",
    " ",
    ", ",
    ".",
    "ſix",
    "ﬁve",
    "é",
    "oneself",
    "tenth",
    "_two",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_the_word_checks_before_the_patterns_change_no_mention(text: str) -> None:
    # The digit and word look-ups only skip patterns that could not match: with them
    # forced open, every pattern runs, and the mentions found must be the same.
    assert extract(text) == _extract_every_pattern(text)


def test_the_word_checks_change_no_mention_in_real_articles(seed_text: str, long_text: str) -> None:
    for sentence in make_source(seed_text + "\n\n" + long_text).sentences:
        assert extract(sentence.text) == _extract_every_pattern(sentence.text), sentence.text


def _extract_every_pattern(text: str) -> list[Mention]:
    scanner = entities._Scanner(text)
    scanner.has_digit, scanner.words = True, None
    for stage in (
        scanner.dates,
        scanner.amounts,
        scanner.percents,
        scanner.years,
        scanner.numbers,
        scanner.names,
    ):
        stage()
    return sorted(scanner.found, key=lambda m: m.start)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # After a first name or a personal title "May" is a surname, not the month.
        ("Theresa May said the plan would work.", ["Theresa May"]),
        ("Mrs May said it would work.", ["May"]),
        ("Brian May played on 5 May.", ["Brian May"]),
        ("Sales rose in May.", []),
        # A sentence's opening "Earlier" is no name.
        ("Earlier Tuesday, the lawmakers met Zelenskyy.", ["Zelenskyy"]),
    ],
)
def test_may_is_a_surname_after_a_name_and_earlier_is_no_name(text: str, names: list[str]) -> None:
    found = [m.text for m in extract(text) if m.kind is MentionKind.name]
    assert found == names


def test_a_hyphenated_name_is_stated_where_tokenised_text_spaces_its_hyphen() -> None:
    (name,) = [m for m in extract("The Go-there node is true or false.") if m.kind.value == "name"]
    assert Inventory.of("Professor B: For Go - there , probably is true and false .").has(name)
    assert not Inventory.of("Go to the node over there.").has(name)


def test_an_acronym_plural_is_stated_where_the_acronym_is() -> None:
    def name(text: str) -> Mention:
        (found,) = [m for m in extract(text) if m.kind.value == "name"]
        return found

    transcript = Inventory.of("PhD D: We are playing with it. PhD F: Is it typically done?")
    assert transcript.has(name("There was a discussion between PhDs about it."))
    assert Inventory.of("Two MPs spoke. The MP said no.").has(name("The vote split the MPs."))
    # Only its own acronym: an MEP is no MP.
    assert not Inventory.of("The MEP said no.").has(name("The vote split the MPs."))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Furthermore, the group agreed on a budget.", []),
        ("Nonetheless, Ana Lopez won the vote.", ["Ana Lopez"]),
        ("Notably, Apple sold more phones.", ["Apple"]),
        ("The report was written by Overall.", ["Overall"]),
    ],
)
def test_a_conjunctive_adverb_opening_a_sentence_is_no_name(text: str, names: list[str]) -> None:
    assert [m.text for m in extract(text) if m.kind is MentionKind.name] == names


def test_a_quotation_mark_is_no_part_of_the_name_it_opens() -> None:
    text = "The doctor told me: 'Thank God you came.' Then 'Kay said 'PPAP' was O'Brien's."
    inventory = Inventory.of(text)
    for mention in extract(text):
        assert inventory.has(mention), mention.text
    # An apostrophe inside a word still joins it: "Brien" alone is not stated.
    assert not Inventory.of("O'Brien spoke.").has(extract("Brien spoke.")[0])
