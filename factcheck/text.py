"""Input normalisation and sentence segmentation with exact character offsets."""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from factcheck.errors import InputError
from factcheck.models import Sentence, Source

if TYPE_CHECKING:
    import pysbd

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
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


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

    pysbd proposes the boundaries; the sentences are then the stretches of ``text`` between
    them, so that ``text[start:end]`` is always exactly the sentence and no character is
    lost, even where pysbd drops or rewrites one (it does, for some letters).
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            cuts: list[int] = []
            cursor = 0
            for piece in _segmenter().segment(line):
                piece = piece.strip()
                if not piece:
                    continue
                found = line.find(piece, cursor)
                if found < 0:
                    break  # pysbd changed the text: the rest of the line is one sentence
                cursor = found + len(piece)
                cuts.append(cursor)
            start = 0
            for cut in [*cuts, len(line)]:
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
    normalised = normalise(text)
    if not normalised:
        raise InputError("the text is empty (nothing left after removing whitespace)")
    if not any(ch.isalnum() for ch in normalised):
        raise InputError("the text has no letters or digits: there is nothing to summarise")
    sentences = [
        Sentence(id=f"S{i}", text=normalised[start:end], start=start, end=end)
        for i, (start, end) in enumerate(sentence_spans(normalised))
    ]
    return Source(text=normalised, sentences=sentences)
