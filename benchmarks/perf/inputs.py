"""The long documents: SummEdits' transcripts, concatenated (repeated when they run out)."""

from __future__ import annotations

import json
from pathlib import Path

LONG_FILES = ("summedits_podcast.json", "summedits_qmsumm.json")


def transcripts(data: Path) -> list[str]:
    docs: list[str] = []
    for name in LONG_FILES:
        path = data / "summedits" / name
        if not path.is_file():
            raise SystemExit(f"{path} not found: pass --data (the folder holding summedits/)")
        for item in json.loads(path.read_text(encoding="utf-8")):
            if item["doc"] not in docs:
                docs.append(item["doc"])
    return docs


def long_document(data: Path, tokens: int, max_chars: int | None = None) -> tuple[str, str]:
    """Transcripts joined by blank lines up to ``tokens`` cl100k tokens (or, sooner,
    ``max_chars`` characters, the input limit: the last part is cut at a line end)."""
    from factcheck.text import MAX_TEXT_CHARS
    from factcheck.tokens import count_tokens

    limit = MAX_TEXT_CHARS if max_chars is None else max_chars
    docs = transcripts(data)
    parts: list[str] = []
    total = chars = 0
    while total < tokens:
        doc = docs[len(parts) % len(docs)]
        room = limit - chars - 2
        if len(doc) > room:
            cut = doc.rfind("\n", 0, room)
            doc = doc[: cut if cut > 0 else doc.rfind(" ", 0, room)]
            if doc:
                parts.append(doc)
                total += count_tokens(doc, "gpt-4") + 1
            break
        parts.append(doc)
        chars += len(doc) + 2
        total += count_tokens(doc, "gpt-4") + 1
    text = "\n\n".join(parts)
    note = f"{len(docs)} distinct transcripts, {len(parts)} parts, {len(text):,} chars"
    return text, note
