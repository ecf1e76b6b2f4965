"""factcheck.batch: request JSONL out, output JSONL in, Reports and typed errors back.

The round trip runs every request line against the embedded model with ``batch.run``
(recorded with pytest-recording, replayed in CI), which writes what came back in the Batch
API's output format, as OpenAI's Batch API or vLLM's ``run_batch`` would.
Re-record: ``rm -rf cassettes/test_batch && pytest tests/test_batch.py --record-mode=once``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openai import OpenAI

from factcheck import (
    EndpointError,
    InputError,
    OutputValidationError,
    Report,
    TruncatedOutputError,
    batch,
)
from factcheck.llm import CallPolicy
from factcheck.local import DEFAULT_ALIAS

ROOT = Path(__file__).resolve().parent.parent
REPLAY = ROOT / "cassettes" / "test_replay"


def recorded_bodies(cassette: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((REPLAY / cassette).read_text(encoding="utf-8"))
    return [json.loads(i["request"]["body"]) for i in data["interactions"]]


def test_request_bodies_are_what_summarise_sends(seed_text: str) -> None:
    """The batch line for the seed equals, field for field, the request that summarise()
    sent to the embedded model (JSON mode + grammar) and to a plain OpenAI-compatible server
    (strict json_schema first), as recorded in cassettes/test_replay."""
    local = batch.prepare([seed_text], model=DEFAULT_ALIAS, kind="local")
    (line,) = [json.loads(x) for x in local.map_lines()]
    assert line["body"] == recorded_bodies("test_seed_report.yaml")[0]

    compatible = batch.prepare([seed_text], model=DEFAULT_ALIAS, kind="compatible")
    (line,) = [json.loads(x) for x in compatible.map_lines()]
    assert line["body"]["response_format"]["type"] == "json_schema"
    first = recorded_bodies("test_other_openai_compatible_server_falls_back_to_json_mode.yaml")[0]
    assert line["body"] == first


def test_custom_ids_are_stable_and_unique(seed_text: str, long_text: str) -> None:
    texts = [seed_text, long_text, "", seed_text]
    job = batch.prepare(texts, model="gpt-4o-mini", chunk_tokens=300)
    ids = [json.loads(x)["custom_id"] for x in job.map_lines()]
    again = [
        json.loads(x)["custom_id"]
        for x in batch.prepare(texts, model="gpt-4o-mini", chunk_tokens=300).map_lines()
    ]
    assert ids == again
    assert len(ids) == len(set(ids)) == sum(len(a.chunks) for a in job.articles.values())
    assert all(i.startswith("fc-") and "-m" in i for i in ids)
    # the repeated article is asked once; the empty one not at all
    assert len(job.articles) == 2 and len(job.order) == 4
    line = json.loads(next(job.map_lines()))
    assert line["body"]["max_completion_tokens"] == 8192  # OpenAI's parameter name
    assert line["body"]["response_format"]["json_schema"]["strict"] is True


@pytest.mark.vcr
def test_round_trip_on_a_local_server(
    embedded_model: str, seed_text: str, long_text: str, tmp_path: Path
) -> None:
    # At 600 tokens per chunk the seed (607 tokens of numbered sentences) needs two chunks;
    # the bird-flu article (582) fits in one. A grammar-bound local server labels sentences
    # (notes), which need no reduce round: round 1 is the whole job.
    texts = [seed_text, long_text, " ", seed_text]
    job = batch.prepare(texts, model=DEFAULT_ALIAS, kind="local", chunk_tokens=600)
    assert [len(a.chunks) for a in job.articles.values()] == [2, 1]
    assert job.write_map(tmp_path / "map.jsonl") == 3
    job.save(tmp_path / "job.json")

    assert batch.run(tmp_path / "map.jsonl", tmp_path / "map-out.jsonl") == 3
    written = [json.loads(x) for x in (tmp_path / "map-out.jsonl").read_text("utf-8").splitlines()]
    assert all(set(x) == {"id", "custom_id", "response", "error"} for x in written)
    assert all(x["response"]["status_code"] == 200 for x in written)
    job = batch.BatchJob.load(tmp_path / "job.json")  # as a later process would
    job.read_map(tmp_path / "map-out.jsonl")
    assert job.write_reduce(tmp_path / "reduce.jsonl") == 0

    seed, bird, empty, seed_again = job.results()
    assert isinstance(empty, InputError)
    assert isinstance(seed, Report) and isinstance(bird, Report)
    assert seed_again is seed
    assert seed.chunks == 2 and seed.usage.calls == 2 and seed.usage.input_tokens > 600
    assert bird.chunks == 1 and bird.usage.calls == 1
    for report in (seed, bird):
        assert report.model == DEFAULT_ALIAS and report.headline and report.key_points
        for claim in report.claims:
            assert report.source.text[claim.start : claim.end] == claim.quote
        # claims cite only the article's own sentences
        covered = {i for c in report.claims for i in c.sentence_ids}
        assert covered and covered <= set(report.source.ids)


@pytest.mark.vcr
def test_failed_lines_become_typed_errors(
    embedded_model: str, seed_text: str, long_text: str, tmp_path: Path
) -> None:
    """Real failures from the embedded model (recorded): llama.cpp rejects strict json_schema
    with HTTP 500, and an answer cut at max_tokens. Then the two outcomes a batch engine adds:
    a line that expired (``error`` set) and a line missing from the output."""
    rejected = batch.prepare([seed_text], model=DEFAULT_ALIAS, kind="local", mode="json_schema")
    rejected.write_map(tmp_path / "a.jsonl")
    # A sync client of the caller's own works too.
    client = OpenAI(base_url=embedded_model, api_key="sk-replay-dummy-key")
    batch.run(tmp_path / "a.jsonl", tmp_path / "a-out.jsonl", client=client)
    rejected.read_map(tmp_path / "a-out.jsonl")
    (error,) = rejected.results()
    assert isinstance(error, EndpointError) and error.status_code == 500
    assert "json_object" in str(error) and "batch line fc-" in str(error)

    short = batch.prepare(
        [long_text], model=DEFAULT_ALIAS, kind="local", policy=CallPolicy(max_tokens=8)
    )
    short.write_map(tmp_path / "b.jsonl")
    batch.run(tmp_path / "b.jsonl", tmp_path / "b-out.jsonl")
    short.read_map(tmp_path / "b-out.jsonl")
    (cut,) = short.results()
    assert isinstance(cut, TruncatedOutputError)
    assert cut.usage.calls == 1 and cut.usage.output_tokens == 8 and cut.last_output

    # A batch engine's own failures: an expired line and a line that never came back.
    job = batch.prepare([seed_text, long_text], model="gpt-4o-mini", chunk_tokens=300)
    ids = [json.loads(x)["custom_id"] for x in job.map_lines()]
    expired = {"code": "batch_expired", "message": "This request could not be executed."}
    lines = [{"id": "batch_req_0", "custom_id": ids[0], "response": None, "error": expired}]
    (tmp_path / "c-out.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    job.read_map(tmp_path / "c-out.jsonl")
    first, second = job.results()
    assert isinstance(first, EndpointError) and "could not be executed" in str(first)
    assert isinstance(second, EndpointError) and "no output line" in str(second)


def test_output_that_does_not_validate(tmp_path: Path, seed_text: str) -> None:
    """A 200 line whose content cites a sentence the chunk does not have."""
    job = batch.prepare([seed_text], model="gpt-4o-mini")
    (custom_id,) = [json.loads(x)["custom_id"] for x in job.map_lines()]
    content = json.dumps(
        {"headline": "x", "points": [{"ids": ["S999"], "text": "y"}], "claims": []}
    )
    body = {
        "choices": [{"message": {"content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
    }
    line = {"custom_id": custom_id, "response": {"status_code": 200, "body": body}, "error": None}
    (tmp_path / "out.jsonl").write_text(json.dumps(line) + "\n")
    job.read_map(tmp_path / "out.jsonl")
    (error,) = job.results()
    assert isinstance(error, OutputValidationError) and "S999" in str(error)
    assert error.usage.input_tokens == 10 and error.last_output == content


def test_unreadable_output_is_an_input_error(tmp_path: Path, seed_text: str) -> None:
    job = batch.prepare([seed_text], model="gpt-4o-mini")
    with pytest.raises(InputError, match="cannot read"):
        job.read_map(tmp_path / "missing.jsonl")
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    with pytest.raises(InputError, match="line 1 is not JSON"):
        job.read_map(tmp_path / "bad.jsonl")
