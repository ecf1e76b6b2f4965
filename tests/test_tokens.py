from __future__ import annotations

from unittest import mock

import pytest
import tiktoken_ext.openai_public as openai_public

from factcheck.errors import ConfigurationError
from factcheck.tokens import count_tokens, encoding_name_for_model, get_encoding


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_offline_encoding_matches_tiktokens_own_definition(name: str) -> None:
    """Same pattern and special tokens as tiktoken's constructor (fed our verified ranks)."""
    encoding = get_encoding(name)
    with mock.patch.object(
        openai_public, "load_tiktoken_bpe", lambda *a, **k: encoding._mergeable_ranks
    ):
        expected = getattr(openai_public, name)()
    assert encoding._pat_str == expected["pat_str"]
    assert encoding._special_tokens == expected["special_tokens"]
    assert encoding.n_vocab == max(expected["special_tokens"].values()) + 1


def test_counts_are_the_known_figures(seed_text: str) -> None:
    assert count_tokens(seed_text, "gpt-4") == 553
    assert count_tokens(seed_text, "gpt-4o") == 548
    assert get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert get_encoding("o200k_base").encode("hello world") == [24912, 2375]


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("smollm2-135m-instruct", "cl100k_base"),
        ("openai/gpt-4o", "o200k_base"),
    ],
)
def test_model_to_encoding(model: str, encoding: str) -> None:
    assert encoding_name_for_model(model) == encoding


def test_unknown_encoding_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        get_encoding("p50k_base")
