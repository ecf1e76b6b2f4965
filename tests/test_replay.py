"""summarise() end to end on responses recorded from the embedded model (SmolLM2-135M).

Every response here was produced by the real model over real HTTP and recorded with
pytest-recording; CI replays them with ``--record-mode=none --block-network``.
Re-record with ``make record``.
"""

from __future__ import annotations

import json

import pytest
from openai import OpenAI

from factcheck import Report, asummarise, summarise
from factcheck.cli import main
from factcheck.local import DEFAULT_ALIAS
from factcheck.models import FlagKind
from factcheck.prompts import prompt_version
from factcheck.selection import junk_reason

pytestmark = pytest.mark.usefixtures("embedded_model")


def assert_pinned(report: Report) -> None:
    """The library's promises, whatever the model wrote."""
    source = report.source
    ids = set(source.ids)
    for claim in report.claims:
        assert claim.sentence_ids, claim
        assert set(claim.sentence_ids) <= ids
        assert source.text[claim.start : claim.end] == claim.quote
        assert claim.quote.startswith(claim.spans[0].text)
        for span in claim.spans:
            assert source.text[span.start : span.end] == span.text
        if claim.origin == "source" and not any(
            f.kind in (FlagKind.pronoun_resolved, FlagKind.clause_dropped) for f in claim.flags
        ):
            assert claim.statement == " ".join(s.text for s in claim.spans)
        # Never a claim: the seed's embedded-post signature and its link line.
        assert not set(claim.sentence_ids) & junk_ids(report)
        assert claim.statement.split()[0] not in {"He", "She", "His", "Her", "That", "They"}
    assert [c.rank for c in report.claims] == list(range(1, len(report.claims) + 1))
    assert [c.score for c in report.claims] == sorted(
        (c.score for c in report.claims), reverse=True
    )
    for point in report.key_points:
        assert set(point.sentence_ids) <= ids
    assert report.flags == [
        *[f for f in report.flags if f.item == "headline"],
        *[f for p in report.key_points for f in p.flags],
        *[f for c in report.claims for f in c.flags],
        *[f for f in report.flags if (f.item or "").startswith("candidate")],
    ]


def junk_ids(report: Report) -> set[str]:
    return {s.id for s in report.source.sentences if junk_reason(s.text) is not None}


def covered(report: Report) -> set[str]:
    return {i for claim in report.claims for i in claim.sentence_ids}


@pytest.mark.vcr
def test_seed_report(seed_text: str) -> None:
    report = summarise(seed_text)
    assert_pinned(report)
    assert report.model == DEFAULT_ALIAS
    assert report.prompt_version == prompt_version()
    assert report.chunks == 1
    assert report.usage.calls == 1 and report.usage.cache_hits == 0
    assert report.usage.input_tokens > 500 and report.usage.output_tokens > 0
    # The grammar-bound model only chooses a type, checkability and speaker per sentence.
    assert report.usage.output_tokens <= 700
    assert 0 < len(report.claims) <= 12
    assert report.headline and report.key_points
    # Speakers only as the text gives them: the prime minister's quoted sentences are his.
    quoted = [c for c in report.claims if "“" in c.quote and c.speaker is not None]
    assert quoted and all(c.speaker == "Keir Starmer" for c in quoted)

    again = summarise(seed_text)
    assert again.usage.calls == 0 and again.usage.cache_hits >= 1
    assert again.usage.input_tokens == 0
    assert again.claims == report.claims and again.headline == report.headline


@pytest.mark.vcr
@pytest.mark.default_cassette("test_seed_report.yaml")
async def test_seed_report_async_matches_sync(seed_text: str) -> None:
    report = await asummarise(seed_text, cache=False)
    assert_pinned(report)
    assert report.usage.calls == 1
    assert len(report.claims) > 0


@pytest.mark.vcr
@pytest.mark.default_cassette("test_seed_report.yaml")
def test_cli_prints_json_and_markdown(
    seed_text: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    article = Path(str(tmp_path)) / "article.txt"
    article.write_text(seed_text, encoding="utf-8")
    assert main(["summarise", str(article), "--format", "json"]) == 0
    report = Report.model_validate(json.loads(capsys.readouterr().out))
    assert_pinned(report)
    assert main(["summarise", str(article), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith(f"# {report.headline}")
    assert "0 call(s)" in markdown and "1 cache hit(s)" in markdown


@pytest.mark.vcr
def test_long_document_is_chunked_mapped_and_reduced(long_text: str) -> None:
    report = summarise(long_text, chunk_tokens=150, cache=False)
    assert_pinned(report)
    assert report.chunks >= 3
    # One call per chunk: a grammar-bound model's notes need no reduce call.
    assert report.usage.calls == report.chunks
    assert len(report.claims) <= 12
    assert report.key_points
    every = summarise(long_text, chunk_tokens=150, cache=False, max_claims=None)
    assert covered(every) == set(every.source.ids) - junk_ids(every)


@pytest.mark.vcr
def test_other_openai_compatible_server_falls_back_to_json_mode(
    embedded_model: str, seed_text: str
) -> None:
    """A plain client to an unknown server: strict json_schema is tried first; llama.cpp
    answers HTTP 500, and the call falls back to JSON mode + schema without a retry storm."""
    client = OpenAI(base_url=embedded_model, api_key="sk-replay-dummy-key", max_retries=0)
    report = summarise(seed_text, client=client, model=DEFAULT_ALIAS, cache=False)
    assert_pinned(report)
    assert report.usage.calls == 2 and report.usage.retries == 0
