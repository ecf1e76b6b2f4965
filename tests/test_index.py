"""The source index answers what a rescan of the text would, without the rescan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.entities import Inventory
from factcheck.errors import InputError
from factcheck.index import SourceIndex, content_words, fold, index_for
from factcheck.models import Source
from factcheck.text import make_source

ARTICLE = (
    "The council approved a £12m budget on 24 February 2022. "
    "Mayor Jane Smith said 1.5 million people would benefit.\n"
    "Critics said the budget was late. The vote was 7 to 2."
)


def _source() -> Source:
    return make_source(ARTICLE)


def test_sentence_words_and_postings_agree_with_a_direct_scan() -> None:
    source = _source()
    index = SourceIndex(source)
    for i, sentence in enumerate(source.sentences):
        assert index.sentence_words[i] == content_words(sentence.text)
        for word in index.sentence_words[i]:
            assert i in index.sentences_with(word)
    assert index.words == content_words(source.text)
    assert index.sentences_with("budget") == (0, 2)
    assert index.sentences_with("nowhere") == ()


def test_words_of_cited_ids_is_the_union_and_ignores_unknown_ids() -> None:
    index = SourceIndex(_source())
    assert index.words_of(["S0", "S2"]) == index.sentence_words[0] | index.sentence_words[2]
    assert index.words_of(["S2", "S0", "S0", "S99", "X1"]) == index.words_of(["S0", "S2"])
    assert index.words_of([]) == frozenset()
    assert index.indices(["S3", "S1", "S1", "S40"]) == [1, 3]


def test_in_source_keeps_only_words_the_source_has() -> None:
    index = SourceIndex(_source())
    assert index.in_source("Jane Smith and Boris Johnson") == {"jane", "smith"}


def test_closest_ranks_by_shared_words_then_position() -> None:
    index = SourceIndex(_source())
    ranked = index.closest("Critics called the budget late", 2)
    assert ranked[0] == (3, 2)  # critics, budget, late: sentence 2
    assert ranked[1] == (1, 0)  # budget: the first sentence that has it
    assert index.closest("zebra quagga", 3) == []


def test_inventories_equal_extraction_from_the_text_and_are_built_once() -> None:
    source = _source()
    index = SourceIndex(source)
    cited = index.cited_inventory(["S1", "S0"])
    joined = " ".join(s.text for s in source.sentences[:2])
    assert cited.mentions == Inventory.of(joined).mentions
    assert index.cited_inventory(["S0", "S1"]) is cited
    assert index.sentence_inventory(3).mentions == Inventory.of(source.sentences[3].text).mentions
    assert index.sentence_inventory(3) is index.sentence_inventory(3)
    assert index.source_inventory.mentions == Inventory.of(source.text).mentions
    assert index.source_values == frozenset(Inventory.of(source.text).values())


def test_index_for_returns_one_index_per_source_object() -> None:
    first, second = _source(), _source()
    assert index_for(first) is index_for(first)
    assert index_for(second) is not index_for(first)
    assert index_for(second).source is second


def test_a_custom_word_rule_is_used_everywhere() -> None:
    index = SourceIndex(_source(), words=lambda text: text.lower().split())
    assert "the" in index.words
    assert index.in_source("THE vote") == {"the", "vote"}


@settings(max_examples=60, deadline=None, database=None)
@given(st.text(max_size=400))
def test_every_indexed_word_is_in_the_text_and_postings_are_sorted(text: str) -> None:
    try:
        source = make_source(text)
    except InputError:
        return
    index = SourceIndex(source)
    folded = fold(source.text)
    assert all(word in folded for word in index.words)
    for word, positions in index.postings.items():
        assert list(positions) == sorted(set(positions))
        assert all(word in index.sentence_words[i] for i in positions)
