from __future__ import annotations

import json

import pytest
from llama_cpp.llama_grammar import LlamaGrammar
from pydantic import ValidationError

from factcheck.schema import (
    IDS_MAX,
    TEXT_MAX,
    ChunkOutput,
    NotesOutput,
    ReduceOutput,
    notes_schema,
    output_schema,
    strict_schema,
)

IDS = ["S0", "S1", "S2"]


def _walk(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def test_schema_has_no_refs_and_ids_are_an_enum() -> None:
    schema = output_schema(ChunkOutput, IDS, max_claims=5)
    assert "$ref" not in json.dumps(schema) and "$defs" not in schema
    claims = schema["properties"]["claims"]
    assert claims["maxItems"] == 5
    assert claims["items"]["properties"]["ids"]["items"] == {"type": "string", "enum": IDS}
    assert claims["items"]["properties"]["ids"]["maxItems"] == IDS_MAX
    assert claims["items"]["properties"]["text"]["maxLength"] == TEXT_MAX
    assert schema["properties"]["points"]["minItems"] == 1
    # Field order is the order the model writes: ids first, so the wording follows a citation.
    assert next(iter(claims["items"]["properties"])) == "ids"


def test_per_sentence_schema_fixes_one_claim_per_sentence() -> None:
    schema = output_schema(ChunkOutput, IDS, per_sentence=True)
    items = schema["properties"]["claims"]["prefixItems"]
    assert [i["properties"]["ids"]["prefixItems"][0]["const"] for i in items] == IDS
    assert "items" not in schema["properties"]["claims"]


@pytest.mark.parametrize("per_sentence", [False, True])
def test_llama_cpp_turns_the_schema_into_a_grammar(per_sentence: bool) -> None:
    """llama-cpp-python silently falls back to free JSON when a schema fails to convert;
    convert it strictly here so a schema change cannot lose the constraints unnoticed."""
    schema = output_schema(ChunkOutput, IDS, max_claims=4, per_sentence=per_sentence)
    grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    assert grammar is not None
    assert LlamaGrammar.from_json_schema(json.dumps(output_schema(ReduceOutput, IDS)))


def test_strict_schema_requires_everything_and_drops_length_keywords() -> None:
    strict = strict_schema(output_schema(ChunkOutput, IDS, max_claims=5))
    for node in _walk(strict):
        assert "maxLength" not in node and "minLength" not in node
        if node.get("type") == "object":
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])
    claim = strict["properties"]["claims"]["items"]
    assert set(claim["required"]) == {"ids", "text", "who", "type", "check", "when"}


def _claim(**overrides: object) -> dict[str, object]:
    claim = {"ids": ["S1"], "text": "x", "who": None, "type": "event", "check": True, "when": None}
    claim.update(overrides)
    return claim


def test_validation_rejects_ids_outside_the_chunk() -> None:
    payload = {"headline": "h", "points": [], "claims": [_claim(ids=["S9"])]}
    with pytest.raises(ValidationError, match="unknown sentence id"):
        ChunkOutput.model_validate(payload, context={"ids": set(IDS)})
    ok = ChunkOutput.model_validate(
        {**payload, "claims": [_claim(ids=["S1", "S1", "S2"])]}, context={"ids": set(IDS)}
    )
    assert ok.claims[0].ids == ["S1", "S2"]


def test_validation_rejects_unknown_type_and_extra_fields() -> None:
    with pytest.raises(ValidationError):
        ChunkOutput.model_validate(
            {"headline": "h", "points": [], "claims": [_claim(type="gossip")]}
        )
    with pytest.raises(ValidationError):
        ChunkOutput.model_validate({"headline": "h", "points": [], "claims": [], "extra": 1})


def test_notes_schema_fixes_one_note_per_sentence_and_speakers_to_the_articles_names() -> None:
    schema = notes_schema(IDS, ["Keir Starmer", "Donald Trump"])
    notes = schema["properties"]["notes"]
    assert [n["properties"]["id"]["const"] for n in notes["prefixItems"]] == IDS
    assert notes["minItems"] == notes["maxItems"] == len(IDS)
    who = notes["prefixItems"][0]["properties"]["who"]["anyOf"]
    assert {"type": "string", "enum": ["Keir Starmer", "Donald Trump"]} in who
    assert {"type": "null"} in who
    # No names in the article: the only speaker the model can choose is none.
    assert notes_schema(IDS, [])["properties"]["notes"]["prefixItems"][0]["properties"]["who"] == {
        "type": "null"
    }
    assert LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False) is not None


def test_notes_validate_only_the_chunks_ids() -> None:
    note = {"id": "S9", "type": "event", "check": True, "who": None}
    with pytest.raises(ValidationError):
        NotesOutput.model_validate({"headline": "h", "notes": [note]}, context={"ids": set(IDS)})


def test_strict_schema_turns_a_long_id_enum_into_a_pattern() -> None:
    """OpenAI counts enum values over the whole schema (1,000 at most): a chunk of 600
    short sentences must not send 1,200 ids."""
    many = [f"S{i}" for i in range(600)]
    strict = strict_schema(output_schema(ChunkOutput, many, max_claims=24))
    values = [v for node in _walk(strict) for v in node.get("enum", [])]  # type: ignore[attr-defined]
    assert len(values) < 1000
    ids = strict["properties"]["claims"]["items"]["properties"]["ids"]["items"]
    assert ids == {"type": "string", "pattern": "^[SEC][0-9]+$"}
    few = strict_schema(output_schema(ChunkOutput, IDS))
    assert few["properties"]["claims"]["items"]["properties"]["ids"]["items"]["enum"] == IDS
