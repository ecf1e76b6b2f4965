from __future__ import annotations

import codecs
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.errors import InputError
from factcheck.text import make_source, normalise, sentence_spans


def test_seed_sentences_slice_back_exactly(seed_text: str) -> None:
    source = make_source(seed_text)
    assert len(source.sentences) == 17
    for i, sentence in enumerate(source.sentences):
        assert sentence.id == f"S{i}"
        assert source.text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()


def test_every_line_break_ends_a_sentence() -> None:
    source = make_source(
        "Dateline London\nThe minister said 3.5% of funds were spent. Mr. Smith disagreed."
    )
    assert [s.text for s in source.sentences] == [
        "Dateline London",
        "The minister said 3.5% of funds were spent.",
        "Mr. Smith disagreed.",
    ]


def test_abbreviations_and_decimals_do_not_split() -> None:
    spans = sentence_spans("Dr. Jones paid $3.50 to the U.S. firm on Jan. 5. It closed.")
    assert len(spans) == 2


def test_normalise_line_ends_spaces_and_controls() -> None:
    assert normalise("a\r\nb\rc") == "a\nb\nc"
    assert normalise("  two   spaces\t\there \x00\x07") == "two spaces here"
    assert normalise("x\n\n\n\n\ny") == "x\n\ny"
    # NFC: "e" + combining acute becomes one code point
    assert normalise("caf\u0065\u0301") == "caf\u00e9"


def test_repeated_sentences_get_distinct_offsets() -> None:
    source = make_source("It rained. It rained. It rained.")
    starts = [s.start for s in source.sentences]
    assert starts == [0, 11, 22]


def test_long_run_on_sentence_is_split_at_spaces() -> None:
    text = " ".join(["word"] * 2000)
    source = make_source(text)
    assert len(source.sentences) > 1
    assert all(len(s.text) <= 1200 for s in source.sentences)
    assert " ".join(s.text for s in source.sentences) == text


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\x00\x01"])
def test_empty_text_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        make_source(text)


def test_bytes_are_decoded_with_their_bom() -> None:
    text = "Zoë said 5 things."
    assert make_source(codecs.BOM_UTF16_LE + text.encode("utf-16-le")).text == text
    assert make_source(codecs.BOM_UTF8 + text.encode()).text == text
    assert make_source(text.encode()).text == text


def test_invalid_utf8_and_binary_are_input_errors() -> None:
    with pytest.raises(InputError, match="UTF-8"):
        make_source(b"caf\xe9 au lait")
    with pytest.raises(InputError, match="binary"):
        make_source(b"\x00\x01\x02binary")


def test_non_text_is_an_input_error() -> None:
    with pytest.raises(InputError, match="expected text"):
        make_source(42)  # type: ignore[arg-type]


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Titles and initials before a name never end a sentence.
        (
            "Gen. Milley met Sen. J. K. Smith. They spoke.",
            ["Gen. Milley met Sen. J. K. Smith.", "They spoke."],
        ),
        # An abbreviation ends a sentence before a capital, not before a number or lower case.
        (
            "Shares of Acme Corp. fell. Apple Inc. The end.",
            ["Shares of Acme Corp. fell.", "Apple Inc.", "The end."],
        ),
        (
            "It sold item no. 5 on Jan. 5 at 10 a.m. The rest.",
            ["It sold item no. 5 on Jan. 5 at 10 a.m.", "The rest."],
        ),
        # "U.S." ends a sentence only before a word that starts one.
        ("He lives in the U.S. The move was new.", ["He lives in the U.S.", "The move was new."]),
        ("The U.S. Senate voted.", ["The U.S. Senate voted."]),
        # Punctuation inside a quotation or brackets ends nothing, unless the quotation
        # closes on it before a capital.
        ('He said "Stop. Now." and left.', ['He said "Stop. Now." and left.']),
        ("“We won.” The crowd cheered.", ["“We won.”", "The crowd cheered."]),
        (
            "The vote (held on Jan. 5. Or so.) passed.",
            ["The vote (held on Jan. 5. Or so.) passed."],
        ),
        # An ellipsis ends a sentence only before a capital; "!" before lower case is no end.
        ("Wait... no. Then... Nothing.", ["Wait... no.", "Then...", "Nothing."]),
        ("Wow! she said. Really? Yes.", ["Wow! she said.", "Really?", "Yes."]),
        # Numbered lines keep their number.
        ("1. Buy milk", ["1. Buy milk"]),
        ("10. Bob Jungels (Lux)", ["10. Bob Jungels (Lux)"]),
        # A bracket that opens a sentence before a capital stands alone, as in pysbd.
        ("(AP) The storm hit.", ["(AP)", "The storm hit."]),
    ],
)
def test_boundaries_follow_pysbds_rules(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_every_boundary_follows_ending_punctuation() -> None:
    text = (
        "Mr. Brown paid £3.5m on 24 Feb. 2022 to U.K. firms. “Never again,” he said! "
        "Costs rose 5.5% (see p. 4). Was it worth it? Time will tell…"
    )
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Brown paid £3.5m on 24 Feb. 2022 to U.K. firms.",
        "“Never again,” he said!",
        "Costs rose 5.5% (see p. 4).",
        "Was it worth it?",
        "Time will tell…",
    ]


def _normalise_line_by_line(text: str) -> str:
    """The definition: NFC, line ends, no controls, each line collapsed and stripped."""
    from factcheck.text import _BLANK_LINES, _CONTROL, _SPACES

    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in _CONTROL.sub("", text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


_WHITESPACE_HEAVY = st.text(
    st.sampled_from(["a", "B", " ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000", "\x0b", "é"]),
    max_size=60,
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=200), _WHITESPACE_HEAVY))
def test_normalise_equals_stripping_each_line(text: str) -> None:
    assert normalise(text) == _normalise_line_by_line(text)
