"""Parsing the model's answer: the syntax slips a grammar lets through are repaired before
validation; anything that would need a guess is left to the re-ask.

The end-to-end cases (through summarise(), against a server sending such answers) are in
tests/test_faults.py.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from factcheck.llm import parse_output, repair_json


class Answer(BaseModel):
    headline: str
    points: list[str]


GOOD = {"headline": "Council approves budget", "points": ["a", "b"]}


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ('{"headline": "Council approves\nbudget", "points": ["a", "b"]}', "raw newline"),
        ('{"headline": "Council\tapproves\rbudget\u0001", "points": []}', "raw tab, CR, SOH"),
        ('{"headline": "x", "points": ["a"]} and that is all', "text after the object"),
        ('{"headline": "x", "points": ["a"]}}', "a stray closing brace"),
        ('{"headline": "x", "points": ["a"]}\n```', "a closing code fence"),
        ('```json\n{"headline": "x", "points": ["a"]}\n```', "a fenced answer"),
        ('{"headline": "x", "points": ["a"]', "the final brace missing"),
        ('{"headline": "x", "points": ["a"]  \n', "the final brace missing, then blanks"),
        ('{"headline": "a } and ] inside", "points": ["a"]', "brackets inside a string"),
        ('{"headline": "say \\"hi\\" {", "points": ["a"]', "escaped quotes"),
    ],
)
def test_slips_a_grammar_lets_through_are_repaired(broken: str, why: str) -> None:
    with pytest.raises(ValueError):
        json.loads(broken)  # the slip is real: a strict parser rejects it
    repaired = repair_json(broken)
    assert repaired is not None, why
    assert parse_output(Answer, broken) == Answer.model_validate_json(repaired)


def test_a_raw_newline_is_kept_as_the_character_it_was() -> None:
    value = parse_output(Answer, '{"headline": "one\ntwo", "points": []}')
    assert value.headline == "one\ntwo"


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ('{"headline": "Council approves bud', "cut inside a string"),
        ('{"headline": "x", "points": ["a", "b"', "two brackets missing: a list cut short"),
        ('{"headline": "x", "points": ["a"],', "ends after a comma"),
        ('{"headline": "x", "points":', "ends after a colon"),
        ('{"headline" "x", "points": ["a"]}', "a colon missing"),
        ("Sorry, I cannot produce JSON.", "no object at all"),
        ("", "nothing"),
        ('{"headline": "x"]', "a bracket that closes nothing open"),
    ],
)
def test_what_would_need_a_guess_is_not_repaired(broken: str, why: str) -> None:
    assert repair_json(broken) is None, why
    with pytest.raises(ValidationError) as caught:
        parse_output(Answer, broken)
    assert caught.value.errors()[0]["type"] == "json_invalid"


def test_valid_json_that_fails_the_schema_keeps_its_schema_error() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_output(Answer, '{"headline": "x"}')
    assert [e["type"] for e in caught.value.errors()] == ["missing"]


def test_a_repaired_answer_still_has_to_fit_the_schema() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_output(Answer, '{"headline": "one\ntwo"}')
    assert [e["type"] for e in caught.value.errors()] == ["missing"]


def test_valid_answers_pass_unchanged() -> None:
    text = json.dumps(GOOD)
    assert parse_output(Answer, text) == Answer(**GOOD)


#: Stand-ins for the control characters while the JSON is written (the private use area,
#: kept out of the generated text), swapped for the raw characters afterwards.
_PRIVATE = 0xE000
_CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F)
_OTHER = st.characters(codec="utf-8", exclude_categories=("Cs", "Co"))
_TEXT = st.text(st.one_of(_CONTROL, _OTHER))


def _stand_in(text: str) -> str:
    return "".join(chr(_PRIVATE + ord(c)) if ord(c) < 0x20 else c for c in text)


@given(headline=_TEXT, points=st.lists(_TEXT, max_size=4))
def test_any_string_written_with_raw_control_characters_comes_back_intact(
    headline: str, points: list[str]
) -> None:
    """What llama.cpp emits: the JSON of the answer with control characters left raw."""
    written = json.dumps(
        {"headline": _stand_in(headline), "points": [_stand_in(p) for p in points]},
        ensure_ascii=False,
    )
    raw = "".join(
        chr(ord(c) - _PRIVATE) if _PRIVATE <= ord(c) < _PRIVATE + 0x20 else c for c in written
    )
    value = parse_output(Answer, raw)
    assert value == Answer(headline=headline, points=points)
