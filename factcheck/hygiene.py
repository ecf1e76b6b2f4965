"""Text hygiene for anything a model writes: leaked JSON punctuation, id markup, stray quotes.

A small model under a JSON grammar sometimes lets the structure leak into a string value
("… in May. },{", a trailing ``"}``), copies the sentence-id labels of its prompt into its
prose ("S3: The minister said…", "… [S3]"), or opens a quote it never closes. None of that
is language, so the repair is mechanical and safe: remove it, and report what was removed so
the caller can flag it (``FlagKind.text_repaired``). The function is pure and idempotent:
cleaning clean text changes nothing and reports nothing.

Written by hand because no maintained library does this: JSON repair tools (json-repair)
fix whole documents, not prose that swallowed a fragment of one.
"""

from __future__ import annotations

import re

#: Sentence and evidence ids as the prompts show them: S0…Sn (article), E0…En (evidence),
#: C0…Cn (claims in a verify batch).
_ID = r"[SEC]\d{1,4}"
#: "[S3]", "(S3, S4)", "[S3-S5]", "【S3】": a citation in brackets. (Every pattern here starts
#: at a fixed character, never at optional space, so that it runs in linear time on long runs
#: of spaces.)
_BRACKETED_IDS = re.compile(rf"[\[(【]\s*(?:{_ID})(?:\s*(?:[,;/&–-]|and)\s*(?:{_ID}))*\s*[\])】]")
#: "S3:" or "S3 -" as a label at the start of the text or of a sentence.
_LABEL_IDS = re.compile(rf"(?:(?<=^)|(?<=[.!?]\s))(?:{_ID})(?:\s*,\s*{_ID})*\s*[:–-]\s+")
#: Characters JSON structure leaves at the edges of a string value: "},{", '"}', "],".
_EDGE = frozenset(" \t\n\"'`,:[]{}")
#: What makes such an edge JSON rather than prose ("… [sic]" and a closing quote stay): a
#: brace, or a bracket next to a comma or quote.
_JSONISH = re.compile(r"""[{}]|[\]\[]\s*[,"]|[,"]\s*[\]\[]""")
#: A JSON key that leaked with its value: '", "why": "' inside the text.
_LEAKED_KEY = re.compile(r"""(?:["']\s*)?(?:,\s*)?["'][a-z_]{1,20}["']\s*:\s*["']?""")
#: Escaped quotes and newlines from a JSON string that was decoded twice or not at all.
_ESCAPES = re.compile(r"\\[\"nt]")

_PAIRS = {"(": ")", "[": "]", "{": "}", "“": "”"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def _tidy(text: str) -> str:
    """Spaces left behind by a removal: doubled, or before punctuation."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t](?=[.,;:!?])", "", text)
    return text.strip()


def _json_edges(text: str) -> tuple[int, int]:
    """Where the text proper starts and ends once JSON structure at either edge is cut."""
    start, end = 0, len(text)
    while end > 0 and text[end - 1] in _EDGE:
        end -= 1
    if not _JSONISH.search(text[end:]):
        end = len(text)
    while start < end and text[start] in _EDGE:
        start += 1
    if not _JSONISH.search(text[:start]):
        start = 0
    return start, end


def _unbalanced(text: str) -> list[int]:
    """Positions of brackets and curly quotes that have no partner, and of a straight double
    quote when their number is odd (the one at an edge if there is one, else the last)."""
    stack: list[int] = []
    stray: list[int] = []
    for i, char in enumerate(text):
        if char in _PAIRS:
            stack.append(i)
        elif char in _CLOSERS:
            if stack and text[stack[-1]] == _CLOSERS[char]:
                stack.pop()
            else:
                stray.append(i)
    stray += stack
    quotes = [i for i, char in enumerate(text) if char == '"']
    if len(quotes) % 2:
        # A quote is at an edge when only spaces come before it, or spaces and closing
        # punctuation after it.
        first = len(text) - len(text.lstrip())
        last = len(text.rstrip(" .,;")) - 1
        edge = [i for i in quotes if i <= first or i >= last]
        stray.append(edge[-1] if edge else quotes[-1])
    return sorted(stray)


def clean_text(text: str) -> tuple[str, list[str]]:
    """The text with leaked JSON punctuation, sentence-id markup and unbalanced quotes or
    brackets removed, and a short description of each kind of repair made (empty: the
    text was clean and is returned unchanged, but for surrounding whitespace)."""
    repairs: list[str] = []
    cleaned = text
    # One removal can expose another ("S3: }," once the brace goes); repeat until nothing
    # changes, so that the result is clean by the function's own measure.
    # Every pass that reports a repair makes the text shorter, so this ends.
    while True:
        cleaned, found = _clean_once(cleaned)
        if not found:
            return cleaned, repairs
        repairs += [r for r in found if r not in repairs]


def _clean_once(text: str) -> tuple[str, list[str]]:
    repairs: list[str] = []
    cleaned = text.strip()

    def apply(pattern: re.Pattern[str], replacement: str, what: str) -> None:
        nonlocal cleaned
        found = [m.group(0).strip() for m in pattern.finditer(cleaned) if m.group(0).strip()]
        if found:
            cleaned = pattern.sub(replacement, cleaned)
            shown = ", ".join(repr(f) for f in dict.fromkeys(found))
            repairs.append(f"removed {what} {shown}")

    if _ESCAPES.search(cleaned):
        cleaned = _ESCAPES.sub(lambda m: {"n": " ", "t": " "}.get(m.group(0)[1], '"'), cleaned)
        repairs.append("unescaped JSON escape sequences")
    leaked = _LEAKED_KEY.search(cleaned)
    if leaked:
        before = cleaned[: leaked.start()]
        if re.search(r"\w", before):
            # What follows a key is another field's value, not more of this text.
            repairs.append(f"removed a leaked JSON field from {leaked.group(0).strip()!r} on")
            cleaned = before
        else:
            repairs.append(f"removed a leaked JSON key {leaked.group(0).strip()!r}")
            cleaned = before + cleaned[leaked.end() :]
    start, end = _json_edges(cleaned)
    if end < len(cleaned):
        repairs.append(f"removed trailing JSON punctuation {cleaned[end:].strip()!r}")
    if start > 0:
        repairs.append(f"removed leading JSON punctuation {cleaned[:start].strip()!r}")
    cleaned = cleaned[start:end]
    apply(_BRACKETED_IDS, "", "sentence-id markup")
    apply(_LABEL_IDS, "", "sentence-id labels")
    stray = _unbalanced(cleaned)
    if stray:
        shown = ", ".join(repr(cleaned[i]) for i in stray)
        dropped = set(stray)
        cleaned = "".join(c for i, c in enumerate(cleaned) if i not in dropped)
        repairs.append(f"removed unbalanced {shown}")
    if repairs:
        cleaned = _tidy(cleaned)
    return cleaned, repairs
