"""Chunk plans: whole sentences packed under a token budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel

from factcheck.errors import InputError
from factcheck.models import Sentence


class Chunk(BaseModel):
    """A run of consecutive sentences, ``sentences[first:last + 1]`` of the source."""

    index: int
    first: int
    last: int
    tokens: int


def plan_chunks(
    sentences: Sequence[Sentence],
    budget: int,
    count: Callable[[str], int],
) -> list[Chunk]:
    """Pack consecutive sentences greedily so that each chunk's text costs ≤ ``budget`` tokens.

    The cost of a sentence is the tokens of the line the prompt shows for it
    (``"S12: text"``). A sentence that is larger than the budget on its own still gets a
    chunk of its own (segmentation already caps sentence length), so every sentence lands
    in exactly one chunk.
    """
    if budget < 1:
        raise InputError(f"chunk budget must be a positive number of tokens, got {budget}")
    chunks: list[Chunk] = []
    first, used = 0, 0
    for i, sentence in enumerate(sentences):
        cost = count(f"{sentence.id}: {sentence.text}\n")
        if i > first and used + cost > budget:
            chunks.append(Chunk(index=len(chunks), first=first, last=i - 1, tokens=used))
            first, used = i, 0
        used += cost
    if sentences:
        chunks.append(Chunk(index=len(chunks), first=first, last=len(sentences) - 1, tokens=used))
    return chunks
