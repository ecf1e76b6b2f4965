"""clean_text: leaked JSON punctuation, id markup and stray quotes go; prose stays."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.hygiene import clean_text


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("The UK and France will meet in May. },{", "The UK and France will meet in May."),
        ('Prices rose 9%."}', "Prices rose 9%."),
        ("Prices rose 9%. ],", "Prices rose 9%."),
        ('Shares fell 3% on Monday."}]}', "Shares fell 3% on Monday."),
        ('{"statement": "Prices rose 9%.', "Prices rose 9%."),
        ('Prices rose.", "why": "because the text says so', "Prices rose."),
        ("S3: The minister resigned.", "The minister resigned."),
        ("The minister resigned [S3].", "The minister resigned."),
        ("The minister resigned (S3, S4).", "The minister resigned."),
        ("Talks (S2) began. S4: They ended.", "Talks began. They ended."),
        ("The claim is backed by [E0].", "The claim is backed by."),
        ('"The minister resigned.', "The minister resigned."),
        ("“The minister resigned.", "The minister resigned."),
        ("The rate (in May rose.", "The rate in May rose."),
        ("It rose\\n sharply", "It rose sharply"),
    ],
)
def test_repairs_model_debris(dirty: str, clean: str) -> None:
    repaired, repairs = clean_text(dirty)
    assert repaired == clean
    assert repairs, "every repair is reported"


@pytest.mark.parametrize(
    "prose",
    [
        'He said "no" to the plan.',
        "He said [it] was fine",
        "The players' union agreed.",
        "Inflation rose to 9% (the highest since 1982).",
        "He said: “We will go.”",
        "Section S3 of the act applies.",
        "The E10 fuel blend costs £1.50 a litre.",
    ],
)
def test_leaves_prose_alone(prose: str) -> None:
    assert clean_text(prose) == (prose, [])


def test_reports_each_kind_of_repair() -> None:
    _, repairs = clean_text("S1: Prices rose [S2]. },{")
    text = " ".join(repairs)
    assert "JSON" in text and "id" in text
    assert len(repairs) == 3


def test_surrounding_whitespace_is_not_a_repair() -> None:
    assert clean_text("  Prices rose.  ") == ("Prices rose.", [])


_DEBRIS = st.sampled_from(['"', "},{", '"}', "],", "[S3]", "S2: ", "(", ")", "“", "{", "]"])
_WORDS = st.text(alphabet=st.characters(categories=("L", "N", "Zs", "Po")), max_size=40)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.one_of(_WORDS, _DEBRIS), max_size=8).map("".join))
def test_idempotent(text: str) -> None:
    once, _ = clean_text(text)
    assert clean_text(once) == (once, [])


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.one_of(_WORDS, _DEBRIS), max_size=8).map("".join))
def test_never_adds_text(text: str) -> None:
    repaired, repairs = clean_text(text)
    assert len(repaired) <= len(text)
    assert repairs or repaired == text.strip()


@pytest.mark.parametrize(
    "long", [" " * 20_000, "a" + " " * 20_000 + "x", '"' * 20_000, ", " * 20_000 + '"x":']
)
def test_long_runs_are_cleaned_in_linear_time(long: str) -> None:
    # A pattern that backtracks over runs of spaces would take minutes here, not milliseconds.
    cleaned, _ = clean_text(long)
    assert len(cleaned) <= len(long)
    assert clean_text(cleaned) == (cleaned, [])
