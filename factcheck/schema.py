"""What the model is asked to return, and the JSON schemas sent with each call.

Field names are short because output tokens are the slow, expensive kind; the prompt
explains them. The model cites sentence ids, never copies text: the library writes quotes.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from factcheck.models import ClaimType, VerdictLabel

#: Bounds that keep a weak model from generating until ``max_tokens``.
TEXT_MAX = 200
NAME_MAX = 60
WHEN_MAX = 40
IDS_MAX = 4
POINTS_MAX = 6
CLAIMS_MAX = 24
#: Validation bound on claims per chunk; the schema sent to the model is tighter.
CLAIMS_HARD_MAX = 200


def _check_ids(ids: list[str], info: ValidationInfo) -> list[str]:
    allowed = (info.context or {}).get("ids")
    if allowed is not None:
        unknown = [i for i in ids if i not in allowed]
        if unknown:
            raise ValueError(f"unknown sentence id(s) {unknown}; cite only ids shown in the input")
    return list(dict.fromkeys(ids))


class PointOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=IDS_MAX)
    text: str = Field(min_length=1, max_length=TEXT_MAX)

    _ids = field_validator("ids")(_check_ids)


class ClaimOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=IDS_MAX)
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    who: str | None = Field(max_length=NAME_MAX)
    type: ClaimType
    check: bool
    when: str | None = Field(max_length=WHEN_MAX)

    _ids = field_validator("ids")(_check_ids)


class ChunkOutput(BaseModel):
    """One chunk's answer: headline, key points and claims, each citing sentence ids."""

    model_config = ConfigDict(extra="forbid")

    headline: str = Field(min_length=1, max_length=TEXT_MAX)
    points: list[PointOut] = Field(max_length=POINTS_MAX)
    claims: list[ClaimOut] = Field(max_length=CLAIMS_HARD_MAX)


class ReduceOutput(BaseModel):
    """The whole-article summary written from the chunks' key points."""

    model_config = ConfigDict(extra="forbid")

    headline: str = Field(min_length=1, max_length=TEXT_MAX)
    points: list[PointOut] = Field(min_length=1, max_length=POINTS_MAX + 2)


#: A headline is one short sentence.
HEADLINE_MAX = 150


class NoteOut(BaseModel):
    """One sentence's type, checkability and speaker."""

    model_config = ConfigDict(extra="forbid")

    id: str
    type: ClaimType
    check: bool
    who: str | None = Field(max_length=NAME_MAX)


# A small model writes poor claims and invents speakers; it does better choosing from short
# lists, and a note costs a dozen output tokens where a written claim costs a sentence.
class NotesOutput(BaseModel):
    """A short headline, and the type, checkability and speaker of each sentence."""

    model_config = ConfigDict(extra="forbid")

    headline: str = Field(
        min_length=1,
        max_length=HEADLINE_MAX,
        json_schema_extra={"pattern": rf'^[^\x00-\x1f"\\]{{1,{HEADLINE_MAX}}}$'},
    )
    notes: list[NoteOut] = Field(max_length=CLAIMS_HARD_MAX)

    @field_validator("notes")
    @classmethod
    def _known_ids(cls, notes: list[NoteOut], info: ValidationInfo) -> list[NoteOut]:
        _check_ids([n.id for n in notes], info)
        return notes


def notes_schema(ids: list[str], names: list[str]) -> dict[str, Any]:
    """The schema for :class:`NotesOutput`: exactly one note per id in ``ids``, in order,
    each naming its own id; ``who`` is one of ``names`` (the names the article uses) or
    null, so a grammar-bound model cannot invent a speaker."""
    schema = _inlined(NotesOutput)
    notes = schema["properties"]["notes"]
    item = notes.pop("items")
    notes.pop("maxItems", None)
    who: dict[str, Any] = (
        {"anyOf": [{"type": "string", "enum": list(names)}, {"type": "null"}]}
        if names
        else {"type": "null"}
    )
    notes["prefixItems"] = [
        {
            **item,
            "properties": {**item["properties"], "id": {"const": sentence_id}, "who": who},
        }
        for sentence_id in ids
    ]
    notes["minItems"] = notes["maxItems"] = len(ids)
    return schema


def _inlined(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema without ``$ref``s or titles: a fresh copy each time, since
    callers tighten it per request."""
    result: dict[str, Any] = json.loads(_inlined_json(model))
    return result


@lru_cache(maxsize=32)
def _inlined_json(model: type[BaseModel]) -> str:
    # Once per model class: pydantic builds the schema anew on each call, and a long
    # document asks for it once per chunk.
    raw = model.model_json_schema()
    return json.dumps(_inline_refs(raw, raw.get("$defs", {})))


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            return _inline_refs(copy.deepcopy(target), defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k not in ("$defs", "title")}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _constrain_ids(node: Any, ids: list[str]) -> None:
    if isinstance(node, dict):
        props = node.get("properties", {})
        if "ids" in props:
            props["ids"]["items"] = {"type": "string", "enum": list(ids)}
        for value in node.values():
            _constrain_ids(value, ids)
    elif isinstance(node, list):
        for value in node:
            _constrain_ids(value, ids)


def output_schema(
    model: type[BaseModel],
    ids: list[str],
    *,
    max_claims: int | None = None,
    per_sentence: bool = False,
) -> dict[str, Any]:
    """The JSON schema for ``model`` with sentence ids limited to ``ids``.

    No ``$ref``s (not every grammar converter follows them); ``max_claims`` tightens the
    claim list to what the chunk can hold. ``per_sentence`` (for endpoints that enforce the
    schema as a grammar) fixes the claim list to one claim per sentence, in order, each
    citing its own sentence: a small model then cannot skip sentences, repeat itself or
    cite the wrong one, and only writes the claim's wording and attributes.
    """
    schema = _inlined(model)
    _constrain_ids(schema, ids)
    claims = schema.get("properties", {}).get("claims")
    if claims is not None and per_sentence:
        item = claims["items"]
        claims.pop("maxItems", None)
        claims.pop("items")
        claims["prefixItems"] = [
            {
                **item,
                "properties": {
                    **item["properties"],
                    "ids": {"type": "array", "prefixItems": [{"const": sentence_id}]},
                },
            }
            for sentence_id in ids
        ]
    elif claims is not None and max_claims is not None:
        claims["maxItems"] = max_claims
    points = schema.get("properties", {}).get("points")
    if points is not None:
        points["minItems"] = 1
    return schema


_STRICT_UNSUPPORTED = ("maxLength", "minLength", "default")


#: Above this many values an enum of ids becomes a pattern in strict schemas.
STRICT_ENUM_MAX = 250
_ID_PATTERN = r"^[SEC][0-9]+$"


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Adapt a schema to OpenAI's strict mode: every property required, no extra keys,
    no length keywords (they are enforced by pydantic after the call instead), and long
    id enums as a pattern (OpenAI's limit on enum values counts the whole schema)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items() if k not in _STRICT_UNSUPPORTED}
            enum = out.get("enum")
            if isinstance(enum, list) and len(enum) > STRICT_ENUM_MAX:
                # OpenAI allows 1,000 enum values in a whole schema; a chunk of short
                # sentences cites more ids than that. Their shape is enough here:
                # pydantic checks each id against the chunk after the call.
                out.pop("enum")
                out["pattern"] = _ID_PATTERN
            if out.get("type") == "object":
                out["additionalProperties"] = False
                out["required"] = list(out.get("properties", {}))
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


#: Bounds of a verdict: a short rationale, a few cited candidates.
RATIONALE_MAX = 120
#: Free text without control characters, quotes or backslashes: llama.cpp's grammar for a
#: plain JSON string lets raw newlines through, which no JSON parser accepts.
_PLAIN_TEXT = r'^[^\x00-\x1f"\\]{1,%d}$'
EVIDENCE_IDS_MAX = 8
VERDICTS_HARD_MAX = 100


class VerdictOut(BaseModel):
    """The model's verdict on one claim (C0, C1…), citing candidate evidence ids (E0, E1…)."""

    model_config = ConfigDict(extra="forbid")

    claim: str = Field(max_length=8)
    ids: list[str] = Field(max_length=EVIDENCE_IDS_MAX)
    why: str = Field(
        min_length=1,
        max_length=RATIONALE_MAX,
        json_schema_extra={"pattern": _PLAIN_TEXT % RATIONALE_MAX},
    )
    label: VerdictLabel
    # Not bounded here, so an odd value costs no re-ask: the library never uses it as the
    # verdict's confidence, which comes from the cross-checks (factcheck.verification).
    conf: float = Field(allow_inf_nan=False, json_schema_extra={"minimum": 0, "maximum": 1})

    _ids = field_validator("ids")(_check_ids)

    @field_validator("claim")
    @classmethod
    def _known_claim(cls, claim: str, info: ValidationInfo) -> str:
        allowed = (info.context or {}).get("claims")
        if allowed is not None and claim not in allowed:
            raise ValueError(f"unknown claim {claim!r}; answer for the claims shown: {allowed}")
        return claim


class VerifyOutput(BaseModel):
    """Verdicts on one batch of claims."""

    model_config = ConfigDict(extra="forbid")

    verdicts: list[VerdictOut] = Field(max_length=VERDICTS_HARD_MAX)


def verify_schema(candidates: dict[str, list[str]], *, per_claim: bool) -> dict[str, Any]:
    """The schema for a batch: ``candidates`` maps each claim id to its candidate ids.

    Cited ids are limited to the batch's candidates. ``per_claim`` (for endpoints that
    enforce the schema as a grammar) fixes the verdicts to one per claim, in order, each
    citing only its own candidates, as :func:`output_schema` does for sentences.
    """
    schema = _inlined(VerifyOutput)
    batch_ids = list(dict.fromkeys(i for ids in candidates.values() for i in ids))
    _constrain_ids(schema, batch_ids)
    verdicts = schema["properties"]["verdicts"]
    item = verdicts["items"]
    if per_claim:
        verdicts.pop("maxItems", None)
        verdicts.pop("items")
        verdicts["prefixItems"] = [
            {
                **item,
                "properties": {
                    **item["properties"],
                    "claim": {"const": claim},
                    "ids": {
                        "type": "array",
                        "items": {"type": "string", "enum": ids},
                        "maxItems": len(ids),
                    },
                },
            }
            for claim, ids in candidates.items()
        ]
    else:
        item["properties"]["claim"] = {"type": "string", "enum": list(candidates)}
        item["properties"]["ids"]["maxItems"] = min(EVIDENCE_IDS_MAX, len(batch_ids))
        verdicts["minItems"] = verdicts["maxItems"] = len(candidates)
    return schema
