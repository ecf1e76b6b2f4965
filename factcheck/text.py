"""Input normalisation and sentence segmentation with exact character offsets."""

from __future__ import annotations

import bisect
import codecs
import re
import sys
import unicodedata
from functools import lru_cache

from factcheck.errors import InputError
from factcheck.models import Sentence, Source

__all__ = [
    "MAX_SENTENCE_CHARS",
    "MAX_TEXT_CHARS",
    "decode",
    "make_source",
    "normalise",
    "sentence_spans",
]

# Control characters other than tab and newline carry no meaning in an article and break
# JSON, terminals and tokenisers alike; so do lone surrogates (a str can hold them, UTF-8
# cannot encode them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Whitespace other than a line break on either side of one (what str.strip() takes off the
# ends of a line: re's \s and str.isspace() agree).
_LINE_EDGES = re.compile(r"[^\S\n]*\n[^\S\n]*")

#: A sentence longer than this is split at whitespace so that one run-on "sentence"
#: (a list, a transcript without full stops) cannot exceed a chunk on its own.
MAX_SENTENCE_CHARS = 1200

#: The longest input accepted, in characters (after decoding). A news article is 2–50 k
#: characters; a megabyte of text is a book, thousands of model calls and seconds of
#: segmentation per megabyte, which is a mistake far more often than a plan. Split such a
#: document yourself and summarise the parts.
MAX_TEXT_CHARS = 1_000_000


def decode(data: bytes) -> str:
    """Bytes → text: honours UTF-8/UTF-16/UTF-32 byte-order marks, else strict UTF-8."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"input starts with a {encoding} byte-order mark but {exc}"
                ) from exc
    if b"\x00" in data[:4096]:
        raise InputError("input looks binary (NUL bytes) and has no byte-order mark")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"input is not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "decode it yourself and pass a str"
        ) from exc


def normalise(text: str | bytes) -> str:
    """Return the canonical text that offsets refer to.

    NFC, ``\\n`` line ends, no control characters, runs of spaces collapsed, no trailing
    spaces on lines, at most one blank line in a row.
    """
    if isinstance(text, bytes | bytearray):
        text = decode(bytes(text))
    if not isinstance(text, str):
        raise InputError(f"expected text (str or bytes), got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"the text has {len(text):,} characters, more than the limit of "
            f"{MAX_TEXT_CHARS:,} (factcheck.text.MAX_TEXT_CHARS); split it and summarise "
            "the parts"
        )
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    # Whole-text substitutions rather than a pass per line (a long transcript has tens of
    # thousands of lines); the same result as stripping every line on its own.
    text = _SPACES.sub(" ", text)
    text = _LINE_EDGES.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text


#: Bumped whenever the segmentation rules change where sentences end (it keys cached reports).
SEGMENTATION_VERSION = "2"

# Sentence boundaries follow pysbd's rules (the Golden Rules of the pragmatic segmenter),
# applied in one pass of compiled regular expressions over each line instead of pysbd's
# hundreds of substitutions per line: pysbd took 2.3 s on a 100k-token document, longer
# than everything else the library does. benchmarks/perf_split.py measures the boundary
# agreement with pysbd and the speed of both; pysbd still supplies the abbreviation lists.

# A run of sentence-ending punctuation, the closing quotes or brackets after it, followed
# by whitespace or the end of the line (a full-width stop needs no space: 。). "…" ends no
# sentence (nor does it in pysbd).
_CANDIDATE = re.compile(r"([.!?。．！？]+)([\"'”’»)\]]*)(?:(?=\s|$)|(?<=[。．！？]))")
_WIDE_MARKS = frozenset("。．！？")
# Stretches inside which punctuation ends no sentence: quotations and brackets.
_PROTECTED = re.compile(
    r"\"[^\"]*\"|“[^”]*”|«[^»]*»|\([^()]*\)|\[[^\]]*\]|(?<=\s)‘(?:[^’]|’[a-zA-Z])*’"
)
# A sentence may open with a bracket or quotation that stands alone before a capital:
# "(AP) The …", "“Enough” The …".
_OPENING = re.compile(
    r" *(?:\([^)]{2,}\)(?=\s[A-Z])|\"[^\"]*[^,]\"(?=\s[A-Z])|“[^”]*[^,]”(?=\s[A-Z]))"
)
_MULTI_PERIOD = re.compile(r"\b[a-z](?:\.[a-z])+\.$", re.IGNORECASE)
_BREAKING_ABBREVIATION = re.compile(r"(?:^|\W)(?:U\.S|U\.K|E\.U|U\.S\.A|I|i\.v|I\.V)\.$")
_AM_PM = re.compile(r"(?:^|\W)[ap]\.m\.$", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s*(\S+)")
#: Words after "U.S." and the like that show it ended the sentence (pysbd's list).
_SENTENCE_STARTERS = frozenset(
    "A Being Did For He How However I In It Millions More She That The There They We What "
    "When Where Who Why".split()
)


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """pysbd's English abbreviations: all, those before a name, those before a number."""
    from pysbd.lang.english import English

    table = English.Abbreviation
    return (
        frozenset(a.strip().lower() for a in table.ABBREVIATIONS),
        frozenset(table.PREPOSITIVE_ABBREVIATIONS),
        frozenset(table.NUMBER_ABBREVIATIONS),
    )


def _inside(position: int, protected: list[tuple[int, int]]) -> bool:
    at = bisect.bisect_right(protected, (position, sys.maxsize)) - 1
    return at >= 0 and protected[at][0] < position < protected[at][1] - 1


def _ends_sentence(line: str, match: re.Match[str], protected: list[tuple[int, int]]) -> bool:
    """Whether the punctuation of ``match`` ends a sentence (pysbd's rules)."""
    marks, closers = match.group(1), match.group(2)
    start, end = match.start(), match.end()
    after = _NEXT_WORD.match(line, end)
    if after is None:
        return True  # the end of the line
    word = after.group(1)
    nxt = word[0]
    # Punctuation closing a quotation, then one space and a capital: a boundary, even
    # inside a longer quotation (pysbd splits there when it post-processes).
    if closers[:1] in ('"', "'", "“", "”"):
        return line[end : end + 1] == " " and nxt.isupper()
    if _inside(start, protected):
        return False
    if marks[-1] in _WIDE_MARKS:
        return True  # a full-width stop ends a sentence with or without a space after it
    if "." not in marks:
        return not (marks == "!" and nxt.islower())  # "!" before lower case: an interjection
    if len(marks) >= 3 and set(marks) == {"."}:
        return nxt.isupper()  # an ellipsis ends a sentence only before a capital
    if len(marks) > 1 or closers:
        return True
    token = line[line.rfind(" ", 0, start) + 1 : start + 1]
    if len(token) == 2 and "A" <= token[0] <= "Z":
        return False  # an initial: "J. K. Rowling"
    if start <= 2 and token[:-1].isdigit() and start == len(token) - 1:
        return False  # a numbered line: "1. Buy milk", "10. Bob Jungels"
    if _MULTI_PERIOD.search(token):
        if _AM_PM.search(token):
            return nxt.isupper()
        return bool(_BREAKING_ABBREVIATION.search(token)) and word in _SENTENCE_STARTERS
    abbreviations, prepositive, before_numbers = _abbreviations()
    stem = token[:-1].lower()
    if stem not in abbreviations:
        return True
    if stem in prepositive:
        return False
    if stem in before_numbers and (nxt.isdigit() or nxt == "("):
        return False
    return not (nxt.islower() or nxt.isdigit() or nxt == "(")


def _line_cuts(line: str) -> list[int]:
    """Offsets within ``line`` where a sentence ends."""
    protected = [m.span() for m in _PROTECTED.finditer(line)] if _has_pairs(line) else []
    cuts: list[int] = []
    sentence_start, opening_checked = 0, -1
    opening: re.Match[str] | None = None
    for match in _CANDIDATE.finditer(line):
        if match.start() < sentence_start:
            continue
        if opening_checked != sentence_start:  # once per sentence
            opening_checked = sentence_start
            opening = _OPENING.match(line, sentence_start)
        if opening is not None and opening.end() <= match.start():
            cuts.append(opening.end())
            opening = None
        if _ends_sentence(line, match, protected):
            cuts.append(match.end())
            sentence_start = match.end()
    return cuts


def _has_pairs(line: str) -> bool:
    return any(ch in line for ch in '"“«([‘')


def _split_long(text: str, start: int, limit: int) -> list[tuple[int, int]]:
    """Split ``text`` (found at ``start``) into pieces of at most ``limit`` chars at spaces."""
    pieces: list[tuple[int, int]] = []
    pos = 0
    while len(text) - pos > limit:
        cut = text.rfind(" ", pos, pos + limit)
        if cut <= pos:
            cut = pos + limit
        pieces.append((start + pos, start + cut))
        pos = cut
        while pos < len(text) and text[pos] == " ":
            pos += 1
    if pos < len(text):
        pieces.append((start + pos, start + len(text)))
    return pieces


def sentence_spans(text: str, *, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``; every line break ends a sentence.

    The sentences are the stretches of ``text`` between the boundaries, stripped, so that
    ``text[start:end]`` is always exactly the sentence and no character is lost; a stretch
    longer than ``max_chars`` is cut at spaces.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            start = 0
            for cut in [*_line_cuts(line), len(line)]:
                stretch = line[start:cut]
                if stretch.strip():
                    lead = len(stretch) - len(stretch.lstrip())
                    piece = stretch.strip()
                    spans.extend(_split_long(piece, offset + start + lead, max_chars))
                start = cut
        offset += len(line) + 1
    return spans


def make_source(text: str | bytes) -> Source:
    """Normalise ``text`` and segment it into sentences ``S0`` … ``Sn``."""
    return segment(checked_text(text))


def checked_text(text: str | bytes) -> str:
    """The normalised text, or an :class:`InputError` when nothing is left to summarise.

    What a Source is built from (:func:`segment`); a report cache is keyed by it, so that a
    cached report is found without segmenting the text again."""
    normalised = normalise(text)
    if not normalised:
        raise InputError("the text is empty (nothing left after removing whitespace)")
    if not any(ch.isalnum() for ch in normalised):
        raise InputError("the text has no letters or digits: there is nothing to summarise")
    return normalised


def segment(normalised: str) -> Source:
    """The Source of an already normalised text (from :func:`checked_text`)."""
    sentences = [
        Sentence(id=f"S{i}", text=normalised[start:end], start=start, end=end)
        for i, (start, end) in enumerate(sentence_spans(normalised))
    ]
    return Source(text=normalised, sentences=sentences)
