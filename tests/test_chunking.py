from __future__ import annotations

import pytest

from factcheck.chunking import plan_chunks
from factcheck.errors import InputError
from factcheck.text import make_source
from factcheck.tokens import count_tokens


def _count(text: str) -> int:
    return count_tokens(text, "gpt-4")


def test_article_that_fits_is_one_chunk(seed_text: str) -> None:
    source = make_source(seed_text)
    chunks = plan_chunks(source.sentences, 10_000, _count)
    assert len(chunks) == 1
    assert (chunks[0].first, chunks[0].last) == (0, len(source.sentences) - 1)


@pytest.mark.parametrize("budget", [40, 100, 200, 333])
def test_chunks_cover_every_sentence_once_in_order_under_budget(
    seed_text: str, budget: int
) -> None:
    source = make_source(seed_text)
    chunks = plan_chunks(source.sentences, budget, _count)
    covered = [i for c in chunks for i in range(c.first, c.last + 1)]
    assert covered == list(range(len(source.sentences)))
    for chunk in chunks:
        cost = sum(
            _count(f"{s.id}: {s.text}\n") for s in source.sentences[chunk.first : chunk.last + 1]
        )
        assert cost == chunk.tokens
        # Only a single sentence larger than the budget may exceed it.
        assert cost <= budget or chunk.first == chunk.last
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_greedy_packing_uses_few_chunks(seed_text: str) -> None:
    source = make_source(seed_text)
    total = sum(_count(f"{s.id}: {s.text}\n") for s in source.sentences)
    chunks = plan_chunks(source.sentences, 200, _count)
    assert len(chunks) <= 2 * (total // 200 + 1)


@pytest.mark.parametrize("budget", [0, -5])
def test_bad_budget_is_an_input_error(seed_text: str, budget: int) -> None:
    with pytest.raises(InputError, match="budget"):
        plan_chunks(make_source(seed_text).sentences, budget, _count)
