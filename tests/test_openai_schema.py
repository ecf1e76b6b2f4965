"""Every strict schema the library can send to OpenAI stays inside the documented limits of
Structured Outputs ("Supported schemas" in OpenAI's structured-outputs guide, as published
in 2026):

- the root is an object, not ``anyOf``; every object lists all its properties in
  ``required`` and sets ``additionalProperties: false``;
- only the supported keywords (strings: pattern, format; numbers: minimum, maximum,
  exclusive bounds, multipleOf; arrays: items, minItems, maxItems; anyOf, enum, const,
  description; ``$ref``/``$defs``);
- at most 5,000 object properties in all and 10 levels of object nesting;
- at most 1,000 enum values in all, and for a string enum of more than 250 values at most
  15,000 characters of values; at most 120,000 characters of property names, enum and
  const values together.

The schemas are built by the functions the calls use, at their largest: a chunk filled to
the OpenAI chunk budget (12,000 tokens) with real article sentences, the reduce call citing
every id of that chunk, a verify batch of the OpenAI batch size with ``top_k`` candidates
each, and a long summary check. The enum of sentence ids grows with the sentences a chunk
holds; the figures in the failure messages say how close each schema comes.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factcheck.chunking import plan_chunks
from factcheck.llm import response_format
from factcheck.pipeline import CHUNK_TOKENS, chunk_request
from factcheck.schema import ReduceOutput, output_schema, verify_schema
from factcheck.summary_check import TOP_K as SUMMARY_TOP_K
from factcheck.summary_check import verdict_schema
from factcheck.text import make_source
from factcheck.tokens import count_tokens
from factcheck.verification import BATCH_SIZE, TOP_K

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = {
    "seed": ROOT / "seeds" / "000_5bc9710cf7c855ce.txt",
    "bird_flu": ROOT / "tests" / "data" / "bird_flu.txt",
}

MAX_PROPERTIES = 5_000
MAX_DEPTH = 10
MAX_ENUM_VALUES = 1_000
LARGE_ENUM = 250
MAX_LARGE_ENUM_CHARS = 15_000
MAX_STRING_CHARS = 120_000
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

COMMON = {"type", "description", "enum", "const", "anyOf", "$ref", "$defs"}
OBJECT = {"properties", "required", "additionalProperties"}
ARRAY = {"items", "minItems", "maxItems"}
STRING = {"pattern", "format"}
NUMBER = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
SUPPORTED = COMMON | OBJECT | ARRAY | STRING | NUMBER


@dataclass
class Size:
    properties: int = 0
    depth: int = 0
    enum_values: int = 0
    string_chars: int = 0
    largest_enum: int = 0
    largest_enum_chars: int = 0


def problems(schema: dict[str, Any]) -> tuple[list[str], Size]:
    """What in ``schema`` breaks OpenAI's strict-mode rules, and its size."""
    found: list[str] = []
    size = Size()
    if schema.get("type") != "object" or "anyOf" in schema:
        found.append("the root must be an object, not anyOf")

    def walk(node: Any, path: str, depth: int) -> None:
        if isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}[{i}]", depth)
            return
        if not isinstance(node, dict):
            return
        unknown = set(node) - SUPPORTED
        if unknown:
            found.append(f"{path}: unsupported keyword(s) {sorted(unknown)}")
        if node.get("type") == "object" or "properties" in node:
            depth += 1
            size.depth = max(size.depth, depth)
            properties = node.get("properties", {})
            size.properties += len(properties)
            size.string_chars += sum(len(name) for name in properties)
            if node.get("additionalProperties") is not False:
                found.append(f"{path}: additionalProperties must be false")
            if sorted(node.get("required", [])) != sorted(properties):
                found.append(f"{path}: every property must be required")
            for name, child in properties.items():
                walk(child, f"{path}.{name}", depth)
        if "enum" in node:
            values = [str(v) for v in node["enum"]]
            size.enum_values += len(values)
            chars = sum(len(v) for v in values)
            size.string_chars += chars
            if len(values) > size.largest_enum:
                size.largest_enum, size.largest_enum_chars = len(values), chars
            if len(values) > LARGE_ENUM and chars > MAX_LARGE_ENUM_CHARS:
                found.append(f"{path}: an enum of {len(values)} values has {chars} characters")
        if "const" in node:
            size.string_chars += len(str(node["const"]))
        for key in ("items", "anyOf", "$defs"):
            if key in node:
                walk(node[key], f"{path}.{key}", depth)

    walk(schema, "$", 0)
    for label, value, limit in (
        ("object properties", size.properties, MAX_PROPERTIES),
        ("levels of nesting", size.depth, MAX_DEPTH),
        ("enum values", size.enum_values, MAX_ENUM_VALUES),
        ("characters of names and values", size.string_chars, MAX_STRING_CHARS),
    ):
        if value > limit:
            found.append(f"{value} {label}, over the limit of {limit} by {value - limit}")
    return found, size


def sent(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The schema exactly as a strict call sends it."""
    form = response_format("json_schema", schema, name)
    assert form["type"] == "json_schema" and form["json_schema"]["strict"] is True
    assert NAME.match(form["json_schema"]["name"])
    strict: dict[str, Any] = form["json_schema"]["schema"]
    return strict


def largest_chunk_ids(article: Path) -> list[str]:
    """The ids of the first chunk of the article repeated until it fills more than the
    OpenAI chunk budget: as many of its sentences as one strict call can cite."""
    text = article.read_text(encoding="utf-8")
    source = make_source("\n\n".join(itertools.repeat(text, 40)))
    budget = CHUNK_TOKENS["openai"]
    chunks = plan_chunks(source.sentences, budget, lambda s: count_tokens(s, "gpt-4o-mini"))
    assert len(chunks) > 1, "the article must overflow one chunk to measure a full one"
    first = chunks[0]
    request = chunk_request(source, first, per_sentence=False)
    return request.ids


@pytest.mark.parametrize("article", sorted(ARTICLES))
def test_a_full_chunk_schema_fits(article: str) -> None:
    text = ARTICLES[article].read_text(encoding="utf-8")
    source = make_source("\n\n".join(itertools.repeat(text, 40)))
    chunks = plan_chunks(
        source.sentences, CHUNK_TOKENS["openai"], lambda s: count_tokens(s, "gpt-4o-mini")
    )
    request = chunk_request(source, chunks[0], per_sentence=False)
    assert len(request.ids) > 200, "a full 12,000-token chunk holds hundreds of sentences"
    found, size = problems(sent(request.schema, "ChunkOutput"))
    assert not found, f"{article}: {len(request.ids)} sentences in the chunk; {size}: {found}"


@pytest.mark.parametrize("article", sorted(ARTICLES))
def test_the_reduce_schema_fits_citing_a_whole_chunk(article: str) -> None:
    ids = largest_chunk_ids(ARTICLES[article])
    found, size = problems(sent(output_schema(ReduceOutput, ids), "ReduceOutput"))
    assert not found, f"{article}: {size}: {found}"


def test_the_largest_verify_batch_schema_fits() -> None:
    claims = BATCH_SIZE["openai"]
    candidates = {f"C{c}": [f"E{c * TOP_K + k}" for k in range(TOP_K)] for c in range(claims)}
    found, size = problems(sent(verify_schema(candidates, per_claim=False), "VerifyOutput"))
    assert not found, f"{size}: {found}"
    assert size.enum_values >= claims * TOP_K  # the candidates really are enumerated


def test_a_long_summary_check_schema_fits() -> None:
    sentences = 60
    candidates = [
        [f"S{i * SUMMARY_TOP_K + k}" for k in range(SUMMARY_TOP_K)] for i in range(sentences)
    ]
    found, size = problems(sent(verdict_schema(candidates, per_sentence=False), "SummaryVerdicts"))
    assert not found, f"{size}: {found}"


def test_the_checker_catches_what_openai_rejects() -> None:
    """The rules above would see a schema OpenAI refuses (else the tests prove nothing)."""
    bad = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "maxLength": 5},
            "b": {"type": "array", "prefixItems": [{"const": "S0"}]},
            "c": {"type": "object", "properties": {"d": {"type": "string"}}},
            "e": {"type": "string", "enum": [f"S{i}" for i in range(1_001)]},
        },
        "required": ["a", "b"],
        "additionalProperties": False,
    }
    found, size = problems(bad)
    text = "\n".join(found)
    assert "maxLength" in text and "prefixItems" in text
    assert "every property must be required" in text and "additionalProperties" in text
    assert "1001 enum values, over the limit of 1000 by 1" in text
    assert size.depth == 2 and size.properties == 5
    assert problems({"anyOf": [{"type": "object"}]})[0][0].startswith("the root")
